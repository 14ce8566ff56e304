"""matplotlib plumbing shared by the daily summary chart and the program report charts (headless
Agg backend, COP axis, an empty panel's note, PNG bytes).

matplotlib costs seconds to import: it is imported on the first chart (``# lazy: see module docstring``),
not by the services, commands and tests that import this module and draw nothing."""

from __future__ import annotations

import io
from typing import Any

from bot.domain.money import format_cop


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (imported on first use: it costs seconds)."""
    import matplotlib  # lazy: see module docstring

    matplotlib.use("Agg")  # before pyplot is imported
    from matplotlib import pyplot as plt  # lazy: see module docstring

    return plt


def money_axis(ax: Any) -> None:
    """X axis in COP (``$ 1.234.567``), labels tilted to fit."""
    from matplotlib.ticker import FuncFormatter  # lazy: see module docstring

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_cop(int(v))))
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)


def show_empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def png_bytes(fig: Any) -> bytes:
    """The figure as PNG, then closed (pyplot keeps every open figure alive)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    pyplot().close(fig)
    return buf.getvalue()
