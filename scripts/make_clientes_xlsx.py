"""Rebuild examples/clientes.xlsx, the Excel template of the client-directory import, from
examples/clientes.csv: same rows, every column formatted as text (Excel keeps a Discord id's 18
digits and a cédula's dots instead of turning them into rounded numbers), frozen header, filter and
an «Instrucciones» sheet.

    uv run python scripts/make_clientes_xlsx.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parents[1]
TEXT = "@"
EMPTY_ROWS = 500  # rows below the examples already formatted as text, for pasting
WIDTHS = {"cliente": 30, "nit": 16, "kam_discord_id": 22, "kam_nombre": 20, "kam_correo_sense": 30,
          "kam_cedula": 15, "kam_cargo": 20, "servicios": 30, "hubspot_company_id": 20}
INSTRUCTIONS = [
    "Plantilla para /admin clientes importar y «ventas-ops clientes importar» (también acepta CSV).",
    "Una fila por cada pareja cliente–KAM: un cliente con dos KAMs ocupa dos filas.",
    "Todas las columnas están en formato Texto: pega los ids de Discord tal cual (clic derecho sobre la "
    "persona → Copiar ID de usuario). Si Excel muestra 1,23457E+17 o termina el id en 000, la celda quedó "
    "como número y el id se perdió: vuelve a darle formato Texto y pégalo otra vez.",
    "servicios: separados por coma (Sitio web, Social Ads, Google Ads, CM, DM, Logos y brochures, App…).",
    "Las celdas vacías no borran lo que ya tiene el directorio. El bot lee la hoja «clientes».",
]


def build(csv_path: Path, out: Path) -> None:
    text = csv_path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter=";" if ";" in text.split("\n", 1)[0] else ","))
    header, data = rows[0], rows[1:]
    wb = Workbook()
    ws = wb.active
    ws.title = "clientes"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE3F8")
    for col, name in enumerate(header, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = WIDTHS.get(name, 18)
        ws.column_dimensions[letter].number_format = TEXT  # cells typed later are text too
        cell = ws.cell(1, col, name)
        cell.font, cell.fill = bold, fill
        for r in range(2, len(data) + 2 + EMPTY_ROWS):
            cell = ws.cell(r, col)
            cell.number_format = TEXT
            if r - 2 < len(data):
                cell.value = data[r - 2][col - 1] or None
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(data) + 1}"
    help_ws = wb.create_sheet("Instrucciones")
    help_ws.column_dimensions["A"].width = 120
    for line in INSTRUCTIONS:
        help_ws.append([line])
    wb.save(out)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "clientes.xlsx"
    build(ROOT / "examples" / "clientes.csv", target)
    print(target)
