"""bot.services.workbooks: the shared XLSX/CSV writer on its own."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from bot.services.workbooks import COP_FORMAT, DATE_FORMAT, DATETIME_FORMAT, Book, Column, CsvTable, Kind, sheet_title

COLUMNS = [
    Column("Nombre", Kind.TEXT, 10, "quién"), Column("Día", Kind.DATE, 10, "cuándo"),
    Column("Hora", Kind.DATETIME, 10, "a qué hora"), Column("Valor", Kind.MONEY, 10, "cuánto", total=True),
    Column("N", Kind.INT, 4, "cuántos"),
]
ROWS = [
    ["Ana; «la jefa» \"AG\"\nsegunda línea", date(2026, 12, 31), datetime(2027, 1, 1, 4, 59, tzinfo=UTC), 1_234_567, 1],
    ["=SUMA(A1:A9)", date(2026, 1, 2), datetime(2026, 1, 2, 5, 0, tzinfo=UTC), -5, None],
    ["", None, None, None, 3],
]


def test_csv_round_trips_with_semicolons():
    buf = io.StringIO()
    t = CsvTable(buf, COLUMNS)
    for r in ROWS:
        t.append(r)
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline=""), delimiter=";"))
    assert back == [
        ["Nombre", "Día", "Hora", "Valor", "N"],
        ["Ana; «la jefa» \"AG\"\nsegunda línea", "2026-12-31", "2026-12-31 23:59", "1234567", "1"],  # Bogotá time
        ["'=SUMA(A1:A9)", "2026-01-02", "2026-01-02 00:00", "-5", ""],
        ["", "", "", "", "3"],
    ]


def test_xlsx_types_totals_and_howto():
    book = Book()
    t = book.table("Hoja: [uno]", COLUMNS, heading="Título =1+1")
    for r in ROWS:
        t.append(r)
    wb = load_workbook(io.BytesIO(book.save()))
    assert wb.sheetnames == ["Hoja uno", "Cómo leer"]
    ws = wb["Hoja uno"]
    assert ws["A1"].value == "Título =1+1" and ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:E6"
    a, b, c = ws[4], ws[5], ws[6]
    assert a[0].value.startswith("Ana;") and a[0].data_type == "s"
    assert b[0].value == "=SUMA(A1:A9)" and b[0].data_type == "s"  # text, not a formula
    assert a[1].value == datetime(2026, 12, 31) and a[1].number_format == DATE_FORMAT
    assert a[2].value == datetime(2026, 12, 31, 23, 59) and a[2].number_format == DATETIME_FORMAT
    assert a[3].value == 1_234_567 and a[3].number_format == COP_FORMAT and b[3].value == -5
    assert c[0].value is None and c[4].value == 3
    assert ws.cell(8, 1).value == "Total" and ws.cell(8, 4).value == 1_234_562 and ws.cell(8, 4).number_format == COP_FORMAT
    assert [r[1:] for r in wb["Cómo leer"].iter_rows(values_only=True) if r[0] == "Hoja uno"] == [
        ("Nombre", "quién"), ("Día", "cuándo"), ("Hora", "a qué hora"), ("Valor", "cuánto"), ("N", "cuántos")]


def test_sheet_titles_are_valid_and_unique():
    used: set[str] = set()
    assert [sheet_title(n, used) for n in ("Ana", "ANA", "a/b", "", "x" * 40)] == [
        "Ana", "ANA (2)", "ab", "Hoja", "x" * 28]
