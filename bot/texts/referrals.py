"""Texts of /referir-lead, the lead card, the profiler's qualification, the SLA escalation,
/mis-referidos and the DMs to the referrer (Spanish, es-CO).

Placeholders are filled by the caller; money is already formatted with ``format_cop``, dates with
``format_datetime`` and user text is already made inert with ``bot.domain.text.md``.
"""

from __future__ import annotations

from bot.domain.enums import LeadStatus

# --- commands and options ---------------------------------------------------------------------
CMD_REFER = "Refiere un cliente potencial al equipo comercial y gana por el lead"
OPT_CEDULA = "Tu propia cédula (así te identificamos como quien envió el lead)"
OPT_CONTACT = "Nombre de la persona de contacto"
OPT_COMPANY = "Empresa o negocio del cliente potencial"
OPT_EMAIL = "Correo del contacto (correo y/o teléfono)"
OPT_PHONE = "Teléfono del contacto, p. ej. 300 123 4567 (correo y/o teléfono)"
OPT_SERVICE = "Servicio que le interesa"
OPT_NOTES = "Lo que sabes de la necesidad del cliente (opcional)"
CMD_MY_REFERRALS = "Tus leads referidos, su estado y lo que has ganado"

NOTES_MAX = 1000
CONTACT_MAX = 200
COMPANY_MAX = 200

# --- refusals ------------------------------------------------------------------------------------
NOT_KAM = (
    "Referir leads es para el equipo de operaciones (rol «{role}»). Si atiendes clientes y no tienes "
    "el rol, pídeselo a un administrador."
)
NEED_CONTACT_DATA = "Necesito el **correo** o el **teléfono** del contacto (o ambos) para que comercial lo pueda llamar."
EMPTY_COMPANY = "Escribe el nombre de la empresa o negocio del cliente potencial."
CEDULA_MISMATCH = (
    "Esa cédula no coincide con la que tienes registrada (terminada en {masked}). Revísala: es como "
    "identificamos quién envió el lead. Si cambió, pide a un administrador que la corrija."
)
CEDULA_TAKEN = (
    "Esa cédula ya está registrada por otra persona del programa. Revísala; si de verdad es la tuya, "
    "habla con un administrador."
)
CURRENT_CLIENT = (
    "**{client}** ya es cliente de Sense Digital y ya tiene **{service}**. Las renovaciones no son leads: "
    "según el reglamento, un cliente actual solo se refiere si quiere un servicio diferente al que ya "
    "posee. Si quieres venderle tú la renovación, usa `/registrar-negocio` (si lo atiendes) o avísale a su KAM."
)
DUPLICATE = (
    "Este lead ya fue referido el **{when}** (lead #{lead_id}, con {field}). En los referidos gana la "
    "primera referencia, así que no lo registré de nuevo. ¡Gracias por estar pendiente!"
)
# with article and adjective agreeing with each noun (la misma empresa, el mismo correo)
DUPLICATE_FIELDS = {"email": "el mismo correo", "phone": "el mismo teléfono", "company": "la misma empresa"}
CONFIRM_EXPIRED = "Esta confirmación ya no está vigente (pasó el tiempo o el bot se reinició). Vuelve a usar `/referir-lead`."
CONFIRM_NOT_YOURS = "Esta confirmación es de otra persona."

# --- first-time cédula confirmation ----------------------------------------------------------
CONFIRM_CEDULA = (
    "Es tu primer lead 🎉 Antes de enviarlo, confirma tu cédula: **{cedula}**.\n"
    "Quedará guardada para identificarte en todos tus referidos (en los mensajes públicos solo se "
    "muestran los últimos 4 dígitos). ¿Es correcta?"
)
BTN_CONFIRM_YES = "Sí, es mi cédula"
BTN_CONFIRM_NO = "No, la corrijo"
CONFIRM_CANCELLED = "Listo, no guardé nada. Vuelve a usar `/referir-lead` con tu cédula correcta."

# --- success -----------------------------------------------------------------------------------
REFERRED = (
    "✅ ¡Gracias! Registré el lead **#{lead_id}** ({company}, {service}). Un perfilador lo calificará "
    "en las próximas {hours} h y te escribiré por mensaje directo en cada cambio.\n"
    "Recompensa: lead malo {bad} · bueno **{good}** · vendido **{sold}** (según el estado final)."
)
CARD_POST_FAILED = "⚠️ No pude publicar la tarjeta en el canal; la publicaré apenas pueda."

# --- card -----------------------------------------------------------------------------------------
CARD_CONTENT = "📥 Nuevo lead referido para {role}: calificar en máximo {hours} h."
CARD_TITLE = "Lead #{lead_id} · {company}"
FIELD_CONTACT = "Contacto"
FIELD_COMPANY = "Empresa"
FIELD_EMAIL = "Correo"
FIELD_PHONE = "Teléfono"
FIELD_SERVICE = "Servicio de interés"
FIELD_REFERRER = "Referido por"
FIELD_STATUS = "Estado"
FIELD_REWARD = "Recompensa"
FIELD_NOTES = "Notas"
FIELD_HUBSPOT = "HubSpot"
FIELD_DEADLINE = "Calificar antes de"
REFERRER_LINE = "{name} (C.C. {masked})"
NOT_SET = "—"
STATUS_LABELS: dict[str, str] = {
    LeadStatus.NUEVO: "🆕 Nuevo (por calificar)",
    LeadStatus.BUENO: "👍 Bueno",
    LeadStatus.MALO: "👎 Malo",
    LeadStatus.VENDIDO: "🏆 Vendido",
}
STATUS_WORD: dict[str, str] = {LeadStatus.NUEVO: "Nuevo", LeadStatus.BUENO: "Bueno", LeadStatus.MALO: "Malo", LeadStatus.VENDIDO: "Vendido"}
STATUS_BY = "{status}\npor {who} el {when}"
STATUS_BY_SYSTEM = "{status}\n(HubSpot) el {when}"
STATUS_REASON = "\nMotivo: {reason}"
SLA_LATE = " ⏰ vencido"
HUBSPOT_CONTACT = "Contacto {contact_id}"
HUBSPOT_PENDING = "Sincronizando…"
CARD_FOOTER = "Referido el {when}"

BTN_GOOD = "Bueno"
BTN_BAD = "Malo"
BTN_SOLD = "Vendido"

# --- qualification ------------------------------------------------------------------------
MODAL_TITLE = "Lead #{lead_id} malo: motivo"
MODAL_REASON_LABEL = "¿Por qué el lead es malo?"
MODAL_REASON_PLACEHOLDER = "p. ej. no estaba interesado, datos falsos, no contesta…"
REASON_REQUIRED = "Escribe el motivo para marcar el lead como malo: el referido lo recibe para aprender."
LEAD_GONE = "No encuentro el lead #{lead_id}."
ALREADY = "El lead #{lead_id} ya está marcado como **{status}** ({who}, {when}); no cambié nada."
NOT_ALLOWED = "El lead #{lead_id} está como **{status}** y no puede pasar a **{target}**."
QUALIFIED_ACK = "Listo: lead #{lead_id} marcado como **{status}**. Recompensa para quien lo refirió: {reward}."
WHO_SYSTEM = "sincronización con HubSpot"

# --- DMs to the referrer (closed loop) ----------------------------------------------------
DM_STATUS = (
    "📣 Tu lead **#{lead_id}** ({company}) ahora está como **{status}**.\n"
    "Tu recompensa por este lead: **{reward}**.{reason}"
)
DM_REASON = "\nMotivo del perfilador: {reason}"
DM_SOLD_HUBSPOT = "\nHubSpot muestra la venta cerrada. ¡Gracias por el referido! 🙌"

# --- SLA ---------------------------------------------------------------------------------------
SLA_ESCALATION = (
    "⏰ {role}: el lead **#{lead_id}** ({company}) lleva más de {hours} h sin calificar "
    "(referido el {when}). Por favor califíquenlo en su tarjeta."
)

# --- cross-program conflict -------------------------------------------------------------
CONFLICT_FLAG = (
    "🚩 {role}: se registró un negocio de **{client}** por **{member}**, pero esa empresa fue referida "
    "como lead **#{lead_id}** por {referrer} el {when} (estado: {status}). Revisen la atribución entre "
    "el negocio y el referido."
)

# --- /mis-referidos --------------------------------------------------------------------------
MY_EMPTY = "Aún no has referido leads. Usa `/referir-lead` cuando un cliente necesite algo más 😉"
MY_TITLE = "Tus leads referidos"
MY_LINE = "**#{lead_id}** {company} · {service} · {status} · {reward} · {when}"
MY_MORE = "… y {n} más."
MY_TOTALS = (
    "Leads: {total} · Nuevos: {nuevo} · Buenos: {bueno} · Vendidos: {vendido} · Malos: {malo}\n"
    "Total ganado por referidos: {earned}"
)
MY_TOTALS_NAME = "Totales"

# --- ledger descriptions -----------------------------------------------------------------
LEDGER_REWARD = "Referido lead #{lead_id} ({company}): {status}"
LEDGER_ADJUST = "Ajuste referido lead #{lead_id} ({company}): {before} → {status}"
