"""Texts of deal registration, its card, approvals and /mis-negocios (Spanish).

Placeholders are filled by the caller; money is already formatted with ``format_cop`` and
dates with ``format_date``; user text is already escaped for Markdown.
"""

from __future__ import annotations

from bot.domain.enums import ApprovalKind, ApprovalStatus, DealStatus, DealType, HubSpotCheck
from bot.texts.access import ACCESS_CHANNEL_NOTICE

# --- command and option descriptions ------------------------------------------------------
CMD_REGISTER = "Registra un negocio que cerraste con uno de tus clientes"
OPT_CLIENT = "Tu cliente (solo los que atiendes hoy)"
OPT_TYPE = "Renovación, Cross sale o Up sale"
OPT_SERVICE = "Servicio vendido"
OPT_TOTAL = "Valor total del negocio en pesos, p. ej. 12.000.000"
OPT_ADVANCE = "Anticipo pagado en pesos, p. ej. 6.000.000"
OPT_ADVANCE_DATE = "Fecha de pago del anticipo: 2026-11-21, 21/11/2026, hoy o ayer (por defecto hoy)"
OPT_PROOF = "Comprobante del anticipo (imagen o PDF)"
OPT_HUBSPOT = "Id o URL del negocio en HubSpot"
CMD_MY_DEALS = "Tus negocios registrados y su estado"
CMD_ADMIN_NEGOCIO = "Negocios registrados"
CMD_ADMIN_CANCEL = "Anula un negocio (si ya había comisión ganada, se registra el reverso)"
OPT_DEAL_ID = "Número del negocio (#)"
OPT_CANCEL_REASON = "Motivo de la anulación"

TYPE_LABELS: dict[str, str] = {t: t.label for t in DealType}
STATUS_LABELS: dict[str, str] = {
    DealStatus.PENDIENTE: "⏳ En revisión",
    DealStatus.APROBADO: "✅ Aprobado",
    DealStatus.RECHAZADO: "❌ Rechazado",
    DealStatus.ANULADO: "🚫 Anulado",
}
KIND_LABELS: dict[str, str] = {ApprovalKind.AUDITORIA: "auditoría", ApprovalKind.COO: "COO", ApprovalKind.ATRIBUCION: "atribución"}

# --- refusals (each names its rule) ---------------------------------------------------------
NOT_KAM = (
    "Solo los KAMs pueden registrar negocios. Regla «¿Quiénes pueden vender?»: por ahora venden "
    "únicamente los KAMs, es decir, quienes atienden directamente a un cliente. Si atiendes clientes y "
    "no tienes el rol, pídelo con `/solicitar-usuario-hubspot`."
)
MEMBER_INACTIVE = (
    "Tu usuario está inactivo en el programa, así que no puedes registrar negocios. Regla «¿Quiénes "
    "pueden vender?»: solo KAMs activos. Habla con un administrador si es un error."
)
CLIENT_MISSING = (
    "Elige un cliente de la lista. Regla «solo clientes propios»: solo puedes venderle a un cliente "
    "que atiendes hoy."
)
CLIENT_UNKNOWN = (
    "No encuentro a «{value}» en el directorio de clientes. Regla «solo clientes propios»: solo se "
    "puede vender a un cliente que atiendes hoy, no a un cliente nuevo. Los clientes nuevos van a "
    "comercial como referidos: usa `/referir-lead`."
)
CLIENT_INACTIVE = (
    "«{client}» está inactivo en el directorio. Regla «solo clientes propios»: solo se puede vender a "
    "un cliente que se atiende actualmente. Si vuelve a ser cliente, refiérelo con `/referir-lead`."
)
CLIENT_NOT_YOURS = (
    "«{client}» no es un cliente que atiendas hoy. Regla «solo clientes propios»: solo se puede vender a "
    "un cliente que estás atendiendo actualmente, no a uno atendido por otro KAM ni a un cliente nuevo. "
    "Si crees que el directorio está mal, habla con un administrador; si es un cliente nuevo para ti, "
    "refiérelo con `/referir-lead`."
)
TYPE_UNKNOWN = "No reconozco el tipo «{value}». Usa Renovación, Cross sale o Up sale."
SERVICE_UNKNOWN = "No reconozco el servicio «{value}». Elige uno de la lista."
CROSS_SALE_HAS_SERVICE = (
    "«{client}» ya tiene {service}. Regla «Cross sale»: es algo totalmente diferente a lo que el "
    "cliente contrata hoy. Si es más del mismo servicio, regístralo como **Up sale**; si renueva lo que "
    "tiene, como **Renovación**."
)
UP_SALE_MISSING_SERVICE = (
    "«{client}» no tiene {service} contratado hoy (tiene: {services}). Regla «Up sale»: es un poco más "
    "del servicio que el cliente ya contrata. Si es un servicio nuevo para el cliente, regístralo como "
    "**Cross sale**."
)
NO_SERVICES = "ningún servicio registrado"
ADVANCE_GT_TOTAL = (
    "El anticipo ({advance}) no puede ser mayor que el valor total del negocio ({total}). Regla: el "
    "anticipo es una parte del valor total."
)
DATE_FUTURE = (
    "La fecha de anticipo ({date}) está en el futuro. Regla «fecha de anticipo»: registra el negocio "
    "cuando el anticipo ya se pagó (hoy o antes)."
)
HUBSPOT_REQUIRED = (
    "Falta `negocio-hubspot`. Regla «paso a paso»: primero crea el negocio en HubSpot siguiendo el "
    "instructivo y luego regístralo aquí con su id o URL."
)
HUBSPOT_DUPLICATE_SAME = (
    "Ya registraste el negocio de HubSpot {hubspot_id} (registro #{deal_id}). Regla «un registro por "
    "negocio»: cada negocio se registra una sola vez; revisa `/mis-negocios`."
)
PROOF_TYPE = (
    "El comprobante debe ser una imagen o un PDF (recibí «{type}»). Regla «comprobantes»: sin "
    "comprobante del anticipo el negocio no se contabiliza."
)
PROOF_EMPTY = "El comprobante llegó vacío. Regla «comprobantes»: adjunta la imagen o el PDF del pago."
PROOF_TOO_BIG = (
    "El comprobante pesa {size} y el máximo es {max}. Regla «comprobantes»: adjunta una imagen o un "
    "PDF más liviano (una captura sirve)."
)
PROOF_CORRUPT = (
    "El archivo no parece un «{type}» válido. Regla «comprobantes»: adjunta la imagen o el PDF del pago."
)
PROOF_DOWNLOAD_FAILED = (
    "No pude descargar el comprobante desde Discord. No se registró nada; intenta de nuevo en un momento."
)

# --- registration answer -------------------------------------------------------------------
REGISTERED = (
    "✅ Negocio **#{deal_id}** registrado: {type} de {service} para «{client}» por {total}.\n"
    "Comisión estimada: {commission_line}. Se gana cuando {conditions}."
)
REGISTERED_AFTER_RESTART = (
    "ℹ️ Te lo confirmo tarde: el bot se reinició justo después de guardar tu negocio. Quedó registrado "
    "una sola vez; no hace falta registrarlo de nuevo."
)
LATE_NOTE = (
    "⚠️ **Registro tardío:** el corte de su fecha de anticipo ya había salido. Tu negocio queda marcado "
    "como *tardío* y sale en el próximo corte."
)
REGISTERED_AGAIN = "Este registro ya se había guardado como negocio **#{deal_id}**; no se duplicó."
CONDITION_AUDIT = "auditoría verifique que el anticipo llegó a la cuenta de Sense Digital"
CONDITION_COO = "el COO apruebe el up sale"
CONDITION_ATTRIBUTION = "un administrador resuelva la atribución"
COMMISSION_LINE = "{rate} de {total} = {commission}"
LATE_WARNING = (
    "⚠️ **Registro tardío:** la exportación de las {time} del {export_date} ya incluyó los anticipos del "
    "{advance_date}. Regla «exportación de las 6 AM»: tu negocio queda marcado como *tardío* y sale en el "
    "próximo corte."
)
DISPUTE_WARNING = (
    "⚠️ **Atribución en disputa:** el negocio de HubSpot {hubspot_id} ya lo registró otra persona "
    "(registro #{other_id}). Regla «atribución»: la venta es de quien llevó el proceso comercial que "
    "terminó en el pago del anticipo. Un administrador decidirá."
)
CARD_POST_FAILED = "⚠️ No pude publicar la tarjeta del negocio en el canal; la publicaré automáticamente en unos minutos."

# --- the card ------------------------------------------------------------------------------
CARD_TITLE = "Negocio #{deal_id} · {type} · {client}"
CARD_FIELD_KAM = "KAM"
CARD_FIELD_CLIENT = "Cliente"
CARD_FIELD_TYPE = "Tipo"
CARD_FIELD_SERVICE = "Servicio"
CARD_FIELD_TOTAL = "Valor total"
CARD_FIELD_ADVANCE = "Anticipo"
CARD_FIELD_DATE = "Fecha de anticipo"
CARD_FIELD_COMMISSION = "Comisión estimada"
CARD_FIELD_STATUS = "Estado"
CARD_FIELD_PROOF = "Comprobante"
CARD_FIELD_HUBSPOT = "HubSpot"
CARD_FIELD_CHECKLIST = "Checklist"
CARD_FIELD_FINDINGS = "Diferencias con HubSpot"
CARD_LATE = " · ⚠️ tardío"
CARD_PROOF_ATTACHED = "📎 {filename} (adjunto)"
CARD_PROOF_MISSING = "sin comprobante"
CARD_HUBSPOT_NONE = "sin negocio de HubSpot"
CARD_HUBSPOT_LINK = "[{hubspot_id}]({url})"
CARD_FOOTER = "Registrado el {when} · {reason}"
CARD_FOOTER_PLAIN = "Registrado el {when}"
CARD_CANCELLED_REASON = "Motivo: {reason}"

CHECK_PROOF_OK = "✅ Comprobante recibido"
CHECK_PROOF_VERIFIED = "✅ Comprobante verificado"
CHECK_PROOF_REJECTED = "❌ Comprobante rechazado"
CHECK_PROOF_MISSING = "❌ Sin comprobante"
CHECK_HUBSPOT: dict[str, str] = {
    HubSpotCheck.OK: "✅ HubSpot coincide",
    HubSpotCheck.DIFERENCIAS: "⚠️ HubSpot con diferencias",
    HubSpotCheck.NO_ENCONTRADO: "❌ Negocio no encontrado en HubSpot",
    HubSpotCheck.PENDIENTE: "⏳ HubSpot: verificando…",
    HubSpotCheck.DESACTIVADO: "➖ HubSpot no verificado (integración desactivada)",
}
CHECK_APPROVAL_PENDING = "⏳ {kind}: pendiente"
CHECK_APPROVAL_OK = "✅ {kind}: aprobada por {who} ({when})"
CHECK_APPROVAL_NO = "❌ {kind}: rechazada por {who} ({when}){reason}"
CHECK_APPROVAL_CANCELLED = "➖ {kind}: cerrada sin decisión"
CHECK_REASON = " — «{reason}»"
CHECK_LABELS: dict[str, str] = {ApprovalKind.AUDITORIA: "Auditoría (pago del anticipo)", ApprovalKind.COO: "COO (up sale)", ApprovalKind.ATRIBUCION: "Atribución"}

FINDING_TEXTS = {
    "archivado": "el negocio está archivado en HubSpot",
    "monto": "monto en HubSpot {hubspot} ≠ valor registrado {local}",
    "owner": "propietario en HubSpot {hubspot} ≠ propietario del KAM {local}",
    "fecha_anticipo": "fecha de anticipo en HubSpot {hubspot} ≠ registrada {local}",
    "no_encontrado": "no existe en HubSpot",
}
NOT_SET = "(sin dato)"

# --- buttons -------------------------------------------------------------------------------
BTN_AUDIT_OK = "Pago verificado"
BTN_AUDIT_NO = "Rechazar"
BTN_COO_OK = "Aprobar (COO)"
BTN_COO_NO = "Rechazar (COO)"
BTN_ATTR_KEEP = "Mantener registro anterior"
BTN_ATTR_NEW = "Atribuir a este registro"

MODAL_TITLE = "Rechazar negocio #{deal_id}"
MODAL_REASON_LABEL = "Motivo (lo verá el KAM)"
MODAL_REASON_PLACEHOLDER = "p. ej. el anticipo no aparece en la cuenta de Sense Digital"
REASON_REQUIRED = "Escribe el motivo del rechazo."

ALREADY_DECIDED = "Esta decisión ya la tomó **{who}** el {when}: {outcome}. No se cambió nada."
OUTCOME: dict[str, str] = {ApprovalStatus.APROBADA: "aprobada", ApprovalStatus.RECHAZADA: "rechazada", ApprovalStatus.CANCELADA: "cerrada sin decisión"}
DEAL_GONE = "No encuentro el negocio #{deal_id}."
NOTHING_TO_DECIDE = "El negocio #{deal_id} no tiene esa aprobación."
DEAL_CLOSED = "El negocio #{deal_id} ya está {status}; no hay nada que decidir."
STATUS_STATES: dict[str, str] = {DealStatus.PENDIENTE: "en revisión", DealStatus.APROBADO: "aprobado", DealStatus.RECHAZADO: "rechazado", DealStatus.ANULADO: "anulado"}
DECIDED_ACK = "Listo: {subject} del negocio #{deal_id} quedó {outcome}."
# the decision as the subject of a sentence (feminine, like OUTCOME): "la aprobación del COO … quedó aprobada"
DECISION_SUBJECTS: dict[str, str] = {ApprovalKind.AUDITORIA: "la verificación de auditoría", ApprovalKind.COO: "la aprobación del COO",
                     ApprovalKind.ATRIBUCION: "la atribución"}
ATTR_KEEP_ACK = "Listo: el negocio de HubSpot sigue atribuido al registro #{other_id}; el registro #{deal_id} se rechazó."
ATTR_NEW_ACK = "Listo: el negocio se atribuye al registro #{deal_id}; el registro #{other_id} se anuló."

# --- DMs to the KAM ------------------------------------------------------------------------
DM_APPROVED_STEP = "✅ {who} aprobó tu negocio #{deal_id} («{client}»)."
APPROVERS: dict[str, str] = {ApprovalKind.AUDITORIA: "Auditoría", ApprovalKind.COO: "El COO", ApprovalKind.ATRIBUCION: "Un administrador"}  # who decides
APPROVERS_AFTER_BY: dict[str, str] = {ApprovalKind.AUDITORIA: "auditoría", ApprovalKind.COO: "el COO", ApprovalKind.ATRIBUCION: "un administrador"}
DM_EARNED = (
    "🎉 Tu negocio #{deal_id} («{client}») quedó aprobado: ganaste {commission} de comisión."
)
DM_REJECTED = (
    "❌ Tu negocio #{deal_id} («{client}») fue rechazado por {who}. Motivo: «{reason}». "
    "No genera comisión."
)
DM_CANCELLED = (
    "🚫 Tu negocio #{deal_id} («{client}») fue anulado. Motivo: «{reason}».{clawback}"
)
DM_CLAWBACK = " Se registró un reverso de {amount} en tus comisiones."
DM_ATTR_LOST = (
    "⚖️ La atribución del negocio de HubSpot {hubspot_id} se resolvió a favor de otro registro; tu "
    "registro #{deal_id} quedó {status}."
)
DM_ATTR_WON = "⚖️ La atribución del negocio de HubSpot {hubspot_id} se resolvió a tu favor (registro #{deal_id})."
DM_UNREGISTERED_DISPUTE = "⚖️ Alguien más registró el negocio de HubSpot {hubspot_id} que tienes en el registro #{deal_id}; un administrador decidirá la atribución."
# the channel notice of a decision DM refused because the KAM's DMs are closed (it pings them, and only
# them): like access and billing, it says what happened and never the reason nor the commission
DM_CLOSED_NOTICE = ACCESS_CHANNEL_NOTICE
NOTICE_APPROVED_STEP = "{who} aprobó tu negocio #{deal_id}. Abre tus mensajes directos para recibir los próximos avisos."
NOTICE_EARNED = "tu negocio #{deal_id} quedó aprobado. Abre tus mensajes directos para ver tu comisión."
NOTICE_REJECTED = "tu negocio #{deal_id} no fue aprobado. Abre tus mensajes directos para ver el motivo."
NOTICE_CANCELLED = "tu negocio #{deal_id} fue anulado. Abre tus mensajes directos para ver el motivo."
NOTICE_ATTR_WON = "la atribución del registro #{deal_id} se resolvió a tu favor. Abre tus mensajes directos para recibir los próximos avisos."
NOTICE_ATTR_LOST = "la atribución del registro #{deal_id} se resolvió a favor de otro registro. Abre tus mensajes directos para ver el detalle."

# --- /admin negocio anular ---------------------------------------------------------------
CANCEL_DONE = "🚫 Negocio #{deal_id} anulado.{clawback}"
CANCEL_CLAWBACK = " Reverso registrado: {amount}."
CANCEL_ALREADY = "El negocio #{deal_id} ya está {status}; no se puede anular."
CANCEL_REASON_REQUIRED = "Escribe el motivo de la anulación."

# --- /mis-negocios -------------------------------------------------------------------------
OPT_MY_STATUS = "Solo los negocios en este estado"
OPT_MY_MONTH = "Solo los de este mes de anticipo, p. ej. 2026-11, «noviembre» o «mes pasado»"
STATUS_CHOICES: dict[str, str] = {DealStatus.PENDIENTE: "En revisión", DealStatus.APROBADO: "Aprobados", DealStatus.RECHAZADO: "Rechazados",
                  DealStatus.ANULADO: "Anulados"}
MY_DEALS_TITLE = "Tus negocios"
MY_DEALS_TITLE_FILTERED = "Tus negocios · {filters}"
MY_DEALS_FILTER_STATUS: dict[str, str] = {DealStatus.PENDIENTE: "en revisión", DealStatus.APROBADO: "aprobados", DealStatus.RECHAZADO: "rechazados",
                          DealStatus.ANULADO: "anulados"}
MY_DEALS_FILTER_MONTH = "anticipo en {month}"
MY_DEALS_EMPTY = "Aún no tienes negocios registrados. Cuando cierres uno, regístralo con `/registrar-negocio`."
MY_DEALS_EMPTY_FILTERED = "No tienes negocios {filters}. Prueba sin filtros: `/mis-negocios`."
MY_DEALS_LINE = "**#{deal_id}** · {date} · {client} · {type} · {total} · {status}{waiting}{late}"
MY_DEALS_WAITING = " (falta: {kinds})"
MY_DEALS_PAGE = "Página {page} de {pages} · {count} · la lista completa va en el archivo adjunto"
MY_DEALS_COUNT = ("negocio", "negocios")
MY_DEALS_TOTALS_NAME = "Tus comisiones"
MY_DEALS_TOTALS = "Comisión pendiente: {pending} · Ganada: {earned} · Reversos: {reversed}"
BTN_PREVIOUS = "Anteriores"
BTN_NEXT = "Siguientes"
MY_DEALS_FILENAME = "mis-negocios.xlsx"
MY_DEALS_SHEET = "Negocios"
# /mis-negocios workbook: (header, its line in «Cómo leer»)
MY_DEALS_COLUMNS = [
    ("ID", "Número del negocio en el bot (el mismo de la tarjeta en Discord)."),
    ("Fecha anticipo", "Día en que el cliente pagó el anticipo."),
    ("Registrado (Bogotá)", "Cuándo lo registraste, hora de Bogotá."),
    ("Cliente", "Cliente del negocio."),
    ("Tipo", "Renovación, venta cruzada o up sale."),
    ("Servicio", "Servicio vendido."),
    ("Valor total", "Valor total del negocio, en pesos."),
    ("Anticipo", "Valor del anticipo pagado, en pesos."),
    ("Comisión estimada", "Comisión que se gana si el negocio se aprueba, en pesos."),
    ("Estado", "En revisión, aprobado, rechazado o anulado."),
    ("Falta aprobar", "Aprobaciones que siguen pendientes."),
    ("Tardío", "Sí cuando se registró después de la exportación de las 6 AM de su fecha."),
    ("Negocio HubSpot", "Id del negocio en HubSpot, si lo diste."),
]
STATUS_WORDS: dict[str, str] = {DealStatus.PENDIENTE: "En revisión", DealStatus.APROBADO: "Aprobado", DealStatus.RECHAZADO: "Rechazado", DealStatus.ANULADO: "Anulado"}
YES, NO = "Sí", "No"

# --- ledger descriptions ------------------------------------------------------------------
LEDGER_COMMISSION = "Comisión {rate} del negocio #{deal_id} ({client})"
LEDGER_CLAWBACK = "Reverso de la comisión del negocio #{deal_id}: {reason}"
