"""Reading a directory import file: CSV text (encoding and delimiter sniffed) or an ``.xlsx`` workbook,
as numbered records of cell values (:mod:`bot.services.directory_import` parses them into rows)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from openpyxl import load_workbook

from bot.domain.errors import InputError
from bot.domain.validation import fold_text
from bot.texts import directory as T

EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number and turns the rest into zeros
XLSX_SHEET = "clientes"  # the sheet read from a workbook (else its first sheet)
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"

Records = Iterator[tuple[int, list[str] | None, str | None]]  # (line, values, or why the file breaks here)



def decode(data: bytes) -> str:
    if data.startswith(OLE_MAGIC):
        raise InputError(T.IMPORT_OLD_EXCEL, "archivo")
    if b"\x00" in data[:4096]:
        raise InputError(T.IMPORT_NOT_TEXT, "archivo")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's «CSV (delimitado por comas)» on Windows



def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=header.count) if any(d in header for d in ";,\t") else ","



def csv_records(text: str, delimiter: str) -> tuple[list[str], Records]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(T.IMPORT_BAD_CSV.format(line=1, error=exc), "archivo") from None

    def records() -> Records:
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, None, T.IMPORT_BAD_CSV_ROW.format(error=exc)
                return
            start, line = line, reader.line_num + 1
            yield start, values, None

    return header, records()



def xlsx_text(value: object) -> str:
    """A workbook cell as the text a person would have typed. Numbers Excel rounded stay visibly
    rounded (``1.23456789012345E+17``), so the id check can explain what Excel did."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**EXCEL_DIGITS:
            return str(int(value))
        return format(value, ".15G")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)



def xlsx_records(data: bytes) -> tuple[list[str], Records]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise InputError(T.IMPORT_BAD_XLSX, "archivo") from None
    sheet = next((ws for ws in wb.worksheets if fold_text(ws.title).strip() == XLSX_SHEET), wb.worksheets[0])
    rows = sheet.iter_rows(values_only=True)
    header = [xlsx_text(v) for v in next(rows, ())]
    while header and not header[-1].strip():
        header.pop()  # formatted but empty cells to the right

    def records() -> Records:
        try:
            for line, row in enumerate(rows, start=2):
                yield line, [xlsx_text(v) for v in row], None
        finally:
            wb.close()

    return header, records()
