"""Spanish (es-CO) texts of the questions channel: /duda, the question cards, the FAQ, the SLA and
/pedir-apoyo."""

from __future__ import annotations

from bot.domain.enums import SupportKind, SupportStatus, SupportTarget

# --- /duda ----------------------------------------------------------------------------------------
CMD_DUDA = "Haz una pregunta sobre el programa: primero busco en las reglas y las preguntas frecuentes"
OPT_QUESTION = "Tu pregunta, con el detalle que necesites"
OPT_TOPIC = "Tema de la pregunta (define quién la responde)"
OPT_POST = "Publicarla de una vez en el canal, sin buscar antes"
TOPIC_LABELS = {
    "proceso": "Proceso de venta",
    "hubspot": "HubSpot",
    "comisiones": "Comisiones",
    "renovaciones": "Renovaciones",
    "referidos": "Referidos",
    "otro": "Otro",
}
QUESTION_MAX = 4000
ANSWER_MAX = 1500

NOT_KAM = "`/duda` es para KAMs (rol «{role}»). Si necesitas el acceso, pídelo con `/solicitar-usuario-hubspot`."
FOUND_TITLE = "Esto dicen las reglas y las preguntas frecuentes"
FOUND_INTRO = "Encontré esto para tu pregunta. Si no resuelve tu duda, toca **«No resolvió mi duda»** y la publico para {role}."
FOUND_RULE = "📘 {title}"
FOUND_FAQ = "💬 Pregunta frecuente: {title}"
BTN_NOT_SOLVED = "No resolvió mi duda"
POSTED = "📨 Publiqué tu pregunta (duda #{qid}) en el canal para {role}. Te escribo por mensaje directo cuando la respondan."
POSTED_NO_HITS = "No encontré la respuesta en las reglas ni en las preguntas frecuentes. " + POSTED
POST_FAILED = "Quedó guardada (duda #{qid}), pero no pude publicarla en el canal todavía: lo reintento en unos minutos."
ALREADY_POSTED = "La duda #{qid} ya está publicada en el canal."
NOT_YOURS = "Solo quien hizo la pregunta puede publicarla."
QUESTION_GONE = "No encuentro la duda #{qid}."

SELL_FOR_ME_TITLE = "Las ventas las hace quien atiende al cliente"
SELL_FOR_ME = (
    "Según las reglas del programa, puedes apoyarte en los PM de apoyo y en el CCO ({cco}), pero **no en el equipo "
    "comercial para hacer la venta**: a ventas solo se le hacen pequeñas dudas del proceso o de la subida a HubSpot.\n"
    "Tienes dos caminos:\n"
    "1. **Véndelo tú**: haz todo el trámite por tu cuenta (pide apoyo con `/pedir-apoyo`) y comisionas el {rate} "
    "del valor total.\n"
    "2. **Refiérelo**: crea el lead con `/referir-lead` para que ventas concrete la venta; comisionas {good} si es "
    "bueno y {sold} si se vende."
)

# --- the card -------------------------------------------------------------------------------------
CARD_CONTENT = "❓ Nueva duda para {role}"
CARD_TITLE = "Duda #{qid} · {topic}"
FIELD_ASKER = "Pregunta"
FIELD_FOR = "La responde"
FIELD_STATUS = "Estado"
FIELD_ANSWER = "Respuesta"
FIELD_FAQ = "Preguntas frecuentes"
STATUS_OPEN = "⏳ Sin responder · plazo {deadline}"
STATUS_OPEN_LATE = "⚠️ Sin responder · venció el {deadline}"
STATUS_ANSWERED = "✅ Respondida por {who} el {when}"
IN_FAQ = "Agregada a las preguntas frecuentes (#{faq_id})"
CARD_FOOTER = "Preguntada el {when}"
BTN_ANSWER = "Responder"
BTN_FAQ = "Agregar a preguntas frecuentes"

MODAL_TITLE = "Responder la duda #{qid}"
MODAL_ANSWER_LABEL = "Tu respuesta"
MODAL_ANSWER_PLACEHOLDER = "Responde con claridad; la persona la recibe por mensaje directo."
ANSWER_REQUIRED = "Escribe la respuesta."
ANSWERED_ACK = "✅ Respondiste la duda #{qid}; le avisé a quien preguntó."
ALREADY_ANSWERED = "La duda #{qid} ya la respondió {who} el {when}."
NOT_OPEN = "La duda #{qid} no está publicada: quien preguntó la resolvió con las reglas."
ANSWER_REPLY = "💬 **Respuesta de {who}** a la duda #{qid}:\n{answer}"
DM_ANSWER = "💬 Respondieron tu duda #{qid} ({topic}).\n**Tu pregunta:** {question}\n**Respuesta de {who}:** {answer}"

FAQ_ADDED = "📌 La respuesta de la duda #{qid} quedó en las preguntas frecuentes (#{faq_id}): `/duda` y `/ayuda tema:` la encuentran."
FAQ_ALREADY = "La duda #{qid} ya está en las preguntas frecuentes (#{faq_id})."
FAQ_NEEDS_ANSWER = "Primero hay que responder la duda #{qid}."

# --- SLA ------------------------------------------------------------------------------------------
SLA_REMINDER = (
    "⏰ {role}: la duda #{qid} ({topic}) lleva más de {hours} horas hábiles sin respuesta (publicada el {when}). "
    "{link}"
)
SLA_ESCALATION = (
    "🚨 {role}: la duda #{qid} ({topic}) sigue sin respuesta después del recordatorio (publicada el {when}; "
    "le toca a {owner}). {link}"
)
SLA_ESCALATION_DM = (
    "🚨 La duda #{qid} ({topic}) sigue sin respuesta después del recordatorio (publicada el {when}; le toca a "
    "{owner}). {link}"
)
CARD_LINK = "Ver la duda: {url}"

# --- /ayuda tema: ---------------------------------------------------------------------------------
OPT_AYUDA_TOPIC = "Busca un tema en las reglas y las preguntas frecuentes (p. ej. «comisión», «renovar»)"
AYUDA_TOPIC_TITLE = "Lo que encontré sobre «{query}»"
AYUDA_TOPIC_NONE = "No encontré nada sobre «{query}» en las reglas ni en las preguntas frecuentes. Pregúntalo con `/duda`."

# --- /pedir-apoyo -----------------------------------------------------------------------------------
CMD_SUPPORT = "Pide apoyo del CCO o de un PM (reunión o asesoría comercial) para vender a uno de tus clientes"
OPT_CLIENT = "Tu cliente (solo los que atiendes hoy)"
OPT_KIND = "Qué necesitas"
OPT_TO = "A quién se lo pides (por defecto, al CCO)"
OPT_DATE = "Fecha que te sirve, p. ej. 30/11/2026 (opcional)"
OPT_DETAIL = "Contexto: qué le quieres vender y qué necesitas"
KIND_LABELS: dict[str, str] = {SupportKind.REUNION: "Reunión", SupportKind.ASESORIA: "Asesoría comercial"}
TARGET_LABELS: dict[str, str] = {SupportTarget.CCO: "CCO", SupportTarget.PM: "PM de apoyo"}
DETAIL_MAX = 1000
SUPPORT_NOT_KAM = "`/pedir-apoyo` es para KAMs (rol «{role}»)."
SUPPORT_NOT_YOUR_CLIENT = (
    "Solo puedes pedir apoyo para vender a un cliente que atiendes hoy, y «{client}» no aparece entre tus clientes. "
    "Si es un cliente nuevo, refiérelo con `/referir-lead`."
)
SUPPORT_UNKNOWN_CLIENT = "No encuentro el cliente «{client}». Elígelo de la lista que aparece al escribir."
SUPPORT_PAST_DATE = "La fecha {date} ya pasó: elige hoy o una fecha futura."
SUPPORT_SENT = "🤝 Pedí {kind} a {role} para {client} (solicitud #{rid}). Te aviso por mensaje directo cuando respondan."
SUPPORT_POST_FAILED = "Quedó guardada (solicitud #{rid}), pero no pude publicarla en el canal todavía: lo reintento en unos minutos."
SUPPORT_CARD_CONTENT = "🤝 Solicitud de apoyo para {role}"
SUPPORT_CARD_TITLE = "Apoyo #{rid} · {kind} · {client}"
FIELD_KAM = "KAM"
FIELD_CLIENT = "Cliente"
FIELD_KIND = "Tipo"
FIELD_WANTED = "Fecha sugerida"
FIELD_DETAIL = "Detalle"
FIELD_SUPPORT_STATUS = "Estado"
SUPPORT_PENDING = "⏳ Pendiente"
SUPPORT_ACCEPTED = "✅ Aceptada por {who} · {meeting}"
SUPPORT_DECLINED = "❌ {who} no puede ({when})"
SUPPORT_NOTE = "\nNota: {note}"
BTN_ACCEPT = "Acepto"
BTN_DECLINE = "No puedo"
ACCEPT_MODAL_TITLE = "Aceptar el apoyo #{rid}"
ACCEPT_WHEN_LABEL = "Fecha y hora (día/mes/año hora:minutos)"
ACCEPT_WHEN_PLACEHOLDER = "30/11/2026 15:00"
ACCEPT_NOTE_LABEL = "Nota para el KAM (opcional)"
ACCEPT_ACK = "✅ Aceptaste el apoyo #{rid} para el {meeting}. Le avisé al KAM."
DECLINE_ACK = "Listo: le avisé al KAM que no puedes con el apoyo #{rid}."
SUPPORT_ALREADY = "El apoyo #{rid} ya lo decidió {who} ({status})."
SUPPORT_GONE = "No encuentro la solicitud de apoyo #{rid}."
STATUS_WORDS: dict[str, str] = {SupportStatus.ACEPTADA: "aceptada", SupportStatus.RECHAZADA: "no pudo"}
DM_ACCEPTED = (
    "🤝 {who} aceptó tu solicitud de apoyo #{rid} ({kind}) para {client}: **{meeting}**.{note}\n"
    "Quedará anotado en tu próximo negocio con este cliente."
)
DM_DECLINED = (
    "{who} no puede con tu solicitud de apoyo #{rid} ({kind}) para {client}. Puedes pedirla de nuevo a otra "
    "persona con `/pedir-apoyo` (CCO o PM de apoyo)."
)
DEAL_CARD_FIELD = "Apoyo comercial"
DEAL_CARD_LINE = "🤝 {kind} con {who} · {meeting}"

# --- /admin reporte -------------------------------------------------------------------------------
REPORT_FIELD = "Dudas (este mes)"
REPORT_BODY = (
    "Preguntadas **{asked}** · resueltas con reglas/FAQ sin publicar **{self_served}** · publicadas **{posted}** · "
    "respondidas **{answered}**\nTiempo mediano de respuesta: {median} · Aciertos de preguntas frecuentes: "
    "**{faq_hits}**\nTemas más preguntados: {topics}"
)
REPORT_MEDIAN_NONE = "sin respuestas todavía"
REPORT_TOPICS_NONE = "—"
