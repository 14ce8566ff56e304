"""``/admin estado`` and ``ventas-ops estado``: the health of the program in Spanish lines."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from bot.domain.dates import format_date, format_datetime
from bot.domain.enums import ApprovalKind, ExportStatus
from bot.domain.health import Status

TITLE = "Estado de ventas-ops"
EXPORT_STATUS: dict[str, str] = {ExportStatus.HECHA: "✅ hecha", ExportStatus.FALLIDA: "❌ fallida", ExportStatus.EN_CURSO: "⏳ en curso"}


def age(delta: timedelta) -> str:
    """``3 d 4 h``, ``2 h 5 min``, ``4 min``."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def size(n: int | None) -> str:
    if n is None:
        return "desconocido"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}".replace(".", ",")
        n /= 1024  # type: ignore[assignment]
    return str(n)


def render(status: Status, *, tz: tzinfo, markdown: bool = True) -> list[str]:
    """The lines, in order, times in ``tz`` (TIMEZONE). ``markdown`` bolds the headings (Discord); the CLI
    prints them plain."""
    b = (lambda s: f"**{s}**") if markdown else (lambda s: s)
    now = status.now
    lines = [b(TITLE), f"Versión: {status.version}"]
    if status.started_at is not None:
        lines.append(f"En marcha desde {format_datetime(status.started_at, tz)} (hace {age(now - status.started_at)})")
    lines.append(b("Exportaciones diarias"))
    if not status.exports:
        lines.append("• ninguna todavía")
    for e in status.exports:
        extra = f", {e.deals} negocios" if e.status == "hecha" else ""
        when = f" el {format_datetime(e.finished_at, tz)}" if e.finished_at else ""
        again = f" (intento {e.attempt})" if e.attempt > 1 else ""
        error = f": {e.error[:120]}" if e.status == "fallida" and e.error else ""
        lines.append(f"• {format_date(e.export_date)}: {EXPORT_STATUS.get(e.status, e.status)}{again}{when}{extra}{error}")
    lines.append(b("Cola de envíos a Discord"))
    pending = f"{status.outbox_pending} por enviar"
    if status.outbox_oldest is not None and status.outbox_pending:
        pending += f" (el más antiguo hace {age(now - status.outbox_oldest)})"
    lines.append(f"• {pending}; {sum(n for _, n in status.held)} retenidos")
    for reason, n in status.held:  # what cannot be delivered and why (`/admin reenviar` once fixed)
        lines.append(f"  – {n} {'mensaje' if n == 1 else 'mensajes'}: {reason[:200]}")
    lines.append(b("Aprobaciones pendientes"))
    if not status.pending:
        lines.append("• ninguna")
    for p in status.pending:
        lines.append(f"• {ApprovalKind.label_of(p.kind)}: {p.count} (la más antigua hace {age(now - p.oldest)})")
    lines.append(b("Servicios"))
    hubspot = {"ok": "✅ responde", "desactivado": "desactivado (sin HUBSPOT_ACCESS_TOKEN)"}.get(
        status.hubspot, f"❌ no responde ({status.hubspot})")
    lines.append(f"• HubSpot: {hubspot}")
    lines.append(f"• Base de datos: {size(status.database_bytes)}")
    lines.append(f"• Último respaldo: {_backup_line(status, tz)}")
    lines.extend(extra_lines(status))
    return lines


def _backup_line(status: Status, tz: tzinfo) -> str:
    b, now = status.backup, status.now
    if b and b.get("at"):
        at = datetime.fromisoformat(b["at"])
        when = f"{format_datetime(at, tz)} (hace {age(now - at)})"
        if not b.get("ok"):
            return f"❌ falló el {when}: {str(b.get('error') or '')[:200]}"
        checked = "verificado" if b.get("verified") else "sin verificar"
        return f"{when}, {checked}, {size(b.get('bytes'))}"
    if status.last_backup:
        return f"{format_datetime(status.last_backup, tz)} (hace {age(now - status.last_backup)})"
    return "ninguno registrado"


def extra_lines(status: Status) -> list[str]:
    """What needs someone: a monthly statement that waits for an admin to receive it."""
    if status.statement_waiting is None:
        return []
    year, month = status.statement_waiting
    return [f"⚠️ El estado de comisiones de {month:02d}/{year} espera: nadie tiene el rol de administrador "
            "para recibirlo (se envía en cuanto alguien lo tenga, a la hora de la exportación o al reiniciar)."]


def clip(lines: list[str], limit: int = 1900) -> str:
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


