"""The Discord side of the client directory: ``/admin clientes importar | asignar | quitar | ver``,
``/admin miembros ver`` (declared in :mod:`bot.exts.admin.admin`, admins only) and the client autocomplete that
every command with a ``cliente`` option uses.

The import preview's buttons are persistent ``DynamicItem``s: the uploaded file is kept in
``DATA_DIR/imports/<token>.csv`` and the token travels in the button's custom id, so «Importar» still
works after a restart. A click parses and plans the file again, so it applies exactly what the
directory looks like at that moment (and refuses, changing nothing, if the file no longer fits).
"""

from __future__ import annotations

import contextlib
import io
import logging
import secrets
import time
from pathlib import Path
from typing import Any, ClassVar

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import permissions
from bot.app import VentasOpsBot
from bot.blocking import run_blocking
from bot.domain.dates import format_date
from bot.domain.enums import JobRole, Service
from bot.domain.text import count_of, md
from bot.domain.validation import mask_cedula
from bot.errors import UserError
from bot.guards import actor_of, require_role
from bot.hubspot.gateway import HubSpotError
from bot.interactions import send_ephemeral
from bot.services import directory, directory_sync
from bot.services import directory_import as imp
from bot.texts import directory as T
from bot.ui import ActionButton
from db.audit import Actor
from db.models import Client

log = logging.getLogger(__name__)


# --- client autocomplete (all commands) ------------------------------------------------------------


# --- /admin clientes importar ---------------------------------------------------------------------
def _import_dir(bot: VentasOpsBot) -> Path:
    return Path(bot.settings.data_dir) / "imports"


PREVIEW_SECONDS = 24 * 3600  # an import preview nobody applied or cancelled is dropped after a day


def _store(bot: VentasOpsBot, data: bytes, filename: str) -> str:
    """Keep the uploaded CSV for the preview's buttons; drop abandoned previews (they hold cédulas)."""
    folder = _import_dir(bot)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PREVIEW_SECONDS
    for old in folder.glob("*"):
        with contextlib.suppress(OSError):  # another click may have removed it meanwhile
            if old.suffix in (".csv", ".name") and old.stat().st_mtime < cutoff:
                old.unlink()
    token = secrets.token_hex(8)
    (folder / f"{token}.name").write_text(filename[:200], encoding="utf-8")
    (folder / f"{token}.csv").write_bytes(data)
    return token


def _discard(bot: VentasOpsBot, token: str) -> None:
    for suffix in (".csv", ".name", ".applying"):
        (_import_dir(bot) / f"{token}{suffix}").unlink(missing_ok=True)


def _errors_reply(bot: VentasOpsBot, template: str, errors: list[imp.RowError],
                  **fmt: Any) -> tuple[str, list[discord.File]]:
    text, cut = imp.render_errors(errors, escape=md, limit=1500)
    data = imp.errors_csv(errors, delimiter=bot.settings.csv_delimiter)
    files = [discord.File(io.BytesIO(data), filename=T.IMPORT_ERRORS_FILENAME)] if cut else []
    return template.format(n=len(errors), errors=text, **fmt)[:2000], files


class ImportButton(ActionButton, template=r"dirimport:(?P<action>apply|cancel):(?P<id>[0-9a-f]{16})"):
    PREFIX = "dirimport"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "apply": (T.BUTTON_IMPORT, discord.ButtonStyle.success),
        "cancel": (T.BUTTON_CANCEL, discord.ButtonStyle.secondary),
    }
    ID_TYPE = str

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await _on_import_click(interaction, self.action, self.target_id)


def _import_view(token: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ImportButton("apply", token))
    view.add_item(ImportButton("cancel", token))
    return view


async def import_command(interaction: discord.Interaction[VentasOpsBot], archivo: discord.Attachment) -> None:
    bot = interaction.client
    if archivo.size > imp.MAX_BYTES:
        raise UserError(T.IMPORT_TOO_BIG.format(mb=imp.MAX_BYTES // (1024 * 1024)))
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        data = await archivo.read()
    except discord.HTTPException as exc:
        log.warning("CSV download failed for interaction %s: %s", interaction.id, exc)
        raise UserError(T.IMPORT_DOWNLOAD_FAILED) from None
    parsed = await run_blocking(imp.parse, data, email_domain=bot.settings.sense_email_domain)
    async with bot.sessionmaker() as session:
        plan = await imp.plan(session, parsed)
    name = md(archivo.filename)
    if not plan.ok:
        text, files = _errors_reply(bot, T.IMPORT_BAD_ROWS, plan.errors, filename=name)
        await send_ephemeral(interaction, text, files=files)
        return
    counts = imp.render_counts(plan.counts)
    rows = len(parsed.rows)
    if plan.counts.changes == 0:
        await send_ephemeral(interaction, T.IMPORT_NOTHING_TO_DO.format(filename=name, rows=rows, counts=counts))
        return
    token = await run_blocking(_store, bot, data, archivo.filename)
    await send_ephemeral(interaction, T.IMPORT_PREVIEW.format(filename=name, rows=rows, counts=counts),
                         view=_import_view(token))


async def _on_import_click(interaction: discord.Interaction[VentasOpsBot], action: str, token: str) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_admin, action=f"clientes importar ({action})")
    folder = _import_dir(bot)
    pending, claimed = folder / f"{token}.csv", folder / f"{token}.applying"
    if action == "cancel":
        _discard(bot, token)
        await interaction.response.edit_message(content=T.IMPORT_CANCELLED, view=None)
        return
    try:
        pending.rename(claimed)  # atomic: a second click finds nothing to apply
    except FileNotFoundError:
        await interaction.response.edit_message(content=T.IMPORT_GONE, view=None)
        return
    await interaction.response.edit_message(content=T.IMPORT_RUNNING, view=None)
    try:
        # one directory writer at a time, in any process (imports and syncs): a claim in the database
        async with directory_sync.directory_writes(bot.sessionmaker, "importacion", now=bot.clock.now()):
            filename = (folder / f"{token}.name").read_text(encoding="utf-8") if (folder / f"{token}.name").exists() else ""
            data = claimed.read_bytes()
            parsed = await run_blocking(imp.parse, data, email_domain=bot.settings.sense_email_domain)
            async with bot.sessionmaker() as session:
                plan = await imp.plan(session, parsed)
                if plan.ok:
                    await imp.apply(session, actor_of(interaction.user), plan, now=bot.clock.now(), filename=filename)
                    await session.commit()
    except directory_sync.DirectoryBusy as exc:
        claimed.rename(pending)  # nothing was written: the preview's buttons work again
        await interaction.edit_original_response(content=str(exc), view=_import_view(token))
        return
    except BaseException:
        claimed.rename(pending)  # nothing was written: the preview stays usable
        raise
    _discard(bot, token)
    if not plan.ok:
        text, files = _errors_reply(bot, T.IMPORT_CHANGED_SINCE, plan.errors)
        await interaction.edit_original_response(content=text, attachments=files,
                                                 allowed_mentions=discord.AllowedMentions.none())
        return
    await interaction.edit_original_response(
        content=T.IMPORT_DONE.format(filename=md(filename), rows=len(parsed.rows), counts=imp.render_counts(plan.counts)),
        allowed_mentions=discord.AllowedMentions.none(),
    )


# --- /admin clientes asignar | quitar | ver ---------------------------------------------------------
async def _client(session: AsyncSession, value: str) -> Client:
    client = await directory.find_client(session, value)
    if client is None:
        raise UserError(T.CLIENT_NOT_FOUND.format(value=md(value[:80])))
    return client


async def assign_command(interaction: discord.Interaction[VentasOpsBot], cliente: str, kam: discord.Member, only: bool) -> None:
    bot = interaction.client
    actor = actor_of(interaction.user)
    async with bot.sessionmaker() as session:
        client = await _client(session, cliente)
        member = await directory.ensure_member(session, kam.id, kam.display_name, actor)
        now = bot.clock.now()
        added = await directory.assign(session, actor, client, member, now=now)
        ended = []
        if only:
            for other in await directory.current_kams(session, client.id):
                if other.id != member.id and await directory.unassign(session, actor, client, other, now=now):
                    ended.append(other.name)
        await session.commit()
    who, name = md(member.name), md(client.name)
    lines = [(T.ASSIGNED if added else T.ALREADY_ASSIGNED).format(kam=who, client=name)]
    if ended:
        lines.append(T.ENDED_OTHERS.format(names=", ".join(md(n) for n in ended)))
    if not permissions.has_role(kam, bot.settings.role_kam):
        lines.append(T.NOT_KAM_WARNING.format(kam=who))
    await send_ephemeral(interaction, "\n".join(lines))


async def unassign_command(interaction: discord.Interaction[VentasOpsBot], cliente: str, kam: discord.User | discord.Member) -> None:
    bot = interaction.client
    async with bot.sessionmaker() as session:
        client = await _client(session, cliente)
        member = await directory.get_member(session, kam.id)
        removed = member is not None and await directory.unassign(
            session, actor_of(interaction.user), client, member, now=bot.clock.now())
        await session.commit()
    who = md(member.name if member else getattr(kam, "display_name", kam.name))
    await send_ephemeral(interaction, (T.UNASSIGNED if removed else T.NOT_ASSIGNED).format(kam=who, client=md(client.name)))


def _join(names: list[str], limit: int = 40) -> str:
    if not names:
        return T.NOBODY
    shown = ", ".join(names[:limit])
    return shown + (" " + T.MORE.format(n=len(names) - limit) if len(names) > limit else "")


async def show_client_command(interaction: discord.Interaction[VentasOpsBot], cliente: str) -> None:
    bot = interaction.client
    async with bot.sessionmaker() as session:
        client = await _client(session, cliente)
        history = await directory.assignment_history(session, client.id)
        services = sorted(await directory.services_of(session, client.id))
    lines = [
        T.CLIENT_TITLE.format(client=md(client.name), id=client.id),
        T.CLIENT_IDS.format(nit=client.nit or T.NONE, hubspot=client.hubspot_company_id or T.NONE,
                            inactive="" if client.active else T.CLIENT_INACTIVE),
        T.CLIENT_KAMS.format(kams=_join([md(a.member.name) for a in history if a.ended_at is None])),
        T.CLIENT_SERVICES.format(services=_join([Service.label_of(s) for s in services])),
    ]
    if history:
        lines.append(T.CLIENT_HISTORY)
        tz = bot.settings.tz
        for a in history[-20:]:
            lines.append(T.HISTORY_LINE.format(
                kam=md(a.member.name), start=format_date(a.started_at.astimezone(tz).date()),
                end=format_date(a.ended_at.astimezone(tz).date()) if a.ended_at else T.HISTORY_OPEN,
                source=T.SOURCE_LABELS.get(a.source, a.source),
            ))
    await send_ephemeral(interaction, "\n".join(lines)[:2000])


# --- /admin miembros ver -----------------------------------------------------------------------------
async def show_members_command(interaction: discord.Interaction[VentasOpsBot], miembro: discord.User | discord.Member | None) -> None:
    bot = interaction.client
    async with bot.sessionmaker() as session:
        if miembro is None:
            overview = await directory.members_overview(session)
            clients: list[Client] = []
            member = None
        else:
            overview = []
            member = await directory.get_member(session, miembro.id)
            clients = await directory.clients_of(session, member.id) if member else []
    if miembro is None:
        if not overview:
            await send_ephemeral(interaction, T.MEMBERS_EMPTY)
            return
        lines = [T.MEMBERS_TITLE.format(n=len(overview))]
        for i, (m, n) in enumerate(overview):
            line = T.MEMBERS_LINE.format(name=md(m.name), role=JobRole.label_of(m.job_role), clients=count_of(n, *T.CLIENTS))
            if sum(len(x) + 1 for x in lines) + len(line) > 1900:
                lines.append(T.MORE.format(n=len(overview) - i))
                break
            lines.append(line)
        await send_ephemeral(interaction, "\n".join(lines))
        return
    if member is None:
        await send_ephemeral(interaction, T.MEMBER_NOT_FOUND.format(name=md(getattr(miembro, "display_name", miembro.name))))
        return
    lines = [
        T.MEMBER_TITLE.format(name=md(member.name), role=JobRole.label_of(member.job_role)),
        T.MEMBER_DETAILS.format(email=member.sense_email or T.NONE,
                                cedula=mask_cedula(member.cedula) if member.cedula else T.NONE,
                                owner=member.hubspot_owner_id or T.NONE),
        T.MEMBER_CLIENTS.format(n=len(clients), clients=_join([md(c.name) for c in clients])),
    ]
    await send_ephemeral(interaction, "\n".join(lines)[:2000])


# --- HubSpot sync (/admin clientes sincronizar and the daily job) -------------------------------------
def render_sync(res: directory_sync.SyncResult) -> str:
    """The sync's summary with its conflicts, at most 2,000 characters."""
    lines = [T.SYNC_DONE.format(
        companies=count_of(res.companies, *T.COMPANIES_READ), clients_new=res.clients_new, clients_linked=res.clients_linked,
        assignments_new=res.assignments_new, services_new=res.services_new, members_linked=res.members_linked,
    )]
    if res.conflicts:
        lines.append(T.SYNC_CONFLICTS.format(n=len(res.conflicts)))
        for c in res.conflicts[:15]:
            lines.append(T.SYNC_CONFLICT_LINE.format(client=md(c.client), local=", ".join(md(k) for k in c.local_kams),
                                                     hubspot=md(c.hubspot_kam))
                         if c.local_kams else T.SYNC_CONFLICT_LINKED.format(client=md(c.client)))
        if len(res.conflicts) > 15:
            lines.append(T.MORE.format(n=len(res.conflicts) - 15))
    if res.owners_without_member:
        lines.append(T.SYNC_OWNERS_MISSING.format(owners=_join([md(n) for n in res.owners_without_member.values()], 10)))
    if res.unknown_services:
        lines.append(T.SYNC_UNKNOWN_SERVICES.format(services=_join([md(s) for s in sorted(res.unknown_services)], 10)))
    return "\n".join(lines)[:2000]


async def run_sync(bot: VentasOpsBot, actor: Actor) -> directory_sync.SyncResult:
    """One sync in its own transaction (nothing is kept if HubSpot fails half-way)."""
    return await directory_sync.sync_once(bot.sessionmaker, bot.hubspot, actor, now=bot.clock.now())


async def sync_command(interaction: discord.Interaction[VentasOpsBot]) -> None:
    bot = interaction.client
    if bot.hubspot is None:
        raise UserError(T.SYNC_DISABLED)
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        res = await run_sync(bot, actor_of(interaction.user))
    except directory_sync.DirectoryBusy as exc:
        raise UserError(str(exc)) from None
    except HubSpotError as exc:
        log.warning("Directory sync from HubSpot failed: %s", exc)
        raise UserError(T.SYNC_FAILED.format(error=type(exc).__name__)) from None
    await send_ephemeral(interaction, render_sync(res))


def register(bot: VentasOpsBot) -> None:
    """The import buttons work after a restart (called when the admin cog loads)."""
    bot.add_dynamic_items(ImportButton)
