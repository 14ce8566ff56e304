"""Issue 17: a deal decision's DM to the KAM survives a kill -9 right after the click. The DM is an
outbox item written in the decision's transaction; the restarted bot delivers it, exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from db.models import Approval, OutboxMessage
from tests.e2e.crash_trial import env_for
from tests.e2e.platform.test_confirmations_e2e import register, rows_of, seed
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake, mentions_safe, message_text


async def test_a_decision_dm_survives_a_kill_9_right_after_the_click(tmp_path: Path, database_url):
    fake = DiscordFake()
    await fake.start()
    url = database_url
    try:
        [(kam, client_id)] = await seed(url, fake, 1)
        auditor = await fake.add_member("Auditora", ["Auditoría"])
        env = env_for(fake, tmp_path, url) | {"VENTAS_TEST_HOLD_DECISIONS": "1"}
        proc = BotProcess(env, tmp_path, tmp_path / "bot.log", module="tests.e2e.held_bot")
        await proc.start(fake, timeout=90)  # generous: CI machines are shared
        assert "registrado" in await (await register(fake, kam, client_id)).text(30)
        card = await fake.wait_for_message(predicate=lambda m: any(
            (e.get("title") or "").startswith("Negocio #") for e in m["embeds"]), timeout=30)
        await fake.click(auditor, card, label="Pago verificado")
        # the decision is committed; its answer (and everything after it) is held: kill -9 now
        deadline = asyncio.get_running_loop().time() + 60
        while not any(a.kind == "auditoria" and a.status != "pendiente" for a in await rows_of(url, Approval)):
            assert asyncio.get_running_loop().time() < deadline, "the decision was not committed"
            await asyncio.sleep(0.2)
        assert fake.dms(kam) == []  # the DM had not left
        await proc.kill()
        [queued] = [m for m in await rows_of(url, OutboxMessage) if m.target == "dm"]
        assert queued.target_id == kam and queued.status == "pendiente"

        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake, timeout=90)  # generous: CI machines are shared
        dm = await fake.wait_for_dm(kam, timeout=30)
        assert "#1" in message_text(dm) and mentions_safe(dm)
        deadline = asyncio.get_running_loop().time() + 30
        while [m.status for m in await rows_of(url, OutboxMessage) if m.target == "dm"] != ["enviado"]:
            assert asyncio.get_running_loop().time() < deadline, "the delivered DM was not marked sent"
            await asyncio.sleep(0.2)
        # exactly once: another restart sends nothing more
        await proc.stop()
        proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake, timeout=90)  # generous: CI machines are shared
        await asyncio.sleep(1.0)
        assert len(fake.dms(kam)) == 1
        await proc.stop()
    finally:
        await fake.stop()
