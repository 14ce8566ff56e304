"""Texts of HubSpot-user / channel-access requests and of proforma / payment-link requests (es-CO).

Placeholders are filled by the caller; user text is already Markdown-escaped; money is formatted
with ``format_cop`` and dates with the Bogotá helpers.
"""

from __future__ import annotations

from bot.domain.enums import ApprovalStatus, BillingKind, BillingStatus

# --- commands and options --------------------------------------------------------------------
CMD_ACCESS = "Pide tu usuario de HubSpot y el acceso al canal del programa"
OPT_SENSE_EMAIL = "Tu correo de Sense Digital, p. ej. nombre@sensedigital.co"
OPT_GMAIL = "Tu correo de Gmail, p. ej. nombre@gmail.com"
CMD_BILLING = "Pide una factura proforma o un link de pago para uno de tus negocios"
OPT_DEAL = "Tu negocio registrado (#)"
OPT_KIND = "Factura proforma o link de pago"
OPT_AMOUNT = "Valor en pesos, p. ej. 6.000.000"
OPT_NOTES = "Datos para la factura o el link (razón social, NIT, concepto…)"

KIND_LABELS: dict[str, str] = {BillingKind.PROFORMA: "Factura proforma", BillingKind.LINK_PAGO: "Link de pago"}

# --- access request: answers to the requester -------------------------------------------------
ACCESS_RECEIVED = (
    "¡Listo, {name}! 🙌 Recibimos tu solicitud #{request_id} de usuario de HubSpot y acceso al canal "
    "«{channel}».\n"
    "• Correo Sense: {sense_email}\n• Gmail: {gmail}\n"
    "La revisan Juan Diego Dillmann o Daniel Valcarcel. Te aviso por mensaje directo en cada paso: "
    "si tienes los mensajes directos cerrados, ábrelos para este servidor (clic en el nombre del "
    "servidor → Configuración de privacidad → Mensajes directos)."
)
DM_ACCESS_RECEIVED = (
    "Recibimos tu solicitud #{request_id} de usuario de HubSpot y acceso al canal «{channel}». "
    "Por aquí te aviso cuando la decidan."
)
DMS_CLOSED_WARNING = (
    "⚠️ No pude escribirte por mensaje directo: los tienes cerrados para este servidor. Ábrelos "
    "(clic en el nombre del servidor → Configuración de privacidad → Mensajes directos) para enterarte "
    "de la decisión; si no, te avisaré con una nota corta en «{channel}» cuando tengas acceso."
)
ACCESS_PENDING = (
    "Ya tienes una solicitud en revisión (#{request_id}, enviada el {since}). Solo puede haber una "
    "abierta por persona: te aviso por mensaje directo apenas la revisen 🙏"
)
ACCESS_ALREADY = (
    "Ya tienes tu acceso 🎉: tu solicitud #{request_id} fue aprobada el {when} y ya tienes el rol "
    "de KAM. Si algo no te funciona en HubSpot, escríbele a Juan Diego Dillmann o Daniel Valcarcel."
)
ACCESS_EMAIL_TAKEN = (
    "El correo {email} ya está registrado para otra persona del programa. Revisa que sea el tuyo; "
    "si lo es, habla con Juan Diego Dillmann o Daniel Valcarcel."
)
ACCESS_EMAIL_PENDING_OTHER = (
    "Ya hay otra solicitud en revisión con el correo {email}. Revisa que sea el tuyo; si lo es, "
    "habla con Juan Diego Dillmann o Daniel Valcarcel."
)

# --- access card -----------------------------------------------------------------------------
ACCESS_CARD_TITLE = "Solicitud #{request_id} · usuario de HubSpot y acceso al canal"
ACCESS_CARD_DESC = (
    "**{name}** pide su usuario de HubSpot y el acceso a «{channel}» (paso 1 de «Paso a paso para "
    "mi primera venta»)."
)
FIELD_REQUESTER = "Quién"
FIELD_SENSE = "Correo Sense"
FIELD_GMAIL = "Gmail"
FIELD_STATUS = "Estado"
FIELD_ROLE = "Acceso al canal"
FIELD_HUBSPOT = "Usuario de HubSpot"
FIELD_REASON = "Motivo"
CARD_FOOTER = "Solicitada el {when} · la deciden quienes tengan el rol «{role}»"

ACCESS_STATUS: dict[str, str] = {
    ApprovalStatus.PENDIENTE: "⏳ Pendiente de aprobación",
    ApprovalStatus.APROBADA: "✅ Aprobada por {who} el {when}",
    ApprovalStatus.RECHAZADA: "❌ Rechazada por {who} el {when}",
}
ROLE_PENDING = "Se otorga al aprobar"
ROLE_OK = "✅ Rol «{role}» otorgado"
ROLE_FAILED = "⚠️ No pude otorgar el rol «{role}»: {error}"
ROLE_NO_MEMBER = "la persona ya no está en el servidor"
ROLE_NOT_FOUND = "el rol no existe en el servidor (revisa ROLE_KAM)"
ROLE_FORBIDDEN = "me faltan permisos (el rol del bot debe estar por encima y tener «Gestionar roles»)"
HS_DISABLED = "La integración con HubSpot está desactivada: créalo a mano en HubSpot"
HS_WAITING = "Se crea al aprobar"
HS_IN_PROGRESS = "⏳ Creando el usuario…"
HS_OK = "✅ Usuario {user_id} listo"
HS_ERROR = "⚠️ {error}\nUsa «Reintentar» cuando esté resuelto."
HS_SEAT_LIMIT = "HubSpot no tiene asientos (licencias) disponibles. Libera uno o compra otro y reintenta."
HS_API_ERROR = "HubSpot rechazó la creación: {detail}"
HS_UNAVAILABLE = "HubSpot no responde en este momento ({detail})."

BTN_APPROVE = "Aprobar"
BTN_REJECT = "Rechazar"
BTN_RETRY = "Reintentar"
BTN_DONE = "Hecho"

# --- clicks ----------------------------------------------------------------------------------
ALREADY_DECIDED = "Esta solicitud ya la decidió {who} el {when} ({outcome}). No cambié nada."
OUTCOME: dict[str, str] = {ApprovalStatus.APROBADA: "aprobada", ApprovalStatus.RECHAZADA: "rechazada"}
REQUEST_GONE = "No encuentro la solicitud #{request_id}."
APPROVED_ACK = "Aprobaste la solicitud #{request_id} de {name}. {steps}"
APPROVED_STEPS_ROLE_OK = "Ya tiene el rol «{role}»."
APPROVED_STEPS_ROLE_FAIL = "⚠️ No pude otorgar el rol «{role}»: {error}. Revisa y usa «Reintentar»."
APPROVED_STEPS_HS_OK = "Usuario de HubSpot {user_id} {how}."
APPROVED_STEPS_HS_FAIL = "⚠️ HubSpot: {error} Queda el botón «Reintentar» en la tarjeta."
HS_HOW_CREATED = "creado"
HS_HOW_LINKED = "vinculado (ya existía con ese correo)"
REJECTED_ACK = "Rechazaste la solicitud #{request_id} de {name}. Le avisé con tu motivo."
RETRY_NOT_APPROVED = "La solicitud #{request_id} no está aprobada; no hay nada que reintentar."
RETRY_DONE = "Reintento de la solicitud #{request_id}: {steps}"
DM_FAILED_APPROVER = (
    "ℹ️ {name} tiene los mensajes directos cerrados: dejé un aviso corto en el canal, sin "
    "mencionar a nadie. Si puedes, avísale también por otro medio."
)
REASON_MODAL_TITLE = "Rechazar solicitud #{request_id}"
REASON_LABEL = "Motivo (lo verá quien lo pidió)"
REASON_PLACEHOLDER = "Ej.: el correo de Sense no corresponde a tu usuario; escríbeme para revisarlo."
REASON_REQUIRED = "Escribe el motivo del rechazo: quien lo pidió lo va a leer."

# --- DMs to the requester ----------------------------------------------------------------------
DM_ACCESS_APPROVED = (
    "🎉 ¡Bienvenido(a) a Ventas desde Operaciones! {who} aprobó tu solicitud #{request_id}."
)
DM_ROLE_OK = "Ya tienes el rol «{role}» y acceso al canal «{channel}»: allí registras tus negocios y resuelves dudas."
DM_ROLE_FAIL = (
    "Tu acceso al canal «{channel}» está en proceso: hubo un problema técnico al darte el rol y los "
    "aprobadores ya lo están revisando."
)
DM_ROLE_PENDING = (
    "Tu rol «{role}» y el acceso al canal «{channel}» se están activando; si en unos minutos no ves el "
    "canal, escríbele a Juan Diego Dillmann o Daniel Valcarcel."
)
DM_HS_CREATED = (
    "Tu usuario de HubSpot ({email}) quedó creado: revisa tu correo de Sense para la invitación de "
    "HubSpot."
)
DM_HS_LINKED = "Tu usuario de HubSpot ({email}) ya existía y quedó vinculado a tu perfil del programa."
DM_HS_PENDING = (
    "Tu usuario de HubSpot ({email}) todavía no queda listo por un problema de HubSpot; los "
    "aprobadores lo van a reintentar y te aviso cuando quede."
)
DM_HS_MANUAL = "Juan Diego Dillmann o Daniel Valcarcel crean tu usuario de HubSpot ({email}) y te avisan."
DM_ACCESS_NEXT = "Siguiente paso: la cotización y el contrato. Escribe `/ayuda` en el canal para ver el paso a paso."
DM_ACCESS_REJECTED = (
    "Tu solicitud #{request_id} de usuario de HubSpot y acceso al canal no fue aprobada.\n"
    "Motivo ({who}): {reason}\n"
    "Si corriges lo que te indican, puedes volver a pedirla con `/solicitar-usuario-hubspot`."
)
CHANNEL_NOTICE = (
    "📬 Aviso para **{name}** (tiene los mensajes directos cerrados): {text}"
)
# an access request's notice for a requester whose DMs are closed: it pings them, and only them
ACCESS_CHANNEL_NOTICE = "📬 <@{user_id}> (**{name}**, tienes los mensajes directos cerrados): {text}"
NOTICE_APPROVED = "tu solicitud #{request_id} fue aprobada. Abre tus mensajes directos para recibir los próximos avisos."
NOTICE_REJECTED = (
    "tu solicitud #{request_id} no fue aprobada. Pídele el motivo a Juan Diego Dillmann o Daniel "
    "Valcarcel, o abre tus mensajes directos."
)
NOTICE_HS_READY = "tu usuario de HubSpot de la solicitud #{request_id} ya está listo."
NOTICE_BILLING_DONE = "tu solicitud #{request_id} ({kind}) está lista. Abre tus mensajes directos para recibir el link."
NOTICE_BILLING_REJECTED = "tu solicitud #{request_id} ({kind}) no fue aprobada. Abre tus mensajes directos para ver el motivo."

# --- billing ---------------------------------------------------------------------------------
BILLING_RECEIVED = (
    "Listo 🙌 Solicitud #{request_id}: {kind} por {amount} para el negocio #{deal_id} ({client}). "
    "Juan Diego Dillmann o Daniel Valcarcel la preparan y te llega el link por mensaje directo."
)
BILLING_NOT_YOURS = (
    "El negocio #{deal_id} no es tuyo o no existe. Solo puedes pedir facturas proforma o links de "
    "pago para negocios que registraste tú (`/mis-negocios`)."
)
BILLING_NO_DEAL = "Elige uno de tus negocios registrados de la lista (`/mis-negocios` los muestra)."
BILLING_DEAL_CLOSED = "El negocio #{deal_id} está {status}: no se pueden pedir documentos de cobro para él."
BILLING_PENDING = (
    "Ya hay una solicitud de {kind} en curso para el negocio #{deal_id} (#{request_id}, desde el "
    "{since}). Espera a que la resuelvan 🙏"
)
BILLING_AMOUNT_ZERO = "El valor debe ser mayor que cero."
BILLING_AMOUNT_TOO_HIGH = (
    "El valor ({amount}) es mayor que el valor total del negocio #{deal_id} ({total}). Revisa la cifra."
)
BILLING_CARD_TITLE = "Solicitud #{request_id} · {kind} · negocio #{deal_id}"
BILLING_CARD_DESC = "Solicitud de {kind_lower} de **{name}** para su negocio con **{client}**."
FIELD_DEAL = "Negocio"
FIELD_AMOUNT = "Valor"
FIELD_NOTES = "Notas"
FIELD_RESULT = "Resultado"
BILLING_STATUS: dict[str, str] = {
    BillingStatus.PENDIENTE: "⏳ Pendiente",
    BillingStatus.HECHA: "✅ Hecha por {who} el {when}",
    BillingStatus.RECHAZADA: "❌ Rechazada por {who} el {when}",
}
DONE_MODAL_TITLE = "Solicitud #{request_id} hecha"
DONE_LINK_LABEL = "Link (de pago o de la proforma)"
DONE_LINK_DESCRIPTION = "Pega el link, o deja esto vacío y adjunta el PDF abajo."
DONE_LINK_PLACEHOLDER = "https://…"
DONE_FILE_LABEL = "PDF de la proforma (opcional con link)"
DONE_FILE_DESCRIPTION = "Un archivo PDF; se guarda y se le envía a quien lo pidió."
DONE_NOTE_LABEL = "Nota para quien lo pidió (opcional)"
BAD_LINK = "El link debe empezar por https:// (o http://) y no tener espacios."
DONE_NOTHING = "Pega un link o adjunta el PDF: sin ninguno de los dos no puedo marcar la solicitud como hecha."
DONE_NOT_PDF = "El archivo debe ser un PDF."
DONE_DOWNLOAD_FAILED = "No pude descargar el PDF de Discord. Inténtalo de nuevo en un momento."
DONE_ACK = "Marcaste la solicitud #{request_id} como hecha y se la envié a {name}."
DONE_FILE_LINE = "📎 PDF adjunto: {filename}"
DEAL_CARD_REPLY = "📄 {kind} del negocio #{deal_id} por {amount} (solicitud resuelta por {who}).{url}"
DEAL_CARD_FIELD = "Cobro"
DEAL_CARD_LINE_URL = "{kind} #{request_id} ({amount}): {url}"
DEAL_CARD_LINE_FILE = "{kind} #{request_id} ({amount}): PDF en la respuesta a esta tarjeta"
BILLING_REJECTED_ACK = "Rechazaste la solicitud #{request_id} de {name}. Le avisé con tu motivo."
DM_BILLING_DONE = (
    "✅ Tu solicitud de {kind_lower} del negocio #{deal_id} ({client}) por {amount} está lista ({who}):\n{url}{note}"
)
DM_BILLING_NOTE = "\nNota: {note}"
DM_BILLING_REJECTED = (
    "Tu solicitud #{request_id} de {kind_lower} para el negocio #{deal_id} ({client}) no se pudo hacer.\n"
    "Motivo ({who}): {reason}"
)

# --- reminders -------------------------------------------------------------------------------
REMINDER_TITLE = "⏰ Solicitudes esperando a los aprobadores de HubSpot"
REMINDER_LINE_ACCESS = "• #{request_id} usuario de HubSpot de **{name}**, desde hace {age} — {link}"
REMINDER_LINE_BILLING = "• #{request_id} {kind_lower} de **{name}** (negocio #{deal_id}), desde hace {age} — {link}"
REMINDER_DM = "Hola {name} 👋 Hay solicitudes esperando tu revisión en «{channel}»:\n{lines}"
AGE_HOURS = "{h} h"
AGE_DAYS = "{d} d {h} h"
NO_CARD = "tarjeta no publicada"
