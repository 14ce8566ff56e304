"""Run ``ventas-ops`` as an operator would (a subprocess), without blocking the event loop the fakes
answer on."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_lines(self) -> list[str]:
        """The lines the CLI itself wrote about a failure (log records have a timestamp first)."""
        return [ln for ln in self.stderr.splitlines() if ln.startswith("ventas-ops: ")]


async def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120.0) -> CliResult:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "HUBSPOT_", "ROLE_", "LEAD_", "COMMISSION_", "DATABASE_", "VENTAS_OPS_"))}
    base.update(env)
    base["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=base,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        raise AssertionError(f"ventas-ops {' '.join(args)} did not finish: {err.decode()[-2000:]}") from None
    return CliResult(proc.returncode or 0, out.decode(), err.decode())


def free_port() -> int:
    """A loopback port nothing listens on (for "unreachable" and for servers the test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
