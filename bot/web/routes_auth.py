"""Login with a one-time link, logout, the home page (each role's first page)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.services import web_login
from bot.texts import web as T
from bot.web import auth
from bot.web.context import ADMIN, AUDIT, COO, KAM
from bot.web.render import render


async def login_page(request: Request) -> Response:
    """The link /panel gives is ``/entrar#TOKEN``: the fragment never reaches a server or a log; the
    page's script puts it in the form and posts it."""
    return render(request, "login.html")


async def login(request: Request) -> Response:
    ctx = auth.ctx_of(request)
    form = await request.form()
    token = str(form.get("token") or "").strip()
    now = ctx.clock.now()
    async with ctx.sessionmaker() as session:
        discord_id = await web_login.redeem(session, token, now=now)
        await session.commit()
    if discord_id is None:
        return render(request, "login.html", status_code=400, error=T.LOGIN_INVALID)
    auth.start_session(request, discord_id, now.isoformat())
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    await auth.check_csrf(request)
    request.session.clear()
    return render(request, "login.html", message=T.LOGGED_OUT)


HOME_BY_ROLE = ((KAM, "/mis-negocios"), (AUDIT, "/auditoria"), (COO, "/coo"), (ADMIN, "/admin"))


async def home(request: Request) -> Response:
    who = await auth.identity(request)
    target = next(path for role, path in HOME_BY_ROLE if who.has(role))
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/", home),
    Route("/entrar", login_page, methods=["GET"]),
    Route("/entrar", login, methods=["POST"]),
    Route("/salir", logout, methods=["POST"]),
]
