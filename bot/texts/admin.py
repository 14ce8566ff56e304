"""Texts of /admin."""

CONFIG_HEADER = "⚙️ Configuración actual (los secretos van ocultos):"
