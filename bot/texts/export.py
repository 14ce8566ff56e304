"""Texts of the daily export, its audit post and the daily summary."""

CATEGORY_LABELS = {
    "coincide": "Coincide con HubSpot",
    "no_en_hubspot": "Registrado pero no existe en HubSpot",
    "archivado_en_hubspot": "Registrado pero archivado en HubSpot",
    "sin_negocio_hubspot": "Registrado sin negocio de HubSpot",
    "no_registrado": "En HubSpot pero nunca registrado",
    "diferencia_valor": "Valor distinto en HubSpot",
    "diferencia_responsable": "Responsable distinto en HubSpot",
    "diferencia_fecha": "Fecha de anticipo distinta en HubSpot",
    "sin_comprobante": "Sin comprobante de pago",
    "comprobante_rechazado": "Comprobante / pago rechazado",
    "aprobacion_pendiente": "Aprobaciones pendientes",
    "tardio": "Registro tardío",
    "hubspot_no_disponible": "HubSpot no disponible (verificación pendiente)",
}

DEAL_HEADERS = [
    "ID", "Fecha anticipo", "Registrado (Bogotá)", "KAM", "Cliente", "Tipo", "Servicio", "Valor total",
    "Anticipo", "Comisión estimada", "Estado", "Tardío", "Negocio HubSpot", "Verificación HubSpot", "Comprobante",
]
FINDING_HEADERS = [
    "Categoría", "ID negocio", "Negocio HubSpot", "KAM", "Cliente", "Detalle", "Valor registrado", "Valor HubSpot",
]
SHEET_DEALS = "negocios"
SHEET_FINDINGS = "hallazgos"
YES, NO = "Sí", "No"
PROOF_OK, PROOF_MISSING = "Adjunto", "Falta"

DETAIL_AMOUNT = "Registrado {local} · HubSpot {remote}"
DETAIL_OWNER = "Responsable en HubSpot: {remote} · registrado por {local}"
DETAIL_DATE = "Fecha registrada {local} · HubSpot {remote}"
DETAIL_APPROVALS = "Pendiente: {kinds}"
DETAIL_LATE = "Registrado el {created} con anticipo del {advance}: salió en este corte en vez del suyo"
DETAIL_UNREGISTERED = "«{name}» · responsable HubSpot {owner}"
DETAIL_NOT_FOUND = "El negocio {hubspot_id} no existe en HubSpot"
DETAIL_ARCHIVED = "El negocio {hubspot_id} está archivado en HubSpot"
DETAIL_UNAVAILABLE = "HubSpot no respondió; se verificará en el próximo corte"

POST_TITLE = "📦 Corte diario — negocios con anticipo del {date}"
POST_TITLE_FORCED = "🔁 Re-exportación #{attempt} — negocios con anticipo del {date}"
POST_DESC = "{deals} negocio(s) exportado(s) · {findings} hallazgo(s). Archivos adjuntos: XLSX, CSV y gráfica."
FIELD_AUDIT = "Auditoría"
FIELD_BY_TYPE = "Negocios del día por tipo"
FIELD_COMMISSIONS = "Comisiones del mes ({month})"
FIELD_APPROVALS = "Aprobaciones esperando"
FIELD_LEADS = "Referidos sin calificar (más de {hours} h)"
FIELD_RENEWALS = "Ventanas de renovación que cierran en ≤ 1 día hábil"
NONE = "Ninguno ✅"
BY_TYPE_LINE = "• {label}: {count} · {total}"
COMMISSIONS_LINE = "Pendientes: {pending}\nGanadas: {earned}\nReversadas: {reversed}"
APPROVALS_LINE = "• {label}: {count} (la más antigua hace {age})"
LEAD_LINE = "• {company} — hace {age}"
RENEWAL_LINE = "• {client} ({kam}) — vence {deadline}"
MORE = "… y {n} más"
AUDIT_LINE = "• {label}: {count}"
CHART_TITLE = "Mes a la fecha ({month})"
CHART_BY_KAM = "Valor por KAM"
CHART_BY_TYPE = "Valor por tipo"
CHART_EMPTY = "Sin negocios este mes"

FORGOT_DM = (
    "👋 Hola {name}. En HubSpot hay {count} negocio(s) tuyos con anticipo del {date} que no están "
    "registrados en «dudas-ventas-ops»: {deals}. ¿Olvidaste registrarlos? Usa `/registrar-negocio` "
    "para que cuenten para tu comisión."
)

ADMIN_EXPORT_DONE = "✅ Exportación del {date} lista: {deals} negocio(s), {findings} hallazgo(s). El resumen va al canal."
ADMIN_EXPORT_ALREADY = (
    "El corte del {date} ya se hizo ({when}). Si necesitas repetirlo usa `forzar: True`; saldrá marcado "
    "como re-exportación."
)
ADMIN_EXPORT_FUTURE = "Solo se puede exportar un día que ya terminó (hasta ayer)."

# catch-up after downtime: one post for all the days caught up
CATCHUP_TITLE = "📦 Puesta al día — cortes del {first} al {last}"
CATCHUP_DESC = (
    "El bot estuvo detenido y hoy hizo los cortes que faltaban: van todos en este mensaje "
    "(los XLSX de los días con negocios o hallazgos, adjuntos)."
)
FIELD_CATCHUP_DAYS = "Cortes"
CATCHUP_DAY_LINE = "• {date}: {deals} negocio(s) · {findings} hallazgo(s)"
CATCHUP_EMPTY_LINE = "• Sin negocios ni hallazgos: {dates}"
CATCHUP_FILES_ELSEWHERE = "Los demás archivos quedan en la carpeta de exportaciones (EXPORT_DIR) del servidor."
