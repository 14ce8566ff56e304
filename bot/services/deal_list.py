"""A KAM's deals as an XLSX (the file attached to /mis-negocios): every deal that matches the
filters, not just the page on screen. Written by the one workbook module, like every file the bot makes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.enums import ApprovalStatus, Service
from bot.services.deals import DealView
from bot.services.workbooks import Book, Column, Kind
from bot.texts import deals as T

_KINDS = (Kind.INT, Kind.DATE, Kind.DATETIME, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.MONEY, Kind.MONEY, Kind.MONEY,
          Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.TEXT)
_WIDTHS = (8, 14, 17, 30, 13, 22, 15, 15, 17, 14, 24, 8, 18)
COLUMNS = [
    Column(header, kind, width, help, total=kind == Kind.MONEY)
    for (header, help), kind, width in zip(T.MY_DEALS_COLUMNS, _KINDS, _WIDTHS, strict=True)
]


def my_deals_xlsx(views: list[DealView], tz: ZoneInfo) -> bytes:
    """One row per deal (newest first), money as numbers in COP, dates as dates, totals below."""
    book = Book(tz)
    table = book.table(T.MY_DEALS_SHEET, COLUMNS)
    for v in views:
        d = v.deal
        waiting = ", ".join(T.KIND_LABELS.get(a.kind, a.kind) for a in v.approvals if a.status == ApprovalStatus.PENDIENTE)
        table.append([
            d.id, d.advance_date, d.created_at, v.client.name, T.TYPE_LABELS.get(d.deal_type, d.deal_type),
            Service.label_of(d.service), d.total_value, d.advance_amount, d.commission_estimate,
            T.STATUS_WORDS.get(d.status, d.status), waiting, T.YES if d.is_late else T.NO, d.hubspot_deal_id or "",
        ])
    data = book.save()
    assert data is not None
    return data
