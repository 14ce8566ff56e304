"""The member and client directory: who is a KAM and which clients each one serves now.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction, so the
change and its audit-log row land together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.validation import fold_text, mask_cedula, parse_row_id
from db.audit import Actor, record
from db.models import Client, ClientAssignment, ClientService, Member


@dataclass(frozen=True, slots=True)
class ClientChoice:
    id: int
    name: str


# Members ------------------------------------------------------------------------------------
async def get_member(session: AsyncSession, discord_id: int) -> Member | None:
    return (await session.execute(select(Member).where(Member.discord_id == discord_id))).scalar_one_or_none()


async def ensure_member(session: AsyncSession, discord_id: int, name: str, actor: Actor | None = None) -> Member:
    """The member row for a Discord user, created (and audit-logged) on first sight."""
    member = await get_member(session, discord_id)
    if member is not None:
        return member
    return await create_member(session, actor or Actor(discord_id, name), discord_id, name)


async def create_member(
    session: AsyncSession, actor: Actor, discord_id: int, name: str, **fields: str | None
) -> Member:
    """A new member row (audit-logged); ``fields``: job_role, sense_email, cedula."""
    member = Member(discord_id=discord_id, name=name[:200], active=True)
    for key, value in fields.items():
        if value is not None:
            setattr(member, key, value)
    session.add(member)
    await session.flush()
    after = {"discord_id": discord_id, "name": member.name}
    after.update({k: _audit_value(k, v) for k, v in fields.items() if v is not None})
    record(session, actor, "miembro.crear", "member", member.id, after=after)
    return member


def _audit_value(key: str, value: object) -> object:
    return mask_cedula(str(value)) if key == "cedula" and value else value


async def update_member(session: AsyncSession, actor: Actor, member: Member, changes: dict[str, object]) -> bool:
    """Set the changed fields and audit-log before → after; False when nothing differs."""
    return _update(session, actor, member, "miembro.actualizar", "member", changes)


async def update_client(session: AsyncSession, actor: Actor, client: Client, changes: dict[str, object]) -> bool:
    """Like :func:`update_member` for a client; a new name also moves the search key."""
    if "name" in changes:
        changes = {**changes, "name": str(changes["name"]).strip()[:200]}
    changed = _update(session, actor, client, "cliente.actualizar", "client", changes)
    if changed and "name" in changes:
        client.name_key = client_key(client.name)
    return changed


def _update(session: AsyncSession, actor: Actor, row: Member | Client, action: str, entity: str,
            changes: dict[str, object]) -> bool:
    diff = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not diff:
        return False
    before = {k: _audit_value(k, getattr(row, k)) for k in diff}
    for k, v in diff.items():
        setattr(row, k, v)
    record(session, actor, action, entity, row.id, before=before, after={k: _audit_value(k, v) for k, v in diff.items()})
    return True


# Clients ------------------------------------------------------------------------------------
def client_key(name: str) -> str:
    """The folded name that identifies a client (accent- and case-insensitive, ñ kept)."""
    return " ".join(fold_text(name).split())


async def find_client(session: AsyncSession, value: str) -> Client | None:
    """Resolve what a user sent in a ``cliente`` option: an autocomplete id or a typed name."""
    value = (value or "").strip()
    if not value:
        return None
    row_id = parse_row_id(value) if value.isascii() and value.isdigit() else None
    if row_id is not None:
        client = await session.get(Client, row_id)
        if client is not None:
            return client
    return (await session.execute(select(Client).where(Client.name_key == client_key(value)))).scalar_one_or_none()


def _open_assignment(member_id: int | None = None) -> ColumnElement[bool]:
    cond: list[ColumnElement[bool]] = [ClientAssignment.ended_at.is_(None)]
    if member_id is not None:
        cond.append(ClientAssignment.member_id == member_id)
    return and_(*cond)


async def serves(session: AsyncSession, member_id: int, client_id: int) -> bool:
    """True when the member serves the client now (an open assignment)."""
    q = select(func.count()).select_from(ClientAssignment).where(
        ClientAssignment.client_id == client_id, _open_assignment(member_id)
    )
    return (await session.execute(q)).scalar_one() > 0


async def current_kams(session: AsyncSession, client_id: int) -> list[Member]:
    q = (
        select(Member)
        .join(ClientAssignment, ClientAssignment.member_id == Member.id)
        .where(ClientAssignment.client_id == client_id, _open_assignment())
        .order_by(Member.name)
    )
    return list((await session.execute(q)).scalars())


async def clients_of(session: AsyncSession, member_id: int) -> list[Client]:
    q = (
        select(Client)
        .join(ClientAssignment, ClientAssignment.client_id == Client.id)
        .where(_open_assignment(member_id), Client.active.is_(True))
        .order_by(Client.name_key)
    )
    return list((await session.execute(q)).scalars())


async def services_of(session: AsyncSession, client_id: int) -> set[str]:
    """Services the client has contracted now."""
    q = select(ClientService.service).where(ClientService.client_id == client_id, ClientService.ended_at.is_(None))
    return set((await session.execute(q)).scalars())


async def autocomplete_clients(
    session: AsyncSession, query: str, *, member_id: int | None = None, limit: int = 25
) -> list[ClientChoice]:
    """Clients whose folded name contains the folded query; only the member's own when given.

    Names that start with the query come first. Values are client ids (as text) so the
    command resolves exactly the client picked.
    """
    key = client_key(query or "")
    stmt = select(Client.id, Client.name, Client.name_key).where(Client.active.is_(True))
    if member_id is not None:
        stmt = stmt.where(
            Client.id.in_(select(ClientAssignment.client_id).where(_open_assignment(member_id)))
        )
    if key:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Client.name_key.like(f"%{escaped}%", escape="\\"))
        prefix_first = case((Client.name_key.like(f"{escaped}%", escape="\\"), 0), else_=1)
        stmt = stmt.order_by(prefix_first, Client.name_key)
    else:
        stmt = stmt.order_by(Client.name_key)
    rows = (await session.execute(stmt.limit(limit))).all()
    return [ClientChoice(r.id, r.name) for r in rows]


# Changes (audit-logged) ---------------------------------------------------------------------
async def assign(
    session: AsyncSession, actor: Actor, client: Client, member: Member, *, now: datetime, source: str = "manual",
    checked: bool = False,
) -> bool:
    """Open an assignment; False when the member already serves the client. ``checked``: the caller
    already knows they do not (bulk import and sync keep the open assignments in memory)."""
    if not checked and await serves(session, member.id, client.id):
        return False
    a = ClientAssignment(client_id=client.id, member_id=member.id, source=source, started_at=now)
    session.add(a)
    await session.flush()
    record(
        session,
        actor,
        "cliente.asignar",
        "client",
        client.id,
        after={"member_id": member.id, "member": member.name, "assignment_id": a.id, "source": source},
    )
    return True


async def unassign(session: AsyncSession, actor: Actor, client: Client, member: Member, *, now: datetime) -> bool:
    """Close the open assignment (history is kept); False when there was none."""
    q = select(ClientAssignment).where(ClientAssignment.client_id == client.id, _open_assignment(member.id))
    rows = list((await session.execute(q)).scalars())
    if not rows:
        return False
    for a in rows:
        a.ended_at = now
        record(
            session,
            actor,
            "cliente.quitar",
            "client",
            client.id,
            before={"member_id": member.id, "member": member.name, "assignment_id": a.id},
            after={"ended_at": now.isoformat()},
        )
    return True


async def add_service(
    session: AsyncSession, actor: Actor, client: Client, service: str, *, now: datetime, checked: bool = False,
) -> bool:
    """Record a contracted service; False when the client already has it (``checked``: as in :func:`assign`)."""
    if not checked and service in await services_of(session, client.id):
        return False
    session.add(ClientService(client_id=client.id, service=service, started_at=now))
    record(session, actor, "cliente.servicio_agregar", "client", client.id, after={"service": service})
    return True


async def create_client(
    session: AsyncSession,
    actor: Actor,
    name: str,
    *,
    nit: str | None = None,
    hubspot_company_id: str | None = None,
) -> Client:
    client = Client(name=name.strip()[:200], name_key=client_key(name), nit=nit, hubspot_company_id=hubspot_company_id)
    session.add(client)
    await session.flush()
    record(
        session,
        actor,
        "cliente.crear",
        "client",
        client.id,
        after={"name": client.name, "nit": nit, "hubspot_company_id": hubspot_company_id},
    )
    return client


# Reading for /admin clientes ver and /admin miembros ver ---------------------------------------
async def assignment_history(session: AsyncSession, client_id: int) -> list[ClientAssignment]:
    """Every assignment of the client, open and closed, oldest first, with its member loaded."""
    q = (
        select(ClientAssignment)
        .options(selectinload(ClientAssignment.member))
        .where(ClientAssignment.client_id == client_id)
        .order_by(ClientAssignment.started_at, ClientAssignment.id)
    )
    return list((await session.execute(q)).scalars())


async def members_overview(session: AsyncSession, limit: int = 200) -> list[tuple[Member, int]]:
    """Active members with how many clients each serves now, by name."""
    count = (
        select(func.count())
        .select_from(ClientAssignment)
        .where(ClientAssignment.member_id == Member.id, _open_assignment())
        .scalar_subquery()
    )
    q = select(Member, count).where(Member.active.is_(True)).order_by(Member.name).limit(limit)
    return [(m, n) for m, n in (await session.execute(q)).all()]


async def open_maps(session: AsyncSession) -> tuple[dict[int, set[int]], dict[int, set[str]]]:
    """For bulk work (import, HubSpot sync): client id → current member ids, and → current services."""
    kams: dict[int, set[int]] = {}
    for cid, mid in (await session.execute(
        select(ClientAssignment.client_id, ClientAssignment.member_id).where(_open_assignment())
    )).all():
        kams.setdefault(cid, set()).add(mid)
    services: dict[int, set[str]] = {}
    for cid, svc in (await session.execute(
        select(ClientService.client_id, ClientService.service).where(ClientService.ended_at.is_(None))
    )).all():
        services.setdefault(cid, set()).add(svc)
    return kams, services
