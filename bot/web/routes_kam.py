"""A KAM's pages: Mis negocios (filters, each deal's timeline), Mis comisiones (the same statement as
/mis-comisiones), Mis referidos, Mis ventanas de renovación."""

from __future__ import annotations

from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.dates import month_label, parse_month, previous_month, today_bogota
from bot.domain.enums import DealStatus, DealType, LeadStatus
from bot.domain.errors import DomainError
from bot.services import directory, panel, referrals, renewals, statements
from bot.texts import web as T
from bot.web import auth
from bot.web.context import KAM
from bot.web.render import render
from bot.web.routes_review import page_number


def month_options(today: date, n: int = 12) -> list[tuple[str, str]]:
    """("2026-11", "noviembre de 2026") for this month and the ``n - 1`` before it."""
    out, (y, m) = [], (today.year, today.month)
    for _ in range(n):
        out.append((f"{y}-{m:02d}", month_label(y, m)))
        y, m = previous_month(y, m)
    return out


def _today(request: Request) -> date:
    ctx = auth.ctx_of(request)
    return today_bogota(ctx.clock.now(), tz=ctx.settings.tz)


async def my_deals(request: Request) -> Response:
    who = await auth.require(request, KAM)
    ctx = auth.ctx_of(request)
    q = request.query_params
    status, deal_type, mes = q.get("estado") or None, q.get("tipo") or None, q.get("mes") or None
    if status is not None and status not in {s.value for s in DealStatus}:
        raise HTTPException(400, T.BAD_FILTER.format(detail="estado"))
    if deal_type is not None and deal_type not in {t.value for t in DealType}:
        raise HTTPException(400, T.BAD_FILTER.format(detail="tipo"))
    try:
        month = parse_month(mes, _today(request)) if mes else None
    except DomainError as exc:
        raise HTTPException(400, T.BAD_FILTER.format(detail=str(exc))) from None
    async with ctx.sessionmaker() as session:
        member = await directory.get_member(session, who.discord_id)
        page = (await panel.member_deals(session, member.id, status=status, month=month, deal_type=deal_type,
                                         page=page_number(request)) if member else panel.Page([], 0, 1, panel.PAGE_SIZE))
    filters = {"estado": status or "", "tipo": deal_type or "", "mes": f"{month[0]}-{month[1]:02d}" if month else ""}
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "my_deals.html", page=page, filters=filters, query=query,
                  statuses=list(DealStatus), types=list(DealType), months=month_options(_today(request)))


async def my_commissions(request: Request) -> Response:
    who = await auth.require(request, KAM)
    ctx = auth.ctx_of(request)
    today = _today(request)
    try:
        year, month = parse_month(request.query_params.get("mes"), today)
    except DomainError as exc:
        raise HTTPException(400, T.BAD_FILTER.format(detail=str(exc))) from None
    async with ctx.sessionmaker() as session:
        member = await directory.get_member(session, who.discord_id)
        st = await statements.statement(session, member, year, month, tz=ctx.settings.tz) if member else None
    return render(request, "my_commissions.html", st=st, label=month_label(year, month), mes=f"{year}-{month:02d}",
                  months=month_options(today))


async def my_referrals(request: Request) -> Response:
    who = await auth.require(request, KAM)
    ctx = auth.ctx_of(request)
    async with ctx.sessionmaker() as session:
        member = await directory.get_member(session, who.discord_id)
        mine = await referrals.referrals_of(session, member.id, limit=100) if member else None
    return render(request, "my_referrals.html", mine=mine, statuses=list(LeadStatus))


async def my_renewals(request: Request) -> Response:
    who = await auth.require(request, KAM)
    ctx = auth.ctx_of(request)
    today = _today(request)
    async with ctx.sessionmaker() as session:
        member = await directory.get_member(session, who.discord_id)
        intents = await renewals.open_intents_of(session, member.id) if member else []
    rows = [(i, c, renewals.days_left_text(today, i).replace("**", "")) for i, c in intents]
    return render(request, "my_renewals.html", rows=rows)


routes = [
    Route("/mis-negocios", my_deals),
    Route("/mis-comisiones", my_commissions),
    Route("/mis-referidos", my_referrals),
    Route("/mis-renovaciones", my_renewals),
]
