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

# (header, its line in the «Cómo leer» sheet)
DEAL_COLUMNS = [
    ("ID", "Número del negocio en el bot (el # de la tarjeta en Discord)."),
    ("Fecha anticipo", "Día en que el cliente pagó el anticipo: define el corte en que sale el negocio."),
    ("Registrado (Bogotá)", "Cuándo el KAM registró el negocio con /registrar-negocio, en hora de Bogotá."),
    ("KAM", "Quien registró la venta y recibe la comisión."),
    ("Cliente", "El cliente, como está en el directorio."),
    ("Tipo", "Renovación, Cross sale (otro servicio) o Up sale (más del mismo servicio; lo aprueba el COO)."),
    ("Servicio", "El servicio vendido."),
    ("Valor total", "Valor total del negocio en COP."),
    ("Anticipo", "Valor del anticipo pagado en COP."),
    ("Comisión estimada", "Comisión del KAM si el negocio se aprueba (porcentaje sobre el valor total)."),
    ("Estado", "Pendiente (esperando aprobaciones), Aprobado, Rechazado o Anulado."),
    ("Tardío", "Sí: se registró después del corte de su fecha de anticipo y sale en este corte."),
    ("Negocio HubSpot", "Id del negocio en HubSpot."),
    ("Verificación HubSpot", "Resultado de comparar el negocio con HubSpot (valor, responsable, fecha)."),
    ("Comprobante", "Adjunto o Falta: el comprobante de pago del anticipo."),
]
FINDING_COLUMNS = [
    ("Categoría", "Qué se encontró al conciliar con HubSpot (una fila por hallazgo; un negocio puede tener varios)."),
    ("ID negocio", "Número del negocio en el bot (vacío si nunca se registró)."),
    ("Negocio HubSpot", "Id del negocio en HubSpot."),
    ("KAM", "Quien registró el negocio o, si no se registró, el responsable en HubSpot."),
    ("Cliente", "El cliente del negocio registrado."),
    ("Detalle", "La diferencia o el motivo, en palabras."),
    ("Valor registrado", "Valor total registrado en el bot, en COP."),
    ("Valor HubSpot", "Valor del negocio en HubSpot, en COP."),
]
DEAL_HEADERS = [h for h, _ in DEAL_COLUMNS]
FINDING_HEADERS = [h for h, _ in FINDING_COLUMNS]
FINDINGS_TOTAL = "Total: {n} hallazgo(s)"
SHEET_DEALS = "negocios"
SHEET_FINDINGS = "hallazgos"
YES, NO = "Sí", "No"
PROOF_OK, PROOF_MISSING = "Adjunto", "Falta"

EMPTY_IN_HUBSPOT = "vacío"
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
POST_DESC = "{deals} · {findings}. Archivos adjuntos: XLSX, CSV y gráfica."
# (singular, plural) for ``count_of``: "1 negocio exportado", "3 negocios exportados"
DEALS_EXPORTED = ("negocio exportado", "negocios exportados")
DEALS = ("negocio", "negocios")
FINDINGS = ("hallazgo", "hallazgos")
FIELD_AUDIT = "Auditoría"
FIELD_BY_TYPE = "Negocios del día por tipo"
FIELD_COMMISSIONS = "Comisiones del mes ({month})"
FIELD_APPROVALS = "Aprobaciones esperando"
FIELD_LEADS = "Referidos sin calificar (más de {hours} h)"
FIELD_RENEWALS = "Ventanas de renovación que cierran en ≤ 1 día hábil"
POST_FOOTER_HUBSPOT = "Consultas a HubSpot en este corte: {calls}"
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
    "👋 Hola {name}. En HubSpot hay {count} negocios tuyos con anticipo del {date} que no están "
    "registrados en «dudas-ventas-ops»: {deals}. ¿Olvidaste registrarlos? Usa `/registrar-negocio` "
    "para que cuenten para tu comisión."
)
FORGOT_DM_ONE = (
    "👋 Hola {name}. En HubSpot hay un negocio tuyo con anticipo del {date} que no está registrado en "
    "«dudas-ventas-ops»: {deals}. ¿Olvidaste registrarlo? Usa `/registrar-negocio` para que cuente para "
    "tu comisión."
)

ADMIN_EXPORT_DONE = "✅ Exportación del {date} lista: {deals}, {findings}. El resumen va al canal."
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
