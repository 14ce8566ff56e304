"""A KAM's deals as an XLSX (the file attached to /mis-negocios): every deal that matches the
filters, not just the page on screen."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from bot.domain.enums import Service
from bot.domain.text import xlsx_safe
from bot.services.deals import A_PENDING, DealView
from bot.services.statements import MONEY_FORMAT
from bot.texts import deals as T

WIDTHS = (8, 14, 17, 30, 13, 22, 15, 15, 17, 14, 24, 8, 18)


def my_deals_xlsx(views: list[DealView], tz: ZoneInfo) -> bytes:
    """One row per deal (newest first), money as numbers in COP, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = T.MY_DEALS_SHEET
    ws.append(T.MY_DEALS_HEADERS)
    for c in ws[1]:
        c.font = Font(bold=True)
    for v in views:
        d = v.deal
        waiting = ", ".join(T.KIND_LABELS.get(a.kind, a.kind) for a in v.approvals if a.status == A_PENDING)
        ws.append([
            d.id, d.advance_date, d.created_at.astimezone(tz).replace(tzinfo=None), v.client.name,
            T.TYPE_LABELS.get(d.deal_type, d.deal_type), Service.label_of(d.service), d.total_value,
            d.advance_amount, d.commission_estimate, T.STATUS_WORDS.get(d.status, d.status), waiting,
            T.YES if d.is_late else T.NO, d.hubspot_deal_id or "",
        ])
        row = ws.max_row
        for c in ws[row]:
            xlsx_safe(c)
        ws.cell(row, 2).number_format = "dd/mm/yyyy"
        ws.cell(row, 3).number_format = "dd/mm/yyyy hh:mm"
        for col in (7, 8, 9):
            ws.cell(row, col).number_format = MONEY_FORMAT
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:M{ws.max_row}"
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
