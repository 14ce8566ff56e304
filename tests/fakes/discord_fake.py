"""A loopback fake of Discord's HTTP API and gateway that an unmodified discord.py client logs into,
plus a driver for tests (act as users: slash commands, autocomplete, buttons, modals; read what
the bot posted, answered and DM'd; inject faults).

Shapes follow Discord's OpenAPI spec (``../shared/discord-openapi/openapi.json``) and the gateway
docs. REST lives under ``/api/v10``; the gateway at ``/gateway`` (plain JSON text frames, which
discord.py accepts without decompression); attachments at ``/attachments/{id}/{filename}``.

Discord's refusals the bot could trip on are reproduced: a first callback after 3 s (10062), a
second callback (40060), injected 429s (with ``Via`` and ``retry_after``, as discord.py expects) and
500s. Every request body (JSON, or the ``payload_json`` part of a multipart upload) is checked
against Discord's OpenAPI spec plus the limits it leaves loose (:mod:`tests.fakes.discord_spec`) and
refused with 400 / 50035 "Invalid Form Body" naming the field, as Discord does; the refusals are
kept in :attr:`DiscordFake.spec_refusals` (the e2e harness fails a test that caused any).

Nonces: a message created with ``nonce`` and ``enforce_nonce`` is returned again, instead of a new
one, for the same author and nonce "in the past few minutes" (``nonce_window`` seconds of the fake's
own clock, which tests move with ``advance_clock``).
Closed DMs answer 50007, and a channel where the bot lost Send Messages 50013
(:meth:`DiscordFake.revoke_bot_permission`).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import itertools
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_spec

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1420070400000
GUILD_ID = 900000000000000001
BOT_ID = 900000000000000002
APP_ID = BOT_ID
OWNER_ID = 900000000000000003
DEFAULT_CHANNELS = ("dudas-ventas-ops", "general")
DEFAULT_ROLES = ("KAM", "Aprobador HubSpot", "COO", "Renovaciones", "Auditoría", "Perfilador", "Admin ventas-ops")
ALL_PERMS = str((1 << 50) - 1)
ADMINISTRATOR = 1 << 3
SEND_MESSAGES = 1 << 11
EPHEMERAL = 64
LOADING = 128


def _iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), tz=UTC).isoformat()


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    h = {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": str(time.time() + 1),
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": "fakebucket",
    }
    h.update(headers or {})
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json", headers=h)


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _json(body, status)


def mentions_safe(message: dict[str, Any]) -> bool:
    """True when the message was sent so that it can ping nobody."""
    am = message.get("_allowed_mentions")
    if am is None:
        return False
    return not am.get("parse") and not am.get("roles") and not am.get("users") and not am.get("replied_user")


def pings_only(message: dict[str, Any], user_id: int) -> bool:
    """True when the message can ping ``user_id`` and nobody else."""
    am = message.get("_allowed_mentions") or {}
    return (not am.get("parse") and not am.get("roles") and not am.get("replied_user")
            and [int(u) for u in am.get("users") or []] == [user_id])


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float


@dataclass
class SpecRefusal:
    """A request body the fake refused as Discord would (400 / 50035)."""

    method: str
    path: str
    body: Any
    problems: list[str]


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    dispatched_at: float
    payload: dict[str, Any]
    message_id: int | None = None  # the component's message
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    latency: float | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    webhook_edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH …/messages/{id} payloads
    ephemeral: bool = False
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    responded: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class InteractionHandle:
    """What a test holds after sending an interaction."""

    def __init__(self, fake: DiscordFake, rec: InteractionRecord) -> None:
        self.fake = fake
        self.rec = rec

    @property
    def id(self) -> int:
        return self.rec.id

    @property
    def latency(self) -> float | None:
        return self.rec.latency

    @property
    def ephemeral(self) -> bool:
        return self.rec.ephemeral

    @property
    def followups(self) -> list[dict[str, Any]]:
        return self.rec.followups

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.rec.modal

    async def response(self, timeout: float = 5.0) -> dict[str, Any]:
        """The first (accepted) callback: ``{"type": …, "data": …}``."""
        await asyncio.wait_for(self.rec.responded.wait(), timeout)
        return {"type": self.rec.response_type, "data": self.rec.response_data or {}}

    async def wait_final(self, timeout: float = 10.0) -> dict[str, Any]:
        """The visible answer: the callback message, or after a deferral the edited original /
        the first follow-up. For component updates (type 7/6) the edited message."""
        deadline = asyncio.get_running_loop().time() + timeout
        await self.response(timeout)
        while True:
            msg = self._final()
            if msg is not None:
                return msg
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"interaction {self.rec.id} has no final message (type {self.rec.response_type})")
            self.rec.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.rec.changed.wait(), left)

    def _final(self) -> dict[str, Any] | None:
        t = self.rec.response_type
        if t == 4:
            return self.rec.original
        if t == 5:
            if self.rec.original is not None and not (self.rec.original.get("flags", 0) & LOADING):
                return self.rec.original
            return self.rec.followups[0] if self.rec.followups else None
        if t == 7:
            return self.fake.messages_by_id.get(self.rec.message_id or 0)
        if t == 6:
            if self.rec.followups:
                return self.rec.followups[0]
            msg = self.fake.messages_by_id.get(self.rec.message_id or 0)
            return msg if msg is not None and msg.get("edited_timestamp") else None
        if t == 8:
            return {"choices": self.rec.choices or []}
        if t == 9:
            return self.rec.modal
        return None

    async def text(self, timeout: float = 10.0) -> str:
        """Content plus embed titles, descriptions and fields, for assertions."""
        return message_text(await self.wait_final(timeout))


def message_text(msg: dict[str, Any] | None) -> str:
    if not msg:
        return ""
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds", []) or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        for f in e.get("fields", []) or []:
            parts += [f.get("name") or "", f.get("value") or ""]
        if e.get("footer"):
            parts.append(e["footer"].get("text") or "")
    return "\n".join(p for p in parts if p)


def buttons(msg: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for c in items:
            if c.get("type") == 2:
                out.append(c)
            for key in ("components",):
                if c.get(key):
                    walk(c[key])
            if c.get("accessory"):
                walk([c["accessory"]])

    walk(msg.get("components", []) or [])
    return out


_PARSED_BODY = web.RequestKey("parsed_body", tuple)


async def _parse_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes, str]]]:
    files: list[tuple[str, bytes, str]] = []
    raw = await request.read()
    if request.content_type.startswith("multipart/"):
        head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        payload: Any = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if name == "payload_json":
                payload = json.loads(data.decode("utf-8"))
            elif name and str(name).startswith("files"):
                files.append((part.get_filename() or "file", bytes(data),
                              part.get_content_type() or "application/octet-stream"))
        return payload, files
    if raw:
        return json.loads(raw.decode("utf-8")), files
    return {}, files


class DiscordFake:
    def __init__(
        self,
        *,
        guild_id: int = GUILD_ID,
        channels: tuple[str, ...] = DEFAULT_CHANNELS,
        roles: tuple[str, ...] = DEFAULT_ROLES,
        token: str = "fake-token",
        interaction_timeout: float = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
        nonce_window: float = 180.0,
    ) -> None:
        self.guild_id = guild_id
        self.token = token
        self.interaction_timeout = interaction_timeout
        self.token_lifetime = 15 * 60.0  # Discord: an interaction token is valid for 15 minutes
        self.host, self.port = host, port
        self._counter = itertools.count(1)
        self.users: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[str, Any]] = {}
        self.roles: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> channel id
        self.closed_dms: set[int] = set()  # users who do not accept DMs from the bot (50007)
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.messages_by_id: dict[int, dict[str, Any]] = {}
        self.attachments: dict[int, tuple[bytes, str, str]] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}
        self.guild_commands: list[dict[str, Any]] = []
        self.global_commands: list[dict[str, Any]] = []
        self.command_syncs = 0
        self.faults: list[Fault] = []
        self.nonce_window = nonce_window
        self.clock_offset = 0.0  # seconds added to the real clock (advance_clock)
        self.nonces: dict[tuple[str, str], tuple[float, int]] = {}  # (author, nonce) -> (created at, message id)
        self.nonce_replays = 0  # posts answered with the message created before for the same nonce
        self.request_log: list[tuple[str, str, float, int]] = []
        self.unhandled: list[tuple[str, str]] = []
        self.spec_refusals: list[SpecRefusal] = []
        self.identifies = 0
        self.resumes = 0
        self._ws: web.WebSocketResponse | None = None
        self._session_id: str | None = None
        self._seq = 0
        self._events: list[dict[str, Any]] = []
        self._ready = asyncio.Event()
        self._message_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

        self.bot_user = self._user(BOT_ID, "ventas-ops", bot=True)
        everyone = {"id": str(guild_id), "name": "@everyone", "permissions": "1071698660929", "position": 0}
        self.roles[guild_id] = self._role_dict(everyone)
        for i, name in enumerate(roles, start=1):
            self.add_role(name, position=i)
        bot_role = self.add_role("ventas-ops", position=len(roles) + 1, permissions=ALL_PERMS)
        for i, name in enumerate(channels):
            cid = self._snowflake()
            self.channels[cid] = {
                "id": str(cid), "type": 0, "guild_id": str(guild_id), "name": name, "position": i,
                "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
            }
            self.messages[cid] = []
        self.members[BOT_ID] = self._member_dict(BOT_ID, [bot_role])

    # ---- ids and shapes -----------------------------------------------------------------------
    def _snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) % (1 << 22))

    def _user(self, uid: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        u = {"id": str(uid), "username": name, "global_name": name, "discriminator": "0", "avatar": None,
             "bot": bot, "public_flags": 0, "flags": 0}
        self.users[uid] = u
        return u

    def _role_dict(self, r: dict[str, Any]) -> dict[str, Any]:
        base = {"color": 0, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False, "icon": None, "unicode_emoji": None, "managed": False, "mentionable": False,
                "flags": 0, "permissions": "0"}
        base.update(r)
        return base

    def _member_dict(self, uid: int, role_ids: list[int]) -> dict[str, Any]:
        return {"user": self.users[uid], "nick": None, "avatar": None, "roles": [str(r) for r in role_ids],
                "joined_at": _iso(), "premium_since": None, "deaf": False, "mute": False, "pending": False,
                "flags": 0, "communication_disabled_until": None}

    def channel_id(self, name_or_id: str | int) -> int:
        if isinstance(name_or_id, int):
            return name_or_id
        for cid, ch in self.channels.items():
            if ch.get("name") == name_or_id.lstrip("#"):
                return cid
        raise KeyError(f"no channel {name_or_id!r}")

    def role_id(self, name_or_id: str | int) -> int:
        if isinstance(name_or_id, int):
            return name_or_id
        for rid, r in self.roles.items():
            if r["name"] == name_or_id:
                return rid
        raise KeyError(f"no role {name_or_id!r}")

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id), "name": "Sense Digital", "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": str(OWNER_ID), "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "roles": list(self.roles.values()),
            "emojis": [], "features": [], "mfa_level": 0, "application_id": None, "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None, "max_members": 500000, "vanity_url_code": None,
            "description": None, "banner": None, "premium_tier": 0, "premium_subscription_count": 0,
            "preferred_locale": "es-ES", "public_updates_channel_id": None, "nsfw_level": 0, "stickers": [],
            "premium_progress_bar_enabled": False, "joined_at": _iso(), "large": False, "unavailable": False,
            "member_count": len(self.members), "voice_states": [], "members": list(self.members.values()),
            "channels": [c for c in self.channels.values() if c["type"] == 0], "threads": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        }

    # ---- driver: setup ------------------------------------------------------------------------
    def add_role(self, name: str, *, position: int | None = None, permissions: str = "0") -> int:
        rid = self._snowflake()
        self.roles[rid] = self._role_dict(
            {"id": str(rid), "name": name, "position": position or len(self.roles), "permissions": permissions}
        )
        return rid

    async def add_member(self, name: str, roles: list[str | int] | tuple[str | int, ...] = (), *, user_id: int | None = None) -> int:
        uid = user_id or self._snowflake()
        self._user(uid, name)
        self.members[uid] = self._member_dict(uid, [self.role_id(r) for r in roles])
        if self._ready.is_set():
            await self.dispatch("GUILD_MEMBER_ADD", {**self.members[uid], "guild_id": str(self.guild_id)})
        return uid

    async def set_roles(self, user_id: int, roles: list[str | int]) -> None:
        self.members[user_id]["roles"] = [str(self.role_id(r)) for r in roles]
        await self._member_update(user_id)

    def member_roles(self, user_id: int) -> list[str]:
        return [self.roles[int(r)]["name"] for r in self.members[user_id]["roles"]]

    async def _member_update(self, uid: int) -> None:
        if self._ready.is_set():
            await self.dispatch("GUILD_MEMBER_UPDATE", {**self.members[uid], "guild_id": str(self.guild_id)})

    # ---- driver: faults -----------------------------------------------------------------------
    def fail_next(self, method: str, path_regex: str, status: int = 429, times: int = 1, retry_after: float = 0.3) -> None:
        self.faults.append(Fault(method.upper(), re.compile(path_regex), status, times, retry_after))

    def now(self) -> float:
        """The fake's clock (the nonce window): the real one moved by ``advance_clock``."""
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        self.clock_offset += seconds

    async def revoke_bot_permission(self, channel: str | int, bit: int = SEND_MESSAGES) -> None:
        """Take a permission from the bot in one channel, as an admin editing the channel would: the
        bot's role loses Administrator and a member overwrite denies ``bit``. Discord then refuses
        the bot's posts there with 403 / 50013 Missing Permissions."""
        cid = self.channel_id(channel)
        bot_role = next(int(r) for r in self.members[BOT_ID]["roles"])
        role = self.roles[bot_role]
        role["permissions"] = str(int(role["permissions"]) & ~ADMINISTRATOR)
        ch = self.channels[cid]
        ch["permission_overwrites"] = [o for o in ch["permission_overwrites"] if o["id"] != str(BOT_ID)]
        ch["permission_overwrites"].append({"id": str(BOT_ID), "type": 1, "allow": "0", "deny": str(bit)})
        await self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(self.guild_id), "role": role})
        await self.dispatch("CHANNEL_UPDATE", ch)

    async def grant_bot_permission(self, channel: str | int) -> None:
        """Undo :meth:`revoke_bot_permission` in one channel (the bot's role stays without Administrator)."""
        ch = self.channels[self.channel_id(channel)]
        ch["permission_overwrites"] = [o for o in ch["permission_overwrites"] if o["id"] != str(BOT_ID)]
        await self.dispatch("CHANNEL_UPDATE", ch)

    def _bot_denied(self, cid: int, bit: int) -> bool:
        bot_roles = [self.roles[int(r)] for r in self.members[BOT_ID]["roles"]]
        if any(int(r["permissions"]) & ADMINISTRATOR for r in bot_roles):
            return False
        overwrites = self.channels[cid].get("permission_overwrites") or []
        return any(o["id"] == str(BOT_ID) and int(o["deny"]) & bit for o in overwrites)

    async def drop_gateway(self) -> None:
        """Close the bot's websocket as a network hiccup would (code 4000: reconnect and resume)."""
        if self._ws is not None and not self._ws.closed:
            await self._ws.close(code=4000, message=b"dropped by test")

    # ---- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> str:
        discord_spec.spec()  # compiled once per process, before the first request can time out on it
        app = web.Application(middlewares=[self._middleware, self._spec_middleware], client_max_size=64 * 1024 * 1024)
        r = app.router
        api = "/api/v{v:\\d+}"
        r.add_get("/gateway", self._gateway_ws)
        r.add_get("/attachments/{aid}/{filename}", self._attachment)
        r.add_get(api + "/users/@me", self._const(lambda: _json(self.bot_user)))
        r.add_get(api + "/users/{uid}", self._get_user)
        r.add_get(api + "/oauth2/applications/@me", self._app_info)
        r.add_get(api + "/applications/@me", self._app_info)
        r.add_get(api + "/gateway", self._const(lambda: _json({"url": f"ws://{self.host}:{self.port}/gateway"})))
        r.add_get(api + "/gateway/bot", self._gateway_bot)
        r.add_get(api + "/applications/{app}/commands", self._const(lambda: _json(self.global_commands)))
        r.add_put(api + "/applications/{app}/commands", self._put_commands)
        r.add_get(api + "/applications/{app}/guilds/{gid}/commands", self._const(lambda: _json(self.guild_commands)))
        r.add_put(api + "/applications/{app}/guilds/{gid}/commands", self._put_commands)
        r.add_get(api + "/channels/{cid}", self._get_channel)
        r.add_get(api + "/channels/{cid}/messages", self._list_messages)
        r.add_post(api + "/channels/{cid}/messages", self._create_message)
        r.add_get(api + "/channels/{cid}/messages/{mid}", self._get_message)
        r.add_patch(api + "/channels/{cid}/messages/{mid}", self._edit_message)
        r.add_delete(api + "/channels/{cid}/messages/{mid}", self._delete_message)
        r.add_post(api + "/users/@me/channels", self._create_dm)
        r.add_get(api + "/guilds/{gid}", self._const(lambda: _json(self.guild_payload())))
        r.add_get(api + "/guilds/{gid}/roles", self._const(lambda: _json(list(self.roles.values()))))
        r.add_get(api + "/guilds/{gid}/channels", self._const(lambda: _json(list(self.channels.values()))))
        r.add_get(api + "/guilds/{gid}/members", self._const(lambda: _json(list(self.members.values()))))
        r.add_get(api + "/guilds/{gid}/members/{uid}", self._get_member)
        r.add_put(api + "/guilds/{gid}/members/{uid}/roles/{rid}", self._add_role)
        r.add_delete(api + "/guilds/{gid}/members/{uid}/roles/{rid}", self._remove_role)
        r.add_post(api + "/interactions/{iid}/{token}/callback", self._callback)
        r.add_post(api + "/webhooks/{app}/{token}", self._followup)
        r.add_get(api + "/webhooks/{app}/{token}/messages/{mid}", self._webhook_get)
        r.add_patch(api + "/webhooks/{app}/{token}/messages/{mid}", self._webhook_edit)
        r.add_delete(api + "/webhooks/{app}/{token}/messages/{mid}", self._webhook_delete)
        r.add_route("*", "/{tail:.*}", self._unhandled)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{self.host}:{self.port}"
        return self.rest_base

    @property
    def rest_base(self) -> str:
        return f"{self.base_url}/api/v10"

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_until_ready(self, timeout: float = 10.0) -> bool:
        await asyncio.wait_for(self._ready.wait(), timeout)
        return True

    def commands(self, guild: bool = True) -> list[dict[str, Any]]:
        return self.guild_commands if guild else self.global_commands

    @staticmethod
    def _const(make: Callable[[], web.Response]) -> Callable[[web.Request], Any]:
        async def handler(_request: web.Request) -> web.Response:
            return make()

        return handler

    # ---- middleware: logging, auth, faults ------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        path = request.path
        now = time.time()
        if path.startswith("/api/"):
            rel = re.sub(r"^/api/v\d+", "", path)
            for f in self.faults:
                if f.times > 0 and f.method in (request.method, "*") and f.pattern.search(rel):
                    f.times -= 1
                    self.request_log.append((request.method, rel, now, f.status))
                    if f.status == 429:
                        return _json(
                            {"message": "You are being rate limited.", "retry_after": f.retry_after, "global": False},
                            429,
                            {"Via": "1.1 google", "Retry-After": str(max(1, int(f.retry_after))),
                             "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{f.retry_after:.3f}",
                             "X-RateLimit-Scope": "user"},
                        )
                    return _json({"message": "500: Internal Server Error", "code": 0}, f.status)
            needs_auth = not rel.startswith(("/interactions/", "/webhooks/"))
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                self.request_log.append((request.method, rel, now, 401))
                return _error(401, 0, "401: Unauthorized")
            gid = request.match_info.get("gid")
            if gid is not None and gid != str(self.guild_id):  # a server the bot is not in
                self.request_log.append((request.method, rel, now, 403))
                return _error(403, 50001, "Missing Access")
            resp = await handler(request)
            self.request_log.append((request.method, rel, now, resp.status))
            return resp
        return await handler(request)

    async def _unhandled(self, request: web.Request) -> web.Response:
        self.unhandled.append((request.method, request.path))
        log.warning("Discord fake: unhandled %s %s", request.method, request.path)
        return _error(404, 0, "404: Not Found")

    # ---- gateway ------------------------------------------------------------------------------
    async def _gateway_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif op == 2:
                await self._identify(ws, data["d"])
            elif op == 6:
                await self._resume(ws, data["d"])
            elif op == 8:
                await self._send(ws, "GUILD_MEMBERS_CHUNK", {
                    "guild_id": str(self.guild_id), "members": list(self.members.values()),
                    "chunk_index": 0, "chunk_count": 1, "nonce": data["d"].get("nonce"),
                })
        if self._ws is ws:
            self._ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") not in (self.token, f"Bot {self.token}"):
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identifies += 1
        self._session_id = f"session-{self._snowflake()}"
        self._seq = 0
        self._events = []
        await self._send(ws, "READY", {
            "v": 10, "user": self.bot_user, "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": self._session_id, "resume_gateway_url": f"ws://{self.host}:{self.port}/gateway",
            "shard": [0, 1], "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [],
            "relationships": [], "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
            "user_settings": {},
        })
        await self._send(ws, "GUILD_CREATE", self.guild_payload())
        self._ready.set()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("session_id") != self._session_id:
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        self.resumes += 1
        missed = [e for e in self._events if e["s"] > (d.get("seq") or 0)]
        for e in missed:
            await ws.send_str(json.dumps(e))
        await self._send(ws, "RESUMED", {})

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        payload = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._events.append(payload)
        if len(self._events) > 1000:
            self._events = self._events[-500:]
        if not ws.closed:
            await ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the connected bot (kept for replay on RESUME if not connected)."""
        ws = self._ws
        if ws is None or ws.closed:
            self._seq += 1
            self._events.append({"op": 0, "t": event, "s": self._seq, "d": data})
            return
        await self._send(ws, event, data)

    # ---- REST: users, app, commands -----------------------------------------------------------------
    async def _get_user(self, request: web.Request) -> web.Response:
        u = self.users.get(int(request.match_info["uid"]))
        return _json(u) if u else _error(404, 10013, "Unknown User")

    async def _app_info(self, _request: web.Request) -> web.Response:
        owner = self.users.get(OWNER_ID) or self._user(OWNER_ID, "owner")
        return _json({
            "id": str(APP_ID), "name": "ventas-ops", "icon": None, "description": "", "rpc_origins": [],
            "bot_public": False, "bot_require_code_grant": False, "owner": owner, "summary": "",
            "verify_key": "0" * 64, "team": None, "flags": 0, "interactions_endpoint_url": None,
            "bot": self.bot_user, "approximate_guild_count": 1,
        })

    async def _gateway_bot(self, _request: web.Request) -> web.Response:
        return _json({"url": f"ws://{self.host}:{self.port}/gateway", "shards": 1,
                      "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})

    async def _put_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        guild_id = request.match_info.get("gid")
        out = []
        for c in body:
            existing = next((x for x in (self.guild_commands if guild_id else self.global_commands)
                             if x["name"] == c["name"] and x.get("type", 1) == c.get("type", 1)), None)
            cmd = {"id": existing["id"] if existing else str(self._snowflake()), "application_id": str(APP_ID),
                   "version": str(self._snowflake()), "type": c.get("type", 1), "description": c.get("description", ""),
                   "options": c.get("options", []), "default_member_permissions": c.get("default_member_permissions"),
                   "nsfw": c.get("nsfw", False), "contexts": c.get("contexts"), "integration_types": c.get("integration_types", [0]),
                   "name_localizations": c.get("name_localizations"), "description_localizations": c.get("description_localizations")}
            cmd.update({k: v for k, v in c.items() if k not in cmd})
            cmd["name"] = c["name"]
            if guild_id:
                cmd["guild_id"] = guild_id
            out.append(cmd)
        if guild_id:
            self.guild_commands = out
        else:
            self.global_commands = out
        self.command_syncs += 1
        return _json(out)

    # ---- REST: channels and messages -------------------------------------------------------------
    async def _get_channel(self, request: web.Request) -> web.Response:
        ch = self.channels.get(int(request.match_info["cid"]))
        return _json(ch) if ch else _error(404, 10003, "Unknown Channel")

    async def _read_body(self, request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes, str]]]:
        """The JSON body (or a multipart upload's ``payload_json``) and its files; parsed once per
        request (the spec middleware reads it first)."""
        if _PARSED_BODY not in request:
            request[_PARSED_BODY] = await _parse_body(request)
        return request[_PARSED_BODY]

    def _attachment_dicts(self, payload: dict[str, Any], files: list[tuple[str, bytes, str]],
                          keep: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        out = list(keep or [])
        for filename, data, ctype in files:
            aid = self._snowflake()
            self.attachments[aid] = (data, ctype, filename)
            url = f"{self.base_url}/attachments/{aid}/{filename}"
            out.append({"id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                        "content_type": ctype})
        return out

    def _new_message(self, channel_id: int, payload: dict[str, Any], files: list[tuple[str, bytes, str]], *,
                     author: dict[str, Any] | None = None, flags: int = 0, store: bool = True,
                     interaction: InteractionRecord | None = None) -> dict[str, Any]:
        mid = self._snowflake()
        ch = self.channels.get(channel_id, {})
        msg: dict[str, Any] = {
            "id": str(mid), "channel_id": str(channel_id), "author": author or self.bot_user,
            "content": payload.get("content") or "", "timestamp": _iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "mention_channels": [],
            "attachments": self._attachment_dicts(payload, files), "embeds": payload.get("embeds") or [],
            "reactions": [], "pinned": False, "type": 0 if interaction is None or interaction.type != 2 else 20,
            "flags": flags | int(payload.get("flags") or 0), "components": payload.get("components") or [],
            "_allowed_mentions": payload.get("allowed_mentions"),
        }
        if ch.get("guild_id"):
            msg["guild_id"] = ch["guild_id"]
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        ref = payload.get("message_reference")
        if ref and int(ref.get("message_id") or 0) in self.messages_by_id:
            msg["type"] = 19  # REPLY
            msg["message_reference"] = {"type": 0, "message_id": str(ref["message_id"]),
                                        "channel_id": str(ref.get("channel_id") or channel_id),
                                        **({"guild_id": ch["guild_id"]} if ch.get("guild_id") else {})}
        if interaction is not None:
            msg["interaction_metadata"] = {"id": str(interaction.id), "type": interaction.type,
                                           "user": self.users[interaction.user_id],
                                           "authorizing_integration_owners": {}}
            msg["webhook_id"] = str(APP_ID)
            msg["application_id"] = str(APP_ID)
        self.messages_by_id[mid] = msg
        if store:
            self.messages.setdefault(channel_id, []).append(msg)
            self._message_event.set()
        return msg

    async def _create_message(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["cid"])
        if cid not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        payload, files = await self._read_body(request)
        if not payload.get("content") and not payload.get("embeds") and not files and not payload.get("components"):
            return _error(400, 50006, "Cannot send an empty message")
        if self.channels[cid].get("type") == 1 and any(self.dm_channels.get(u) == cid for u in self.closed_dms):
            return _error(403, 50007, "Cannot send messages to this user")
        if self.channels[cid].get("type") == 0 and self._bot_denied(cid, SEND_MESSAGES):
            return _error(403, 50013, "Missing Permissions")
        nonce = payload.get("nonce")
        if isinstance(nonce, str) and len(nonce) > 25:
            return _error(400, 50035, "Invalid Form Body", {"nonce": {"_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}]}})
        ref = payload.get("message_reference") or {}
        if ref and int(ref.get("message_id") or 0) not in self.messages_by_id and ref.get("fail_if_not_exists") is not False:
            # a reply to a deleted message: refused, unless the sender said to post it without the reference
            return _error(400, 50035, "Invalid Form Body", {"message_reference": {"_errors": [
                {"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]}})
        key = (str(BOT_ID), str(nonce))
        if payload.get("enforce_nonce") and nonce is not None and key in self.nonces:
            created, mid = self.nonces[key]
            if self.now() - created < self.nonce_window and mid in self.messages_by_id:
                self.nonce_replays += 1
                return _json(self.messages_by_id[mid])
        msg = self._new_message(cid, payload, files)
        if nonce is not None:
            self.nonces[key] = (self.now(), int(msg["id"]))
        return _json(msg)

    async def _list_messages(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["cid"])
        limit = int(request.query.get("limit", 50))
        msgs = list(reversed(self.messages.get(cid, [])))
        if "before" in request.query:
            msgs = [m for m in msgs if int(m["id"]) < int(request.query["before"])]
        if "after" in request.query:
            msgs = [m for m in msgs if int(m["id"]) > int(request.query["after"])]
        return _json(msgs[:limit])

    async def _get_message(self, request: web.Request) -> web.Response:
        m = self.messages_by_id.get(int(request.match_info["mid"]))
        return _json(m) if m else _error(404, 10008, "Unknown Message")

    def _apply_edit(self, msg: dict[str, Any], payload: dict[str, Any], files: list[tuple[str, bytes, str]]) -> None:
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
        if "flags" in payload and payload["flags"] is not None:
            msg["flags"] = int(payload["flags"]) | (msg.get("flags", 0) & EPHEMERAL)
        if "attachments" in payload or files:
            keep_ids = {str(a.get("id")) for a in payload.get("attachments", []) or []}
            keep = [a for a in msg.get("attachments", []) if a["id"] in keep_ids] if "attachments" in payload else msg.get("attachments", [])
            msg["attachments"] = self._attachment_dicts(payload, files, keep)
        if "allowed_mentions" in payload:
            msg["_allowed_mentions"] = payload["allowed_mentions"]
        elif payload.get("content"):
            msg["_allowed_mentions"] = None  # Discord parses new content with the defaults: it may ping
        msg["flags"] = msg.get("flags", 0) & ~LOADING
        msg["edited_timestamp"] = _iso()

    async def _edit_message(self, request: web.Request) -> web.Response:
        m = self.messages_by_id.get(int(request.match_info["mid"]))
        if m is None:
            return _error(404, 10008, "Unknown Message")
        payload, files = await self._read_body(request)
        self._apply_edit(m, payload, files)
        self._touch_interactions_for(int(m["id"]))
        return _json(m)

    async def _delete_message(self, request: web.Request) -> web.Response:
        mid = int(request.match_info["mid"])
        m = self.messages_by_id.pop(mid, None)
        if m is None:
            return _error(404, 10008, "Unknown Message")
        lst = self.messages.get(int(m["channel_id"]), [])
        if m in lst:
            lst.remove(m)
        return web.Response(status=204)

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        uid = int(body["recipient_id"])
        if uid not in self.users:
            return _error(404, 10013, "Unknown User")
        cid = self.dm_channels.get(uid)
        if cid is None:
            cid = self._snowflake()
            self.dm_channels[uid] = cid
            self.channels[cid] = {"id": str(cid), "type": 1, "recipients": [self.users[uid]], "last_message_id": None,
                                  "flags": 0}
            self.messages[cid] = []
        return _json(self.channels[cid])

    async def _get_member(self, request: web.Request) -> web.Response:
        m = self.members.get(int(request.match_info["uid"]))
        return _json(m) if m else _error(404, 10007, "Unknown Member")

    async def _add_role(self, request: web.Request) -> web.Response:
        uid, rid = int(request.match_info["uid"]), int(request.match_info["rid"])
        if uid not in self.members:
            return _error(404, 10007, "Unknown Member")
        if rid not in self.roles:
            return _error(404, 10011, "Unknown Role")
        roles = self.members[uid]["roles"]
        if str(rid) not in roles:
            roles.append(str(rid))
        await self._member_update(uid)
        return web.Response(status=204)

    async def _remove_role(self, request: web.Request) -> web.Response:
        uid, rid = int(request.match_info["uid"]), int(request.match_info["rid"])
        if uid not in self.members:
            return _error(404, 10007, "Unknown Member")
        roles = self.members[uid]["roles"]
        if str(rid) in roles:
            roles.remove(str(rid))
        await self._member_update(uid)
        return web.Response(status=204)

    async def _attachment(self, request: web.Request) -> web.Response:
        item = self.attachments.get(int(request.match_info["aid"]))
        if item is None:
            return web.Response(status=404)
        data, ctype, _ = item
        return web.Response(body=data, content_type=ctype.split(";")[0])

    # ---- interactions ------------------------------------------------------------------------------
    async def _callback(self, request: web.Request) -> web.Response:
        rec = self.interactions.get(int(request.match_info["iid"]))
        if rec is None or rec.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        payload, files = await self._read_body(request)
        now = asyncio.get_running_loop().time()
        if rec.response_type is not None:
            rec.refused.append({"code": 40060, "payload": payload})
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if now - rec.dispatched_at > self.interaction_timeout:
            rec.refused.append({"code": 10062, "payload": payload})
            return _error(404, 10062, "Unknown interaction")
        t = int(payload["type"])
        data = payload.get("data") or {}
        rec.callbacks.append(payload)
        rec.response_type, rec.response_data = t, data
        rec.latency = now - rec.dispatched_at
        resource: dict[str, Any] = {"type": t}
        flags = int(data.get("flags") or 0)
        if t == 4:
            rec.ephemeral = bool(flags & EPHEMERAL)
            rec.original = self._new_message(rec.channel_id, data, files, flags=flags, store=not rec.ephemeral,
                                             interaction=rec)
            resource["message"] = rec.original
        elif t == 5:
            rec.ephemeral = bool(flags & EPHEMERAL)
            rec.original = self._new_message(rec.channel_id, {"content": ""}, [], flags=flags | LOADING,
                                             store=not rec.ephemeral, interaction=rec)
            resource["message"] = rec.original
        elif t == 7:
            msg = self.messages_by_id.get(rec.message_id or 0)
            if msg is not None:
                self._apply_edit(msg, data, files)
                resource["message"] = msg
        elif t == 8:
            rec.choices = data.get("choices", [])
        elif t == 9:
            rec.modal = data
        rec.responded.set()
        rec.changed.set()
        body = {"interaction": {"id": str(rec.id), "type": rec.type, "response_message_id": rec.original["id"] if rec.original else None,
                                "response_message_loading": t == 5, "response_message_ephemeral": rec.ephemeral,
                                "activity_instance_id": None},
                "resource": resource}
        return _json(body)

    def _touch_interactions_for(self, message_id: int) -> None:
        for rec in self.interactions.values():
            if rec.message_id == message_id:
                rec.changed.set()

    def _token_expired(self, rec: InteractionRecord) -> bool:
        return asyncio.get_running_loop().time() - rec.dispatched_at > self.token_lifetime

    def expire_token(self, interaction_id: int) -> None:
        """Age an interaction as if its 15 minutes had passed: its webhook refuses from now on."""
        self.interactions[interaction_id].dispatched_at -= self.token_lifetime + 1

    async def _followup(self, request: web.Request) -> web.Response:
        rec = self.by_token.get(request.match_info["token"])
        if rec is None:
            return _error(404, 10015, "Unknown Webhook")
        if self._token_expired(rec):
            return _error(401, 50027, "Invalid Webhook Token")
        payload, files = await self._read_body(request)
        flags = int(payload.get("flags") or 0)
        msg = self._new_message(rec.channel_id, payload, files, flags=flags, store=not flags & EPHEMERAL, interaction=rec)
        rec.followups.append(msg)
        rec.changed.set()
        return _json(msg)

    def _webhook_target(self, request: web.Request) -> tuple[InteractionRecord | None, dict[str, Any] | None]:
        rec = self.by_token.get(request.match_info["token"])
        if rec is None:
            return None, None
        mid = request.match_info["mid"]
        if mid == "@original":
            if rec.original is not None:
                return rec, rec.original
            if rec.response_type in (6, 7):
                return rec, self.messages_by_id.get(rec.message_id or 0)
            return rec, None
        return rec, self.messages_by_id.get(int(mid))

    async def _webhook_get(self, request: web.Request) -> web.Response:
        _rec, msg = self._webhook_target(request)
        return _json(msg) if msg else _error(404, 10008, "Unknown Message")

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        rec, msg = self._webhook_target(request)
        if rec is not None and self._token_expired(rec):
            return _error(401, 50027, "Invalid Webhook Token")
        if rec is None or msg is None:
            return _error(404, 10008, "Unknown Message")
        payload, files = await self._read_body(request)
        rec.webhook_edits.append(payload)
        self._apply_edit(msg, payload, files)
        rec.changed.set()
        return _json(msg)

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        rec, msg = self._webhook_target(request)
        if rec is None or msg is None:
            return _error(404, 10008, "Unknown Message")
        lst = self.messages.get(int(msg["channel_id"]), [])
        if msg in lst:
            lst.remove(msg)
        return web.Response(status=204)

    # ---- spec validation: every request body against Discord's OpenAPI spec ----------------------
    @web.middleware
    async def _spec_middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        """Refuse, as Discord does, a body that breaks Discord's spec or its limits (see
        :mod:`tests.fakes.discord_spec`, which also lists where the fake is laxer than the spec)."""
        if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH"):
            rel = re.sub(r"^/api/v\d+", "", request.path)
            try:
                payload, _files = await self._read_body(request)
            except (ValueError, UnicodeDecodeError):
                return _error(400, 50109, "The request body contains invalid JSON.")
            found = discord_spec.problems(request.method, rel, payload)
            if found:
                described = [discord_spec.describe(p) for p in found]
                self.spec_refusals.append(SpecRefusal(request.method, rel, payload, described))
                log.warning("Discord fake: refused %s %s: %s", request.method, rel, "; ".join(described))
                return _error(400, 50035, "Invalid Form Body", discord_spec.form_errors(found))
        return await handler(request)

    # ---- driver: sending interactions -----------------------------------------------------------
    def _find_command(self, path: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
        parts = path.strip("/ ").split()
        top = next((c for c in self.guild_commands + self.global_commands if c["name"] == parts[0]), None)
        if top is None:
            raise KeyError(f"command /{parts[0]} was not synced; synced: {[c['name'] for c in self.guild_commands]}")
        options_def = top.get("options", [])
        for sub in parts[1:]:
            node = next((o for o in options_def if o["name"] == sub and o["type"] in (1, 2)), None)
            if node is None:
                raise KeyError(f"/{path}: no subcommand {sub!r}")
            options_def = node.get("options", [])
        return top, options_def, parts[1:]

    def _base_interaction(self, itype: int, user_id: int, channel: str | int, data: dict[str, Any]) -> InteractionRecord:
        iid = self._snowflake()
        token = f"tok-{iid}-{next(self._counter)}"
        cid = self.channel_id(channel)
        ch = self.channels[cid]
        payload: dict[str, Any] = {
            "id": str(iid), "application_id": str(APP_ID), "type": itype, "data": data, "token": token, "version": 1,
            "channel_id": str(cid), "channel": ch, "app_permissions": ALL_PERMS, "locale": "es-ES",
            "entitlements": [], "attachment_size_limit": 25 * 1024 * 1024,
        }
        if ch.get("type") == 1:
            payload["user"] = self.users[user_id]
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": str(self.guild_id)}
        else:
            member = dict(self.members[user_id])
            member["permissions"] = "1071698660929"
            payload.update({"guild_id": str(self.guild_id), "guild_locale": "es-ES", "member": member, "context": 0,
                            "guild": {"id": str(self.guild_id), "locale": "es-ES", "features": []},
                            "authorizing_integration_owners": {"0": str(self.guild_id)}})
        rec = InteractionRecord(iid, token, itype, user_id, cid, 0.0, payload)
        self.interactions[iid] = rec
        self.by_token[token] = rec
        return rec

    async def _dispatch_interaction(self, rec: InteractionRecord) -> InteractionHandle:
        rec.dispatched_at = asyncio.get_running_loop().time()
        await self.dispatch("INTERACTION_CREATE", rec.payload)
        return InteractionHandle(self, rec)

    def _build_options(self, options_def: list[dict[str, Any]], values: dict[str, Any], resolved: dict[str, Any],
                       attachments: dict[str, tuple[str, bytes, str]], focused: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            d = next((o for o in options_def if o["name"] == name), None)
            if d is None:
                raise KeyError(f"no option {name!r}; options: {[o['name'] for o in options_def]}")
            t = d["type"]
            opt: dict[str, Any] = {"name": name, "type": t}
            if t == 6:  # user
                uid = int(value)
                resolved.setdefault("users", {})[str(uid)] = self.users[uid]
                if uid in self.members:
                    m = {k: v for k, v in self.members[uid].items() if k != "user"}
                    m["permissions"] = "0"
                    resolved.setdefault("members", {})[str(uid)] = m
                opt["value"] = str(uid)
            elif t == 11:  # attachment
                raise KeyError("pass attachments through attachments=")
            elif t == 4:
                opt["value"] = value if focused == name else int(value)
            elif t == 10:
                opt["value"] = value if focused == name else float(value)
            else:
                opt["value"] = value
            if focused == name:
                opt["focused"] = True
            out.append(opt)
        for name, (filename, data, ctype) in attachments.items():
            out.append({"name": name, "type": 11, "value": self._upload(resolved, filename, data, ctype)})
        return out

    def _upload(self, resolved: dict[str, Any], filename: str, data: bytes, ctype: str) -> str:
        """Store a file a user sends with an interaction; its id, with the attachment in ``resolved``."""
        aid = self._snowflake()
        self.attachments[aid] = (data, ctype, filename)
        url = f"{self.base_url}/attachments/{aid}/{filename}"
        resolved.setdefault("attachments", {})[str(aid)] = {
            "id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url,
            "content_type": ctype}
        return str(aid)

    def _command_data(self, path: str, options: dict[str, Any], attachments: dict[str, tuple[str, bytes, str]],
                      focused: str | None = None) -> dict[str, Any]:
        top, options_def, subpath = self._find_command(path)
        resolved: dict[str, Any] = {}
        opts = self._build_options(options_def, options, resolved, attachments, focused)
        for sub in reversed(subpath):
            node_type = 1 if opts is not None and sub == subpath[-1] else 2
            opts = [{"name": sub, "type": node_type, "options": opts}]
        data: dict[str, Any] = {"id": top["id"], "name": top["name"], "type": 1, "options": opts,
                                "guild_id": str(self.guild_id)}
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(self, user_id: int, command: str, options: dict[str, Any] | None = None, *,
                    channel: str | int = "dudas-ventas-ops",
                    attachments: dict[str, tuple[str, bytes, str]] | None = None) -> InteractionHandle:
        data = self._command_data(command, options or {}, attachments or {})
        return await self._dispatch_interaction(self._base_interaction(2, user_id, channel, data))

    async def autocomplete(self, user_id: int, command: str, focused: str, value: str,
                           options: dict[str, Any] | None = None, *, channel: str | int = "dudas-ventas-ops",
                           timeout: float = 5.0) -> list[dict[str, Any]]:
        opts = dict(options or {})
        opts[focused] = value
        data = self._command_data(command, opts, {}, focused=focused)
        h = await self._dispatch_interaction(self._base_interaction(4, user_id, channel, data))
        r = await h.response(timeout)
        assert r["type"] == 8, r
        return r["data"].get("choices", [])

    async def click(self, user_id: int, message: dict[str, Any], custom_id: str | None = None, *,
                    label: str | None = None) -> InteractionHandle:
        if custom_id is None:
            btn = next((b for b in buttons(message) if b.get("label") == label), None)
            if btn is None:
                raise KeyError(f"no button {label!r}; buttons: {[b.get('label') for b in buttons(message)]}")
            custom_id = btn["custom_id"]
        cid = int(message["channel_id"])
        rec = self._base_interaction(3, user_id, cid, {"custom_id": custom_id, "component_type": 2})
        rec.payload["message"] = message
        rec.message_id = int(message["id"])
        return await self._dispatch_interaction(rec)

    async def submit_modal(self, user_id: int, modal: dict[str, Any], values: dict[str, str], *,
                           channel: str | int = "dudas-ventas-ops", message: dict[str, Any] | None = None,
                           files: dict[str, list[tuple[str, bytes, str]]] | None = None) -> InteractionHandle:
        """Submit a modal the bot opened (``handle.modal``): text inputs by custom_id from ``values``;
        file uploads (type 19, inside a label) by custom_id from ``files`` as (filename, bytes, type)."""
        files = files or {}
        resolved: dict[str, Any] = {}

        def submitted(c: dict[str, Any]) -> dict[str, Any]:
            if c["type"] == 19:
                ids = [self._upload(resolved, *f) for f in files.get(c["custom_id"], [])]
                return {"type": 19, "id": c.get("id"), "custom_id": c["custom_id"], "values": ids}
            return {"type": c["type"], "custom_id": c["custom_id"], "value": values.get(c["custom_id"], c.get("value", ""))}

        comps: list[dict[str, Any]] = []
        for top in modal.get("components", []):
            if top.get("type") == 1:
                comps.append({"type": 1, "components": [submitted(c) for c in top.get("components", [])]})
            elif top.get("type") == 18:
                comps.append({"type": 18, "id": top.get("id"), "component": submitted(top["component"])})
        cid = int(message["channel_id"]) if message else self.channel_id(channel)
        data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": comps}
        if resolved:
            data["resolved"] = resolved
        rec = self._base_interaction(5, user_id, cid, data)
        if message is not None:
            rec.payload["message"] = message
            rec.message_id = int(message["id"])
        return await self._dispatch_interaction(rec)

    # ---- driver: reading ------------------------------------------------------------------------
    def channel_messages(self, channel: str | int = "dudas-ventas-ops") -> list[dict[str, Any]]:
        return list(self.messages.get(self.channel_id(channel), []))

    def dms(self, user_id: int) -> list[dict[str, Any]]:
        cid = self.dm_channels.get(user_id)
        return list(self.messages.get(cid, [])) if cid else []

    def all_bot_messages(self) -> list[dict[str, Any]]:
        """Every message the bot made visible: channels, DMs, ephemeral answers and follow-ups."""
        return list(self.messages_by_id.values())

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(interval)

    async def wait_for_message(self, channel: str | int = "dudas-ventas-ops",
                               predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
                               timeout: float = 5.0, after: int = 0) -> dict[str, Any]:
        return await self.wait_for(
            lambda: next((m for m in self.channel_messages(channel)[after:] if predicate(m)), None), timeout)

    async def wait_for_dm(self, user_id: int, predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
                          timeout: float = 5.0) -> dict[str, Any]:
        return await self.wait_for(lambda: next((m for m in self.dms(user_id) if predicate(m)), None), timeout)


@contextlib.asynccontextmanager
async def running_bot(bot: Any, fake: DiscordFake, token: str | None = None, timeout: float = 15.0) -> AsyncIterator[Any]:
    """Start a discord.py client against the fake; stop it (and restore Discord's addresses) on exit."""
    from bot.discord_api import apply_api_base

    apply_api_base(fake.rest_base)
    fake._ready.clear()
    task = asyncio.create_task(bot.start(token or fake.token))
    try:
        waiter = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
            raise RuntimeError("the bot stopped during start-up")
        if waiter not in done:
            waiter.cancel()
            raise TimeoutError("the bot did not become ready")
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)
        apply_api_base(None)


async def _serve(port: int) -> None:
    fake = DiscordFake(port=port)
    base = await fake.start()
    print(f"Discord fake listening: DISCORD_API_BASE={base} token={fake.token!r} guild={fake.guild_id}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover - manual use
    import argparse

    p = argparse.ArgumentParser(description="Loopback fake of Discord's API")
    p.add_argument("--port", type=int, default=0)
    asyncio.run(_serve(p.parse_args().port))
