"""Every spreadsheet the bot writes, the way finance opens it: the daily export (XLSX + CSV), the
monthly payroll statement and ``/mis-comisiones``' XLSX.

A sheet is described once as a list of :class:`Column` (header, kind, width, one line for the
«Cómo leer» sheet); :class:`Book` writes it to XLSX and :class:`CsvTable` to CSV:

- XLSX: real Excel dates / date-times in Bogotá time (``dd/mm/yyyy``, ``dd/mm/yyyy hh:mm``), money as
  numbers with one COP format, bold frozen header with a filter, a totals row below the filtered
  range, widths that fit, and a last sheet «Cómo leer» with one line per column. Workbooks are
  write-only (streamed), so a large export keeps memory flat.
- CSV: ``;`` by default (Excel with Colombian regional settings; ``CSV_DELIMITER``), UTF-8 with BOM,
  amounts as plain integers, dates ``YYYY-MM-DD`` and date-times ``YYYY-MM-DD HH:MM`` (Bogotá).
- User text (names, companies, notes) stays text in both (spreadsheet formula injection).

Callers pass Spanish labels (``Enum.label_of``), never internal codes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.domain.dates import BOGOTA
from bot.domain.money import format_cop
from bot.domain.text import csv_safe, xlsx_safe
from bot.texts import workbooks as T

__all__ = [
    "COP_FORMAT", "DATETIME_FORMAT", "DATE_FORMAT", "Book", "Column", "CsvTable", "Kind", "Table", "sheet_title",
]

# One money format everywhere: "$ 1.234.567" with Colombian regional settings, negatives red.
COP_FORMAT = '"$" #,##0;[Red]-"$" #,##0'
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MAX_WIDTH = 60
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3F8")
_TITLE_FONT = Font(bold=True, size=13)
_CENTER = Alignment(horizontal="center")


class Kind:
    TEXT = "text"
    INT = "int"  # ids, counts
    MONEY = "money"  # whole COP
    DATE = "date"
    DATETIME = "datetime"  # aware datetimes, shown in Bogotá time


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str
    width: int
    help: str  # the column's line in «Cómo leer»
    total: bool = False  # summed in the totals row


def sheet_title(name: str, used: set[str]) -> str:
    """A sheet title Excel accepts (no ``[]:*?/\\``, ≤ 31 characters), unique case-insensitively in ``used``."""
    base = "".join(c for c in name if c not in '[]:*?/\\').strip().strip("'")[:28] or "Hoja"
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:25]} ({n})"
        n += 1
    used.add(title.lower())
    return title


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    """Excel has no time zones: the wall-clock time in ``tz``, naive."""
    return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value


def _shown_len(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == Kind.MONEY and isinstance(value, int):
        return len(format_cop(value))
    if kind == Kind.DATE:
        return 10
    if kind == Kind.DATETIME:
        return 16
    return max((len(part) for part in str(value).split("\n")), default=0)


def _printable(ws: Any, header_row: int) -> None:  # noqa: ANN401 - openpyxl worksheet
    """Printed (or rendered to PDF) on letter paper, landscape, all columns on one page wide, the
    header repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 1  # letter, Colombia's «carta»
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


class Table:
    """One sheet of a :class:`Book`: optional title line, header, data rows, then the totals rows."""

    def __init__(self, book: Book, name: str, columns: Sequence[Column], *, heading: str | None,
                 fit: Iterable[Sequence[Any]] | None) -> None:
        self.book, self.name, self.columns = book, name, list(columns)
        self.ws = book.wb.create_sheet(name)
        self.rows = 0
        self.sums = [0] * len(self.columns)
        self._closed = False
        widths = [max(c.width, len(c.header) + 3) for c in self.columns]
        for row in fit or ():
            for i, (c, v) in enumerate(zip(self.columns, row, strict=False)):
                widths[i] = max(widths[i], min(MAX_WIDTH, _shown_len(v, c.kind) + 2))
        for i, w in enumerate(widths, start=1):  # write-only: dimensions before the first row
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.header_row = 1 if heading is None else 3
        self.ws.freeze_panes = f"A{self.header_row + 1}"  # write-only: also before the first row
        _printable(self.ws, self.header_row)
        if heading is not None:
            cell = xlsx_safe(WriteOnlyCell(self.ws, value=heading))
            cell.font = _TITLE_FONT  # type: ignore[attr-defined]
            self.ws.append([cell])
            self.ws.append([])
        header = []
        for c in self.columns:
            cell = WriteOnlyCell(self.ws, value=c.header)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        self.ws.append(header)

    @property
    def last_column(self) -> str:
        return str(get_column_letter(len(self.columns)))

    def _cell(self, value: Any, column: Column) -> Any:
        ws = self.ws
        if value is None or value == "":
            return None
        kind = column.kind
        if kind == Kind.MONEY and isinstance(value, int):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = COP_FORMAT
            return cell
        if kind == Kind.DATETIME and isinstance(value, datetime):
            cell = WriteOnlyCell(ws, value=_local(value, self.book.tz))
            cell.number_format = DATETIME_FORMAT
            return cell
        if kind == Kind.DATE and isinstance(value, date):
            cell = WriteOnlyCell(ws, value=value.date() if isinstance(value, datetime) else value)
            cell.number_format = DATE_FORMAT
            return cell
        if kind == Kind.INT and isinstance(value, int):
            cell = WriteOnlyCell(ws, value=value)
            cell.alignment = _CENTER  # an id right next to a left-aligned text column reads as one number
            return cell
        text = str(value)
        # only text openpyxl would take for a formula needs a cell of its own (kept as text)
        return xlsx_safe(WriteOnlyCell(ws, value=text)) if text.startswith("=") else text

    def append(self, values: Sequence[Any]) -> None:
        assert len(values) == len(self.columns), (self.name, len(values), len(self.columns))
        self.ws.append([self._cell(v, c) for v, c in zip(values, self.columns, strict=True)])
        for i, (v, c) in enumerate(zip(values, self.columns, strict=True)):
            if c.total and isinstance(v, int):
                self.sums[i] += v
        self.rows += 1

    def close(self, footer: Iterable[tuple[str, dict[int, int]]] | None = None, *, label_column: int = 0) -> None:
        """Set the filter on header + data and write the totals below a blank row: by default one
        row «Total» with the sum of every ``total`` column; ``footer`` gives other rows as
        ``(label, {column index: amount})``, the label in ``label_column``."""
        if self._closed:
            return
        self._closed = True
        self.ws.auto_filter.ref = f"A{self.header_row}:{self.last_column}{self.header_row + self.rows}"
        if footer is None:
            if not any(c.total for c in self.columns):
                return
            footer = [(T.TOTAL, {i: s for i, (s, c) in enumerate(zip(self.sums, self.columns, strict=True)) if c.total})]
        self.ws.append([])
        for label, amounts in footer:
            row: list[Any] = [None] * len(self.columns)
            cell = xlsx_safe(WriteOnlyCell(self.ws, value=label))
            cell.font = _BOLD  # type: ignore[attr-defined]
            row[label_column] = cell
            for i, amount in amounts.items():
                money = WriteOnlyCell(self.ws, value=amount)
                money.number_format = COP_FORMAT
                money.font = _BOLD
                row[i] = money
            self.ws.append(row)


class Book:
    """A write-only workbook: :meth:`table` per sheet, then :meth:`save`, which adds «Cómo leer»."""

    def __init__(self, tz: ZoneInfo = BOGOTA) -> None:
        self.tz = tz
        self.wb = Workbook(write_only=True)
        self.tables: list[Table] = []
        self._explained: list[tuple[str, list[Column]]] = []
        self._used: set[str] = {T.HOWTO_SHEET.lower()}

    def table(self, name: str, columns: Sequence[Column], *, heading: str | None = None,
              fit: Iterable[Sequence[Any]] | None = None, explain_as: str | None = None) -> Table:
        """A new sheet (its title made valid and unique). «Cómo leer» lists its columns under
        ``explain_as`` (default the sheet's title), once per distinct name."""
        t = Table(self, sheet_title(name, self._used), columns, heading=heading, fit=fit)
        self.tables.append(t)
        shown = explain_as or t.name
        if all(shown != n for n, _ in self._explained):
            self._explained.append((shown, list(columns)))
        return t

    def _howto(self) -> None:
        ws = self.wb.create_sheet(T.HOWTO_SHEET)
        for col, width in zip("ABC", (20, 24, 110), strict=True):
            ws.column_dimensions[col].width = width
        _printable(ws, len(T.HOWTO_INTRO) + 3)
        title = WriteOnlyCell(ws, value=T.HOWTO_TITLE)
        title.font = _TITLE_FONT
        ws.append([title])
        for line in T.HOWTO_INTRO:
            ws.append([line])
        ws.append([])
        header = []
        for h in T.HOWTO_HEADERS:
            c = WriteOnlyCell(ws, value=h)
            c.font = _BOLD
            c.fill = _HEADER_FILL
            header.append(c)
        ws.append(header)
        for sheet, columns in self._explained:
            for c in columns:
                ws.append([xlsx_safe(WriteOnlyCell(ws, value=sheet)), c.header, c.help])

    def save(self, path: Path | None = None) -> bytes | None:
        """Write to ``path`` (atomically: a temporary file renamed), or return the bytes."""
        for t in self.tables:
            t.close()
        self._howto()
        if path is None:
            buf = io.BytesIO()
            self.wb.save(buf)
            return buf.getvalue()
        tmp = path.with_name(path.name + ".tmp")
        self.wb.save(tmp)
        tmp.replace(path)
        return None


class CsvTable:
    """The CSV twin of a sheet: same columns, one file."""

    def __init__(self, f: IO[str], columns: Sequence[Column], *, delimiter: str = ";", tz: ZoneInfo = BOGOTA) -> None:
        self.columns, self.tz = list(columns), tz
        self.writer = csv.writer(f, delimiter=delimiter)
        self.writer.writerow([c.header for c in self.columns])

    @classmethod
    def open(cls, path: Path, columns: Sequence[Column], *, delimiter: str = ";",
             tz: ZoneInfo = BOGOTA) -> tuple[CsvTable, IO[str]]:
        """A file opened for writing in UTF-8 with BOM (Excel reads accents right); the caller closes it."""
        f = path.open("w", encoding="utf-8-sig", newline="")
        return cls(f, columns, delimiter=delimiter, tz=tz), f

    def _text(self, value: Any, column: Column) -> Any:
        if value is None:
            return ""
        if column.kind == Kind.DATETIME and isinstance(value, datetime):
            return _local(value, self.tz).strftime("%Y-%m-%d %H:%M")
        if column.kind == Kind.DATE and isinstance(value, date):
            return value.isoformat()[:10]
        if isinstance(value, int):
            return str(value)
        return csv_safe(str(value))

    def append(self, values: Sequence[Any]) -> None:
        self.writer.writerow([self._text(v, c) for v, c in zip(values, self.columns, strict=True)])


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";") -> bytes:
    """A small CSV in memory (UTF-8 with BOM), user text kept as text."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else csv_safe(v) for v in r])
    return out.getvalue().encode("utf-8-sig")
