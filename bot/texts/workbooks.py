"""Texts shared by every spreadsheet the bot writes (the «Cómo leer» sheet, totals)."""

HOWTO_SHEET = "Cómo leer"
HOWTO_TITLE = "Cómo leer este archivo"
HOWTO_INTRO = (
    "Fechas y horas en hora de Bogotá (dd/mm/aaaa). Valores en pesos colombianos (COP), como números: "
    "se pueden sumar, filtrar y usar en tablas dinámicas.",
    "Cada hoja tiene filtros en el encabezado; la fila de totales queda debajo de los datos, fuera del filtro.",
)
HOWTO_HEADERS = ["Hoja", "Columna", "Qué es"]
TOTAL = "Total"
