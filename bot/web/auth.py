"""Sessions, CSRF and authorization of the web panel.

The session is Starlette's signed cookie (itsdangerous, 12 h, HttpOnly, SameSite=Lax, Secure behind
https) holding only the Discord id, a CSRF token and the login time. Roles are never stored in it: each
request looks the member up again (:attr:`WebContext.identity`), so a removed role takes effect at once.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.texts import web as T
from bot.web.context import Identity, WebContext

SESSION_MAX_AGE = 12 * 3600
COOKIE_NAME = "ventas_panel"

ROLE_LABELS_SETTING = {"kam": "role_kam", "audit": "role_audit", "coo": "role_coo", "admin": "role_admin"}


class LoginRequired(HTTPException):
    def __init__(self) -> None:
        super().__init__(401, T.LOGIN_NEEDED)


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def start_session(request: Request, discord_id: int, now_iso: str) -> None:
    request.session.clear()
    request.session.update({"uid": str(discord_id), "csrf": secrets.token_urlsafe(24), "at": now_iso})


def csrf_token(request: Request) -> str:
    return str(request.session.get("csrf", ""))


async def check_csrf(request: Request) -> dict[str, Any]:
    """The submitted form, after checking its CSRF token against the session's."""
    form = await request.form()
    sent = str(form.get("csrf") or "")
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, T.CSRF_FAILED)
    return dict(form)


async def identity(request: Request) -> Identity:
    """The logged-in member as the guild sees them now; 401 without a session, 403 when they left."""
    cached = getattr(request.state, "identity", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    uid = request.session.get("uid")
    if not uid or not str(uid).isdigit():
        raise LoginRequired()
    try:  # 12 h by the bot's clock (the cookie's own max-age is the browser's side of it)
        started = datetime.fromisoformat(str(request.session.get("at")))
    except ValueError:
        started = None
    if started is None or ctx_of(request).clock.now() - started > timedelta(seconds=SESSION_MAX_AGE):
        request.session.clear()
        raise LoginRequired()
    who = await ctx_of(request).identity(int(uid))
    if who is None or not who.roles:
        request.session.clear()
        raise HTTPException(403, T.NOT_A_MEMBER)
    request.state.identity = who
    return who


def role_names(request: Request, roles: tuple[str, ...]) -> str:
    s = ctx_of(request).settings
    return " o ".join(f"«{getattr(s, ROLE_LABELS_SETTING[r])}»" for r in roles)


async def require(request: Request, *roles: str) -> Identity:
    """The member, who must hold one of ``roles`` (403 otherwise)."""
    who = await identity(request)
    if not who.has(*roles):
        raise HTTPException(403, T.FORBIDDEN.format(roles=role_names(request, roles)))
    return who


def not_found() -> HTTPException:
    """The one answer for an object that does not exist or that this member may not see."""
    return HTTPException(404, T.NOT_FOUND)
