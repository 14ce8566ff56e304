"""The ASGI app of the web panel: routes, middleware (session, security headers, a redacted access log),
templates and the error pages."""

from __future__ import annotations

import gc
import logging
import time
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web import auth, routes_admin, routes_auth, routes_kam, routes_review
from bot.web.context import WebContext
from bot.web.render import http_error, make_env, server_error

log = logging.getLogger("bot.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"SAMEORIGIN"),  # proofs (PDF) are framed by the panel's own pages only
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the security headers to every response and logs one access line (method, path without the
    query string, status, milliseconds): login tokens travel in a URL fragment and a POST body, never in
    a logged path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                static = scope["path"].startswith("/static/")
                headers += [(k, v) for k, v in SECURITY_HEADERS
                            if k not in present and not (static and k == b"cache-control")]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info("%s %s %s %.0f ms", scope.get("method"), scope.get("path"), status,
                     (time.perf_counter() - started) * 1000)


_settled = False


def settle_heap() -> None:
    """Once per process, when the panel starts listening (the bot has loaded its cogs by then): collect,
    then move every object alive now (modules, classes, functions, the app) to the collector's permanent
    generation (``gc.freeze``).

    Why: a full (generation 2) collection walks every tracked object, and the process holds ~140,000
    of them after its imports (SQLAlchemy, discord.py, Jinja2, openpyxl…). One walk took 150–350 ms on
    the 2-core server and one came every few dozen requests, so it, not the pages' own work, set the
    panel's p99 (bench/web.py: a 20 ms page with a 250 ms maximum; the bot's interactions paid it too).
    Frozen objects are left out of later walks; they are start-up objects that live as long as the
    process (one that dies still goes by its reference count, only a frozen *cycle* would stay). What is
    created afterwards is collected as before."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()


def create_app(ctx: WebContext) -> Starlette:
    base = ctx.settings.web_base_url
    routes = [
        *routes_auth.routes, *routes_kam.routes, *routes_review.routes, *routes_admin.routes,
        Mount("/static", app=StaticFiles(packages=[("bot.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=ctx.secret_key, session_cookie=auth.COOKIE_NAME,
                       max_age=auth.SESSION_MAX_AGE, same_site="lax", https_only=base.startswith("https://")),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.ctx = ctx
    app.state.env = make_env(ZoneInfo(ctx.settings.timezone))
    return app

