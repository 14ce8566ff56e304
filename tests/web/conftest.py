"""The panel's app without Discord: a migrated database, a world of members and deals, identities the
test controls (the guild's roles), and an in-process HTTP client (httpx over ASGI)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.clock import ManualClock
from bot.services import deals as deal_svc
from bot.services import directory, web_login
from bot.services.proofs import StoredProof
from bot.web.app import create_app
from bot.web.context import ADMIN, AUDIT, COO, KAM, Identity, WebContext
from db.audit import Actor

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá
ADMIN_ACTOR = Actor(1, "Admin")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

# who is who in the guild (Discord id → name, roles); a test may change roles between requests
PEOPLE = {
    "kam": (1001, "Ana KAM", {KAM}),
    "kam2": (1002, "Beto KAM", {KAM}),
    "auditor": (2001, "Auditora Aura", {AUDIT}),
    "coo": (3001, "Camilo COO", {COO}),
    "admin": (4001, "Admin Adela", {ADMIN}),
    "norole": (5001, "Sin Rol", set()),
}


@dataclass
class Guild:
    roles: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    decisions: list[tuple[int, str, bool]] = field(default_factory=list)

    async def lookup(self, discord_id: int) -> Identity | None:
        if discord_id not in self.roles:
            return None
        name, roles = self.roles[discord_id]
        return Identity(discord_id, name, frozenset(roles))

    async def after_decision(self, decision: Any, kind: str) -> None:
        self.decisions.append((decision.deal.id, kind, decision.approve))


@dataclass
class Panel:
    app: Any
    ctx: WebContext
    guild: Guild
    world: SimpleNamespace
    sessionmaker: Any

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://panel.test",
                                 follow_redirects=False)

    async def login(self, who: str) -> httpx.AsyncClient:
        """A client with a session opened by a one-time link, as /panel gives it."""
        client = self.client()
        if who == "anon":
            return client
        discord_id, name, _ = PEOPLE[who]
        async with self.sessionmaker() as s:
            link = await web_login.issue(s, Actor(discord_id, name), now=self.ctx.clock.now())
            await s.commit()
        r = await client.post("/entrar", data={"token": link.token})
        assert r.status_code == 303, r.text
        return client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


async def make_world(sm: Any, data_dir: Path) -> SimpleNamespace:
    """Ana has an up-sale (audit + COO pending) with a PNG proof; Beto a cross-sale waiting for audit."""
    proof_rel = "proofs/aa/pago.png"
    (data_dir / "proofs" / "aa").mkdir(parents=True, exist_ok=True)
    (data_dir / proof_rel).write_bytes(PNG)
    proof = StoredProof(proof_rel, "aa" * 32, "pago.png", "image/png", len(PNG))
    async with sm() as s:
        ana = await directory.ensure_member(s, 1001, "Ana KAM")
        beto = await directory.ensure_member(s, 1002, "Beto KAM")
        acme = await directory.create_client(s, ADMIN_ACTOR, "Acme S.A.S.")
        globex = await directory.create_client(s, ADMIN_ACTOR, "Globex <script>alert(1)</script>")
        await directory.assign(s, ADMIN_ACTOR, acme, ana, now=NOW)
        await directory.assign(s, ADMIN_ACTOR, globex, beto, now=NOW)
        await directory.add_service(s, ADMIN_ACTOR, acme, "web", now=NOW)
        await directory.add_service(s, ADMIN_ACTOR, globex, "web", now=NOW)
        await s.commit()
    ids = []
    for n, (discord_id, client, deal_type, service) in enumerate(
        [(1001, acme, "up_sale", "web"), (1002, globex, "cross_sale", "social_ads")]
    ):
        async with sm() as s:
            reg = await deal_svc.register(
                s, deal_svc.RegistrationRequest(discord_id=discord_id, client=str(client.id), deal_type=deal_type,
                                                service=service, total="12.000.000", advance="6.000.000",
                                                interaction_id=900 + n),
                proof, actor=Actor(discord_id, "kam"), now=NOW, tz=TZ, export_time=datetime.min.time().replace(hour=6),
                rate=Decimal("0.06"), window_days=3, hubspot_enabled=False)
            await s.commit()
            ids.append(reg.deal.id)
    return SimpleNamespace(ana=ana, beto=beto, acme=acme, globex=globex, ana_deal=ids[0], beto_deal=ids[1])


@pytest.fixture
async def panel(sessionmaker, make_settings, tmp_path: Path) -> Panel:
    settings = make_settings(web_base_url="http://panel.test")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    guild = Guild({d: (name, set(roles)) for d, name, roles in PEOPLE.values()})
    ctx = WebContext(settings, sessionmaker, ManualClock(NOW), guild.lookup, guild.after_decision, "k" * 48)
    world = await make_world(sessionmaker, settings.data_dir)
    return Panel(create_app(ctx), ctx, guild, world, sessionmaker)


# the real bot against the Discord fake (the cross-world test) and the browser
from tests.e2e.conftest import harness, harness_factory  # noqa: E402,F401
from tests.web.browser import browser  # noqa: E402,F401
