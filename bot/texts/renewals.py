"""Texts of /intencion-renovacion, /intencion-renovacion-liberar, the coordinator's card, the
reminders and the expiry post (Spanish, es-CO).

Placeholders are filled by the caller: dates already formatted (``format_date`` /
``format_date_long``), user text (client names) already made inert with ``bot.domain.text.md``.
"""

from __future__ import annotations

from bot.domain.enums import RenewalStatus

RULE = (
    "Regla «Renovaciones»: el KAM manifiesta su intención de renovar a la coordinación de renovaciones "
    "y tiene **{days} días hábiles a partir de la fecha de entrega** (sin fines de semana ni festivos de "
    "Colombia) para cerrarla; si no la cierra, el cliente vuelve al equipo comercial."
)

# --- commands and options ---------------------------------------------------------------------
CMD_DECLARE = "Declara tu intención de renovar a un cliente tuyo (ventana en días hábiles)"
OPT_CLIENT = "Tu cliente (solo los clientes que atiendes hoy)"
OPT_DELIVERY = "Fecha de entrega del servicio, p. ej. 21/11/2026 o «hoy»"
CMD_RELEASE = "Libera tu intención de renovación: el cliente vuelve ya al equipo comercial"
OPT_RELEASE_CLIENT = "El cliente cuya intención de renovación quieres liberar"

# --- refusals ------------------------------------------------------------------------------------
NOT_KAM = (
    "Declarar intenciones de renovación es para los KAMs (rol «{role}»), quienes atienden directamente al "
    "cliente. Si atiendes clientes y no tienes el rol, pídelo con `/solicitar-usuario-hubspot`."
)
NOT_COORDINATOR = "Solo la coordinación de renovaciones (rol «{role}») puede usar este botón."
CLIENT_MISSING = "Elige el cliente de la lista."
CLIENT_UNKNOWN = "No encuentro el cliente «{value}» en el directorio. Elígelo de la lista."
CLIENT_NOT_YOURS = (
    "«{client}» no es un cliente que atiendas hoy. Regla «solo clientes propios»: los clientes de "
    "renovaciones solo los puede vender el KAM encargado del cliente. Si crees que el directorio está "
    "mal, habla con un administrador."
)
ALREADY_OPEN = (
    "Ya tienes una intención de renovación abierta para **{client}** (entrega {delivery}, vence el "
    "**{deadline}**). No hace falta declararla otra vez."
)
BLOCKED = (
    "No puedes declarar una renovación de **{client}**: tu ventana anterior terminó el {deadline} "
    "({how}) y el cliente volvió al equipo comercial. " + RULE + " Para intentarlo de nuevo, la "
    "coordinación de renovaciones ({coordinator}) debe aceptar una nueva intención."
)
HOW_EXPIRED = "venció sin cerrarse"
HOW_RELEASED = "fue liberada"
WINDOW_OVER = (
    "Con entrega el {delivery}, la ventana de renovación terminó el **{deadline}**; ya no se puede "
    "declarar. " + RULE
)
DELIVERY_TOO_FAR = "La fecha de entrega {delivery} está demasiado lejos (máximo {days} días hacia adelante). Revísala."
NO_OPEN_INTENT = "No tienes una intención de renovación abierta para **{client}**."

# --- declaration answer -------------------------------------------------------------------------
DECLARED = (
    "✅ Intención de renovación #{intent_id} registrada para **{client}** (entrega {delivery}).\n"
    "Tienes hasta el **{deadline_long}** (fin del día, hora de Bogotá) para cerrarla: {left}.\n"
    "Registra el negocio con `/registrar-negocio` tipo **Renovación** dentro de la ventana. Si no vas a "
    "venderla, libérala con `/intencion-renovacion-liberar` para que comercial la tome ya. "
    "Avisé a la coordinación de renovaciones."
)
LEFT_MANY = "quedan **{n} días hábiles** después de hoy"
LEFT_ONE = "queda **1 día hábil** después de hoy"
LEFT_LAST = "**hoy es el último día**"
LEFT_FUTURE = "la ventana empieza a contar después de la entrega"
CARD_POST_FAILED = "⚠️ No pude publicar la tarjeta para la coordinación; se reintentará automáticamente."

# --- the coordinator's card -----------------------------------------------------------------------
CARD_CONTENT = "{role}: nueva intención de renovación."
CARD_TITLE = "Intención de renovación #{intent_id} · {client}"
FIELD_KAM = "KAM"
FIELD_CLIENT = "Cliente"
FIELD_DELIVERY = "Entrega"
FIELD_DEADLINE = "Vence"
FIELD_STATUS = "Estado"
FIELD_DEAL = "Negocio"
STATUS_LABELS: dict[str, str] = {
    RenewalStatus.ABIERTA: "🟢 Abierta",
    RenewalStatus.CERRADA: "✅ Cerrada con un negocio",
    RenewalStatus.LIBERADA: "↩️ Liberada: el cliente volvió a comercial",
    RenewalStatus.VENCIDA: "⌛ Vencida: el cliente volvió a comercial",
}
BLOCKED_NOTE = " · nuevas intenciones del KAM bloqueadas hasta que la coordinación acepte una"
UNBLOCKED_NOTE = " · la coordinación aceptó una nueva intención"
CARD_FOOTER = "Días hábiles de Colombia (sin fines de semana ni festivos). Declarada el {when}."
BTN_EXTEND = "Extender"
BTN_RELEASE = "Liberar"
BTN_ACCEPT = "Aceptar nueva intención"

# --- buttons and modal ----------------------------------------------------------------------------
MODAL_TITLE = "Extender renovación #{intent_id}"
MODAL_DATE_LABEL = "Nueva fecha límite (día/mes/año)"
MODAL_DATE_PLACEHOLDER = "p. ej. 30/11/2026"
INTENT_GONE = "La intención de renovación #{intent_id} ya no existe."
ALREADY_DECIDED = "La intención de renovación #{intent_id} ya está **{status}**; no cambié nada."
NOT_BLOCKED = "La intención de renovación #{intent_id} no está bloqueada; no hay nada que aceptar."
EXTEND_NOT_AFTER = (
    "La nueva fecha ({new}) debe ser posterior a la fecha límite actual ({current}). No cambié nada."
)
EXTEND_TOO_FAR = "La nueva fecha ({new}) está demasiado lejos (máximo {days} días después de la actual)."
EXTENDED_ACK = "Listo: la renovación #{intent_id} de **{client}** ahora vence el **{deadline_long}**."
RELEASED_ACK = "Listo: liberé la renovación #{intent_id} de **{client}**; el cliente vuelve al equipo comercial."
ACCEPTED_ACK = (
    "Listo: {kam} puede volver a declarar una intención de renovación para **{client}**."
)

# --- DMs and posts -------------------------------------------------------------------------------
DM_EXTENDED = (
    "📅 La coordinación de renovaciones ({who}) extendió tu ventana de renovación de **{client}**: ahora "
    "vence el **{deadline_long}** (antes {old})."
)
DM_RELEASED = (
    "↩️ La coordinación de renovaciones ({who}) liberó tu intención de renovación de **{client}**: el "
    "cliente vuelve al equipo comercial. Para intentarlo de nuevo, la coordinación debe aceptar una "
    "nueva intención."
)
DM_ACCEPTED = (
    "✅ La coordinación de renovaciones ({who}) aceptó una nueva intención para **{client}**: ya puedes "
    "declararla con `/intencion-renovacion`."
)
POST_RELEASED_BY_KAM = (
    "↩️ {kam} liberó la intención de renovación #{intent_id} de **{client}**: el cliente vuelve al equipo "
    "comercial. {coordinator}"
)
POST_RELEASED_BY_COORDINATOR = (
    "↩️ {who} liberó la intención de renovación #{intent_id} de **{client}** ({kam}): el cliente vuelve "
    "al equipo comercial."
)
REMIND_ONE_DAY = (
    "⏰ Te queda **1 día hábil** para cerrar la renovación de **{client}**: la ventana vence el "
    "**{deadline_long}**. Registra el negocio con `/registrar-negocio` tipo **Renovación** o libérala "
    "con `/intencion-renovacion-liberar`."
)
REMIND_LAST_DAY = (
    "⏰ **Hoy es el último día** para cerrar la renovación de **{client}** (vence al final del "
    "{deadline_long}, hora de Bogotá). Si no registras el negocio hoy, el cliente vuelve al equipo comercial."
)
POST_EXPIRED = (
    "⌛ Venció la intención de renovación #{intent_id} de **{client}** ({kam}): no se cerró a tiempo "
    "(fecha límite {deadline}). El cliente vuelve al equipo comercial. {coordinator}: para que {kam} "
    "pueda intentarlo de nuevo, usa «Aceptar nueva intención» en la tarjeta."
)
DM_EXPIRED = (
    "⌛ Tu ventana de renovación de **{client}** venció el {deadline} sin un negocio registrado: el "
    "cliente vuelve al equipo comercial y ya no puedes registrar una renovación para él, salvo que la "
    "coordinación de renovaciones acepte una nueva intención."
)

# --- for the deals feature --------------------------------------------------------------------------
DEAL_NO_WINDOW = (
    "No tienes una ventana de renovación abierta para **{client}**. " + RULE + " Declárala primero con "
    "`/intencion-renovacion`."
)
DEAL_WINDOW_OVER = (
    "Tu ventana de renovación de **{client}** terminó el {deadline} ({how}): el cliente volvió al equipo "
    "comercial y ya no puedes registrar una renovación para él. " + RULE
)
