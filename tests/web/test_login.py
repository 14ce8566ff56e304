"""One-time links and sessions: hashed, single use, 10 minutes, rate-limited, never logged; the cookie's
flags; roles re-read on every request."""

from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import select

from bot.services import web_login
from bot.web.app import create_app
from bot.web.context import WebContext
from db.audit import Actor
from db.models import AuditLog, WebLoginToken

ANA = Actor(1001, "Ana KAM")


async def issue(panel, actor=ANA):
    async with panel.sessionmaker() as s:
        link = await web_login.issue(s, actor, now=panel.ctx.clock.now())
        await s.commit()
    return link


async def test_the_token_is_stored_hashed_and_opens_one_session_once(panel, caplog):
    caplog.set_level(logging.DEBUG)
    link = await issue(panel)
    async with panel.sessionmaker() as s:
        row = (await s.execute(select(WebLoginToken))).scalar_one()
    assert row.token_hash == hashlib.sha256(link.token.encode()).hexdigest() and link.token not in row.token_hash
    assert row.expires_at == panel.ctx.clock.now() + web_login.LINK_TTL

    client = panel.client()
    page = await client.get("/entrar")
    assert page.status_code == 200 and 'src="/static/panel.js"' in page.text
    r = await client.post("/entrar", data={"token": link.token})
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=43200" in cookie
    assert "secure" not in cookie  # http base URL (tests); https → Secure, below
    assert (await client.get("/mis-negocios")).status_code == 200

    again = await panel.client().post("/entrar", data={"token": link.token})
    assert again.status_code == 400 and "ya se usó o venció" in again.text
    assert link.token not in caplog.text, "a login token reached the logs"
    async with panel.sessionmaker() as s:
        actions = [a for (a,) in (await s.execute(select(AuditLog.action).order_by(AuditLog.id))).all()]
    assert actions[-2:] == ["panel.enlace", "panel.entrar"]


async def test_an_expired_or_unknown_link_opens_nothing(panel):
    link = await issue(panel)
    panel.ctx.clock.advance(minutes=10, seconds=1)
    client = panel.client()
    for token in (link.token, "x" * 43, ""):
        r = await client.post("/entrar", data={"token": token})
        assert r.status_code == 400
    assert (await client.get("/mis-negocios")).status_code == 401


async def test_links_are_rate_limited_per_member(panel):
    for _ in range(web_login.MAX_LINKS):
        await issue(panel)
    with pytest.raises(web_login.LinkRefused, match="Ya pediste 5 enlaces"):
        await issue(panel)
    await issue(panel, Actor(1002, "Beto KAM"))  # another member is not affected
    panel.ctx.clock.advance(minutes=11)
    await issue(panel)


async def test_the_cookie_is_secure_behind_https(panel, make_settings):
    settings = make_settings(web_base_url="https://panel.example.com")
    ctx = WebContext(settings, panel.sessionmaker, panel.ctx.clock, panel.guild.lookup, panel.guild.after_decision, "s" * 48)
    import httpx

    link = await issue(panel)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ctx)), base_url="https://panel.example.com") as c:
        r = await c.post("/entrar", data={"token": link.token})
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


async def test_roles_are_read_again_on_every_request(panel):
    client = await panel.login("kam")
    assert (await client.get("/mis-negocios")).status_code == 200
    panel.guild.roles[1001] = ("Ana KAM", set())  # the KAM role removed in Discord
    r = await client.get("/mis-negocios")
    assert r.status_code == 403 and "no tiene ningún rol" in r.text
    panel.guild.roles[1001] = ("Ana KAM", {"kam"})
    assert (await client.get("/mis-negocios")).status_code == 401  # the session was closed: a new link is needed

    client = await panel.login("kam")
    panel.guild.roles[1001] = ("Ana KAM", {"audit"})  # moved from KAM to audit
    assert (await client.get("/mis-negocios")).status_code == 403
    assert (await client.get("/auditoria")).status_code == 200
    del panel.guild.roles[1001]  # left the server
    assert (await client.get("/auditoria")).status_code == 403


async def test_a_forged_or_tampered_cookie_is_no_session(panel):
    client = await panel.login("kam")
    name = "ventas_panel"
    value = client.cookies[name]
    client.cookies.set(name, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"), domain="panel.test")
    assert (await client.get("/mis-negocios")).status_code == 401


async def test_security_headers_on_every_page(panel):
    client = await panel.login("auditor")
    for path in ("/entrar", "/auditoria", f"/comprobantes/{panel.world.ana_deal}", "/no-existe"):
        r = await client.get(path)
        h = r.headers
        assert "script-src 'self'" in h["content-security-policy"] and "frame-ancestors 'self'" in h["content-security-policy"]
        assert "unsafe-inline" not in h["content-security-policy"]
        assert h["x-frame-options"] == "SAMEORIGIN" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
    proof = await client.get(f"/comprobantes/{panel.world.ana_deal}")
    assert proof.headers["content-type"] == "image/png" and proof.headers["content-disposition"].startswith("inline")


async def test_logout_ends_the_session(panel):
    from tests.web.conftest import csrf_of

    client = await panel.login("kam")
    csrf = csrf_of((await client.get("/mis-negocios")).text)
    r = await client.post("/salir", data={"csrf": csrf})
    assert r.status_code == 200 and "Cerraste la sesión" in r.text
    assert (await client.get("/mis-negocios")).status_code == 401


async def test_a_session_lasts_12_hours_by_the_bots_clock(panel):
    client = await panel.login("kam")
    panel.ctx.clock.advance(hours=11, minutes=59)
    assert (await client.get("/mis-negocios")).status_code == 200
    panel.ctx.clock.advance(minutes=2)
    assert (await client.get("/mis-negocios")).status_code == 401


async def test_an_unexpected_error_is_a_spanish_page_with_a_reference(panel, monkeypatch, caplog):
    from bot.services import panel as panel_svc

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(panel_svc, "review_queue", broken)
    client = await panel.login("auditor")
    client._transport = __import__("httpx").ASGITransport(app=panel.app, raise_app_exceptions=False)
    r = await client.get("/auditoria")
    assert r.status_code == 500 and "Algo salió mal" in r.text and "boom" not in r.text
    ref = r.text.split("referencia: ")[1][:8]
    assert f"ref={ref}" in caplog.text
