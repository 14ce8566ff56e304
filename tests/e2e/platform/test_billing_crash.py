"""Issue 17: a proforma's DM to the requester — with its PDF — and its reply on the deal card survive a
kill -9 right after the decision. Both are outbox items written in the decision's transaction, the file
a durable copy under DATA_DIR; the restarted bot delivers each exactly once, the reply as a reply to the
deal card (its message id read at delivery)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from bot.services import billing as bsvc
from bot.services import directory
from db import migrate
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import BillingRequest, Deal, OutboxMessage
from tests.e2e.crash_trial import env_for
from tests.e2e.deals.test_deals_e2e import PDF
from tests.e2e.platform.test_confirmations_e2e import rows_of
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake, mentions_safe, message_text


async def seed_request(url: str, ana: int) -> None:
    """Ana's deal and her pending proforma request, committed before the bot starts (it posts the card)."""
    eng = make_engine(url)
    await migrate.upgrade(eng)
    sm = make_sessionmaker(eng)
    admin = Actor.system("prueba")
    async with sm() as s:
        member = await directory.ensure_member(s, ana, "Ana Gómez", admin)
        client = await directory.create_client(s, admin, "Panadería La Espiga")
        deal = Deal(member_id=member.id, client_id=client.id, deal_type="cross_sale", service="web",
                    total_value=12_000_000, advance_amount=6_000_000, advance_date=date(2026, 11, 22),
                    commission_estimate=720_000, status="pendiente")
        s.add(deal)
        await s.flush()
        await bsvc.create_billing_request(s, discord_id=ana, deal_ref=deal.id, kind="proforma", amount=6_000_000,
                                          notes=None, actor=Actor(ana, "Ana Gómez"), now=datetime.now(UTC))
        await s.commit()
    await eng.dispose()


def card_replies(fake: DiscordFake) -> list[dict]:
    """The bot's replies in the sales channel (the deal card's is the only one)."""
    return [m for m in fake.channel_messages() if m.get("message_reference")]


async def test_a_proforma_dm_with_its_pdf_survives_a_kill_9_right_after_the_decision(tmp_path: Path, database_url):
    fake = DiscordFake()
    await fake.start()
    url = database_url
    try:
        ana = await fake.add_member("Ana Gómez", ["KAM"])
        jd = await fake.add_member("Juan Diego Dillmann", ["Aprobador HubSpot"])
        await seed_request(url, ana)
        env = env_for(fake, tmp_path, url)
        proc = BotProcess(env, tmp_path, tmp_path / "bot.log", module="tests.e2e.held_billing_bot")
        await proc.start(fake, timeout=90)  # generous: CI machines are shared
        card = await fake.wait_for_message(predicate=lambda m: any(
            (e.get("title") or "").startswith("Solicitud #1 · Factura proforma") for e in m["embeds"]), timeout=30)
        click = await fake.click(jd, card, label="Hecho")
        assert (await click.response(30))["type"] == 9
        await fake.submit_modal(jd, click.modal, {"note": "Vence en 15 días"}, message=card,
                                files={"pdf": [("proforma.pdf", PDF, "application/pdf")]})
        # the decision is committed; its answer (and everything after it) is held: kill -9 now
        deadline = asyncio.get_running_loop().time() + 60
        while not any(r.status == "hecha" for r in await rows_of(url, BillingRequest)):
            assert asyncio.get_running_loop().time() < deadline, "the decision was not committed"
            await asyncio.sleep(0.2)
        assert fake.dms(ana) == []  # the decision's DM had not left
        assert card_replies(fake) == []  # nor the reply on the deal card
        await proc.kill()
        [queued_reply] = [m for m in await rows_of(url, OutboxMessage) if m.dedupe_key == "cobro:1:tarjeta"]
        assert queued_reply.status == "pendiente" and queued_reply.payload["reply_to"] == {"card": "deal", "id": 1}
        [queued] = [m for m in await rows_of(url, OutboxMessage) if m.target == "dm"]
        assert queued.target_id == ana and queued.status == "pendiente"
        [f] = queued.payload["files"]
        assert Path(f["path"]).is_relative_to(tmp_path / "data") and Path(f["path"]).read_bytes() == PDF

        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake, timeout=90)
        dm = await fake.wait_for_dm(ana, lambda m: bool(m.get("attachments")), timeout=30)
        assert "Vence en 15 días" in message_text(dm) and mentions_safe(dm)
        att = dm["attachments"][0]
        assert att["filename"] == "proforma-negocio-1-solicitud-1.pdf" and fake.attachments[int(att["id"])][0] == PDF
        deadline = asyncio.get_running_loop().time() + 30
        while [m.status for m in await rows_of(url, OutboxMessage) if m.target == "dm"] != ["enviado"]:
            assert asyncio.get_running_loop().time() < deadline, "the delivered DM was not marked sent"
            await asyncio.sleep(0.2)
        [deal] = await rows_of(url, Deal)
        await fake.wait_for(lambda: card_replies(fake), timeout=30)
        [reply] = card_replies(fake)
        assert reply["message_reference"]["message_id"] == str(deal.card_message_id) and mentions_safe(reply)
        assert "Factura proforma del negocio #1" in reply["content"] and "Juan Diego Dillmann" in reply["content"]
        assert fake.attachments[int(reply["attachments"][0]["id"])][0] == PDF
        # exactly once: another restart sends nothing more
        await proc.stop()
        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake, timeout=90)
        await asyncio.sleep(1.0)
        assert len(fake.dms(ana)) == 1
        assert len(card_replies(fake)) == 1
        await proc.stop()
    finally:
        await fake.stop()
