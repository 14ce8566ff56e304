"""Referrals (seed "Referidos"): a KAM refers a potential client, a profiler qualifies it, the
referrer earns by the lead's *final* status and hears about every change.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction, so each
change, its audit row, its ledger line and its outbox messages (DMs, channel posts) land together.

Rules
-----
* The referrer is identified by their cédula. It must match ``Member.cedula``; the first time it is
  stored (after the person confirms it, see ``bot.exts.referrals.leads``) and it is unique among members.
* A current client (an active directory client whose name has the same :func:`normalize_company`
  key as the lead's company) asking for a service it already has is refused: renewals are not
  leads. A different service is a valid (cross-sale) lead.
* Duplicates: a lead with the same normalized e-mail, phone (E.164) or company key as an existing
  lead — any status — is refused; the first referral wins and the second referrer is told the date.
  Generic "company" names of people without a company ("persona natural", "independiente", …) are
  not compared. Partial unique indexes on ``leads`` (``db.models.lead_unique_indexes``) enforce the rule
  across sessions and processes: the loser of a race is given the same refusal as a later duplicate.
* Transitions: nuevo → bueno / malo / vendido, bueno → vendido. Each is one conditional UPDATE, so of
  two concurrent clicks exactly one wins.

Ledger scheme (append-only, "delta" lines)
------------------------------------------
Every status change of a lead appends ONE ``commission_entries`` line with ``kind='referido'``,
``lead_id`` set, ``settled_at=now`` and ``amount = reward(new) - reward(old)``; its state is
``ganada`` when the new reward is positive and ``rechazada`` when it is zero (malo). No line is
ever edited. Hence, for every lead, ``Σ amount of its referido lines == lead_reward(final status)``
(bueno 5.000 then vendido: +5.000 and +5.000 = 10.000; not cumulative), and a member's referral
earnings are simply ``Σ amount`` of their ``referido`` lines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.commission import lead_reward
from bot.domain.dates import format_datetime
from bot.domain.enums import CommissionKind, CommissionState, LeadStatus, Service
from bot.domain.errors import InputError, UserError
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.domain.validation import (
    clean_user_text,
    mask_cedula,
    normalize_cedula,
    normalize_company,
    normalize_email,
    normalize_phone,
)
from bot.services import directory
from bot.services import outbox as ob
from bot.texts import referrals as T
from db.audit import Actor, record
from db.engine import rowcount
from db.models import GENERIC_COMPANY_KEYS, Client, CommissionEntry, Lead, Member

log = logging.getLogger(__name__)

OPEN_STATUSES = (LeadStatus.NUEVO, LeadStatus.BUENO)
# target -> statuses it may come from
ALLOWED_FROM: dict[str, tuple[str, ...]] = {LeadStatus.BUENO: (LeadStatus.NUEVO,), LeadStatus.MALO: (LeadStatus.NUEVO,), LeadStatus.VENDIDO: (LeadStatus.NUEVO, LeadStatus.BUENO)}


# the first lead of a company (id and referrer): built once, asked on every deal registration
_FIRST_LEAD = select(Lead.id, Lead.referrer_id).where(Lead.company_key == bindparam("key")).order_by(Lead.id).limit(1)
HUBSPOT_NO_COMPANY = ""  # hubspot_company_id value meaning "nothing to create" (generic company)


def is_generic_company(key: str) -> bool:
    return key in GENERIC_COMPANY_KEYS


def reward_for(status: str, good: int, sold: int) -> int:
    return lead_reward(status, good, sold)


# --- input -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReferralInput:
    cedula: str
    contact_name: str
    company: str
    company_key: str
    email: str | None
    phone: str | None
    service: str
    notes: str | None


def validate_input(
    *,
    cedula: str | None,
    contacto: str | None,
    empresa: str | None,
    correo: str | None = None,
    telefono: str | None = None,
    servicio: str | None,
    notas: str | None = None,
) -> ReferralInput:
    """Everything that needs no database, normalized. Raises ``InputError``/``UserError`` (Spanish)."""
    ced = normalize_cedula(cedula, "cedula")
    contact = clean_user_text(contacto, "contacto", T.CONTACT_MAX, required=True)
    contact = " ".join(contact.split())
    company = " ".join(clean_user_text(empresa, "empresa", T.COMPANY_MAX, required=True).split())
    key = normalize_company(company)
    if not key:
        raise InputError(T.EMPTY_COMPANY, "empresa")
    email = normalize_email(correo, "correo") if (correo or "").strip() else None
    phone = normalize_phone(telefono, "telefono") if (telefono or "").strip() else None
    if email is None and phone is None:
        raise UserError(T.NEED_CONTACT_DATA)
    service = Service.parse(servicio).value
    notes = clean_user_text(notas, "notas", T.NOTES_MAX) or None
    return ReferralInput(ced, contact, company, key, email, phone, service, notes)


# --- referrer identity -------------------------------------------------------------------
async def check_cedula(session: AsyncSession, member: Member, cedula: str) -> bool:
    """True when the cédula still has to be confirmed and stored (first referral).

    Raises ``UserError`` when it differs from the stored one or belongs to someone else.
    """
    if member.cedula:
        if member.cedula != cedula:
            raise UserError(T.CEDULA_MISMATCH.format(masked=mask_cedula(member.cedula)))
        return False
    owner = (await session.execute(select(Member.id).where(Member.cedula == cedula))).scalar_one_or_none()
    if owner is not None and owner != member.id:
        raise UserError(T.CEDULA_TAKEN)
    return True


async def store_cedula(session: AsyncSession, member: Member, cedula: str, actor: Actor) -> None:
    """Store the confirmed cédula (first time only); audit-logged with the masked value."""
    if await check_cedula(session, member, cedula):
        member.cedula = cedula
        record(session, actor, "miembro.cedula", "member", member.id,
               before={"cedula": None}, after={"cedula": mask_cedula(cedula)})
        try:
            await session.flush()
        except IntegrityError:
            # someone else stored the same cédula meanwhile (members.cedula is unique)
            await session.rollback()
            raise UserError(T.CEDULA_TAKEN) from None


# --- rules ---------------------------------------------------------------------------------------
async def current_client_with_service(session: AsyncSession, company_key: str, service: str) -> Client | None:
    """The active client with the same company key that already has ``service`` (renewal), or None."""
    if is_generic_company(company_key):
        return None
    rows = (await session.execute(select(Client).where(Client.active.is_(True)))).scalars()
    for client in rows:
        if normalize_company(client.name) == company_key and service in await directory.services_of(session, client.id):
            return client
    return None


async def find_duplicate(session: AsyncSession, inp: ReferralInput) -> tuple[Lead, str] | None:
    """The earliest lead sharing the e-mail, phone or company key, and which field matched."""
    conds = []
    if inp.email:
        conds.append(Lead.email == inp.email)
    if inp.phone:
        conds.append(Lead.phone == inp.phone)
    if not is_generic_company(inp.company_key):
        conds.append(Lead.company_key == inp.company_key)
    if not conds:
        return None
    lead = (await session.execute(select(Lead).where(or_(*conds)).order_by(Lead.id).limit(1))).scalar_one_or_none()
    if lead is None:
        return None
    if inp.email and lead.email == inp.email:
        field = "email"
    elif inp.phone and lead.phone == inp.phone:
        field = "phone"
    else:
        field = "company"
    return lead, field


async def check_referral(session: AsyncSession, inp: ReferralInput, *, tz: tzinfo) -> None:
    """The database rules (current client, duplicate); raises ``UserError`` with the reason (times in ``tz``)."""
    client = await current_client_with_service(session, inp.company_key, inp.service)
    if client is not None:
        raise UserError(T.CURRENT_CLIENT.format(client=md(client.name), service=Service(inp.service).label))
    dup = await find_duplicate(session, inp)
    if dup is not None:
        raise duplicate_error(*dup, tz)


def duplicate_error(lead: Lead, field: str, tz: tzinfo) -> UserError:
    return UserError(T.DUPLICATE.format(when=format_datetime(lead.created_at, tz), lead_id=lead.id,
                                        field=T.DUPLICATE_FIELDS[field]))


async def create_lead(
    session: AsyncSession, member: Member, inp: ReferralInput, *, actor: Actor, now: datetime, tz: tzinfo
) -> Lead:
    """Check every rule and add the lead (status nuevo) with its audit row. The cédula must already
    be confirmed: it has to equal the member's stored one."""
    if member.cedula != inp.cedula:
        raise UserError(T.CEDULA_MISMATCH.format(masked=mask_cedula(member.cedula)))
    await check_referral(session, inp, tz=tz)
    lead = Lead(
        referrer_id=member.id,
        referrer_cedula=inp.cedula,
        contact_name=inp.contact_name,
        company=inp.company,
        company_key=inp.company_key,
        email=inp.email,
        phone=inp.phone,
        service=inp.service,
        notes=inp.notes,
        status=LeadStatus.NUEVO,
        created_at=now,
        updated_at=now,
    )
    session.add(lead)
    try:
        await session.flush()
    except IntegrityError:
        # another session (or process) committed the same lead between the check and this insert: the
        # unique indexes refused it. Nothing of this transaction is kept (as with any refusal); the
        # referrer gets the answer a later duplicate gets.
        await session.rollback()
        dup = await find_duplicate(session, inp)
        if dup is None:
            raise
        raise duplicate_error(*dup, tz) from None
    record(session, actor, "lead.crear", "lead", lead.id, after={
        "referrer_id": member.id, "referrer_cedula": mask_cedula(inp.cedula), "company": inp.company,
        "service": inp.service, "email": inp.email, "phone": inp.phone, "status": LeadStatus.NUEVO,
    })
    return lead


# --- qualification ------------------------------------------------------------------------
@dataclass(slots=True)
class Qualification:
    lead: Lead | None
    changed: bool
    before: str | None = None
    reward: int = 0  # reward of the lead's status now (after the change when changed)
    delta: int = 0
    not_allowed: bool = False  # the current status can never reach the target


def _transition_error(lead: Lead, target: str) -> bool:
    return lead.status not in ALLOWED_FROM[target] and lead.status != target


async def qualify(
    session: AsyncSession,
    lead_id: int,
    target: str,
    *,
    actor: Actor,
    now: datetime,
    good: int,
    sold: int,
    reason: str | None = None,
    source: str = "perfilador",
) -> Qualification:
    """Move a lead to ``target`` once. The conditional UPDATE runs first in the transaction, so of
    two concurrent calls exactly one changes the lead; the other gets ``changed=False``.

    On a change: one ledger line (delta scheme), an audit row and the referrer's DM in the outbox.
    """
    target = LeadStatus(target).value
    if target not in ALLOWED_FROM:
        raise ValueError(f"cannot qualify a lead as {target}")
    before_status = (
        await session.execute(select(Lead.status).where(Lead.id == lead_id))
    ).scalar_one_or_none()
    if before_status is None:
        return Qualification(None, False)
    res = await session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.status == before_status, Lead.status.in_(ALLOWED_FROM[target]))
        .values(
            status=target,
            status_reason=reason,
            qualified_by_discord_id=actor.discord_id,
            qualified_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    lead = await session.get(Lead, lead_id, populate_existing=True)
    assert lead is not None
    if rowcount(res) != 1:
        return Qualification(lead, False, reward=reward_for(lead.status, good, sold),
                             not_allowed=_transition_error(lead, target))
    old_reward = reward_for(before_status, good, sold)
    new_reward = reward_for(target, good, sold)
    delta = new_reward - old_reward
    desc = (T.LEDGER_REWARD if before_status == LeadStatus.NUEVO else T.LEDGER_ADJUST).format(
        lead_id=lead.id, company=lead.company[:150], status=T.STATUS_WORD[target], before=T.STATUS_WORD[before_status]
    )
    session.add(CommissionEntry(
        member_id=lead.referrer_id, kind=CommissionKind.REFERIDO, state=CommissionState.GANADA if new_reward > 0 else CommissionState.RECHAZADA,
        amount=delta, lead_id=lead.id, description=desc[:500], created_at=now, settled_at=now,
    ))
    record(session, actor, "lead.calificar", "lead", lead.id,
           before={"status": before_status, "reward": old_reward},
           after={"status": target, "reward": new_reward, "delta": delta, "reason": reason, "source": source})
    referrer = await session.get(Member, lead.referrer_id)
    if referrer is not None:
        extra = T.DM_REASON.format(reason=md(reason)) if reason else ""
        if source == "hubspot":
            extra += T.DM_SOLD_HUBSPOT
        await ob.enqueue(
            session, f"lead-dm:{lead.id}:{target}", user_id=referrer.discord_id, now=now,
            content=T.DM_STATUS.format(lead_id=lead.id, company=md(lead.company), status=T.STATUS_WORD[target],
                                       reward=format_cop(new_reward), reason=extra),
        )
    return Qualification(lead, True, before=before_status, reward=new_reward, delta=delta)


# --- SLA -------------------------------------------------------------------------------------------
def role_label(spec: str) -> str:
    """How a configured role is shown in a post: a role mention for an id (posts are sent with
    mentions disabled, so it never pings), the bold name otherwise."""
    spec = (spec or "").strip()
    return f"<@&{spec}>" if spec.isdigit() else f"**@{md(spec)}**"


async def leads_past_sla(session: AsyncSession, now: datetime, *, sla_hours: int = 24) -> list[Lead]:
    """Leads still ``nuevo`` ``sla_hours`` after they were referred (for the daily summary), oldest first."""
    cutoff = now - timedelta(hours=sla_hours)
    q = select(Lead).where(Lead.status == LeadStatus.NUEVO, Lead.created_at <= cutoff).order_by(Lead.created_at, Lead.id)
    return list((await session.execute(q)).scalars())


async def process_sla(
    session: AsyncSession, now: datetime, *, tz: tzinfo, sla_hours: int = 24, profiler_role: str = "Perfilador"
) -> list[Lead]:
    """Escalate, once each, the leads past the SLA: set ``sla_escalated_at``, audit, and enqueue a
    post to the profiler role in the sales channel. Returns the leads escalated now."""
    out: list[Lead] = []
    for lead in await leads_past_sla(session, now, sla_hours=sla_hours):
        if lead.sla_escalated_at is not None:
            continue
        res = await session.execute(
            update(Lead).where(Lead.id == lead.id, Lead.sla_escalated_at.is_(None), Lead.status == LeadStatus.NUEVO)
            .values(sla_escalated_at=now).execution_options(synchronize_session=False)
        )
        if rowcount(res) != 1:
            continue
        lead.sla_escalated_at = now
        record(session, Actor.system("sla-leads"), "lead.sla_escalar", "lead", lead.id,
               after={"sla_hours": sla_hours, "created_at": lead.created_at.isoformat()})
        await ob.enqueue(
            session, f"lead-sla:{lead.id}", now=now,
            content=T.SLA_ESCALATION.format(role=role_label(profiler_role), lead_id=lead.id, company=md(lead.company),
                                            hours=sla_hours, when=format_datetime(lead.created_at, tz)),
        )
        out.append(lead)
    return out


# --- cross-program conflict -------------------------------------------------------------
async def flag_deal_for_referred_company(
    session: AsyncSession,
    client_name: str,
    registering_member_id: int,
    *,
    tz: tzinfo,
    now: datetime | None = None,
    deal_id: int | None = None,
    admin_role: str = "Admin ventas-ops",
) -> Lead | None:
    """Called by the deals feature when a deal is registered (same transaction). When the client's
    company was referred as a lead by someone else, enqueue a flag for the admins (once per lead and
    deal) with an audit row, and return that (first) lead; otherwise None."""
    lead_id = await referring_lead(session, client_name, registering_member_id)
    if lead_id is None:
        return None
    return await flag_lead_conflict(session, lead_id, client_name, registering_member_id, tz=tz, now=now,
                                    deal_id=deal_id, admin_role=admin_role)


async def referring_lead(session: AsyncSession, client_name: str, registering_member_id: int) -> int | None:
    """The lead :func:`flag_deal_for_referred_company` flags (the company's first lead, referred by
    someone else), or None. Asked on every registration, before its write; few find one."""
    key = normalize_company(client_name)
    if is_generic_company(key):
        return None
    first = (await session.execute(_FIRST_LEAD, {"key": key})).first()
    if first is None or first.referrer_id == registering_member_id:
        return None
    return int(first.id)


async def flag_lead_conflict(session: AsyncSession, lead_id: int, client_name: str, registering_member_id: int, *,
                             tz: tzinfo, now: datetime | None, deal_id: int | None, admin_role: str) -> Lead:
    """The flag of :func:`flag_deal_for_referred_company` for a lead :func:`referring_lead` found."""
    lead = await session.get_one(Lead, lead_id)
    referrer = await session.get(Member, lead.referrer_id)
    member = await session.get(Member, registering_member_id)
    ref = f"{md(referrer.name)} (C.C. {mask_cedula(lead.referrer_cedula)})" if referrer else T.NOT_SET
    record(session, Actor.system("referidos"), "lead.conflicto_negocio", "lead", lead.id,
           after={"client": client_name, "member_id": registering_member_id, "deal_id": deal_id})
    await ob.enqueue(
        session, f"lead-conflict:{lead.id}:{deal_id if deal_id is not None else f'm{registering_member_id}'}", now=now,
        content=T.CONFLICT_FLAG.format(
            role=role_label(admin_role), client=md(client_name), member=md(member.name) if member else T.NOT_SET,
            lead_id=lead.id, referrer=ref, when=format_datetime(lead.created_at, tz), status=T.STATUS_WORD[lead.status],
        ),
    )
    return lead


# --- reading ---------------------------------------------------------------------------------------
async def ledger_total(session: AsyncSession, lead_id: int) -> int:
    q = select(func.coalesce(func.sum(CommissionEntry.amount), 0)).where(
        CommissionEntry.lead_id == lead_id, CommissionEntry.kind == CommissionKind.REFERIDO
    )
    return int((await session.execute(q)).scalar_one())


@dataclass(slots=True)
class MyReferrals:
    leads: list[tuple[Lead, int]]  # (lead, reward held for it in the ledger)
    counts: dict[str, int]
    earned: int
    total: int


async def referrals_of(session: AsyncSession, member_id: int, *, limit: int = 25) -> MyReferrals:
    leads = list((await session.execute(
        select(Lead).where(Lead.referrer_id == member_id).order_by(Lead.id.desc()).limit(limit)
    )).scalars())
    sums = dict((await session.execute(
        select(CommissionEntry.lead_id, func.sum(CommissionEntry.amount))
        .where(CommissionEntry.member_id == member_id, CommissionEntry.kind == CommissionKind.REFERIDO)
        .group_by(CommissionEntry.lead_id)
    )).all())
    counts: dict[str, int] = {s: 0 for s in (LeadStatus.NUEVO, LeadStatus.BUENO, LeadStatus.MALO, LeadStatus.VENDIDO)}
    for status, n in (await session.execute(
        select(Lead.status, func.count()).where(Lead.referrer_id == member_id).group_by(Lead.status)
    )).all():
        counts[status] = int(n)
    return MyReferrals(
        leads=[(lead, int(sums.get(lead.id) or 0)) for lead in leads],
        counts=counts,
        earned=int(sum(int(v or 0) for v in sums.values())),
        total=sum(counts.values()),
    )


async def leads_without_card(session: AsyncSession, older_than: datetime) -> list[int]:
    q = select(Lead.id).where(Lead.card_message_id.is_(None), Lead.created_at <= older_than).order_by(Lead.id)
    return list((await session.execute(q)).scalars())


async def set_card(session: AsyncSession, lead_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(update(Lead).where(Lead.id == lead_id).values(card_channel_id=channel_id, card_message_id=message_id))


async def recorded_cards(session: AsyncSession, lead_ids: list[int]) -> dict[int, int | None]:
    """The stored card message id of each lead (None: not recorded)."""
    q = select(Lead.id, Lead.card_message_id).where(Lead.id.in_(lead_ids))
    return {i: m for i, m in (await session.execute(q)).all()}


# --- HubSpot -------------------------------------------------------------------------------------


