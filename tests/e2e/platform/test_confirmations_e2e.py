"""Issue 25.1: a registration stored but never answered (kill -9 between the commit and "registrado")
is confirmed to its KAM after the restart, once: by editing the original answer while its token is
valid (15 minutes), else by DM."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.services import directory
from bot.texts import deals as DT
from db import migrate
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import AuditLog, Deal
from tests.e2e.crash_trial import PNG, env_for
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake, message_text

NORMAL, HELD = 2, 5
LATE_MARK = DT.REGISTERED_AFTER_RESTART[:30]


async def seed(url: str, fake: DiscordFake, n: int) -> list[tuple[int, int]]:
    """n KAMs, each with one client that has «Sitio web» (an up sale of it is valid)."""
    kams = [await fake.add_member(f"KAM {i}", ["KAM"]) for i in range(n)]
    eng = make_engine(url)
    await migrate.upgrade(eng)
    try:
        async with make_sessionmaker(eng)() as s:
            actor = Actor.system("prueba")
            now = datetime.now(UTC)  # the bot subprocess runs on the wall clock (moved by --today)
            pairs = []
            for i, uid in enumerate(kams):
                member = await directory.ensure_member(s, uid, f"KAM {i}", actor)
                client = await directory.create_client(s, actor, f"Cliente {i}")
                await directory.assign(s, actor, client, member, now=now)
                await directory.add_service(s, actor, client, "web", now=now)
                pairs.append((uid, client.id))
            await s.commit()
    finally:
        await eng.dispose()
    return pairs


def register(fake: DiscordFake, uid: int, client_id: int):
    return fake.slash(uid, "registrar-negocio", {
        "cliente": str(client_id), "tipo": "up_sale", "servicio": "web", "valor-total": "2.000.000",
        "anticipo": "500.000"}, attachments={"comprobante": ("c.png", PNG, "image/png")})


async def rows_of(url: str, model: type[Any]) -> list[Any]:
    """Every row of ``model`` in the database the bot subprocess uses (a fresh engine each time)."""
    eng = make_engine(url)
    try:
        async with make_sessionmaker(eng)() as s:
            return list((await s.execute(select(model))).scalars())
    finally:
        await eng.dispose()


async def deals_by_interaction(url: str) -> dict[int, Deal]:
    return {d.interaction_id: d for d in await rows_of(url, Deal)}


async def test_kill_9_between_commit_and_answer_then_restart_confirms_each_once(tmp_path: Path, database_url):
    fake = DiscordFake()
    await fake.start()
    url = database_url
    try:
        pairs = await seed(url, fake, NORMAL + HELD)
        env = env_for(fake, tmp_path, url) | {"VENTAS_TEST_HOLD_AFTER": str(NORMAL)}
        proc = BotProcess(env, tmp_path, tmp_path / "bot.log", module="tests.e2e.held_bot")
        await proc.start(fake)
        normal = []
        for uid, cid in pairs[:NORMAL]:  # answered as usual
            h = await register(fake, uid, cid)
            assert "registrado" in await h.text(30)
            normal.append(h)
        held = await asyncio.gather(*(register(fake, uid, cid) for uid, cid in pairs[NORMAL:]))
        # every held registration is committed, none answered (its card would follow the answer): kill -9 now
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            stored = await deals_by_interaction(url)
            if all(h.id in stored for h in held):
                break
            assert asyncio.get_running_loop().time() < deadline, "the held registrations were not committed"
            await asyncio.sleep(0.2)
        assert all(h.rec.followups == [] and not h.rec.webhook_edits for h in held)  # still "pensando…"
        await proc.kill()

        # the last one waited longer than its token lives: the bot was down 20 minutes for it
        late = held[-1]
        fake.expire_token(late.id)
        eng = make_engine(url)
        async with make_sessionmaker(eng)() as s:
            await s.execute(update(Deal).where(Deal.interaction_id == late.id)
                            .values(created_at=stored[late.id].created_at - timedelta(minutes=20)))
            await s.commit()
        await eng.dispose()

        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake)
        fresh = held[:-1]
        await fake.wait_for(lambda: all(h.rec.webhook_edits for h in fresh), timeout=30)
        for h in fresh:  # the original answer now says "registrado", with its deal number
            deal = stored[h.id]
            text = await h.text()
            assert f"Negocio **#{deal.id}** registrado" in text and LATE_MARK in text
        dm = await fake.wait_for_dm(late.rec.user_id, lambda m: "registrado" in message_text(m), timeout=30)
        assert f"#{stored[late.id].id}" in message_text(dm) and LATE_MARK in message_text(dm)
        assert dm["_allowed_mentions"] is not None and not dm["_allowed_mentions"].get("parse")
        await asyncio.sleep(0.5)

        # once: a second restart sends nothing more; the answered ones were never touched
        await proc.kill()
        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake)
        await asyncio.sleep(1.0)
        assert [len(h.rec.webhook_edits) for h in fresh] == [1] * len(fresh)
        assert late.rec.webhook_edits == [] and len(fake.dms(late.rec.user_id)) == 1
        for h in normal:
            assert len(h.rec.followups) == 1 and h.rec.webhook_edits == []
            assert not any("registrado" in message_text(m) for m in fake.dms(h.rec.user_id))
        for h in fresh:
            assert not any("registrado" in message_text(m) for m in fake.dms(h.rec.user_id))
        eng = make_engine(url)
        async with make_sessionmaker(eng)() as s:
            rows = list((await s.execute(select(AuditLog).where(AuditLog.action == "negocio.confirmar"))).scalars())
            deals = list((await s.execute(select(Deal))).scalars())
        await eng.dispose()
        assert sorted(r.after["how"] for r in rows) == ["md"] + ["respuesta"] * len(fresh)
        assert all(d.confirmed_at is not None and d.interaction_token is None for d in deals)
        await proc.stop()
    finally:
        await fake.stop()
