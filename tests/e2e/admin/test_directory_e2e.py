"""The client directory through the real bot and the Discord fake: /admin clientes importar (preview,
bad rows, idempotency, restart), asignar / quitar / ver, /admin miembros ver, the client autocomplete."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from bot.services import directory
from db.audit import Actor
from db.models import AuditLog, Claim, Client, ClientAssignment, ClientService, Member
from tests.fakes.discord_fake import buttons, mentions_safe, message_text

HEADER = "cliente,nit,kam_discord_id,kam_nombre,kam_correo_sense,kam_cedula,kam_cargo,servicios,hubspot_company_id\n"


async def people(h) -> dict[str, int]:
    return {
        "admin": await h.member("Admin", ["Admin ventas-ops"]),
        "ana": await h.member("Ana Gómez", ["KAM"]),
        "luis": await h.member("Luis Peña", ["KAM"]),
    }


def directory_csv(ids: dict[str, int]) -> bytes:
    return (HEADER + (
        f"Panadería La Espiga,900.123.456-8,{ids['ana']},Ana Gómez,ana@sensedigital.co,1.020.304.050,Trafficker,Sitio web;Social Ads,\n"
        f"Sánchez & Peña Ltda,,{ids['ana']},Ana Gómez,,,,Google Ads,\n"
        f"Sanchez Hermanos,,{ids['luis']},Luis Peña,luis@sensedigital.co,,CM,Community Manager,\n"
    )).encode()


async def upload(h, user: int, data: bytes, filename: str = "clientes.csv"):
    handle = await h.fake.slash(user, "admin clientes importar", attachments={"archivo": (filename, data, "text/csv")})
    return handle, await handle.wait_final()


async def confirm(h, user: int, preview: dict, label: str = "Importar") -> str:
    await h.fake.click(user, preview, label=label)
    msg = h.fake.messages_by_id[int(preview["id"])]
    return await h.fake.wait_for(lambda: "⏳" not in message_text(msg) and not buttons(msg) and message_text(msg))


async def totals(h) -> list[int]:
    async with h.sessionmaker() as s:
        return [(await s.execute(select(func.count()).select_from(m))).scalar_one()
                for m in (Client, Member, ClientAssignment, ClientService)]


async def test_good_import_preview_then_apply(harness):
    ids = await people(harness)
    handle, preview = await upload(harness, ids["admin"], directory_csv(ids))
    text = message_text(preview)
    assert handle.ephemeral and "Vista previa" in text and mentions_safe(preview)
    assert "Clientes nuevos: **3**" in text and "Asignaciones nuevas: **3**" in text and "Servicios nuevos: **4**" in text
    assert [b["label"] for b in buttons(preview)] == ["Importar", "Cancelar"]
    assert await totals(harness) == [0, 0, 0, 0]  # the preview changes nothing
    stale = copy.deepcopy(preview)  # as a second, concurrent click would see it
    done = await confirm(harness, ids["admin"], preview)
    assert "Importación aplicada" in done and "Clientes nuevos: **3**" in done
    assert await totals(harness) == [3, 2, 3, 4]
    async with harness.sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action).where(AuditLog.actor_discord_id == ids["admin"]))).scalars())
    assert actions.count("cliente.crear") == 3 and actions.count("cliente.asignar") == 3 and "directorio.importar" in actions
    # a second click on the used preview changes nothing
    h = await harness.fake.click(ids["admin"], stale, label="Importar")
    assert "ya se usó" in message_text(await h.wait_final())
    assert await totals(harness) == [3, 2, 3, 4]


async def test_bad_rows_listed_with_line_numbers_and_nothing_imported(harness):
    ids = await people(harness)
    bad = directory_csv(ids) + (
        f"Mal NIT,900.123.456-0,{ids['ana']},Ana Gómez,,,,web,\n"
        f"Servicio raro,,{ids['ana']},Ana Gómez,,,,hosting,\n"
        f",,{ids['luis']},Luis Peña,,,,web,\n"
        "Desconocido,,123456789012345678,,,,,web,\n"
    ).encode()
    handle, reply = await upload(harness, ids["admin"], bad)
    text = message_text(reply)
    assert handle.ephemeral and "no se importó nada" in text and "**4**" in text
    assert "Línea 5: nit:" in text and "dígito de verificación" in text
    assert "Línea 6: servicios:" in text and "hosting" in text
    assert "Línea 7: falta el nombre del cliente" in text
    assert "Línea 8: el KAM no está en el directorio" in text
    assert buttons(reply) == [] and mentions_safe(reply)
    assert await totals(harness) == [0, 0, 0, 0]


async def test_same_file_twice_changes_nothing(harness):
    ids = await people(harness)
    data = directory_csv(ids)
    _, preview = await upload(harness, ids["admin"], data)
    await confirm(harness, ids["admin"], preview)
    before = await totals(harness)
    async with harness.sessionmaker() as s:
        audit_before = (await s.execute(select(func.count()).select_from(AuditLog))).scalar_one()
    _, again = await upload(harness, ids["admin"], data)
    text = message_text(again)
    assert "nada que cambiar" in text and "sin cambios: **3**" in text and buttons(again) == []
    assert await totals(harness) == before
    async with harness.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(AuditLog))).scalar_one() == audit_before


async def test_excel_semicolon_file_and_cancel(harness):
    ids = await people(harness)
    data = b"\xef\xbb\xbf" + directory_csv(ids).decode().replace(",", ";").replace("web;Social", "web,Social").encode()
    _, preview = await upload(harness, ids["admin"], data, filename="clientes excel.csv")
    assert "Clientes nuevos: **3**" in message_text(preview)
    done = await confirm(harness, ids["admin"], preview, label="Cancelar")
    assert "cancelada" in done and await totals(harness) == [0, 0, 0, 0]


async def test_preview_button_survives_a_restart(harness):
    ids = await people(harness)
    _, preview = await upload(harness, ids["admin"], directory_csv(ids))
    await harness.restart()
    done = await confirm(harness, ids["admin"], preview)
    assert "Importación aplicada" in done and (await totals(harness))[0] == 3


async def test_import_while_another_process_writes_the_directory(harness, monkeypatch):
    """The directory's write claim is in the database: held by another process (the CLI, a sync), the
    click waits, then says so in Spanish and leaves the preview usable; once free, the same click imports."""
    from bot.services import directory_sync

    monkeypatch.setattr(directory_sync, "WAIT_SECONDS", 0.3)
    ids = await people(harness)
    _, preview = await upload(harness, ids["admin"], directory_csv(ids))
    now = harness.bot.clock.now()
    async with harness.sessionmaker() as s:
        s.add(Claim(name=directory_sync.CLAIM, holder="otra-maquina:4242:importacion-cli:1", taken_at=now,
                    expires_at=now + timedelta(minutes=10)))
        await s.commit()
    await harness.fake.click(ids["admin"], preview, label="Importar")
    msg = harness.fake.messages_by_id[int(preview["id"])]
    text = await harness.fake.wait_for(lambda: "en curso" in message_text(msg) and message_text(msg))
    assert "importación o sincronización" in text and "No se cambió nada" in text
    assert [b["label"] for b in buttons(msg)] == ["Importar", "Cancelar"] and mentions_safe(msg)
    assert await totals(harness) == [0, 0, 0, 0]
    async with harness.sessionmaker() as s:
        await s.execute(delete(Claim))
        await s.commit()
    done = await confirm(harness, ids["admin"], msg)
    assert "Importación aplicada" in done and (await totals(harness))[0] == 3


def bogota_day(when: datetime) -> str:
    return f"{when.astimezone(ZoneInfo('America/Bogota')):%d/%m/%Y}"


async def test_reassignment_keeps_history(harness):
    ids = await people(harness)
    _, preview = await upload(harness, ids["admin"], directory_csv(ids))
    await confirm(harness, ids["admin"], preview)
    imported = bogota_day(harness.clock.now())
    reassigned = bogota_day(harness.clock.advance(days=9))  # the history shows both days, from the bot's clock
    async with harness.sessionmaker() as s:
        espiga = await directory.find_client(s, "panaderia la espiga")
    h = await harness.fake.slash(ids["admin"], "admin clientes asignar",
                                 {"cliente": str(espiga.id), "kam": ids["luis"], "unico": True})
    text = await h.text()
    assert h.ephemeral and "Luis Peña ahora atiende a **Panadería La Espiga**" in text and "Ana Gómez" in text
    h = await harness.fake.slash(ids["admin"], "admin clientes ver", {"cliente": "PANADERIA la espiga"})
    shown = await h.text()
    assert "KAMs actuales: Luis Peña" in shown and "NIT: 900123456-8" in shown and "Sitio web" in shown
    assert f"• Ana Gómez: desde {imported} hasta {reassigned} (CSV)" in shown
    assert f"• Luis Peña: desde {reassigned} hasta hoy (manual)" in shown
    async with harness.sessionmaker() as s:
        hist = await directory.assignment_history(s, espiga.id)
    assert [(a.member.name, a.ended_at is None) for a in hist] == [("Ana Gómez", False), ("Luis Peña", True)]
    # Ana can no longer pick the client; Luis can
    assert await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "espiga") == []
    assert [c["name"] for c in await harness.fake.autocomplete(ids["luis"], "registrar-negocio", "cliente", "espiga")] == ["Panadería La Espiga"]
    # quitar closes the assignment; a second quitar changes nothing
    h = await harness.fake.slash(ids["admin"], "admin clientes quitar", {"cliente": str(espiga.id), "kam": ids["luis"]})
    assert "ya no atiende" in await h.text()
    h = await harness.fake.slash(ids["admin"], "admin clientes quitar", {"cliente": str(espiga.id), "kam": ids["luis"]})
    assert "no atiende" in await h.text()
    async with harness.sessionmaker() as s:
        assert await directory.current_kams(s, espiga.id) == []
        assert len(await directory.assignment_history(s, espiga.id)) == 2


async def test_autocomplete_only_callers_clients_accent_insensitive(harness):
    ids = await people(harness)
    _, preview = await upload(harness, ids["admin"], directory_csv(ids))
    await confirm(harness, ids["admin"], preview)
    ana = [c["name"] for c in await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "Sánchez")]
    assert ana == ["Sánchez & Peña Ltda"]  # «Sanchez Hermanos» is Luis's
    assert [c["name"] for c in await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "PEÑA")] == ["Sánchez & Peña Ltda"]
    assert await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "pena") == []  # ñ is not n
    assert [c["name"] for c in await harness.fake.autocomplete(ids["luis"], "intencion-renovacion", "cliente", "sanchez")] == ["Sanchez Hermanos"]
    everyone = await harness.fake.autocomplete(ids["admin"], "admin clientes ver", "cliente", "SANCHEZ")
    assert [c["name"] for c in everyone] == ["Sánchez & Peña Ltda", "Sanchez Hermanos"]
    assert await harness.fake.autocomplete(ids["ana"], "admin clientes ver", "cliente", "sanchez") == []


async def test_members_view(harness):
    ids = await people(harness)
    _, preview = await upload(harness, ids["admin"], directory_csv(ids))
    await confirm(harness, ids["admin"], preview)
    h = await harness.fake.slash(ids["admin"], "admin miembros ver")
    text = await h.text()
    assert "Miembros del directorio** (2)" in text and "Ana Gómez (Trafficker): 2 clientes" in text
    h = await harness.fake.slash(ids["admin"], "admin miembros ver", {"miembro": ids["ana"]})
    text = await h.text()
    assert "Ana Gómez" in text and "ana@sensedigital.co" in text and "••••4050" in text and "1020304050" not in text
    assert "Clientes actuales (2)" in text and "Panadería La Espiga" in text


async def test_non_admins_refused_and_audited(harness):
    ids = await people(harness)
    attempts = [
        ("admin clientes importar", {}, {"archivo": ("clientes.csv", directory_csv(ids), "text/csv")}),
        ("admin clientes asignar", {"cliente": "x", "kam": ids["ana"]}, None),
        ("admin clientes quitar", {"cliente": "x", "kam": ids["ana"]}, None),
        ("admin clientes ver", {"cliente": "x"}, None),
        ("admin miembros ver", {}, None),
    ]
    for command, opts, files in attempts:
        h = await harness.fake.slash(ids["ana"], command, opts, attachments=files)
        text = await h.text()
        assert h.ephemeral and "solo para «Admin ventas-ops»" in text, command
    assert await totals(harness) == [0, 0, 0, 0]
    async with harness.sessionmaker() as s:
        denied = (await s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == "acceso.denegado"))).scalar_one()
    assert denied == len(attempts)


async def test_hubspot_sync_assigns_owners_and_reports_conflicts(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    hs = h.hubspot
    ana_owner = hs.add_owner("ana@sensedigital.co", "Ana", "Gómez")
    luis_owner = hs.add_owner("luis@sensedigital.co", "Luis", "Peña")
    ghost = hs.add_owner("nadie@sensedigital.co", "Sin", "Miembro")
    _, preview = await upload(h, ids["admin"], directory_csv(ids))  # Espiga and Sánchez & Peña → Ana; Sanchez Hermanos → Luis
    await confirm(h, ids["admin"], preview)
    espiga_id = hs.add_company(name="PANADERIA LA ESPIGA", hubspot_owner_id=luis_owner, servicios="web;google_ads")
    hs.add_company(name="Ferretería El Tornillo", hubspot_owner_id=ana_owner, servicios="social_ads;hosting")
    hs.add_company(name="Óptica Visión", hubspot_owner_id=ghost)
    handle = await h.fake.slash(ids["admin"], "admin clientes sincronizar")
    text = await handle.text()
    assert handle.ephemeral and "3 empresas" in text and "Clientes nuevos: **2**" in text and "vinculados por nombre: **1**" in text
    assert "Asignaciones nuevas: **1**" in text and "miembros vinculados por correo: **2**" in text
    assert "**Conflictos: 1**" in text and "Panadería La Espiga: en el directorio lo atiende Ana Gómez; en HubSpot su propietario es Luis Peña" in text
    assert "Sin Miembro" in text and "hosting" in text
    async with h.sessionmaker() as s:
        espiga = await directory.find_client(s, "panaderia la espiga")
        assert espiga.hubspot_company_id == espiga_id
        assert [m.name for m in await directory.current_kams(s, espiga.id)] == ["Ana Gómez"]  # not overwritten
        assert await directory.services_of(s, espiga.id) == {"web", "social_ads", "google_ads"}
        tornillo = await directory.find_client(s, "ferreteria el tornillo")
        assert [m.name for m in await directory.current_kams(s, tornillo.id)] == ["Ana Gómez"]
        assert [a.source for a in await directory.assignment_history(s, tornillo.id)] == ["hubspot"]
        assert (await directory.get_member(s, ids["ana"])).hubspot_owner_id == ana_owner
    again = await (await h.fake.slash(ids["admin"], "admin clientes sincronizar")).text()
    assert "Clientes nuevos: **0**" in again and "Asignaciones nuevas: **0**" in again and "servicios nuevos: **0**" in again


async def test_sync_without_hubspot_is_refused(harness):
    ids = await people(harness)
    text = await (await harness.fake.slash(ids["admin"], "admin clientes sincronizar")).text()
    assert "HubSpot no está configurado" in text


async def test_daily_sync_runs_once_a_day_apart_from_the_export(harness_factory):
    from bot.scheduler import default_jobs, directory_sync_job, export_job

    h = await harness_factory(hubspot=True)
    ids = await people(h)
    owner = h.hubspot.add_owner("ana@sensedigital.co", "Ana", "Gómez")
    async with h.sessionmaker() as s:
        await directory.create_member(s, Actor(None, "test"), ids["ana"], "Ana Gómez", sense_email="ana@sensedigital.co")
        await s.commit()
    h.hubspot.add_company(name="Cliente HubSpot", hubspot_owner_id=owner, servicios="web")
    # the export no longer waits for HubSpot's company pages: the sync is its own job at the same time
    await export_job(h.bot)
    assert h.hubspot.count("GET", r"/crm/v3/objects/companies") == 0
    jobs = default_jobs(h.bot)
    export_trigger = str(jobs.scheduler.get_job("exportacion").trigger)
    assert str(jobs.scheduler.get_job("directorio").trigger) == export_trigger
    await directory_sync_job(h.bot)
    async with h.sessionmaker() as s:
        client = await directory.find_client(s, "cliente hubspot")
        assert [m.name for m in await directory.current_kams(s, client.id)] == ["Ana Gómez"]
    listed = h.hubspot.count("GET", r"/crm/v3/objects/companies")
    await directory_sync_job(h.bot)  # same day: not again
    assert h.hubspot.count("GET", r"/crm/v3/objects/companies") == listed


def test_abandoned_import_previews_are_dropped_after_a_day(tmp_path):
    """Uploaded CSVs hold cédulas: a preview nobody applied or cancelled does not stay on disk."""
    import os
    import time
    from types import SimpleNamespace

    from bot.exts.admin.directory import PREVIEW_SECONDS, _import_dir, _store

    bot = SimpleNamespace(settings=SimpleNamespace(data_dir=tmp_path))
    old = _store(bot, b"cliente\nA\n", "viejo.csv")
    folder = _import_dir(bot)
    stale = time.time() - PREVIEW_SECONDS - 60
    for f in folder.glob(f"{old}.*"):
        os.utime(f, (stale, stale))
    applying = folder / "otro.applying"
    applying.write_bytes(b"")
    os.utime(applying, (stale, stale))
    new = _store(bot, b"cliente\nB\n", "nuevo.csv")
    names = {f.name for f in folder.iterdir()}
    assert names == {f"{new}.csv", f"{new}.name", "otro.applying"}


async def test_xlsx_upload_imports_like_the_csv(harness):
    import csv
    import io

    from openpyxl import Workbook

    ids = await people(harness)
    wb = Workbook()
    ws = wb.active
    ws.title = "clientes"
    for row in csv.reader(directory_csv(ids).decode().splitlines()):
        ws.append(row)  # every cell text, as in examples/clientes.xlsx
    buf = io.BytesIO()
    wb.save(buf)
    _, preview = await upload(harness, ids["admin"], buf.getvalue(), filename="clientes.xlsx")
    assert "Clientes nuevos: **3**" in message_text(preview), message_text(preview)
    await harness.restart()  # the stored workbook is read again by the button
    done = await confirm(harness, ids["admin"], preview)
    assert "Importación aplicada" in done and await totals(harness) == [3, 2, 3, 4]
    _, again = await upload(harness, ids["admin"], directory_csv(ids))
    assert "nada que cambiar" in message_text(again)
