"""The one place every relative path is resolved from (the *home*).

Order: an explicit ``--env-file FILE`` (home = the file's folder), else ``VENTAS_OPS_HOME`` (its ``.env``),
else the project directory (the folder holding ``pyproject.toml``). Never the folder the command starts in:
``uv run --project /srv/ventas-ops ventas-ops bot`` from ``/`` reads ``/srv/ventas-ops/.env`` and keeps
``data/`` and ``exports/`` there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "VENTAS_OPS_HOME"
PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Home:
    root: Path
    env_file: Path
    source: str  # "--env-file", "VENTAS_OPS_HOME" or "proyecto": how it was chosen (shown in messages)

    def path(self, p: str | Path) -> Path:
        """``p`` itself when absolute, else ``root / p``."""
        p = Path(p).expanduser()
        return p if p.is_absolute() else self.root / p

    def env_file_shown(self) -> str:
        """The .env for messages: its path and, when missing, that it does not exist."""
        return str(self.env_file) if self.env_file.is_file() else f"{self.env_file} (no existe)"


def resolve_home(env_file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Home:
    environ = os.environ if environ is None else environ
    if env_file:
        f = Path(env_file).expanduser().resolve()
        return Home(f.parent, f, "--env-file")
    root = (environ.get(HOME_ENV) or "").strip()
    if root:
        r = Path(root).expanduser().resolve()
        return Home(r, r / ".env", HOME_ENV)
    return Home(PROJECT_DIR, PROJECT_DIR / ".env", "proyecto")
