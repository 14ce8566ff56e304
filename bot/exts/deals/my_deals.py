"""/mis-negocios: a KAM's own deals, paged with persistent buttons, and their XLSX."""

from __future__ import annotations

import logging

import discord

from bot.app import VentasOpsBot
from bot.domain.dates import format_date, month_label
from bot.domain.enums import ApprovalStatus
from bot.domain.money import format_cop
from bot.domain.text import count_of, md
from bot.services import commissions as ledger
from bot.services import deals as svc
from bot.services import directory
from bot.texts import deals as T
from bot.ui import ActionButton

log = logging.getLogger(__name__)


MY_DEALS_BUTTONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "ant": (T.BTN_PREVIOUS, discord.ButtonStyle.secondary),
    "sig": (T.BTN_NEXT, discord.ButtonStyle.secondary),
}
PAGE_SIZE = 10



def _page_state(page: int, status: str | None, month: tuple[int, int] | None) -> str:
    """What a page button carries: ``<page>.<status>.<yyyymm>`` (the filters travel with the page)."""
    return f"{page}.{status or ''}.{f'{month[0]}{month[1]:02d}' if month else ''}"



def _parse_page_state(state: str) -> tuple[int, str | None, tuple[int, int] | None]:
    page, status, ym = state.split(".")
    return int(page), status or None, (int(ym[:4]), int(ym[4:])) if ym else None



class MyDealsButton(ActionButton, template=r"mis-negocios:(?P<action>ant|sig):(?P<id>\d{1,6}\.[a-z]*\.(?:\d{6})?)"):
    """«Anteriores» / «Siguientes» on a /mis-negocios answer: whoever clicks sees their own deals, re-read
    from the database, so the buttons keep working after a restart."""

    PREFIX = "mis-negocios"
    LABELS = MY_DEALS_BUTTONS
    ID_TYPE = str

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        bot = interaction.client
        page, status, month = _parse_page_state(self.target_id)
        await interaction.response.defer()
        shown = await my_deals_page(bot, interaction.user.id, page, status, month)
        if shown is None:
            await interaction.edit_original_response(content=my_deals_empty(status, month), embed=None, view=None)
            return
        await interaction.edit_original_response(embed=shown[0], view=shown[1])



def _filters_label(status: str | None, month: tuple[int, int] | None) -> str:
    parts = []
    if status:
        parts.append(T.MY_DEALS_FILTER_STATUS.get(status, status))
    if month:
        parts.append(T.MY_DEALS_FILTER_MONTH.format(month=month_label(*month)))
    return ", ".join(parts)



def my_deals_empty(status: str | None, month: tuple[int, int] | None) -> str:
    if status or month:
        return T.MY_DEALS_EMPTY_FILTERED.format(filters=_filters_label(status, month))
    return T.MY_DEALS_EMPTY



def _my_deal_line(v: svc.DealView) -> str:
    waiting = [T.KIND_LABELS.get(a.kind, a.kind) for a in v.approvals if a.status == ApprovalStatus.PENDIENTE]
    return T.MY_DEALS_LINE.format(
        deal_id=v.deal.id,
        date=format_date(v.deal.advance_date),
        client=md(v.client.name)[:60],
        type=T.TYPE_LABELS.get(v.deal.deal_type, v.deal.deal_type),
        total=format_cop(v.deal.total_value),
        status=T.STATUS_LABELS.get(v.deal.status, v.deal.status),
        waiting=T.MY_DEALS_WAITING.format(kinds=", ".join(waiting)) if waiting else "",
        late=T.CARD_LATE if v.deal.is_late else "",
    )



async def my_deals_page(
    bot: VentasOpsBot, user_id: int, page: int, status: str | None, month: tuple[int, int] | None,
) -> tuple[discord.Embed, discord.ui.View] | None:
    """Page ``page`` (0 = the newest deals) of the user's deals with its buttons; None when none match."""
    async with bot.sessionmaker() as session:
        member = await directory.get_member(session, user_id)
        if member is None:
            return None
        views, total = await svc.deals_of(session, member.id, PAGE_SIZE, offset=page * PAGE_SIZE, status=status,
                                          month=month)
        if total and not views:  # fewer deals than when the button was drawn: the last page
            page = (total - 1) // PAGE_SIZE
            views, total = await svc.deals_of(session, member.id, PAGE_SIZE, offset=page * PAGE_SIZE,
                                              status=status, month=month)
        bal = await ledger.balance(session, member.id)
    if not total:
        return None
    pages = (total - 1) // PAGE_SIZE + 1
    filters = _filters_label(status, month)
    embed = discord.Embed(
        title=T.MY_DEALS_TITLE_FILTERED.format(filters=filters) if filters else T.MY_DEALS_TITLE,
        description="\n".join(_my_deal_line(v) for v in views)[:4000], colour=discord.Colour.blurple(),
    )
    embed.add_field(name=T.MY_DEALS_TOTALS_NAME, value=T.MY_DEALS_TOTALS.format(
        pending=format_cop(bal.pending), earned=format_cop(bal.earned), reversed=format_cop(bal.reversed)), inline=False)
    embed.set_footer(text=T.MY_DEALS_PAGE.format(page=page + 1, pages=pages, count=count_of(total, *T.MY_DEALS_COUNT)))
    view = discord.ui.View(timeout=None)
    for action, target, disabled in (("ant", page - 1, page == 0), ("sig", page + 1, page >= pages - 1)):
        button = MyDealsButton(action, _page_state(max(target, 0), status, month))
        button.item.disabled = disabled
        view.add_item(button)
    return embed, view
