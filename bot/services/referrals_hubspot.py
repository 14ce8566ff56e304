"""Referred leads and HubSpot: the contact and company of each lead pushed to HubSpot (through the
HubSpot queue), and the open leads HubSpot shows as won marked Vendido."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.enums import LeadStatus
from bot.hubspot.gateway import HubSpotError, HubSpotNotFound, HubSpotUnavailable
from bot.services.referrals import HUBSPOT_NO_COMPANY, OPEN_STATUSES, is_generic_company, qualify
from db.audit import Actor, record
from db.models import Lead, Member

log = logging.getLogger(__name__)


async def leads_to_push(session: AsyncSession, after_id: int = 0, limit: int = 20) -> list[int]:
    """The HubSpot queue's leads: contact (or company) still missing in HubSpot — created while
    HubSpot was slow or down — oldest first, ids above ``after_id``."""
    q = (
        select(Lead.id)
        .where(or_(Lead.hubspot_contact_id.is_(None), Lead.hubspot_company_id.is_(None)), Lead.id > after_id)
        .order_by(Lead.id)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


async def push_contact(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: Any, lead_id: int, *, now: Callable[[], datetime],
) -> bool:
    """Find or create the lead's HubSpot contact (lead source "Referido Operaciones" and the
    referrer) and store its id (committed). No database connection is held while HubSpot answers.
    HubSpot errors propagate (the HubSpot queue retries). True when stored now."""
    async with sessionmaker() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None or lead.hubspot_contact_id is not None:
            return False
        referrer = await session.get(Member, lead.referrer_id)
        referrer_text = f"{referrer.name} (C.C. {lead.referrer_cedula})" if referrer else lead.referrer_cedula
        email, phone, name, company = lead.email, lead.phone, lead.contact_name, lead.company
    contact_id, created = await gateway.find_or_create_contact(
        email, phone, firstname=name, company=company, lead_source="Referido Operaciones", referrer=referrer_text,
    )
    return await _store_hubspot_id(sessionmaker, lead_id, "hubspot_contact_id", str(contact_id), now=now,
                                   action="lead.hubspot_contacto", after={"contact_id": str(contact_id), "created": created})


async def push_company(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: Any, lead_id: int, *, now: Callable[[], datetime],
) -> bool:
    """Find or create the lead's HubSpot company, associate it to the contact and store its id,
    committed (``""`` for a generic company such as "persona natural": nothing to create)."""
    async with sessionmaker() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None or lead.hubspot_contact_id is None or lead.hubspot_company_id is not None:
            return False
        contact_id, company, generic = lead.hubspot_contact_id, lead.company, is_generic_company(lead.company_key)
        if generic:
            lead.hubspot_company_id = HUBSPOT_NO_COMPANY
            await session.commit()
            return True
    company_id = await gateway.find_or_create_company(company)
    await gateway.associate("contacts", contact_id, "companies", company_id)
    return await _store_hubspot_id(sessionmaker, lead_id, "hubspot_company_id", str(company_id), now=now,
                                   action="lead.hubspot_empresa", after={"company_id": str(company_id)})


async def _store_hubspot_id(
    sessionmaker: async_sessionmaker[AsyncSession], lead_id: int, attr: str, value: str, *,
    now: Callable[[], datetime], action: str, after: dict[str, Any],
) -> bool:
    """Store what HubSpot answered on the lead (audited, committed) unless it was stored meanwhile."""
    async with sessionmaker() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None or getattr(lead, attr) is not None:
            return False
        setattr(lead, attr, value)
        lead.updated_at = now()
        record(session, Actor.system("hubspot"), action, "lead", lead.id, after=after)
        await session.commit()
    return True


async def open_leads_in_hubspot(session: AsyncSession) -> list[tuple[int, str]]:
    """(lead id, contact id) of leads still open (nuevo/bueno) that have a HubSpot contact."""
    q = select(Lead.id, Lead.hubspot_contact_id).where(
        Lead.status.in_(OPEN_STATUSES), Lead.hubspot_contact_id.is_not(None)
    ).order_by(Lead.id)
    return [(i, c) for i, c in (await session.execute(q)).all() if c is not None]  # (the query excludes None)


async def sync_closed_won(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: Any, *, now: Callable[[], datetime], good: int, sold: int,
) -> list[int]:
    """Mark Vendido the open leads whose HubSpot contact is a customer or has a closed-won deal (one
    transaction a lead; stops at an outage). Returns the leads that changed (their cards need a refresh)."""
    changed: list[int] = []
    async with sessionmaker() as session:
        candidates = await open_leads_in_hubspot(session)
    for lead_id, contact_id in candidates:
        try:
            won = await gateway.contact_is_customer_or_won(contact_id)
        except HubSpotUnavailable as exc:
            log.warning("HubSpot unavailable during the lead sync: %s", exc)
            break
        except (HubSpotNotFound, HubSpotError) as exc:
            log.warning("Lead %s: HubSpot contact %s not checked: %s", lead_id, contact_id, exc)
            continue
        if not won:
            continue
        async with sessionmaker() as session:
            q = await qualify(session, lead_id, LeadStatus.VENDIDO, actor=Actor.system("hubspot"), now=now(),
                              good=good, sold=sold, source="hubspot")
            await session.commit()
        if q.changed:
            changed.append(lead_id)
    return changed
