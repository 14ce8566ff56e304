"""The bot as a separate process configured only by environment variables, killed and restarted."""

from __future__ import annotations

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake


def env_for(fake: DiscordFake, tmp_path) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_GUILD_ID": str(fake.guild_id),
        "DISCORD_API_BASE": fake.rest_base,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'proc.db'}",
        "DATA_DIR": str(tmp_path / "data"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "LOG_LEVEL": "INFO",
    }


async def test_subprocess_answers_survives_kill_and_restart(fake, tmp_path):
    proc = BotProcess(env_for(fake, tmp_path), tmp_path, tmp_path / "bot.log")
    await proc.start(fake)
    ana = await fake.add_member("Ana", ["KAM"])
    h = await fake.slash(ana, "ayuda")
    assert "6 %" in await h.text() and h.latency < 1.0
    await proc.kill()  # kill -9: no clean shutdown

    proc2 = BotProcess(env_for(fake, tmp_path), tmp_path, tmp_path / "bot.log")
    await proc2.start(fake)
    h = await fake.slash(ana, "ayuda")
    assert "6 %" in await h.text()
    assert await proc2.stop() == 0  # SIGTERM: clean exit
    log = (tmp_path / "bot.log").read_text()
    assert fake.token not in log  # the token never reaches the logs
    assert (tmp_path / "proc.db").exists()
