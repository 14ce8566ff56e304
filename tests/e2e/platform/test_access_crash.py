"""Issue 17: an access request's DM to the requester survives a kill -9 right after the decision. The
DM is an outbox item written in the decision's transaction; the restarted bot delivers it, exactly
once. A requester whose DMs are closed gets a notice in the sales channel that pings them, and only
them — once, however often the held DM is retried."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.services import outbox as ob
from db import migrate
from db.audit import Actor
from db.engine import make_engine
from db.models import AccessRequest, OutboxMessage
from tests.e2e.crash_trial import env_for
from tests.e2e.platform.test_confirmations_e2e import rows_of
from tests.e2e.requests.test_access_e2e import GMAIL, SENSE, access_card, people, pings_only, request_access
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake, mentions_safe, message_text

REASON = "El correo no es tuyo @everyone"


async def test_a_rejection_dm_survives_a_kill_9_right_after_the_decision(tmp_path: Path, database_url):
    fake = DiscordFake()
    await fake.start()
    url = database_url
    try:
        ana = await fake.add_member("Ana Gómez", [])
        jd = await fake.add_member("Juan Diego Dillmann", ["Aprobador HubSpot"])
        eng = make_engine(url)
        await migrate.upgrade(eng)
        await eng.dispose()
        env = env_for(fake, tmp_path, url)
        proc = BotProcess(env, tmp_path, tmp_path / "bot.log", module="tests.e2e.held_access_bot")
        await proc.start(fake, timeout=90)  # generous: CI machines are shared
        handle = await fake.slash(ana, "solicitar-usuario-hubspot", {"correo-sense": SENSE, "gmail": GMAIL},
                                  channel="general")
        assert "#1" in await handle.text(30)
        receipt = await fake.wait_for_dm(ana, timeout=30)  # sent at once (it says whether DMs are open)
        card = await fake.wait_for_message(predicate=lambda m: any(
            (e.get("title") or "").startswith("Solicitud #1 ") for e in m["embeds"]), timeout=30)
        click = await fake.click(jd, card, label="Rechazar")
        assert (await click.response(30))["type"] == 9
        await fake.submit_modal(jd, click.modal, {"reason": REASON}, message=card)
        # the rejection is committed; its answer (and everything after it) is held: kill -9 now
        deadline = asyncio.get_running_loop().time() + 60
        while not any(r.status == "rechazada" for r in await rows_of(url, AccessRequest)):
            assert asyncio.get_running_loop().time() < deadline, "the rejection was not committed"
            await asyncio.sleep(0.2)
        assert fake.dms(ana) == [receipt]  # the rejection's DM had not left
        await proc.kill()
        [queued] = [m for m in await rows_of(url, OutboxMessage) if m.target == "dm"]
        assert queued.target_id == ana and queued.status == "pendiente"

        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake, timeout=90)
        dm = await fake.wait_for_dm(ana, lambda m: "Motivo" in message_text(m), timeout=30)
        assert "El correo no es tuyo" in message_text(dm) and mentions_safe(dm)
        deadline = asyncio.get_running_loop().time() + 30
        while [m.status for m in await rows_of(url, OutboxMessage) if m.target == "dm"] != ["enviado"]:
            assert asyncio.get_running_loop().time() < deadline, "the delivered DM was not marked sent"
            await asyncio.sleep(0.2)
        # exactly once: another restart sends nothing more
        await proc.stop()
        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake, timeout=90)
        await asyncio.sleep(1.0)
        assert len(fake.dms(ana)) == 2  # the receipt and the rejection
        await proc.stop()
    finally:
        await fake.stop()


async def test_closed_dms_get_one_channel_notice_that_pings_only_them(harness_factory):
    h = await harness_factory(hubspot=False)
    ids = await people(h)
    h.fake.closed_dms.add(ids["ana"])
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    click = await h.fake.click(ids["jd"], card, label="Rechazar")
    assert (await click.response())["type"] == 9
    await (await h.fake.submit_modal(ids["jd"], click.modal, {"reason": "Correo ajeno"}, message=card)).text()

    def notices():
        return [m for m in h.fake.messages_by_id.values()
                if f"<@{ids['ana']}>" in (m.get("content") or "") and "#1" in (m.get("content") or "")]

    await h.fake.wait_for(notices)
    [notice] = notices()
    assert pings_only(notice, ids["ana"]) and "no fue aprobada" in notice["content"]
    assert "Correo ajeno" not in notice["content"]  # the reason stays private
    assert h.fake.dms(ids["ana"]) == []
    async with h.sessionmaker() as s:
        [dm] = [m for m in (await s.execute(select(OutboxMessage))).scalars() if m.target == "dm"]
    assert dm.status == "retenido"  # held like any refused DM: retried, and sent if she opens her DMs
    # the held DM's retries (and a resend) post no second notice
    await h.bot.outbox.flush()
    h.fake.closed_dms.discard(ids["ana"])
    async with h.sessionmaker() as s:
        await ob.release_held(s, Actor.system("prueba"), h.bot.clock.now())
        await s.commit()
    await h.bot.outbox.flush()
    await h.fake.wait_for_dm(ids["ana"], lambda m: "Correo ajeno" in message_text(m))
    assert len(notices()) == 1
