"""Point discord.py at a Discord-compatible server.

discord.py hard-codes two addresses: ``discord.http.Route.BASE`` (REST, webhooks and
interaction callbacks) and ``DiscordWebSocket.DEFAULT_GATEWAY`` (the gateway; a plain
``commands.Bot`` never asks ``/gateway/bot``). ``DISCORD_API_BASE`` redirects both.

Convention: ``DISCORD_API_BASE`` is the REST base, e.g. ``http://127.0.0.1:8123/api/v10``.
The gateway is the same host with the ws/wss scheme and the path ``/gateway``
(``ws://127.0.0.1:8123/gateway``), unless ``gateway_url`` is given explicitly.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

DEFAULT_REST_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


def gateway_for(rest_base: str) -> yarl.URL:
    url = yarl.URL(rest_base)
    scheme = "wss" if url.scheme == "https" else "ws"
    return url.with_scheme(scheme).with_path("/gateway").with_query(None)


def apply_api_base(rest_base: str | None, gateway_url: str | None = None) -> None:
    """Redirect discord.py's REST and gateway addresses (None restores Discord's)."""
    if not rest_base:
        Route.BASE = DEFAULT_REST_BASE
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(DEFAULT_GATEWAY)
        return
    Route.BASE = rest_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else gateway_for(rest_base)
