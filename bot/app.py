"""The Discord bot: a ``commands.Bot`` subclass with injected settings, database and gateways."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeGuard

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import permissions
from bot.background import Foreground
from bot.blocking import run_blocking
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.domain.validation import strip_control
from bot.hubspot.queue import HubSpotQueue
from bot.interactions import ANYWHERE, new_reference, report_error, send_ephemeral
from bot.modals import ModalRouter
from bot.outbox_worker import OutboxWorker
from bot.scheduler import Job, Jobs, default_jobs
from bot.texts import general as T

log = logging.getLogger(__name__)

# one extension a feature folder of bot/exts (python-discord style): each module below has ``setup``
EXTENSIONS: tuple[str, ...] = (
    "bot.exts.general.help", "bot.exts.admin.admin", "bot.exts.deals.register", "bot.exts.referrals.leads",
    "bot.exts.renewals.intents", "bot.exts.requests.hubspot_access", "bot.exts.reports.statements",
    "bot.exts.questions.duda", "bot.exts.support.requests", "bot.exts.panel.panel",
)

# re-exported: callers written against ``bot.app`` keep working (the helpers live in bot.interactions)
__all__ = [
    "ANYWHERE", "EXTENSIONS", "VentasOpsBot", "new_reference", "report_error", "send_ephemeral", "ventas_interaction",
]


def _sanitize_options(options: list[dict[str, Any]]) -> None:
    """Drop control characters from every string option, in place, before anything parses them."""

    for opt in options:
        if isinstance(opt.get("value"), str):
            opt["value"] = strip_control(opt["value"])
        if opt.get("options"):
            _sanitize_options(opt["options"])


class VentasTree(app_commands.CommandTree["VentasOpsBot"]):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        # runs before discord.py builds the options namespace from interaction.data
        data: Mapping[str, Any] = interaction.data or {}  # a union of TypedDicts, one per interaction type
        _sanitize_options(data.get("options", []))
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        command = interaction.command
        if command is not None and command.extras.get(ANYWHERE):
            return True
        bot = self.client
        spec = bot.settings.sales_channel
        if interaction.guild is None:
            await send_ephemeral(interaction, T.GUILD_ONLY)
            return False
        if permissions.is_channel(interaction.channel, spec):
            return True
        channel = permissions.find_channel(interaction.guild, spec)
        text = (
            T.WRONG_CHANNEL.format(channel=channel.mention)
            if channel
            else T.WRONG_CHANNEL_UNKNOWN.format(name=spec)
        )
        await send_ephemeral(interaction, text)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await report_error(interaction, error)


def quiet_voice_warnings() -> None:
    """The bot has no voice: no «PyNaCl/davey is not installed» warnings on every start."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class VentasOpsBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        hubspot: Any = None,
        clock: Clock | None = None,
        extensions: tuple[str, ...] = EXTENSIONS,
        sync_commands: bool = True,
        run_jobs: bool = True,
        **client_options: Any,
    ) -> None:
        intents = discord.Intents.default()
        intents.members = True
        quiet_voice_warnings()
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=VentasTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **client_options,
        )
        self.settings = settings
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.hubspot = hubspot
        self.clock: Clock = clock or SystemClock()
        self.started_at = self.clock.now()
        self._extensions = extensions
        self._sync_commands = sync_commands
        self._run_jobs = run_jobs
        self.outbox = OutboxWorker(self)
        # work that waits for HubSpot (verification, lead contacts): the cogs register their sources
        # answers KAMs wait for (a burst of "registrado") go before the follow-up work (their cards)
        self.foreground = Foreground()
        self.hubspot_queue = HubSpotQueue(yield_to=self.foreground.wait_quiet)
        self.jobs: Jobs | None = None
        # what the extensions own, registered in their ``setup``: the bodies of scheduled jobs that
        # need Discord (by job name, see bot.scheduler.provided) and the re-post of their cards (by kind)
        self.job_bodies: dict[str, Job] = {}
        self.card_reposts: dict[str, Callable[..., Awaitable[Any]]] = {}
        self._startup_task: asyncio.Task[None] | None = None
        self._startup_sync: asyncio.Task[None] | None = None
        self.synced_commands: list[app_commands.AppCommand] = []
        self.modals = ModalRouter()  # persistent modals (bot.ui.PersistentModal), registered by the cogs
        # the step after a committed decision (card redrawn, outbox kicked), registered by the deals
        # extension so that the web panel, which decides through the same service, takes it too
        self.after_decision: Callable[[Any], Awaitable[None]] | None = None
        self.web: Any = None  # the web panel (bot.web.server.PanelServer), when WEB_BASE_URL is set

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """An event handler that failed because the bot is shutting down (e.g. the start-up server check
        failed while ``on_ready`` work was under way) is one line, not a traceback."""
        exc = sys.exc_info()[1]
        if self.is_closed():
            log.warning("%s stopped: the bot is closing (%s: %s)", event_method, type(exc).__name__, exc)
            return
        await super().on_error(event_method, *args, **kwargs)

    async def setup_hook(self) -> None:
        for ext in self._extensions:
            await self.load_extension(ext)
        if self._sync_commands:
            guild = discord.Object(id=self.settings.discord_guild_id)
            self.tree.copy_global_to(guild=guild)
            self.synced_commands = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to guild %s", len(self.synced_commands), guild.id)
        self.outbox.start()
        if self.settings.web_base_url:
            # imported only when the panel is on: Starlette, Jinja2 and uvicorn stay out of a bot without it
            from bot.web.server import PanelServer, bot_context

            self.web = PanelServer(bot_context(self), self.settings.web_host, self.settings.web_port)
            await self.web.start()
        if self.hubspot is not None:
            self.hubspot_queue.start(self.wait_until_ready)
        if self._run_jobs:
            self.jobs = default_jobs(self)
            self.jobs.start()
            self._startup_task = asyncio.create_task(self._startup_catch_up(), name="startup-catch-up")

    async def _startup_catch_up(self) -> None:
        """Run what was missed while the bot was down (each job is idempotent)."""
        await self.wait_until_ready()
        assert self.jobs is not None
        # the directory sync pages through every HubSpot company: its own task, so a slow HubSpot
        # never delays the catch-up of the export, backups and reminders
        self._startup_sync = asyncio.create_task(self.jobs.run_now("directorio"), name="startup-directory-sync")
        for name in ("exportacion", "respaldo", "referidos", "renovaciones", "aprobaciones", "reporte-mensual", "dudas"):
            await self.jobs.run_now(name)
        self.outbox.kick()
        # matplotlib's first draw costs seconds of CPU; paid now, after the catch-up, so the first
        # export does not pay it — and not at login, where its thread slowed the first burst of
        # interactions from ~40 ms to ~300 ms (bench/interactions.py, cold phase).
        from bot.services.summary import warm_up_charts

        await run_blocking(warm_up_charts)

    async def close(self) -> None:
        for task in (self._startup_task, self._startup_sync):
            if task is not None and not task.done():
                task.cancel()
        if self.jobs is not None:
            self.jobs.shutdown()
        if self.web is not None:
            await self.web.stop()
        await self.outbox.stop()
        await self.hubspot_queue.stop()
        await super().close()
        if self.hubspot is not None:
            await self.hubspot.aclose()  # its threads: calls not started are dropped

    async def on_ready(self) -> None:
        log.info("Connected as %s (%s)", self.user, self.user.id if self.user else "?")

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions go to the persistent modal router (see :mod:`bot.modals`). One that no
        modal claims (a form of an older version) gets a Spanish answer instead of Discord's
        «Esta interacción falló», unless something else answered it meanwhile."""
        if interaction.type is not discord.InteractionType.modal_submit or self.modals.dispatch(interaction):
            return
        data: Mapping[str, Any] = interaction.data or {}
        log.info("Modal submission with unknown custom_id %r", data.get("custom_id"))
        await asyncio.sleep(1.0)
        if not interaction.response.is_done():
            try:
                await send_ephemeral(interaction, T.FORM_UNKNOWN)
            except discord.HTTPException:
                log.warning("Could not answer the unknown modal submission %s", interaction.id)

    # Helpers shared by cogs ---------------------------------------------------------
    @property
    def guild(self) -> discord.Guild | None:
        return self.get_guild(self.settings.discord_guild_id)

    def sales_channel(self) -> discord.TextChannel | None:
        guild = self.guild
        return permissions.find_channel(guild, self.settings.sales_channel) if guild else None


def _is_ventas(interaction: discord.Interaction) -> TypeGuard[discord.Interaction[VentasOpsBot]]:
    return isinstance(interaction.client, VentasOpsBot)


def ventas_interaction(interaction: discord.Interaction) -> discord.Interaction[VentasOpsBot]:
    """``interaction`` typed with this bot as its client. discord.py hands clicks and modal submissions to
    methods typed for any client (``Interaction[Client]``); every interaction this process receives is
    this bot's, and this checks it instead of assuming it."""
    if not _is_ventas(interaction):
        raise TypeError(f"interaction {interaction.id} belongs to {type(interaction.client).__name__}, not VentasOpsBot")
    return interaction
