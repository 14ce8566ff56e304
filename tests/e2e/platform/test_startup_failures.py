"""Every start-up failure, provoked as an operator would meet it (``python -m bot bot`` in a subprocess):
one line naming the cause and the fix, exit 2 (configuration) or 3 (a service unreachable), no traceback."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.fakes.bot_process import BotProcess
from tests.fakes.cli_process import CliResult, free_port, run_cli
from tests.fakes.discord_fake import DiscordFake


def env_for(fake: DiscordFake, tmp_path, **extra: str) -> dict[str, str]:
    return {
        "VENTAS_OPS_HOME": str(tmp_path),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_GUILD_ID": str(fake.guild_id),
        "DISCORD_API_BASE": fake.rest_base,
        "LOG_LEVEL": "INFO",
        **extra,
    }


def assert_one_line(res: CliResult, code: int, *words: str) -> str:
    assert res.code == code, res.output[-3000:]
    assert "Traceback" not in res.output, res.output[-3000:]
    lines = res.error_lines()
    assert len(lines) == 1, res.stderr[-3000:]
    assert res.stderr.strip().splitlines()[-1] == lines[0]  # the last thing printed
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


async def test_wrong_token(fake, tmp_path):
    res = await run_cli(["bot"], env_for(fake, tmp_path, DISCORD_TOKEN="not-the-token-0000"), tmp_path)
    assert_one_line(res, 2, "DISCORD_TOKEN", "Reset Token")


async def test_discord_unreachable(tmp_path):
    env = {"VENTAS_OPS_HOME": str(tmp_path), "DISCORD_TOKEN": "t" * 30, "DISCORD_GUILD_ID": "1",
           "DISCORD_API_BASE": f"http://127.0.0.1:{free_port()}/api/v10"}
    res = await run_cli(["bot"], env, tmp_path)
    assert_one_line(res, 3, "no se pudo conectar con Discord")


@pytest.mark.parametrize("url", ["nonsense", "mysql://u@h/db"])
async def test_bad_database_url(fake, tmp_path, url):
    res = await run_cli(["bot"], env_for(fake, tmp_path, DATABASE_URL=url), tmp_path)
    assert_one_line(res, 2, "DATABASE_URL no es válido")
    res = await run_cli(["check-config"], env_for(fake, tmp_path, DATABASE_URL=url), tmp_path)
    assert_one_line(res, 2, "DATABASE_URL")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
async def test_postgres_not_running(fake, tmp_path, scheme):
    """The URL forms hosting providers hand out reach the async driver; nothing listens there."""
    url = f"{scheme}://ventas:clave@127.0.0.1:{free_port()}/ventas_ops"
    res = await run_cli(["bot"], env_for(fake, tmp_path, DATABASE_URL=url), tmp_path)
    line = assert_one_line(res, 3, "no se pudo conectar con la base de datos", "ventas_ops")
    assert "clave" not in line


async def test_unknown_migration_revision(fake, tmp_path):
    res = await run_cli(["db", "downgrade", "nonsense"], {"VENTAS_OPS_HOME": str(tmp_path)}, tmp_path)
    assert_one_line(res, 2, "revisión de migración desconocida", "db history")
    # a database left at a revision this version does not know (a newer bot ran on it)
    res = await run_cli(["db", "upgrade"], {"VENTAS_OPS_HOME": str(tmp_path)}, tmp_path)
    assert res.code == 0, res.output
    db = sqlite3.connect(tmp_path / "data" / "ventas-ops.db")
    db.execute("update alembic_version set version_num = '9999_future'")
    db.commit()
    db.close()
    res = await run_cli(["bot"], env_for(fake, tmp_path), tmp_path)
    assert_one_line(res, 2, "revisión de migración desconocida")


async def test_wrong_guild(fake, tmp_path):
    res = await run_cli(["bot"], env_for(fake, tmp_path, DISCORD_GUILD_ID="123456789012345678"), tmp_path)
    assert_one_line(res, 2, "el bot no está en el servidor DISCORD_GUILD_ID=123456789012345678")


async def test_missing_channel_and_role_are_named(fake, tmp_path):
    env = env_for(fake, tmp_path, SALES_CHANNEL="ventas-inexistente", ROLE_COO="Gerencia")
    res = await run_cli(["bot"], env, tmp_path)
    assert_one_line(res, 2, "«ventas-inexistente»", "SALES_CHANNEL", "«Gerencia»", "ROLE_COO")


async def test_missing_bot_permissions(tmp_path):
    fake = DiscordFake()
    bot_role = fake.role_id("ventas-ops")
    view_send = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)  # view, send, embed, attach, history
    fake.roles[bot_role].update(permissions=str(view_send), position=0)  # no Manage Roles, below KAM
    await fake.start()
    try:
        res = await run_cli(["bot"], env_for(fake, tmp_path), tmp_path)
    finally:
        await fake.stop()
    assert_one_line(res, 2, "Gestionar roles", "por encima de @KAM")


async def test_missing_settings_name_the_env_file(tmp_path):
    (tmp_path / "prod.env").write_text("DISCORD_GUILD_ID=1\n")
    res = await run_cli(["--env-file", str(tmp_path / "prod.env"), "bot"], {}, tmp_path)
    assert_one_line(res, 2, "DISCORD_TOKEN no está configurado", str(tmp_path / "prod.env"))
    res = await run_cli(["bot"], {"VENTAS_OPS_HOME": str(tmp_path / "nada")}, tmp_path)
    assert_one_line(res, 2, f"{tmp_path / 'nada' / '.env'} (no existe)")


async def test_ambiguous_reward_is_refused(fake, tmp_path):
    res = await run_cli(["check-config"], env_for(fake, tmp_path, LEAD_REWARD_GOOD="5,5"), tmp_path)
    assert_one_line(res, 2, "LEAD_REWARD_GOOD", "5.000")


async def test_lost_network_after_login_logs_one_warning_per_retry(fake, tmp_path):
    proc = BotProcess(env_for(fake, tmp_path), tmp_path, tmp_path / "bot.log")
    await proc.start(fake, timeout=90)  # generous: CI machines are shared

    def log_count(text: str) -> int:
        return (tmp_path / "bot.log").read_text().count(text)

    def retries() -> int:
        return log_count("Discord connection lost")

    await fake.wait_for(lambda: log_count("bot.runner: Ready") == 1, timeout=90)
    await fake.stop()  # the network goes away: the gateway closes and reconnecting fails

    for _ in range(200):
        if retries() >= 2:
            break
        await asyncio.sleep(0.1)
    assert await proc.stop() == 0
    log = (tmp_path / "bot.log").read_text()
    assert retries() >= 2, log[-3000:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert "WARNING discord.client: Discord connection lost" in log
    assert "PyNaCl" not in log and "davey" not in log  # no voice warnings on a normal start
