"""Texts of the client directory: CSV import, /admin clientes …, /admin miembros ver."""

from __future__ import annotations

# --- CSV import: whole-file refusals ---------------------------------------------------------------
IMPORT_TOO_BIG = "El archivo pesa más de {mb} MB. Divídelo en varios archivos y súbelos uno por uno."
IMPORT_OLD_EXCEL = (
    "Ese archivo es un libro de Excel antiguo (.xls). En Excel usa «Archivo → Guardar como → Libro de Excel "
    "(.xlsx)» o «CSV UTF-8» y sube ese archivo."
)
IMPORT_BAD_XLSX = (
    "No pude abrir el archivo como libro de Excel (.xlsx). Guárdalo de nuevo desde Excel como «Libro de Excel "
    "(.xlsx)» o como «CSV UTF-8» y vuelve a subirlo."
)
IMPORT_NOT_TEXT = "Ese archivo no parece un CSV de texto. Guárdalo como «CSV UTF-8» y vuelve a subirlo."
IMPORT_EMPTY = "El archivo no tiene filas de clientes. Usa la plantilla (examples/clientes.xlsx o examples/clientes.csv)."
IMPORT_BAD_CSV = "No pude leer el archivo como CSV (línea {line}: {error})."
IMPORT_BAD_CSV_ROW = "El CSV está mal formado desde aquí ({error}); revisa las comillas."
IMPORT_UNKNOWN_COLUMNS = (
    "No reconozco estas columnas: {columns}. Las columnas de la plantilla son: {expected}."
)
IMPORT_NO_CLIENT_COLUMN = "Falta la columna «cliente». Las columnas de la plantilla son: {expected}."
IMPORT_DUPLICATE_COLUMN = "La columna «{column}» aparece dos veces en el encabezado."
IMPORT_TOO_MANY_ROWS = "El archivo tiene más de {max} filas. Divídelo en varios archivos."
IMPORT_HAS_ERRORS = "El archivo tiene errores en {n} de sus filas; no se importó nada."

# --- CSV import: row reasons ----------------------------------------------------------------------
IMPORT_CLIENT_MISSING = "falta el nombre del cliente (columna «cliente»)."
IMPORT_KAM_ID_MISSING = "hay datos del KAM pero falta kam_discord_id (el número de usuario de Discord)."
# (the import prefixes each reason with the column's name: "kam_discord_id: …")
_KEEP_AS_TEXT = (
    "Vuelve a copiar el id desde Discord (clic derecho sobre la persona → Copiar ID de usuario) y pégalo en "
    "una columna con formato de texto: en Excel, selecciona la columna → clic derecho → Formato de celdas → "
    "Texto, antes de pegar; o usa la plantilla examples/clientes.xlsx, que ya trae esa columna como texto."
)
IMPORT_BAD_DISCORD_ID = (
    "«{value}» no es un id de usuario de Discord (de 17 a 20 dígitos; en Discord: "
    "clic derecho sobre la persona → Copiar ID de usuario)."
)
IMPORT_DISCORD_ID_ROUNDED = (
    "«{value}» parece redondeado por Excel: Excel guarda los números con {digits} cifras y cambia las "
    "demás por ceros, así que ya no es el id de la persona. " + _KEEP_AS_TEXT
    + " Si el id de verdad termina en esos ceros, escríbelo como <@{value}>."
)
IMPORT_DISCORD_ID_SCIENTIFIC = (
    "«{value}» está en notación científica: Excel convirtió el id en un número y perdió sus últimas "
    "cifras. " + _KEEP_AS_TEXT
)
IMPORT_BAD_HUBSPOT_ID = "«{value}» debe ser el número de la empresa en HubSpot."
IMPORT_TOO_MANY_CELLS = "la fila tiene {got} celdas y el encabezado {expected}; revisa los separadores."
IMPORT_CONFLICT_IN_FILE = "el {what} {value} no coincide con el {other} que tiene el mismo cliente en la línea {line}."
IMPORT_VALUE_OF_OTHER_ROW = "el {what} {value} ya está en la línea {line} con otro cliente («{client}»)."
IMPORT_DUPLICATE_PAIR = "esta asignación cliente–KAM ya está en la línea {line}."
IMPORT_MEMBER_CONFLICT_IN_FILE = "{field} del KAM no coincide con lo que dice la línea {line} (mismo kam_discord_id)."
IMPORT_MEMBER_VALUE_OF_OTHER_ROW = "{field} ya está en la línea {line} con otro KAM."
IMPORT_MEMBER_VALUE_TAKEN = "{field} ya pertenece a otro miembro del directorio ({member})."
IMPORT_MEMBER_NAME_MISSING = "el KAM no está en el directorio: escribe su nombre en kam_nombre."
IMPORT_MATCHES_TWO_CLIENTS = (
    "la fila coincide con «{first}» pero su {what} es de otro cliente del directorio («{second}»)."
)
MEMBER_FIELD_NAMES = {
    "name": "el nombre", "sense_email": "el correo de Sense", "cedula": "la cédula", "job_role": "el cargo",
}

# --- CSV import: preview and result ---------------------------------------------------------------
IMPORT_COUNTS = (
    "• Clientes nuevos: **{clientes_nuevos}** · con cambios: **{clientes_con_cambios}** · "
    "sin cambios: **{clientes_sin_cambios}**\n"
    "• Miembros nuevos: **{miembros_nuevos}** · actualizados: **{miembros_actualizados}**\n"
    "• Asignaciones nuevas: **{asignaciones_nuevas}** · terminadas: **{asignaciones_terminadas}**\n"
    "• Servicios nuevos: **{servicios_nuevos}**"
)
IMPORT_ERROR_LINE = "• Línea {line}: {reason}"
IMPORT_ERRORS_MORE = "… y {n} más (todos los errores van en el archivo adjunto)."
IMPORT_PREVIEW = (
    "📋 **Vista previa** de «{filename}» (filas: {rows}). Todavía no se guardó nada.\n{counts}\n"
    "Pulsa **Importar** para aplicar estos cambios o **Cancelar**."
)
IMPORT_NOTHING_TO_DO = (
    "✅ «{filename}» (filas: {rows}) ya coincide con el directorio: no hay nada que cambiar.\n{counts}"
)
IMPORT_BAD_ROWS = (
    "❌ «{filename}» tiene errores en **{n}** de sus filas y **no se importó nada**. "
    "Corrígelas y vuelve a subir el archivo:\n{errors}"
)
IMPORT_DONE = "✅ Importación aplicada: «{filename}» (filas: {rows}).\n{counts}"
IMPORT_RUNNING = "⏳ Importando…"
# another import or HubSpot sync holds the directory (from the bot or the CLI, any process)
DIRECTORY_BUSY = (
    "⏳ Hay una importación o sincronización del directorio en curso. No se cambió nada; "
    "intenta de nuevo en unos minutos."
)
IMPORT_CANCELLED = "Importación cancelada. No se cambió nada."
IMPORT_GONE = "Esta vista previa ya se usó, se canceló o expiró. Vuelve a subir el archivo con `/admin clientes importar`."
IMPORT_CHANGED_SINCE = (
    "❌ El directorio cambió desde la vista previa y ahora el archivo tiene errores en **{n}** de sus filas; "
    "no se importó nada:\n{errors}"
)
IMPORT_DOWNLOAD_FAILED = "No pude descargar el archivo de Discord. Vuelve a intentarlo."
IMPORT_ERRORS_FILENAME = "errores-importacion.csv"
BUTTON_IMPORT = "Importar"
BUTTON_CANCEL = "Cancelar"

# --- /admin clientes … and /admin miembros ver ----------------------------------------------------
CMD_CLIENTES = "Directorio de clientes"
CMD_MIEMBROS = "Directorio de miembros (KAMs)"
CMD_IMPORT = "Importa clientes y KAMs desde un CSV o Excel (primero muestra una vista previa)"
CMD_ASSIGN = "Asigna un KAM a un cliente"
CMD_UNASSIGN = "Quita un KAM de un cliente (se guarda el historial)"
CMD_SHOW_CLIENT = "Muestra los KAMs, servicios e historial de un cliente"
CMD_SHOW_MEMBERS = "Muestra los miembros y sus clientes"
OPT_FILE = "CSV o Excel (.xlsx) con la plantilla de examples/clientes.xlsx"
OPT_CLIENT = "El cliente (escribe parte del nombre)"
OPT_KAM = "La persona de Discord que atiende al cliente"
OPT_ONLY = "Deja a esta persona como único KAM del cliente (termina las demás asignaciones)"
OPT_MEMBER = "La persona (vacío: lista de todos)"

CLIENT_NOT_FOUND = "No encuentro el cliente «{value}» en el directorio. Elígelo de la lista que aparece al escribir."
ASSIGNED = "✅ {kam} ahora atiende a **{client}**."
ALREADY_ASSIGNED = "{kam} ya atiende a **{client}**; no cambié nada."
ENDED_OTHERS = "Terminé la asignación de: {names}."
UNASSIGNED = "✅ {kam} ya no atiende a **{client}** (queda en el historial)."
NOT_ASSIGNED = "{kam} no atiende a **{client}**; no cambié nada."
NOT_KAM_WARNING = "⚠️ Ojo: {kam} no tiene el rol de KAM, así que aún no puede registrar negocios."

CLIENT_TITLE = "**{client}** (id {id})"
CLIENT_IDS = "NIT: {nit} · HubSpot: {hubspot}{inactive}"
CLIENT_INACTIVE = " · inactivo"
CLIENT_KAMS = "KAMs actuales: {kams}"
CLIENT_SERVICES = "Servicios: {services}"
CLIENT_HISTORY = "Historial de asignaciones:"
HISTORY_LINE = "• {kam}: desde {start} hasta {end} ({source})"
HISTORY_OPEN = "hoy"
NONE = "—"
NOBODY = "ninguno"
SOURCE_LABELS = {"manual": "manual", "csv": "CSV", "hubspot": "HubSpot"}

MEMBERS_TITLE = "**Miembros del directorio** ({n}):"
MEMBERS_LINE = "• {name} ({role}): {clients}"
CLIENTS = ("cliente", "clientes")  # (singular, plural) for count_of
MEMBERS_EMPTY = "El directorio no tiene miembros todavía. Importa el CSV con `/admin clientes importar`."
MEMBER_NOT_FOUND = "{name} no está en el directorio todavía."
MEMBER_TITLE = "**{name}** · {role}"
MEMBER_DETAILS = "Correo Sense: {email} · Cédula: {cedula} · HubSpot owner: {owner}"
MEMBER_CLIENTS = "Clientes actuales ({n}): {clients}"
MORE = "… y {n} más"

CLI_PREVIEW = (
    "Vista previa de «{filename}» (filas: {rows}). Todavía no se guardó nada.\n{counts}\n"
    "Para aplicar estos cambios: uv run ventas-ops clientes importar {path} --aplicar"
)

# --- HubSpot sync ------------------------------------------------------------------------------------
CMD_SYNC = "Sincroniza el directorio desde las empresas de HubSpot"
SYNC_DISABLED = "HubSpot no está configurado (HUBSPOT_ACCESS_TOKEN), así que no hay nada que sincronizar."
SYNC_FAILED = "No pude leer HubSpot ahora ({error}). No se cambió nada; intenta más tarde."
SYNC_DONE = (
    "🔄 Sincronización con HubSpot: {companies}.\n"
    "• Clientes nuevos: **{clients_new}** · vinculados por nombre: **{clients_linked}**\n"
    "• Asignaciones nuevas: **{assignments_new}** · servicios nuevos: **{services_new}** · "
    "miembros vinculados por correo: **{members_linked}**"
)
COMPANIES_READ = ("empresa leída", "empresas leídas")
SYNC_CONFLICTS = (
    "⚠️ **Conflictos: {n}** (no se cambió la asignación local; decide con `/admin clientes asignar`):"
)
SYNC_CONFLICT_LINE = "• {client}: en el directorio lo atiende {local}; en HubSpot su propietario es {hubspot}"
SYNC_CONFLICT_LINKED = "• {client}: ya está vinculado a otra empresa de HubSpot con el mismo nombre"
SYNC_OWNERS_MISSING = "Propietarios de HubSpot sin miembro en el directorio (agrega su correo de Sense): {owners}"
SYNC_UNKNOWN_SERVICES = "Servicios de HubSpot que no reconozco: {services}"
