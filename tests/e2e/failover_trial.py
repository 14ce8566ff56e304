"""Failover trials: two bot processes on one database — one active, one on standby — and the active
one killed with kill -9. Shared by ``test_failover.py`` (CI) and ``bench/failover.py`` (figures).

Each trial: a deal is registered through the active instance; it is killed; the standby must take
over (connect to Discord and answer) within 30 s; a deal is registered through it, and the buttons
of both deals' cards are clicked. Then a new standby is started for the next trial. Afterwards every
acknowledged registration is stored exactly once, every deal has exactly one card and every click
was decided exactly once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.services import directory
from bot.texts import deals as DT
from db import migrate
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import Approval, Deal
from tests.e2e.crash_trial import env_for
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake, message_text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REGISTERED_MARK = DT.REGISTERED.split("{")[0][:12] or "registrado"
DECIDED_MARK = DT.DECIDED_ACK.split("{")[0]
STANDBY_MARK = "Standby:"
TAKEOVER_LIMIT = 30.0


@dataclass
class Figures:
    trials: int = 0
    takeover_seconds: list[float] = field(default_factory=list)
    registrations_acknowledged: int = 0
    deals_stored: int = 0
    duplicated: int = 0  # deals stored twice, cards posted twice, decisions taken twice
    lost: int = 0  # acknowledged registrations or clicks not in the database
    clicks_decided: int = 0
    details: list[str] = field(default_factory=list)  # what was duplicated, if anything


async def seed(url: str, fake: DiscordFake, clients: int) -> tuple[int, int, list[int]]:
    kam = await fake.add_member("KAM Failover", ["KAM"])
    auditor = await fake.add_member("Auditora", ["Auditoría"])
    eng = make_engine(url)
    try:
        await migrate.upgrade(eng)
        async with make_sessionmaker(eng)() as s:
            actor = Actor.system("failover-trial")
            member = await directory.ensure_member(s, kam, "KAM Failover", actor)
            ids = []
            now = datetime.now(UTC)  # the bot subprocesses run on the wall clock (moved by --today)
            for n in range(clients):
                c = await directory.create_client(s, actor, f"Cliente relevo {n}")
                await directory.assign(s, actor, c, member, now=now)
                await directory.add_service(s, actor, c, "web", now=now)
                ids.append(c.id)
            await s.commit()
    finally:
        await eng.dispose()
    return kam, auditor, ids


def cards_of(fake: DiscordFake, deal_id: int) -> list[dict]:
    prefix = f"Negocio #{deal_id} "
    return [m for m in fake.channel_messages() if any((e.get("title") or "").startswith(prefix) for e in m["embeds"])]


async def register(fake: DiscordFake, kam: int, client_id: int, n: int) -> tuple[Any, str]:
    h = await fake.slash(kam, "registrar-negocio", {
        "cliente": str(client_id), "tipo": "up_sale", "servicio": "web",
        "valor-total": f"{2_000_000 + n * 1_000}", "anticipo": "500.000"},
        attachments={"comprobante": ("c.png", PNG, "image/png")})
    return h, await h.text(30)


async def deal_for(url: str, interaction_id: int) -> int | None:
    eng = make_engine(url)
    try:
        async with make_sessionmaker(eng)() as s:
            return (await s.execute(select(Deal.id).where(Deal.interaction_id == interaction_id))).scalar_one_or_none()
    finally:
        await eng.dispose()


async def run_trials(tmp_path: Path, trials: int, url: str | None = None) -> Figures:
    """``url``: the database (default a SQLite file in ``tmp_path``)."""
    fig = Figures()
    fake = DiscordFake()
    await fake.start()
    url = url or f"sqlite+aiosqlite:///{tmp_path / 'failover.db'}"
    procs: list[BotProcess] = []

    def new_proc() -> BotProcess:
        p = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / f"bot-{len(procs)}.log")
        procs.append(p)
        return p

    try:
        kam, auditor, clients = await seed(url, fake, 2 * trials)
        active = new_proc()
        await active.start(fake, timeout=120)
        acked: list[int] = []  # interaction ids the user saw "registrado" for
        clicked: list[int] = []  # deal ids whose «Pago verificado» the auditor saw decided
        for t in range(trials):
            standby = new_proc()
            await standby.spawn()
            await standby.wait_log(fake, STANDBY_MARK, timeout=120)
            assert fake.identifies == sum(1 for p in procs[:-1]), "a standby connected to Discord"

            h, text = await register(fake, kam, clients[2 * t], 2 * t)
            assert REGISTERED_MARK in text, text
            acked.append(h.id)
            before_id = await deal_for(url, h.id)
            assert before_id is not None

            identifies, syncs = fake.identifies, fake.command_syncs
            killed = time.perf_counter()
            await active.kill()
            await fake.wait_for(lambda: fake.identifies > identifies and fake.command_syncs > syncs,
                                timeout=TAKEOVER_LIMIT)
            while True:  # taken over = answering users
                probe = await fake.slash(kam, "ayuda")
                try:
                    await probe.wait_final(2)
                    break
                except Exception:
                    if time.perf_counter() - killed > TAKEOVER_LIMIT:
                        raise
            fig.takeover_seconds.append(time.perf_counter() - killed)
            active = standby

            h, text = await register(fake, kam, clients[2 * t + 1], 2 * t + 1)
            assert REGISTERED_MARK in text, text
            acked.append(h.id)
            after_id = await deal_for(url, h.id)
            assert after_id is not None
            # the buttons of both cards work on the new active instance
            for deal_id in (before_id, after_id):
                await fake.wait_for(lambda d=deal_id: cards_of(fake, d), timeout=30)
                click = await fake.click(auditor, cards_of(fake, deal_id)[0], label="Pago verificado")
                if DECIDED_MARK in message_text(await click.wait_final(30)):
                    clicked.append(deal_id)
            fig.trials += 1
        await asyncio.sleep(0.5)  # the last cards' edits

        eng = make_engine(url)
        try:
            async with make_sessionmaker(eng)() as s:
                deals = list((await s.execute(select(Deal))).scalars())
                decided = dict((await s.execute(
                    select(Approval.deal_id, func.count()).where(Approval.status != "pendiente")
                    .group_by(Approval.deal_id))).all())
        finally:
            await eng.dispose()
        by_interaction: dict[int | None, int] = {}
        for d in deals:
            by_interaction[d.interaction_id] = by_interaction.get(d.interaction_id, 0) + 1
        fig.registrations_acknowledged = len(acked)
        fig.deals_stored = len(deals)
        fig.clicks_decided = len(clicked)
        fig.lost = sum(1 for i in acked if i not in by_interaction) + sum(1 for d in clicked if not decided.get(d))
        fig.details = ([f"interaction {i} stored {n}×" for i, n in by_interaction.items() if n > 1]
                       + [f"deal {d.id}: {len(cards_of(fake, d.id))} cards" for d in deals if len(cards_of(fake, d.id)) > 1]
                       + [f"deal {d}: {n} decisions" for d, n in decided.items() if n > 1])
        fig.duplicated = (sum(n - 1 for n in by_interaction.values())
                          + sum(max(len(cards_of(fake, d.id)) - 1, 0) for d in deals)
                          + sum(max(n - 1, 0) for n in decided.values()))
        return fig
    finally:
        for p in procs:
            if p.proc is not None and p.proc.returncode is None:
                await p.stop()
        await fake.stop()
