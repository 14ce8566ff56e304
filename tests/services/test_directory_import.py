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
