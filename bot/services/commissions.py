"""The commission ledger (``commission_entries``) for deals.

Scheme (one line per deal, plus one line per clawback):

* At registration a ``comision`` line is added with ``state='pendiente'`` and the estimated amount.
* When every required approval is given, that line is *settled*: ``state='ganada'`` and
  ``settled_at`` set. On rejection (or cancellation before being earned) it is settled as
  ``state='rechazada'``. The amount of a line is never changed, and a settled line is never
  touched again.
* Cancelling an earned deal adds a NEW line ``kind='reverso'``, ``state='reversada'`` with the
  negative amount; the earned line stays as it was.

So, for a member and a period:  pending = Σ comision/pendiente,  earned = Σ comision/ganada,
reversed = Σ reverso (negative),  net = earned + reversed. Month statements group by
``settled_at`` (earned, rejected) or ``created_at`` (pending, reversos).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enums import CommissionKind, CommissionState
from db.engine import rowcount
from db.models import CommissionEntry, Deal


@dataclass(frozen=True, slots=True)
class Balance:
    pending: int = 0
    earned: int = 0
    rejected: int = 0
    reversed: int = 0  # negative or zero

    @property
    def net(self) -> int:
        return self.earned + self.reversed


_INSERT_ENTRY = insert(CommissionEntry.__table__)  # type: ignore[arg-type]  # a Table: a plain INSERT


async def open_pending(session: AsyncSession, lines: list[tuple[Deal, str]], now: datetime) -> None:
    """Each deal's pending commission line (with its description), inserted now in one plain INSERT
    (registration writes without the ORM's unit of work, see :func:`bot.services.deals.register_all`)."""
    await session.execute(_INSERT_ENTRY, [{
        "member_id": deal.member_id, "kind": CommissionKind.COMISION, "state": CommissionState.PENDIENTE,
        "amount": deal.commission_estimate, "deal_id": deal.id, "description": description[:500], "created_at": now,
    } for deal, description in lines])


async def _settle(session: AsyncSession, deal_id: int, state: str, now: datetime) -> int:
    """Settle the deal's pending line; returns its amount (0 when there was none pending)."""
    entry = (
        await session.execute(
            select(CommissionEntry).where(
                CommissionEntry.deal_id == deal_id,
                CommissionEntry.kind == CommissionKind.COMISION,
                CommissionEntry.state == CommissionState.PENDIENTE,
            )
        )
    ).scalar_one_or_none()
    if entry is None:
        return 0
    res = await session.execute(
        update(CommissionEntry)
        .where(CommissionEntry.id == entry.id, CommissionEntry.state == CommissionState.PENDIENTE)
        .values(state=state, settled_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return entry.amount if rowcount(res) == 1 else 0


async def settle_earned(session: AsyncSession, deal_id: int, now: datetime) -> int:
    return await _settle(session, deal_id, CommissionState.GANADA, now)


async def settle_rejected(session: AsyncSession, deal_id: int, now: datetime) -> int:
    return await _settle(session, deal_id, CommissionState.RECHAZADA, now)


async def earned_for_deal(session: AsyncSession, deal_id: int) -> int:
    """What the deal's KAM holds for it now: earned minus what was already clawed back."""
    q = select(func.coalesce(func.sum(CommissionEntry.amount), 0)).where(
        CommissionEntry.deal_id == deal_id,
        ((CommissionEntry.kind == CommissionKind.COMISION) & (CommissionEntry.state == CommissionState.GANADA))
        | (CommissionEntry.kind == CommissionKind.REVERSO),
    )
    return int((await session.execute(q)).scalar_one())


async def claw_back(session: AsyncSession, deal: Deal, description: str, now: datetime) -> int:
    """Add a negative line for whatever is still held for the deal; returns the (positive) amount."""
    held = await earned_for_deal(session, deal.id)
    if held <= 0:
        return 0
    session.add(
        CommissionEntry(
            member_id=deal.member_id,
            kind=CommissionKind.REVERSO,
            state=CommissionState.REVERSADA,
            amount=-held,
            deal_id=deal.id,
            description=description[:500],
            created_at=now,
            settled_at=now,
        )
    )
    return held


async def balance(session: AsyncSession, member_id: int) -> Balance:
    rows = await session.execute(
        select(CommissionEntry.kind, CommissionEntry.state, func.coalesce(func.sum(CommissionEntry.amount), 0))
        .where(CommissionEntry.member_id == member_id, CommissionEntry.deal_id.is_not(None))
        .group_by(CommissionEntry.kind, CommissionEntry.state)
    )
    pending = earned = rejected = reversed_ = 0
    for kind, state, amount in rows:
        amount = int(amount)
        if kind == CommissionKind.REVERSO:
            reversed_ += amount
        elif state == CommissionState.PENDIENTE:
            pending += amount
        elif state == CommissionState.GANADA:
            earned += amount
        elif state == CommissionState.RECHAZADA:
            rejected += amount
    return Balance(pending=pending, earned=earned, rejected=rejected, reversed=reversed_)
