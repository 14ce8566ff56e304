"""The client directory from HubSpot companies (on demand with ``/admin clientes sincronizar`` and
daily before the export, when HubSpot is enabled).

For every company: the client is found by ``hubspot_company_id``, else by name (and linked), else
created; the services of the configured company property are added (never removed); the company
owner becomes the client's KAM through the member with that HubSpot owner id, or with the owner's
e-mail as Sense e-mail (the owner id is then remembered on the member).

Local assignments win: when the client already has other KAMs, the owner is **not** assigned and
the difference is reported as a conflict for an admin to settle with ``/admin clientes asignar``.
One transaction (the caller commits); every change is audit-logged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.enums import Service
from bot.domain.errors import DomainError
from bot.hubspot.gateway import HubSpotGateway, HubSpotOwner
from bot.services import directory
from bot.texts import directory as T
from db import claims
from db.audit import Actor, record
from db.models import Client, Member


@dataclass(frozen=True, slots=True)
class Conflict:
    client: str
    local_kams: tuple[str, ...]
    hubspot_kam: str


@dataclass(slots=True)
class SyncResult:
    companies: int = 0
    clients_new: int = 0
    clients_linked: int = 0
    assignments_new: int = 0
    services_new: int = 0
    members_linked: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    owners_without_member: dict[str, str] = field(default_factory=dict)  # owner id → name / e-mail
    unknown_services: set[str] = field(default_factory=set)
    skipped_without_name: int = 0


def _owner_members(owners: list[HubSpotOwner], members: list[Member]) -> tuple[dict[str, Member], list[tuple[Member, str]]]:
    """HubSpot owner id → member, and the members to link (by Sense e-mail) to an owner id."""
    by_owner = {m.hubspot_owner_id: m for m in members if m.hubspot_owner_id}
    by_email = {m.sense_email.lower(): m for m in members if m.sense_email}
    links: list[tuple[Member, str]] = []
    for o in owners:
        if o.id in by_owner or not o.email:
            continue
        m = by_email.get(o.email.lower())
        if m is not None and not m.hubspot_owner_id:
            by_owner[o.id] = m
            links.append((m, o.id))
    return by_owner, links


async def sync_from_hubspot(session: AsyncSession, gateway: HubSpotGateway, actor: Actor, *, now: datetime) -> SyncResult:
    res = SyncResult()
    # everything from HubSpot first: the writes below take SQLite's write lock, which must not be
    # held across HubSpot pages (each with its own retries); and a HubSpot failure writes nothing
    owners = await gateway.list_owners()
    companies = [company async for company in gateway.list_companies()]
    owner_names = {o.id: o.name for o in owners}
    members = list((await session.execute(select(Member))).scalars())
    by_owner, links = _owner_members(owners, members)
    for m, owner_id in links:
        await directory.update_member(session, actor, m, {"hubspot_owner_id": owner_id})
        res.members_linked += 1
    members_by_id = {m.id: m for m in members}
    clients = list((await session.execute(select(Client))).scalars())
    by_hubspot = {c.hubspot_company_id: c for c in clients if c.hubspot_company_id}
    by_key = {c.name_key: c for c in clients}
    open_kams, open_services = await directory.open_maps(session)

    for company in companies:
        res.companies += 1
        client = by_hubspot.get(company.id)
        if client is None:
            name = " ".join((company.name or "").split())[:200]
            if not name:
                res.skipped_without_name += 1
                continue
            client = by_key.get(directory.client_key(name))
            if client is not None and client.hubspot_company_id is None:
                await directory.update_client(session, actor, client, {"hubspot_company_id": company.id})
                res.clients_linked += 1
            elif client is None:
                client = await directory.create_client(session, actor, name, hubspot_company_id=company.id)
                res.clients_new += 1
            else:  # the name belongs to a client linked to another company: leave it alone
                res.conflicts.append(Conflict(name, (), owner_names.get(company.owner_id or "", "—")))
                continue
            by_hubspot[company.id] = client
            by_key[client.name_key] = client
        for raw in company.services:
            try:
                svc = Service.parse(raw).value
            except DomainError:
                res.unknown_services.add(raw)
                continue
            if svc not in open_services.setdefault(client.id, set()):
                await directory.add_service(session, actor, client, svc, now=now, checked=True)
                open_services[client.id].add(svc)
                res.services_new += 1
        if not company.owner_id:
            continue
        member = by_owner.get(company.owner_id)
        if member is None:
            res.owners_without_member[company.owner_id] = owner_names.get(company.owner_id, company.owner_id)
            continue
        current = open_kams.setdefault(client.id, set())
        if member.id in current:
            continue
        if current:
            local = tuple(sorted(members_by_id[m].name for m in current if m in members_by_id))
            res.conflicts.append(Conflict(client.name, local, member.name))
            continue
        await directory.assign(session, actor, client, member, now=now, source="hubspot", checked=True)
        current.add(member.id)
        res.assignments_new += 1
    record(session, actor, "directorio.sincronizar_hubspot", "import", None, after={
        "companies": res.companies, "clients_new": res.clients_new, "clients_linked": res.clients_linked,
        "assignments_new": res.assignments_new, "services_new": res.services_new,
        "members_linked": res.members_linked, "conflicts": len(res.conflicts),
        "skipped_without_name": res.skipped_without_name,
    })
    await session.flush()
    return res


# one directory writer at a time, across processes: an import (``/admin clientes importar``, ``ventas-ops
# clientes importar``) or a sync. A claim in the database (db.claims), not a lock in memory: the CLI and
# the bot are two processes. The TTL only matters when a holder dies without releasing it.
CLAIM = "directorio"
CLAIM_TTL = timedelta(minutes=30)
WAIT_SECONDS = 30.0  # a second writer waits this long for the first one, then is told to retry


class DirectoryBusy(DomainError):
    """Another import or sync is writing the directory (Spanish message); nothing was changed."""


@asynccontextmanager
async def directory_writes(
    sessionmaker: async_sessionmaker[AsyncSession], purpose: str, *, now: datetime, wait: float | None = None
) -> AsyncIterator[None]:
    """Hold the directory's write claim for the block; :class:`DirectoryBusy` when another writer keeps
    it beyond ``wait`` seconds (default :data:`WAIT_SECONDS`)."""
    async with claims.claimed(sessionmaker, CLAIM, purpose, now=now, ttl=CLAIM_TTL,
                              wait=WAIT_SECONDS if wait is None else wait,
                              refusal=DirectoryBusy(T.DIRECTORY_BUSY)):
        yield


async def sync_once(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: HubSpotGateway, actor: Actor, *, now: datetime,
    wait: float | None = None,
) -> SyncResult:
    """One sync in its own transaction (nothing is kept if HubSpot fails half-way), holding the
    directory's write claim (:class:`DirectoryBusy` when another import or sync holds it)."""
    async with directory_writes(sessionmaker, "sincronizacion", now=now, wait=wait), sessionmaker() as session:
        res = await sync_from_hubspot(session, gateway, actor, now=now)
        await session.commit()
    return res
