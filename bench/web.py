"""Web panel server time: a SQLite file with 50,000 deals, 200 KAMs and 5,000 leads (bulk-inserted, with
their approvals, ledger lines, renewal windows, export runs and audit rows), then every page of the panel
requested through the ASGI app in process (httpx.ASGITransport: the server's own time, no network),
logged in as the role that sees it. Prints p50 / p99 / max in ms per page; the target is p99 < 150 ms.

    uv run python bench/web.py
    uv run python bench/web.py --deals 50000 --kams 200 --leads 5000 -n 60
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import delete, insert  # noqa: E402

from bot.clock import ManualClock  # noqa: E402
from bot.config import OfflineSettings  # noqa: E402
from bot.services import web_login  # noqa: E402
from bot.web.app import create_app, settle_heap  # noqa: E402
from bot.web.context import ADMIN, AUDIT, COO, KAM, Identity, WebContext  # noqa: E402
from db import migrate  # noqa: E402
from db.audit import Actor  # noqa: E402
from db.engine import make_engine, make_sessionmaker  # noqa: E402
from db.models import (  # noqa: E402
    Approval,
    AuditLog,
    Client,
    CommissionEntry,
    Deal,
    ExportRun,
    Lead,
    Member,
    RenewalIntent,
    WebLoginToken,
)

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TYPES = ["renovacion", "cross_sale", "up_sale"]
SERVICES = ["web", "social_ads", "google_ads", "community_manager", "branding"]
STAFF = {AUDIT: 9_000_001, COO: 9_000_002, ADMIN: 9_000_003}


async def seed(sm, *, deals: int, kams: int, leads: int, rng: random.Random) -> None:
    async def bulk(model, rows, chunk=5000):
        async with sm() as s:
            for k in range(0, len(rows), chunk):
                await s.execute(insert(model), rows[k:k + chunk])
            await s.commit()

    await bulk(Member, [{"id": i + 1, "discord_id": 1_000_000 + i, "name": f"KAM {i:03d}", "job_role": "otro",
                         "active": True, "created_at": NOW, "updated_at": NOW} for i in range(kams)])
    n_clients = kams * 10
    await bulk(Client, [{"id": c + 1, "name": f"Cliente {c}", "name_key": f"cliente {c}", "active": True,
                         "created_at": NOW, "updated_at": NOW} for c in range(n_clients)])
    deal_rows, approvals, ledger, audit = [], [], [], []
    for d in range(deals):
        kam = d % kams + 1
        created = NOW - timedelta(minutes=(deals - d) * 10)  # ~1 year of history, oldest first
        deal_type = rng.choice(TYPES)
        status = "pendiente" if d >= deals - 3000 else rng.choice(["aprobado"] * 8 + ["rechazado", "anulado"])
        total = rng.randrange(1_000_000, 40_000_000, 1000)
        commission = total * 6 // 100
        deal_rows.append({
            "id": d + 1, "member_id": kam, "client_id": (kam - 1) * 10 + d % 10 + 1, "deal_type": deal_type,
            "service": rng.choice(SERVICES), "total_value": total, "advance_amount": total // 2,
            "advance_date": created.date(), "commission_estimate": commission, "status": status, "is_late": False,
            "hubspot_check": "desactivado", "proof_status": "recibido", "proof_path": f"proofs/{d % 97:02d}/p{d}.png",
            "proof_filename": "pago.png", "proof_content_type": "image/png", "created_at": created, "updated_at": created,
        })
        kinds = ["auditoria"] + (["coo"] if deal_type == "up_sale" else [])
        for kind in kinds:
            a_status = {"pendiente": "pendiente", "aprobado": "aprobada", "rechazado": "rechazada"}.get(status, "cancelada")
            approvals.append({"kind": kind, "status": a_status, "deal_id": d + 1, "created_at": created,
                              "updated_at": created, "decided_at": None if a_status == "pendiente" else created,
                              "decided_by_name": None if a_status == "pendiente" else "Auditora"})
        state = {"pendiente": "pendiente", "aprobado": "ganada"}.get(status, "rechazada")
        ledger.append({"member_id": kam, "kind": "comision", "state": state, "amount": commission, "deal_id": d + 1,
                       "description": f"Negocio #{d + 1}", "created_at": created,
                       "settled_at": None if state == "pendiente" else created})
        audit.append({"at": created, "actor_discord_id": 1_000_000 + kam - 1, "actor_name": f"KAM {kam - 1:03d}",
                      "action": "negocio.registrar", "entity_type": "deal", "entity_id": str(d + 1)})
        if status != "pendiente":
            audit.append({"at": created, "actor_discord_id": STAFF[AUDIT], "actor_name": "Auditora",
                          "action": "aprobacion.aprobar" if status == "aprobado" else "aprobacion.rechazar",
                          "entity_type": "approval", "entity_id": str(d + 1)})
    await bulk(Deal, deal_rows)
    await bulk(Approval, approvals)
    await bulk(CommissionEntry, ledger)
    await bulk(AuditLog, audit)
    lead_rows = []
    for i in range(leads):
        created = NOW - timedelta(hours=(leads - i) * 1.7)
        lead_rows.append({"id": i + 1, "referrer_id": i % kams + 1, "referrer_cedula": "1234567", "contact_name": f"Contacto {i}",
                          "company": f"Empresa {i}", "company_key": f"empresa {i}", "service": "web",
                          "status": rng.choice(["nuevo", "bueno", "malo", "vendido"]), "created_at": created,
                          "updated_at": created})
    await bulk(Lead, lead_rows)
    await bulk(RenewalIntent, [{"member_id": k + 1, "client_id": k * 10 + 1, "delivery_date": NOW.date(),
                                "deadline": NOW.date() + timedelta(days=5), "status": "abierta", "blocked": False,
                                "created_at": NOW, "updated_at": NOW} for k in range(kams)])
    await bulk(ExportRun, [{"export_date": date(2026, 11, 22) - timedelta(days=i), "attempt": 1, "forced": False,
                            "trigger": "schedule", "status": "hecha", "started_at": NOW, "deals_count": 140,
                            "findings_count": 3, "hubspot_calls": 0, "files": {}} for i in range(365)])


async def login(app, sm, clock, discord_id: int) -> httpx.AsyncClient:
    async with sm() as s:
        link = await web_login.issue(s, Actor(discord_id, "bench"), now=clock.now())
        await s.commit()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://panel.bench")
    r = await client.post("/entrar", data={"token": link.token})
    assert r.status_code == 303, r.text
    return client


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--deals", type=int, default=50_000)
    p.add_argument("--kams", type=int, default=200)
    p.add_argument("--leads", type=int, default=5_000)
    p.add_argument("-n", type=int, default=60, help="requests per page")
    p.add_argument("--db", type=Path, help="keep the seeded SQLite file here and reuse it on the next run")
    p.add_argument("--only", help="only the pages whose path contains this")
    args = p.parse_args()
    rng = random.Random(23)
    with tempfile.TemporaryDirectory() as tmp:
        db_file = args.db or Path(tmp) / "bench.db"
        fresh = not db_file.exists()
        url = f"sqlite+aiosqlite:///{db_file}"
        engine = make_engine(url)
        await migrate.upgrade(engine)
        sm = make_sessionmaker(engine)
        if fresh:
            t0 = time.perf_counter()
            await seed(sm, deals=args.deals, kams=args.kams, leads=args.leads, rng=rng)
            print(f"seeded {args.deals:,} deals, {args.kams} KAMs, {args.leads:,} leads in {time.perf_counter() - t0:.1f} s")
        else:  # the clock is fixed: the last runs' links would hit the 5-links-in-10-minutes limit
            async with sm() as s:
                await s.execute(delete(WebLoginToken))
                await s.commit()

        settings = OfflineSettings(database_url=url, data_dir=Path(tmp) / "data", export_dir=Path(tmp) / "exports",
                                   web_base_url="http://panel.bench", _env_file=None)
        clock = ManualClock(NOW)

        async def lookup(discord_id: int) -> Identity | None:
            role = next((r for r, d in STAFF.items() if d == discord_id), KAM)
            return Identity(discord_id, "bench", frozenset({role}))

        async def after(decision: object, kind: str) -> None:
            return None

        app = create_app(WebContext(settings, sm, clock, lookup, after, "b" * 48))
        kam = await login(app, sm, clock, 1_000_007)
        staff = {r: await login(app, sm, clock, d) for r, d in STAFF.items()}
        settle_heap()  # what bot.web.server.PanelServer.start does once the panel listens
        pages = [
            (staff[AUDIT], "/auditoria"), (staff[AUDIT], "/auditoria?pagina=100"), (staff[COO], "/coo"),
            (kam, "/mis-negocios"), (kam, "/mis-negocios?estado=aprobado&tipo=up_sale&mes=2026-10"),
            (kam, "/mis-negocios?pagina=10"), (kam, "/negocios/49808"), (kam, "/mis-comisiones"),
            (kam, "/mis-comisiones?mes=2026-06"), (kam, "/mis-referidos"), (kam, "/mis-renovaciones"),
            (staff[ADMIN], "/admin"), (staff[ADMIN], "/admin/exportes"), (staff[ADMIN], "/admin/registro"),
            (staff[ADMIN], "/admin/registro?q=aprobacion.rechazar"), (staff[ADMIN], "/admin/registro?q=KAM%20007&pagina=5"),
        ]
        print(f"{'page':58} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        worst = 0.0
        for client, path in pages:
            if args.only and args.only not in path:
                continue
            r = await client.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:500])
            times = []
            for _ in range(args.n):
                t = time.perf_counter()
                r = await client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            worst = max(worst, p99)
            print(f"{path:58} {statistics.median(times):8.1f} {p99:8.1f} {times[-1]:8.1f}")
        print(f"worst p99: {worst:.1f} ms ({'under' if worst < 150 else 'OVER'} the 150 ms target)")
        for c in [kam, *staff.values()]:
            await c.aclose()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
