"""What the ``ventas-ops`` command prints (operators: Sense's staff, in Spanish)."""

from __future__ import annotations

PREFIX = "ventas-ops: "
CONFIG_ERROR = "error de configuración: {error}"
UNEXPECTED = "error inesperado: {kind}: {error} (LOG_LEVEL=DEBUG muestra el detalle)"
CONFIG_OK = "OK: la configuración es válida ({env_file})."
ONLINE_OK = "OK: todo está en orden."
ONLINE_BAD = "{n} comprobación(es) fallaron: corrija lo marcado con ✗ y vuelva a ejecutar check-config --online."

DB_UPGRADED = "Base de datos {db} actualizada a {revision}."
DB_DOWNGRADED = "Base de datos {db} revertida a {revision}."
DB_CURRENT = "Base de datos {db}: revisión {revision}"
DB_CURRENT_NONE = "Base de datos {db}: sin migrar todavía (ventas-ops db upgrade, o arranque el bot)."
DB_HEAD = " (la última)"
DB_BEHIND = " (hay migraciones pendientes: ventas-ops db upgrade)"

BAD_DATE = "--fecha debe ser AAAA-MM-DD, por ejemplo 2026-11-22"
FUTURE_DATE = "solo se puede exportar un día que ya terminó (hasta ayer)"
EXPORTING = "Exportando {d}"
ALREADY_EXPORTED = "{d} ya se exportó; use --forzar para exportarlo de nuevo."
EXPORT_FAILED = "la exportación falló: {error}"
EXPORT_DONE = "{d}: {deals} negocios, {findings} hallazgos, {calls} llamadas a HubSpot"
EXPORT_QUEUED = "La publicación quedó en la cola (outbox); el bot la entrega en el canal."
MONTH_BAD = "--mes: {error}"
PAYROLL_DONE = "{path} ({kams} KAM, neto {net})"
CANNOT_READ = "no se puede leer {file}: {error}"
