"""The panel inside the bot: uvicorn serving :func:`bot.web.app.create_app` as a task on the bot's event
loop (started in ``setup_hook`` when ``WEB_BASE_URL`` is set, stopped on close).

In the bot's process because the panel needs the bot twice: roles are read from the guild on every
request (the member cache the gateway keeps current, else one REST fetch), and a decision taken on the
web refreshes the Discord card (:mod:`bot.cards.deal`) and kicks the outbox that tells the KAM, as a button
does. Like the extensions, the panel calls services and cards, never an extension.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import uvicorn

from bot import permissions
from bot.web.app import create_app, settle_heap
from bot.web.context import ADMIN, AUDIT, COO, KAM, Identity, WebContext

log = logging.getLogger(__name__)

KEY_FILE = "web-session.key"


def session_key(data_dir: Path) -> str:
    """The key that signs session cookies: made once (random, 0600) in DATA_DIR, so sessions survive a
    restart and nobody has to configure a secret."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    return key


def identity_of(settings: Any, member: discord.Member) -> Identity:
    specs = {KAM: settings.role_kam, AUDIT: settings.role_audit, COO: settings.role_coo, ADMIN: settings.role_admin}
    roles = frozenset(r for r, spec in specs.items() if permissions.has_role(member, spec))
    return Identity(member.id, member.display_name, roles)


def bot_context(bot: Any) -> WebContext:
    """The panel's context on a running :class:`bot.app.VentasOpsBot`."""

    async def lookup(discord_id: int) -> Identity | None:
        guild = bot.guild
        if guild is None:
            return None
        member = guild.get_member(discord_id)
        if member is None:
            try:
                member = await guild.fetch_member(discord_id)
            except discord.NotFound:
                return None
            except discord.HTTPException as exc:
                log.warning("Could not read member %s for the panel: %s", discord_id, exc)
                return None
        return identity_of(bot.settings, member)

    async def decided(decision: Any, kind: str) -> None:
        # the step a button takes (bot.cards.deal.after_decision), registered by the deals extension:
        # the card(s) redrawn, then the outbox kicked for the KAM's DMs queued with the decision
        if bot.after_decision is not None:
            await bot.after_decision(decision)

    return WebContext(bot.settings, bot.sessionmaker, bot.clock, lookup, decided,
                      session_key(Path(bot.settings.data_dir)))


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """The bot owns SIGINT/SIGTERM (bot.runner): uvicorn must not take them over."""
        yield


class PanelServer:
    """uvicorn on the bot's loop; no access log of its own (the app logs paths, never tokens)."""

    def __init__(self, ctx: WebContext, host: str, port: int) -> None:
        self.config = uvicorn.Config(create_app(ctx), host=host, port=port, access_log=False, log_config=None,
                                     lifespan="off", proxy_headers=True, server_header=False)
        self.server = _Server(self.config)
        self.task: asyncio.Task[None] | None = None
        self.sock: socket.socket | None = None

    async def start(self) -> None:
        """Bind (an OSError here, e.g. the port in use, is the caller's) and serve in a task."""
        self.sock = socket.create_server((self.config.host, self.config.port))
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]), name="web-panel")
        while not self.server.started and not self.task.done():
            await asyncio.sleep(0.02)
        settle_heap()
        log.info("Web panel listening on %s:%s", self.config.host, self.sock.getsockname()[1])

    @property
    def port(self) -> int:
        assert self.sock is not None
        return int(self.sock.getsockname()[1])

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.task, timeout=5)
        except TimeoutError:
            self.task.cancel()
        except Exception as exc:  # noqa: BLE001 - stopping: log and go on
            log.warning("Web panel stopped with %s", exc)
        self.task = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
