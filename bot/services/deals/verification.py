"""The HubSpot check of a deal: the deal read from HubSpot compared with the registration."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.enums import HubSpotCheck
from bot.domain.reconciliation import reconcile
from db.audit import Actor, record
from db.models import Deal, Member

log = logging.getLogger(__name__)


def compare_with_hubspot(deal: Deal, member: Member, h: Any) -> tuple[str, dict[str, Any]]:
    """(hubspot_check, findings) for a registered deal and what HubSpot returned (None = missing)."""
    if h is None:
        return HubSpotCheck.NO_ENCONTRADO, {"no_encontrado": True}
    findings: dict[str, Any] = {}
    if getattr(h, "archived", False):
        findings["archivado"] = True
    amount = getattr(h, "amount", None)
    amount_int = None if amount is None else int(Decimal(str(amount)).to_integral_value())
    owner = getattr(h, "owner_id", None)
    owner = None if owner in (None, "") else str(owner)
    adv = getattr(h, "advance_date", None)
    if isinstance(adv, datetime):
        adv = adv.date()
    diff = reconcile(local_amount=deal.total_value, local_owner=member.hubspot_owner_id,
                     local_advance_date=deal.advance_date, hubspot_amount=amount_int, hubspot_owner=owner,
                     hubspot_advance_date=adv)
    if diff.amount:
        findings["monto"] = {"hubspot": amount_int, "local": deal.total_value}
    if diff.owner:
        findings["owner"] = {"hubspot": owner, "local": member.hubspot_owner_id}
    if diff.advance_date:
        findings["fecha_anticipo"] = {
            "hubspot": adv.isoformat() if isinstance(adv, date) else adv,
            "local": deal.advance_date.isoformat(),
        }
    return (HubSpotCheck.DIFERENCIAS if findings else HubSpotCheck.OK), findings


async def verify_deal(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: Any, deal_id: int, *, now: Callable[[], datetime],
) -> str | None:
    """Check one deal against HubSpot and store the result (committed); returns the new
    ``hubspot_check``, or None when there is nothing to check. No database connection is held
    while HubSpot is asked. Raises :class:`~bot.hubspot.gateway.HubSpotUnavailable` when HubSpot
    cannot answer: the deal stays ``pendiente`` and the HubSpot queue tries again later."""
    async with sessionmaker() as session:
        deal = await session.get(Deal, deal_id)
        if deal is None or not deal.hubspot_deal_id or gateway is None:
            return None
        hubspot_id = deal.hubspot_deal_id
    h = await gateway.get_deal(hubspot_id)
    async with sessionmaker() as session:
        deal = await session.get(Deal, deal_id)
        if deal is None or deal.hubspot_deal_id != hubspot_id:
            return None
        member = await session.get(Member, deal.member_id)
        assert member is not None
        check, findings = compare_with_hubspot(deal, member, h)
        if check != deal.hubspot_check or findings != deal.hubspot_findings:
            before = {"hubspot_check": deal.hubspot_check, "hubspot_findings": deal.hubspot_findings}
            deal.hubspot_check = check
            deal.hubspot_findings = findings or None
            deal.updated_at = now()
            record(
                session, Actor.system("hubspot"), "negocio.verificar_hubspot", "deal", deal.id,
                before=before, after={"hubspot_check": check, "hubspot_findings": findings or None},
            )
            await session.commit()
    return check


async def pending_verifications(session: AsyncSession, after_id: int = 0, limit: int = 50) -> list[int]:
    """The HubSpot queue's deals: checks still ``pendiente``, oldest first, ids above ``after_id``."""
    return list(
        (
            await session.execute(
                select(Deal.id)
                .where(Deal.hubspot_check == HubSpotCheck.PENDIENTE, Deal.hubspot_deal_id.is_not(None), Deal.id > after_id)
                .order_by(Deal.id)
                .limit(limit)
            )
        ).scalars()
    )
