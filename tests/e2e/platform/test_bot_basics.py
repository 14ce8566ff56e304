"""The bot starts against the Discord fake, syncs its commands once, answers /ayuda, guards the
channel, turns unexpected errors into a Spanish answer with a reference id, and reconnects."""

from __future__ import annotations

import logging

from bot.app import EXTENSIONS
from tests.fakes.discord_fake import message_text


def _tree_names(bot) -> set[str]:
    return {c.name for c in bot.tree.get_commands(guild=bot.guild)}


async def test_starts_and_syncs_the_cogs_tree_once(harness):
    fake, bot = harness.fake, harness.bot
    synced = {c["name"] for c in fake.commands(guild=True)}
    assert synced == _tree_names(bot)
    assert {"ayuda", "admin"} <= synced
    assert fake.command_syncs == 1 and fake.global_commands == []
    # the admin group carries its subcommands
    admin = next(c for c in fake.commands() if c["name"] == "admin")
    assert "config" in {o["name"] for o in admin["options"]}
    assert fake.unhandled == []


async def test_ayuda_answers_fast_with_the_rules(harness):
    ana = await harness.member("Ana", ["KAM"])
    h = await harness.fake.slash(ana, "ayuda", channel="general")  # allowed anywhere
    r = await h.response()
    assert r["type"] == 4 and h.ephemeral
    assert h.latency is not None and h.latency < 1.0
    text = await h.text()
    for needle in ("6 %", "$ 5.000", "$ 10.000", "$ 0", "3 días hábiles", "06:00", "Camilo Castro",
                   "Juliana Abondano", "auditoría", "/registrar-negocio"):
        assert needle in text, needle


async def test_ayuda_renders_configured_values(harness_factory):
    h = await harness_factory(commission_rate="0.065", lead_reward_good=7000, link_contract="https://c.example/x")
    uid = await h.member("Ana", ["KAM"])
    text = await (await h.fake.slash(uid, "ayuda")).text()
    assert "6,5 %" in text and "$ 7.000" in text and "https://c.example/x" in text


async def test_command_outside_the_channel_is_refused_in_spanish(harness):
    admin = await harness.member("Admin", ["Admin ventas-ops"])
    h = await harness.fake.slash(admin, "admin config", channel="general")
    text = await h.text()
    sales = harness.fake.channel_id("dudas-ventas-ops")
    assert h.ephemeral and f"<#{sales}>" in text and "Este comando se usa en el canal" in text


async def test_admin_config_masks_secrets_and_refuses_non_admins(harness):
    admin = await harness.member("Admin", ["Admin ventas-ops"])
    kam = await harness.member("Kam", ["KAM"])
    text = await (await harness.fake.slash(admin, "admin config")).text()
    assert "DISCORD_TOKEN" in text and harness.fake.token not in text
    refused = await (await harness.fake.slash(kam, "admin config")).text()
    assert "Admin ventas-ops" in refused and "DISCORD_TOKEN" not in refused
    from sqlalchemy import select

    from db.models import AuditLog

    async with harness.sessionmaker() as s:
        rows = list((await s.execute(select(AuditLog).where(AuditLog.action == "acceso.denegado"))).scalars())
    assert len(rows) == 1 and rows[0].actor_discord_id == kam


async def test_unexpected_error_gives_a_reference_id(harness_factory, caplog):
    h = await harness_factory(extensions=(*EXTENSIONS, "tests.e2e.boom_cog"))
    uid = await h.member("Ana", ["KAM"])
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        text = await (await h.fake.slash(uid, "explotar")).text()
        late = await (await h.fake.slash(uid, "explotar-tarde")).text()
    assert "Algo salió mal" in text and "secret internal detail" not in text
    ref = text.split("`")[-2]
    assert len(ref) == 8 and ref in caplog.text and "boom: secret internal detail" in caplog.text
    assert "Algo salió mal" in late


async def test_reconnects_after_a_dropped_gateway(harness):
    fake = harness.fake
    await fake.drop_gateway()
    await fake.wait_for(lambda: fake.resumes >= 1, timeout=15)
    uid = await harness.member("Ana", ["KAM"])
    h = await fake.slash(uid, "ayuda")
    assert "6 %" in await h.text()
    assert fake.identifies == 1  # resumed, not re-identified


async def test_restart_keeps_working_and_does_not_duplicate_commands(harness):
    fake = harness.fake
    await harness.restart()
    assert fake.identifies == 2
    assert sorted(c["name"] for c in fake.commands()) == sorted(_tree_names(harness.bot))
    uid = await harness.member("Ana", ["KAM"])
    assert "6 %" in await (await fake.slash(uid, "ayuda")).text()


async def test_user_text_is_never_sent_with_pings(harness):
    uid = await harness.member("Ana", ["KAM"])
    await (await harness.fake.slash(uid, "ayuda")).wait_final()
    for msg in harness.fake.all_bot_messages():
        am = msg.get("_allowed_mentions")
        assert am is not None and not am.get("parse"), message_text(msg)
