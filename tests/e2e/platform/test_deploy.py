"""The container image's steps, run outside a container (no engine can pull base images in CI): the final
stage's environment, entrypoint and HEALTHCHECK command are read from the Dockerfile and run against the
fake; the systemd unit's exit-code policy matches the CLI's."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from bot.startup import EXIT_CONFIG
from tests.fakes.bot_process import BotProcess
from tests.fakes.cli_process import free_port

ROOT = Path(__file__).resolve().parents[3]


def final_stage() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    last_from = max(i for i, ln in enumerate(lines) if ln.startswith("FROM "))
    return lines[last_from:]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for ln in final_stage():
        if ln.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", ln[4:])))
    return env


def instruction(name: str) -> str:
    return next(ln[len(name) + 1:] for ln in final_stage() if ln.startswith(name + " "))


def test_image_builds_without_test_tools_and_runs_as_a_user():
    text = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in text and "pytest" not in text
    assert instruction("USER") not in ("root", "0")
    env = image_env()
    assert json.loads(instruction("VOLUME")) == [env["VENTAS_OPS_HOME"]]
    assert json.loads(instruction("ENTRYPOINT")) + json.loads(instruction("CMD")) == ["ventas-ops", "bot"]


def test_systemd_unit_does_not_restart_on_configuration_errors():
    unit = (ROOT / "deploy" / "ventas-ops.service").read_text()
    assert f"RestartPreventExitStatus={EXIT_CONFIG}" in unit and "Restart=on-failure" in unit
    assert re.search(r"^ExecStart=\S+/\.venv/bin/ventas-ops bot$", unit, re.M)


async def test_entrypoint_and_healthcheck_outside_a_container(fake, tmp_path):
    env = image_env()
    port = free_port()
    home = tmp_path / "data"  # the image's /data volume
    home.mkdir()
    env.update(VENTAS_OPS_HOME=str(home), HEALTH_PORT=str(port), DISCORD_TOKEN=fake.token,
               DISCORD_GUILD_ID=str(fake.guild_id), DISCORD_API_BASE=fake.rest_base)
    env.pop("PATH", None)
    healthcheck = json.loads(re.sub(r"^--\S+ ", "", instruction("HEALTHCHECK").split("CMD ", 1)[1]))
    assert healthcheck[0] == "python"
    probe = [sys.executable, *[a.replace(":8080/", f":{port}/") for a in healthcheck[1:]]]

    async def healthy() -> int:
        p = await asyncio.create_subprocess_exec(*probe, stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.DEVNULL)
        return await p.wait()

    proc = BotProcess(env, home, tmp_path / "bot.log")
    await proc.start(fake, timeout=90)  # generous: CI machines are shared
    try:
        await fake.wait_for(lambda: "Health check on" in (tmp_path / "bot.log").read_text(), timeout=90)
        assert await healthy() == 0
        assert (home / "data" / "ventas-ops.db").is_file()  # the default SQLite file lands in the volume
        await fake.stop()  # Discord gone: the gateway cannot reconnect
        deadline = asyncio.get_running_loop().time() + 120  # generous: CI machines are shared
        while await healthy() == 0:
            assert asyncio.get_running_loop().time() < deadline, "the healthcheck kept passing without a gateway"
            await asyncio.sleep(0.2)
    finally:
        assert await proc.stop() == 0
