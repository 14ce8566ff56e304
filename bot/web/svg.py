"""Charts as inline SVG, drawn on the server (no script, no CDN). Labels are escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup, escape

from bot.domain.dates import MONTHS
from bot.domain.money import format_cop

CURRENT, PREVIOUS = "#2563eb", "#94a3b8"
GOOD, SOLD, BAD, REFERRED = "#16a34a", "#7c3aed", "#dc2626", "#0ea5e9"


class FunnelMonth(Protocol):
    """One month of the referral funnel (the panel's month rows have these)."""

    @property
    def year(self) -> int: ...
    @property
    def month(self) -> int: ...
    @property
    def referred(self) -> int: ...
    @property
    def good(self) -> int: ...
    @property
    def sold(self) -> int: ...
    @property
    def bad(self) -> int: ...


def compare_bars(rows: Sequence[tuple[str, int, int]], *, title: str, money: bool = True, width: int = 640) -> Markup:
    """Horizontal bars, two per row: (label, this period, previous period)."""
    label_w, bar_h, gap = min(170, width // 4), 15, 14
    top = 34
    height = top + len(rows) * (2 * bar_h + gap) + 10
    peak = max([max(a, b) for _, a, b in rows] + [1])
    span = width - label_w - 120
    fmt = format_cop if money else str
    parts = [f'<svg class="chart" viewBox="0 0 {width} {max(height, 60)}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<text x="0" y="14" class="t">{escape(title)}</text>',
             f'<rect x="{label_w}" y="20" width="10" height="8" fill="{CURRENT}"/><text x="{label_w + 14}" y="28" class="s">mes actual</text>',
             f'<rect x="{label_w + 100}" y="20" width="10" height="8" fill="{PREVIOUS}"/><text x="{label_w + 114}" y="28" class="s">mes anterior</text>']
    if not rows:
        parts.append('<text x="0" y="50" class="s">Sin datos en el periodo.</text>')
    y = top
    for label, cur, prev in rows:
        parts.append(f'<text x="0" y="{y + bar_h + 4}" class="l">{escape(label[:26])}</text>')
        for value, colour, dy in ((cur, CURRENT, 0), (prev, PREVIOUS, bar_h)):
            w = round(span * value / peak)
            parts.append(f'<rect x="{label_w}" y="{y + dy}" width="{w}" height="{bar_h - 1}" fill="{colour}"/>')
            parts.append(f'<text x="{label_w + w + 4}" y="{y + dy + bar_h - 2}" class="s">{escape(fmt(value))}</text>')
        y += 2 * bar_h + gap
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_months(months: Sequence[FunnelMonth]) -> Markup:
    """Referred / good / sold / bad leads per month (grouped columns)."""
    width, height, left, bottom = 640, 240, 36, 40
    n = max(len(months), 1)
    group = (width - left) / n
    peak = max([getattr(m, "referred", 0) for m in months] + [1])
    plot_h = height - bottom - 30
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="Embudo de referidos por mes" '
             f'xmlns="http://www.w3.org/2000/svg">', '<text x="0" y="14" class="t">Embudo de referidos por mes</text>']
    legend = (("referidos", REFERRED), ("buenos", GOOD), ("vendidos", SOLD), ("malos", BAD))
    for i, (name, colour) in enumerate(legend):
        parts.append(f'<rect x="{left + i * 110}" y="20" width="10" height="8" fill="{colour}"/>'
                     f'<text x="{left + i * 110 + 14}" y="28" class="s">{name}</text>')
    base = height - bottom
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#cbd5e1"/>')
    bar_w = group / 5
    if not any(getattr(m, "referred", 0) for m in months):
        parts.append(f'<text x="{width / 2}" y="{base / 2 + 20}" class="m">Sin referidos en estos meses.</text>')
    for k, m in enumerate(months):
        x0 = left + k * group + bar_w / 2
        for j, (attr, colour) in enumerate((("referred", REFERRED), ("good", GOOD), ("sold", SOLD), ("bad", BAD))):
            v = int(getattr(m, attr))
            h = plot_h * v / peak
            x = x0 + j * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                         f'<title>{v}</title></rect>')
            if v:
                parts.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{base - h - 3:.1f}" class="v">{v}</text>')
        label = f"{MONTHS[m.month - 1][:3]} {m.year % 100:02d}"
        parts.append(f'<text x="{left + k * group + group / 2:.1f}" y="{base + 16}" class="m">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
