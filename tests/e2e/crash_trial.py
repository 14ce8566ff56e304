"""Crash trials: the bot as a subprocess, kill -9'd at a random moment while 100 registrations and
approvals are in flight, then restarted. Shared by ``test_crash_safety.py`` (a few trials, in CI) and
``bench/crash.py`` (more trials, figures printed).

What a trial checks after the restart:
- every registration the user saw acknowledged ("Negocio #N registrado") exists exactly once
  (``deals.interaction_id`` is the interaction's id), with its ledger line, approvals and audit row;
- no deal anywhere is half written (same check for every row, acknowledged or not);
- every approval the auditor saw acknowledged ("Listo: … aprobado") is stored;
- every pending deal has a card (cards a crash left unposted are posted at start; one posted but not
  recorded is adopted) and its buttons work: the auditor approves them all after the restart;
- no deal has more than one live card (``Figures.several_cards``, one figure per restart).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.domain.cards import CardKey
from bot.domain.enums import ApprovalKind, ApprovalStatus
from bot.services import directory
from bot.texts import deals as DT
from db import migrate
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import Approval, AuditLog, CommissionEntry, Deal
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import BOT_ID, DiscordFake, buttons, message_text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
KAMS = 20
PER_TRIAL = 100
REGISTERED_MARK = DT.REGISTERED.split("{")[0][:12] or "registrado"
DECIDED_MARK = DT.DECIDED_ACK.split("{")[0]


@dataclass
class Figures:
    trials: int = 0
    registrations_sent: int = 0
    registrations_acknowledged: int = 0
    registrations_stored: int = 0
    approvals_sent: int = 0
    approvals_acknowledged: int = 0
    cards_reposted: int = 0  # posted, or adopted from the channel, at restart
    several_cards: list[int] = field(default_factory=list)  # per restart: deals with more than one live card
    buttons_clicked_after_restart: int = 0
    kill_delays_ms: list[int] = field(default_factory=list)  # burst start → kill
    kill_targets: list[int] = field(default_factory=list)  # answers seen by users when killed


def env_for(fake: DiscordFake, tmp_path: Path, url: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_GUILD_ID": str(fake.guild_id),
        "DISCORD_API_BASE": fake.rest_base,
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp_path / "data"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "LOG_LEVEL": "WARNING",
    }


def final_text(handle: Any) -> str:
    """What the user sees now (no waiting): empty when the bot never answered."""
    return message_text(handle._final()) if handle.rec.response_type else ""


async def seed(url: str, fake: DiscordFake, trials: int, per_trial: int = PER_TRIAL) -> tuple[list[tuple[int, int]], int]:
    """KAMs with one fresh client per registration to come; an auditor. [(kam, client)], auditor."""
    kams = [await fake.add_member(f"KAM {i}", ["KAM"]) for i in range(KAMS)]
    auditor = await fake.add_member("Auditora", ["Auditoría"])
    eng = make_engine(url)
    await migrate.upgrade(eng)
    sm = make_sessionmaker(eng)
    pairs = []
    async with sm() as s:
        actor = Actor.system("crash-trial")
        members = [await directory.ensure_member(s, uid, f"KAM {i}", actor) for i, uid in enumerate(kams)]
        for n in range(trials * per_trial):
            c = await directory.create_client(s, actor, f"Cliente {n}")
            await directory.assign(s, actor, c, members[n % KAMS], now=datetime.now(UTC))
            await directory.add_service(s, actor, c, "web", now=datetime.now(UTC))
            pairs.append((kams[n % KAMS], c.id))
        await s.commit()
    await eng.dispose()
    return pairs, auditor


async def check_database(url: str) -> dict[str, Any]:
    """Every deal whole; returns {interaction_id: deal} and the approved deal ids."""
    eng = make_engine(url)
    sm = make_sessionmaker(eng)
    try:
        async with sm() as s:
            deals = list((await s.execute(select(Deal))).scalars())
            for d in deals:
                n_ledger = (await s.execute(select(func.count()).select_from(CommissionEntry)
                                            .where(CommissionEntry.deal_id == d.id))).scalar_one()
                n_appr = (await s.execute(select(func.count()).select_from(Approval)
                                          .where(Approval.deal_id == d.id))).scalar_one()
                n_audit = (await s.execute(select(func.count()).select_from(AuditLog).where(
                    AuditLog.entity_type == "deal", AuditLog.entity_id == str(d.id),
                    AuditLog.action == "negocio.registrar"))).scalar_one()
                assert n_ledger >= 1 and n_appr >= 1 and n_audit == 1, f"deal {d.id} half written"
            by_interaction = {d.interaction_id: d for d in deals}
            assert len(by_interaction) == len(deals), "a registration stored twice"
            approved = {d.id for d in deals if d.status == "aprobado"}
            pending_without_card = [d.id for d in deals if d.status == "pendiente" and not d.card_message_id]
            return {"deals": by_interaction, "approved": approved, "pending_without_card": pending_without_card,
                    "pending": [d for d in deals if d.status == "pendiente"]}
    finally:
        await eng.dispose()


async def deals_waiting_for_audit(url: str, deal_ids: list[int]) -> list[int]:
    eng = make_engine(url)
    try:
        async with make_sessionmaker(eng)() as s:
            q = select(Approval.deal_id).where(Approval.deal_id.in_(deal_ids), Approval.kind == ApprovalKind.AUDITORIA,
                                               Approval.status == ApprovalStatus.PENDIENTE).order_by(Approval.deal_id)
            return list((await s.execute(q)).scalars())
    finally:
        await eng.dispose()


async def wait_cards_recorded(url: str, deal_ids: set[int], timeout: float = 30) -> None:
    """Until every one of ``deal_ids`` has its card's message id stored (posted or adopted at start)."""
    eng = make_engine(url)
    sm = make_sessionmaker(eng)
    deadline = time.perf_counter() + timeout
    try:
        while True:
            async with sm() as s:
                left = (await s.execute(select(func.count()).select_from(Deal).where(
                    Deal.id.in_(deal_ids), Deal.card_message_id.is_(None)))).scalar_one()
            if not left:
                return
            assert time.perf_counter() < deadline, f"{left} cards still unrecorded"
            await asyncio.sleep(0.1)
    finally:
        await eng.dispose()


def cards_of(fake: DiscordFake, deal_id: int) -> list[dict]:
    """The deal's live cards: the bot's channel messages with its title or its buttons (a duplicate
    marked as replaced has neither)."""
    prefix, key = f"Negocio #{deal_id} ", CardKey("deal", "deal", deal_id)
    return [m for m in fake.channel_messages() if m["author"]["id"] == str(BOT_ID) and (
        any((e.get("title") or "").startswith(prefix) for e in m.get("embeds", []))
        or key.owns_any(b.get("custom_id") for b in buttons(m)))]


def deals_with_several_cards(fake: DiscordFake, deal_ids: Any) -> list[int]:
    return [d for d in deal_ids if len(cards_of(fake, d)) > 1]


def card_of(fake: DiscordFake, deal_id: int) -> dict | None:
    prefix = f"Negocio #{deal_id} "
    for m in fake.channel_messages():
        if any((e.get("title") or "").startswith(prefix) for e in m.get("embeds", [])):
            return m
    return None


async def run_trials(tmp_path: Path, trials: int, seed_value: int = 0, url: str | None = None) -> Figures:
    """``url``: the database (default a SQLite file in ``tmp_path``)."""
    rng = random.Random(seed_value)
    fig = Figures()
    fake = DiscordFake()
    await fake.start()
    url = url or f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    try:
        pairs, auditor = await seed(url, fake, trials)
        to_approve: list[dict] = []
        for t in range(trials):
            proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
            await proc.start(fake)
            batch = pairs[t * PER_TRIAL:(t + 1) * PER_TRIAL]
            clicks = to_approve[:20]
            regs = batch[: PER_TRIAL - len(clicks)]
            started = time.perf_counter()
            reg_handles = asyncio.gather(*(
                fake.slash(uid, "registrar-negocio", {
                    "cliente": str(cid), "tipo": "up_sale", "servicio": "web",
                    "valor-total": f"{1_000_000 + i * 1_000}", "anticipo": "500.000"},
                    attachments={"comprobante": ("c.png", PNG, "image/png")})
                for i, (uid, cid) in enumerate(regs)))
            click_handles = asyncio.gather(*(fake.click(auditor, card, label="Pago verificado") for card in clicks))
            regs_h, clicks_h = await reg_handles, await click_handles
            # kill -9 at a random moment of the burst: once a random number of answers reached users
            target = rng.randint(0, len(regs_h) + len(clicks_h) - 1)
            deadline = time.perf_counter() + 20
            while time.perf_counter() < deadline and sum(1 for h in (*regs_h, *clicks_h) if final_text(h)) < target:
                await asyncio.sleep(0.005)
            fig.kill_delays_ms.append(int((time.perf_counter() - started) * 1000))
            fig.kill_targets.append(target)
            await proc.kill()
            elapsed = time.perf_counter() - started
            acked_regs = [h for h in regs_h if REGISTERED_MARK in final_text(h)]
            acked_clicks = [(card, h) for card, h in zip(clicks, clicks_h, strict=True) if DECIDED_MARK in final_text(h)]
            fig.trials += 1
            fig.registrations_sent += len(regs_h)
            fig.registrations_acknowledged += len(acked_regs)
            fig.approvals_sent += len(clicks_h)
            fig.approvals_acknowledged += len(acked_clicks)

            # restart: acknowledged work is there, whole, once; unposted cards get posted
            proc = BotProcess(env_for(fake, tmp_path, url), tmp_path, tmp_path / "bot.log")
            await proc.start(fake)
            state = await check_database(url)
            for h in acked_regs:
                assert h.id in state["deals"], f"acknowledged registration {h.id} lost (trial {t}, {elapsed:.2f}s)"
            approved_ids = state["approved"]
            for card, _h in acked_clicks:
                deal_id = int(card["embeds"][0]["title"].split("#")[1].split(" ")[0])
                assert deal_id in approved_ids, f"acknowledged approval of deal {deal_id} lost (trial {t})"
            fig.registrations_stored += sum(1 for h in regs_h if h.id in state["deals"])
            missing = set(state["pending_without_card"])
            if missing:
                await wait_cards_recorded(url, missing)
                fig.cards_reposted += len(missing)
            fig.several_cards.append(len(deals_with_several_cards(fake, [d.id for d in state["deals"].values()])))
            # every pending card's buttons work after the restart: the COO (or the auditor) clicks them all
            coo = await fake.add_member(f"COO {t}", ["COO"])
            pending = [d.id for d in state["pending"]]
            await fake.wait_for(lambda: all(card_of(fake, d) for d in pending), timeout=30)

            def approve(card: dict) -> Any:
                labels = {b.get("label") for b in buttons(card)}
                if "Aprobar (COO)" in labels:
                    return fake.click(coo, card, label="Aprobar (COO)")
                return fake.click(auditor, card, label="Pago verificado")

            results = await asyncio.gather(*(approve(card_of(fake, d)) for d in pending))
            texts = await asyncio.gather(*(h.text(30) for h in results))
            assert all(DECIDED_MARK in x or "ya" in x for x in texts), [x for x in texts if DECIDED_MARK not in x][:3]
            fig.buttons_clicked_after_restart += len(pending)
            await asyncio.sleep(0.3)
            # the next burst's auditor clicks go to the cards still waiting for «Pago verificado»
            # (by the database: a card's edit may still be on its way, and a finished deal's drops the button)
            await proc.stop()
            audit_pending = await deals_waiting_for_audit(url, pending)
            to_approve = [c for c in (card_of(fake, d) for d in audit_pending)
                          if c is not None and "Pago verificado" in {b.get("label") for b in buttons(c)}]
        return fig
    finally:
        await fake.stop()
