"""Texts about messages the bot could not deliver (the outbox's «retenido» items)."""

from __future__ import annotations

# reasons (stored with the held item; shown to the admins)
REASON_MISSING_PERMS = "el bot no puede escribir en #{channel}: le falta el permiso {perms}"
REASON_FORBIDDEN_CHANNEL = "Discord no deja al bot escribir en #{channel} ({detail})"
REASON_DM_CLOSED = "{user} no acepta mensajes directos del bot"
REASON_FORBIDDEN_DM = "Discord no deja al bot escribirle a {user} ({detail})"
REASON_NO_CHANNEL = "no encuentro el canal {channel} (revisa SALES_CHANNEL y que el bot vea el canal)"
REASON_UNKNOWN_USER = "Discord no encuentra al usuario {user}"
REASON_GAVE_UP = "Discord falló {attempts} veces seguidas (último error: {detail})"
AND = " y "

# Discord's permission names as the Spanish client shows them
PERMISSIONS = {
    "view_channel": "Ver canal",
    "send_messages": "Enviar mensajes",
    "embed_links": "Insertar enlaces",
    "attach_files": "Adjuntar archivos",
}

# the one DM to each admin
NOTICE = (
    "⚠️ **Hay mensajes del bot retenidos**: no los pude entregar y los guardo para no perderlos.\n"
    "{lines}\n"
    "Cuando lo corrijas, usa `/admin reenviar` (o `ventas-ops outbox reenviar` en el servidor). "
    "Los vuelvo a intentar solos cada hora."
)
NOTICE_LINE = "• {count} {what}: {reason}"
ONE_MESSAGE = "mensaje"
MANY_MESSAGES = "mensajes"

# /admin reenviar
CMD_RESEND = "Reenvía los mensajes retenidos (después de corregir la causa)"
RESEND_NONE = "✅ No hay mensajes retenidos: todo se entregó."
RESEND_DONE = "📨 Reenvié {sent} de {total} mensajes retenidos."
RESEND_STILL_HELD = "\nSiguen retenidos {count}:\n{lines}"

# CLI
CLI_HELD_NONE = "No hay mensajes retenidos."
CLI_HELD_LINE = "#{id} {key} ({since}): {reason}"
CLI_RESENT = "Mensajes devueltos a la cola: {count}. El bot en marcha los entrega en menos de 30 s."
