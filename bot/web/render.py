"""Rendering of the panel's pages: the Jinja2 environment (autoescaped; es-CO money and dates in TIMEZONE)
and the error page."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.domain.dates import format_date
from bot.domain.enums import CommissionState, DealStatus, DealType, HubSpotCheck, LeadStatus, Service
from bot.domain.money import format_cop
from bot.texts import web as T
from bot.web import auth
from bot.web.context import ADMIN, AUDIT, COO, KAM

log = logging.getLogger("bot.web")


def make_env(tz: ZoneInfo) -> Environment:
    env = Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)

    def fecha(d: date | datetime | None) -> str:
        if d is None:
            return "—"
        if isinstance(d, datetime):
            return format_date(d.astimezone(tz).date())
        return format_date(d)

    def fechahora(d: datetime | None) -> str:
        if d is None:
            return "—"
        local = d.astimezone(tz)
        return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}"

    env.filters.update(
        json=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str),  # autoescaped as text
        cop=lambda n: format_cop(int(n or 0)), fecha=fecha, fechahora=fechahora,
        tipo=DealType.label_of, servicio=Service.label_of, estado=DealStatus.label_of,
        hubspot=HubSpotCheck.label_of, comision=CommissionState.label_of, lead=LeadStatus.label_of,
    )
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.env
    who = getattr(request.state, "identity", None)
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    html = env.get_template(template).render(
        request=request, who=who, csrf=auth.csrf_token(request) if "session" in request.scope else "",
        flash=flash, KAM=KAM, AUDIT=AUDIT, COO=COO, ADMIN=ADMIN, **context,
    )
    return HTMLResponse(html, status_code=status_code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(request, "error.html", status_code=exc.status_code, status=exc.status_code, message=exc.detail)


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected error: a Spanish page with a reference; the traceback goes to the log with it."""
    ref = secrets.token_hex(4).upper()
    log.error("Web panel error ref=%s %s %s", ref, request.method, request.url.path, exc_info=exc)
    env: Environment = request.app.state.env
    html = env.get_template("error.html").render(request=request, who=None, csrf="", flash=None, status=500,
                                                 message=T.UNEXPECTED.format(ref=ref))
    return HTMLResponse(html, status_code=500)
