"""The installed version of ventas-ops (from the package metadata, i.e. pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version


def version() -> str:
    try:
        return _version("ventas-ops")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+desconocida"
