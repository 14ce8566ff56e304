"""Texts of /admin."""

CONFIG_HEADER = "⚙️ Configuración actual (los secretos van ocultos):"
CMD_ESTADO = "Estado del bot: exportaciones, cola de envíos, aprobaciones pendientes, HubSpot, base de datos"
