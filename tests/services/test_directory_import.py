"""The CSV import of the client directory: parsing, the plan's counts, one transaction, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.errors import InputError
from bot.services import directory
from bot.services import directory_import as imp
from db.audit import Actor
from db.models import AuditLog, Client, ClientAssignment, ClientService, Member

ACTOR = Actor(1, "Admin")
HEADER = "cliente,nit,kam_discord_id,kam_nombre,kam_correo_sense,kam_cedula,kam_cargo,servicios,hubspot_company_id\n"
ANA = "111111111111111111"
LUIS = "222222222222222222"

GOOD = HEADER + (
    f"Panadería La Espiga,900.123.456-8,{ANA},Ana Gómez,ana@sensedigital.co,1.020.304.050,Trafficker,web;social ads,\n"
    f"Panadería La Espiga,,{LUIS},Luis Peña,luis@sensedigital.co,,CM,Community Manager,\n"
    f"Sánchez & Peña Ltda,,{ANA},,,,,google ads,12345\n"
)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def run(sessionmaker, text: str | bytes, *, commit: bool = True) -> imp.Plan:
    data = text.encode() if isinstance(text, str) else text
    async with sessionmaker() as s:
        p = await imp.plan(s, imp.parse(data))
        if p.ok and commit:
            await imp.apply(s, ACTOR, p, filename="clientes.csv", now=NOW)
            await s.commit()
    return p


async def count(sessionmaker, model) -> int:
    async with sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_good_file_counts_and_writes(sessionmaker):
    p = await run(sessionmaker, GOOD, commit=False)
    assert p.ok, p.errors
    c = p.counts
    assert (c.clients_new, c.members_new, c.assignments_new, c.services_new) == (2, 2, 3, 4)
    assert await count(sessionmaker, Client) == 0  # the preview writes nothing
    await run(sessionmaker, GOOD)
    async with sessionmaker() as s:
        espiga = await directory.find_client(s, "panaderia la espiga")
        assert espiga.nit == "900123456-8"
        assert {m.name for m in await directory.current_kams(s, espiga.id)} == {"Ana Gómez", "Luis Peña"}
        assert await directory.services_of(s, espiga.id) == {"web", "social_ads", "community_manager"}
        ana = await directory.get_member(s, int(ANA))
        assert (ana.sense_email, ana.cedula, ana.job_role) == ("ana@sensedigital.co", "1020304050", "trafficker")
        sanchez = await directory.find_client(s, "SANCHEZ & PEÑA LTDA")
        assert sanchez.hubspot_company_id == "12345"
        actions = list((await s.execute(select(AuditLog.action))).scalars())
    assert actions.count("cliente.crear") == 2 and actions.count("cliente.asignar") == 3
    assert "directorio.importar" in actions and actions.count("miembro.crear") == 2


async def test_same_file_twice_changes_nothing(sessionmaker):
    await run(sessionmaker, GOOD)
    before = [await count(sessionmaker, m) for m in (Client, Member, ClientAssignment, ClientService)]
    p = await run(sessionmaker, GOOD)
    assert p.counts.changes == 0 and p.counts.clients_unchanged == 2
    assert [await count(sessionmaker, m) for m in (Client, Member, ClientAssignment, ClientService)] == before


async def test_bad_rows_each_reported_and_nothing_written(sessionmaker):
    bad = HEADER + (
        f"Bien SAS,,{ANA},Ana,,,,web,\n"
        f",,{ANA},Ana,,,,web,\n"                                  # line 3: no client
        f"Mal NIT,900.123.456-0,{ANA},Ana,,,,web,\n"             # line 4: check digit
        f"Mal correo,,{LUIS},Luis,luis@gmail.com,,,web,\n"        # line 5: not Sense
        f"Mal servicio,,{ANA},Ana,,,,\"web;hosting\",\n"          # line 6: unknown service
        f"Mal id,,12ab,Ana,,,,web,\n"                              # line 7
        f"Sin id,,,Pedro,,,,web,\n"                                # line 8
        f"Mal cédula,,{LUIS},Luis,,12,,web,\n"                     # line 9
        f"Bien SAS,,{ANA},Ana,,,,web,\n"                           # line 10: duplicate pair
    )
    p = await run(sessionmaker, bad)
    assert not p.ok
    lines = {e.line: e.reason for e in p.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "cliente" in lines[3] and "dígito de verificación" in lines[4] and "@sensedigital.co" in lines[5]
    assert "hosting" in lines[6] and "kam_discord_id" in lines[7] and "kam_discord_id" in lines[8]
    assert "cédula" in lines[9].lower() and "línea 2" in lines[10]
    assert await count(sessionmaker, Client) == 0 and await count(sessionmaker, Member) == 0
    async with sessionmaker() as s:
        with pytest.raises(InputError):
            await imp.apply(s, ACTOR, p, now=NOW)


async def test_reimport_with_other_kam_reassigns_and_keeps_history(sessionmaker):
    await run(sessionmaker, HEADER + f"Espiga,,{ANA},Ana,,,,web,\n")
    p = await run(sessionmaker, HEADER + f"Espiga,,{LUIS},Luis,,,,web,\n")
    assert (p.counts.assignments_new, p.counts.assignments_ended, p.counts.clients_changed) == (1, 1, 1)
    async with sessionmaker() as s:
        espiga = await directory.find_client(s, "espiga")
        hist = await directory.assignment_history(s, espiga.id)
    assert [(a.member.name, a.ended_at is None, a.source) for a in hist] == [("Ana", False, "csv"), ("Luis", True, "csv")]


async def test_conflicts_with_directory_are_row_errors(sessionmaker):
    async with sessionmaker() as s:
        await directory.create_client(s, ACTOR, "Otra Empresa", nit="900123456-8")
        await directory.create_member(s, ACTOR, 333333333333333333, "Marta", sense_email="marta@sensedigital.co")
        await s.commit()
    p = await run(sessionmaker, HEADER + (
        "Espiga,900123456-8,,,,,,,\n"  # NIT of «Otra Empresa» but another name → matches it (rename)
        f"Nueva,,{ANA},Ana,marta@sensedigital.co,,,,\n"
        f"Nueva 2,,{LUIS},,,,,,\n"
    ), commit=False)
    reasons = {e.line: e.reason for e in p.errors}
    assert sorted(reasons) == [3, 4]
    assert "Marta" in reasons[3] and "kam_nombre" in reasons[4]


async def test_semicolon_bom_and_cp1252_files(sessionmaker):
    text = GOOD.replace(",", ";").replace("web;social ads", "web,social ads")
    p = await run(sessionmaker, "\ufeff".encode() + text.encode(), commit=False)
    assert p.ok and p.parsed.delimiter == ";" and p.counts.clients_new == 2
    latin = (HEADER + f"Compañía Ñandú,,{ANA},José Núñez,,,,web,\n").encode("cp1252")
    p = await run(sessionmaker, latin)
    assert p.ok
    async with sessionmaker() as s:
        assert (await directory.find_client(s, "compañia ñandu")).name == "Compañía Ñandú"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"PK\x03\x04rest", "Excel"),
        (b"", "no tiene filas"),
        (HEADER.encode(), "no tiene filas"),
        (b"cliente,telefono\nX,1\n", "telefono"),
        (b"nit\n900123456-7\n", "cliente"),
        (b"x" * (imp.MAX_BYTES + 1), "MB"),
        ((HEADER + "C{i},,,,,,,,\n" * 3).encode(), None),
    ],
)
def test_file_level_refusals(data, needle):
    if needle is None:
        assert len(imp.parse(data).rows) == 3
        return
    with pytest.raises(InputError) as exc:
        imp.parse(data)
    assert needle in str(exc.value)


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(imp, "MAX_ROWS", 3)
    data = (HEADER + "".join(f"C{i},,,,,,,,\n" for i in range(4))).encode()
    with pytest.raises(InputError, match="más de 3 filas"):
        imp.parse(data)


def test_example_file_is_valid():
    parsed = imp.parse((Path(__file__).parents[2] / "examples" / "clientes.csv").read_bytes())
    assert parsed.errors == [] and len(parsed.rows) >= 3


def test_cli_preview_then_apply_then_nothing_to_do(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    csv_file = tmp_path / "clientes.csv"
    csv_file.write_bytes(GOOD.encode())
    runner = CliRunner()
    preview = runner.invoke(app, ["clientes", "importar", str(csv_file)])
    assert preview.exit_code == 0, preview.output
    assert "Vista previa" in preview.output and "Clientes nuevos: 2" in preview.output and "--aplicar" in preview.output
    done = runner.invoke(app, ["clientes", "importar", str(csv_file), "--aplicar"])
    assert done.exit_code == 0 and "Importación aplicada" in done.output and "Asignaciones nuevas: 3" in done.output
    again = runner.invoke(app, ["clientes", "importar", str(csv_file), "--aplicar"])
    assert again.exit_code == 0 and "nada que cambiar" in again.output
    csv_file.write_bytes((HEADER + f"Mal,900.123.456-0,{ANA},Ana,,,,web,\n").encode())
    bad = runner.invoke(app, ["clientes", "importar", str(csv_file), "--aplicar"])
    assert bad.exit_code == 1 and "Línea 2: nit:" in bad.output and "no se importó nada" in bad.output
    missing = runner.invoke(app, ["clientes", "importar", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


# --- ids Excel damaged, and .xlsx files -----------------------------------------------------------
EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize(
    ("cell", "needles"),
    [
        ("123456789012345000", ("redondeado por Excel", "15 cifras", "Formato de celdas → Texto", "clientes.xlsx")),
        ("12345678901234500000", ("redondeado por Excel",)),
        ("4,56789E+17", ("notación científica", "Excel", "Formato de celdas → Texto")),
        ("4.56789E+17", ("notación científica",)),
        ("1.23456789012345e17", ("notación científica",)),
        ("1234567890123456", ("17 a 20 dígitos",)),  # 16 digits: too short for a Discord id
        ("<@12345>", ("17 a 20 dígitos",)),
    ],
)
async def test_ids_excel_damaged_are_refused_with_the_explanation(sessionmaker, cell, needles):
    p = await run(sessionmaker, HEADER + f"Espiga,,\"{cell}\",Ana,,,,web,\n", commit=False)
    [error] = p.errors
    assert error.line == 2
    for needle in needles:
        assert needle in error.reason, (needle, error.reason)
    # the column is named once, not twice ("kam_discord_id: kam_discord_id: …")
    assert error.reason.startswith("kam_discord_id: «") and error.reason.count("kam_discord_id") == 1
    assert await count(sessionmaker, Member) == 0


async def test_id_that_really_ends_in_zeros_can_be_written_as_a_mention(sessionmaker):
    p = await run(sessionmaker, HEADER + "Espiga,,<@123456789012345000>,Ana,,,,web,\n")
    assert p.ok, p.errors
    async with sessionmaker() as s:
        assert (await directory.get_member(s, 123456789012345000)).name == "Ana"


def test_hubspot_id_error_names_the_column_once():
    [error] = imp.parse((HEADER + "Espiga,,,,,,,,abc\n").encode()).errors
    assert error.reason.startswith("hubspot_company_id: «abc»") and error.reason.count("hubspot_company_id") == 1


def xlsx_bytes(rows: list[list[object]], *, title: str = "clientes", other_sheet_first: bool = False) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    if other_sheet_first:
        wb.active.append(["nada que importar aquí"])
        ws = wb.create_sheet(title)
    else:
        ws = wb.active
        ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_xlsx_template_imports_like_the_csv_template(sessionmaker):
    xlsx = imp.parse((EXAMPLES / "clientes.xlsx").read_bytes())
    csv_ = imp.parse((EXAMPLES / "clientes.csv").read_bytes())
    assert xlsx.errors == [] and csv_.errors == [] and xlsx.delimiter == "xlsx" and csv_.delimiter == ";"
    assert xlsx.rows == csv_.rows and len(xlsx.rows) == 4
    p = await run(sessionmaker, (EXAMPLES / "clientes.xlsx").read_bytes())
    assert (p.counts.clients_new, p.counts.members_new, p.counts.assignments_new) == (3, 3, 4)
    again = await run(sessionmaker, (EXAMPLES / "clientes.csv").read_bytes(), commit=False)
    assert again.ok and again.counts.changes == 0  # the CSV finds exactly what the workbook imported
    async with sessionmaker() as s:
        ana = await directory.get_member(s, 123456789012345678)
        assert (ana.name, ana.cedula, ana.job_role) == ("Ana Gómez", "1020304050", "trafficker")


def test_xlsx_template_keeps_the_id_column_as_text():
    from openpyxl import load_workbook

    ws = load_workbook(EXAMPLES / "clientes.xlsx")["clientes"]
    header = [c.value for c in ws[1]]
    col = header.index("kam_discord_id") + 1
    assert ws.cell(2, col).data_type == "s" and ws.cell(2, col).value == "123456789012345678"
    assert all(ws.cell(r, col).number_format == "@" for r in range(2, 100))  # rows to paste into, too
    assert ws.freeze_panes == "A2"


def test_xlsx_number_cells():
    header = ["cliente", "kam_discord_id", "kam_nombre", "kam_cedula", "hubspot_company_id"]
    parsed = imp.parse(xlsx_bytes([
        header,
        ["Texto", "123456789012345678", "Ana", 1020304050, 1001],  # id as text; cédula and HubSpot id numbers
        ["Número", 123456789012345678, "Luis", None, None],  # a number cell keeps 15-17 significant digits only
        [None, None, None, None, None],  # an empty row is skipped, line numbers stay the sheet's
        ["Ceros", "123456789012345000", "Marta", None, None],  # pasted after Excel rounded it
    ], other_sheet_first=True))
    assert [(r.line, r.kam_discord_id, r.kam_cedula, r.hubspot_company_id) for r in parsed.rows] == [
        (2, 123456789012345678, "1020304050", "1001")]
    reasons = {e.line: e.reason for e in parsed.errors}
    assert sorted(reasons) == [3, 5]
    assert "«1.23456789012346E+17» está en notación científica" in reasons[3] and "redondeado por Excel" in reasons[5]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\xd0\xcf\x11\xe0old excel", ".xls"),
        (b"PK\x03\x04not a workbook", "Libro de Excel"),
    ],
)
def test_bad_workbooks_are_refused(data, needle):
    with pytest.raises(InputError) as exc:
        imp.parse(data)
    assert needle in str(exc.value)


def test_empty_workbook_is_refused():
    with pytest.raises(InputError, match="no tiene filas"):
        imp.parse(xlsx_bytes([]))
    with pytest.raises(InputError, match="no tiene filas"):
        imp.parse(xlsx_bytes([["cliente", "nit"]]))


def test_template_script_rebuilds_the_template(tmp_path):
    import runpy

    script = runpy.run_path(str(Path(__file__).parents[2] / "scripts" / "make_clientes_xlsx.py"))
    out = tmp_path / "clientes.xlsx"
    script["build"](EXAMPLES / "clientes.csv", out)
    assert imp.parse(out.read_bytes()).rows == imp.parse((EXAMPLES / "clientes.xlsx").read_bytes()).rows


def test_cli_imports_xlsx(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    done = CliRunner().invoke(app, ["clientes", "importar", str(EXAMPLES / "clientes.xlsx"), "--aplicar"])
    assert done.exit_code == 0, done.output
    assert "Importación aplicada" in done.output and "Clientes nuevos: 3" in done.output
    again = CliRunner().invoke(app, ["clientes", "importar", str(EXAMPLES / "clientes.csv")])
    assert again.exit_code == 0 and "nada que cambiar" in again.output


def test_errors_csv_uses_the_delimiter():
    import csv

    errors = [imp.RowError(3, "kam_discord_id: «=1+1»; mal")]
    text = imp.errors_csv(errors).decode("utf-8-sig")
    assert list(csv.reader(text.splitlines(), delimiter=";")) == [["linea", "motivo"], ["3", "kam_discord_id: «=1+1»; mal"]]
    assert imp.errors_csv(errors, delimiter=",").decode("utf-8-sig").startswith("linea,motivo")
