"""Run the real bot as a subprocess (``python -m bot bot``) that gets only environment variables (and
``VENTAS_OPS_HOME`` = its working folder unless the test sets it)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path, args: tuple[str, ...] = ("bot",),
                 module: str = "tests.timetravel") -> None:
        """``args``: the CLI's arguments; ``module``: what ``python -m`` runs: the CLI on the suite's date
        (``tests.timetravel``), or a test entry point with fault hooks (``tests.e2e.held_bot``,
        ``tests.e2e.held_cards_bot``) that travels too."""
        self.module = module
        self.env = env
        self.args = args
        self.cwd = cwd
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def spawn(self) -> None:
        """Start the process without waiting for anything (a standby never connects)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "HUBSPOT_", "ROLE_"))}
        env.setdefault("VENTAS_OPS_HOME", str(self.cwd))  # not the project's .env
        env.update(self.env)
        env["PYTHONPATH"] = str(ROOT)
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.log_file = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, *self.args, cwd=self.cwd, env=env, stdout=self.log_file, stderr=self.log_file
        )

    def log_text(self) -> str:
        """What this process wrote to the log so far."""
        with self.log_path.open("rb") as f:
            f.seek(self._log_start)
            return f.read().decode(errors="replace")

    async def wait_log(self, fake: Any, text: str, timeout: float = 30.0) -> None:
        await fake.wait_for(lambda: text in self.log_text() or self.proc.returncode is not None, timeout=timeout)
        if text not in self.log_text():
            raise RuntimeError(f"bot exited with {self.proc.returncode}: {self.log_text()[-3000:]}")

    async def start(self, fake: Any, timeout: float = 30.0) -> None:
        """Start and wait until the bot identified and synced its commands against ``fake``."""
        identifies, syncs = fake.identifies, fake.command_syncs
        await self.spawn()
        await fake.wait_for(
            lambda: (fake.identifies > identifies and fake.command_syncs > syncs) or self.proc.returncode is not None,
            timeout=timeout,
        )
        if self.proc.returncode is not None:
            raise RuntimeError(f"bot exited with {self.proc.returncode}: {self.log_path.read_text()[-3000:]}")
        await asyncio.sleep(0.2)  # READY/GUILD_CREATE processed

    async def kill(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()
        self.log_file.close()

    async def stop(self) -> int | None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.log_file.close()
        return self.proc.returncode if self.proc else None
