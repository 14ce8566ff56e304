"""Interaction latency under load: N concurrent slash commands against the bot running as a
subprocess, while the HubSpot fake answers every call after 2 s. Prints p50 / p99 / max of the time
from INTERACTION_CREATE (dispatched by the Discord fake) to the bot's first callback.

Two phases: a /ayuda burst the moment the bot has logged in ("cold": it is still running its start-up
catch-up — yesterday's export, backups, reminders, chart warm-up — so the event loop shares the CPU),
then, after --settle seconds, /ayuda and /registrar-negocio bursts ("steady"). The 250 ms p99 target is
for the steady phase; the cold figures are printed so a regression there is seen too.

    uv run python bench/interactions.py            # N = 50
    uv run python bench/interactions.py -n 100 --hubspot-latency 2
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.bot_process import BotProcess  # noqa: E402
from tests.fakes.discord_fake import DiscordFake  # noqa: E402
from tests.fakes.hubspot_fake import HubSpotFake  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HS_TOKEN = "bench-hs-token"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def report(name: str, lat: list[float], wall: float) -> None:
    ms = [x * 1000 for x in lat]
    print(f"{name:<28} n={len(ms):<4} p50={pct(ms, 50):7.1f} ms  p99={pct(ms, 99):7.1f} ms  "
          f"max={max(ms):7.1f} ms  mean={statistics.mean(ms):7.1f} ms  (all answered in {wall:.2f} s)")


async def seed(db_url: str, kams: list[int]) -> None:
    from bot.services import directory
    from db import migrate
    from db.audit import Actor
    from db.engine import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    await migrate.upgrade(engine)
    sm = make_sessionmaker(engine)
    async with sm() as s:
        admin = Actor.system("bench")
        for i, uid in enumerate(kams):
            m = await directory.ensure_member(s, uid, f"KAM {i}", admin)
            m.hubspot_owner_id = "501"
            c = await directory.create_client(s, admin, f"Cliente {i:03d}")
            await directory.assign(s, admin, c, m, now=datetime.now(UTC))
            await directory.add_service(s, admin, c, "web", now=datetime.now(UTC))
        await s.commit()
    await engine.dispose()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--hubspot-latency", type=float, default=2.0)
    ap.add_argument("--settle", type=float, default=8.0, help="seconds between the cold and the steady phase")
    a = ap.parse_args()

    fake = DiscordFake()
    await fake.start()
    hs = HubSpotFake(token=HS_TOKEN, limits=True)
    await hs.start()
    with tempfile.TemporaryDirectory() as tmp:
        tmpp = Path(tmp)
        kams = [await fake.add_member(f"KAM {i}", ["KAM"]) for i in range(a.n)]
        deal_ids = [hs.add_deal(dealname=f"Negocio {i}", amount="10000000", hubspot_owner_id="501",
                                fecha_de_anticipo="2026-11-20") for i in range(a.n)]
        db_url = f"sqlite+aiosqlite:///{tmpp / 'bench.db'}"
        await seed(db_url, kams)
        hs.latency = a.hubspot_latency
        env = {
            "DISCORD_TOKEN": fake.token, "DISCORD_GUILD_ID": str(fake.guild_id), "DISCORD_API_BASE": fake.rest_base,
            "DATABASE_URL": db_url, "DATA_DIR": str(tmpp / "data"), "EXPORT_DIR": str(tmpp / "exports"),
            "HUBSPOT_ACCESS_TOKEN": HS_TOKEN, "HUBSPOT_API_BASE": hs.base_url, "HUBSPOT_TIMEOUT_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
        }
        proc = BotProcess(env, tmpp, tmpp / "bot.log")
        await proc.start(fake, timeout=60)
        try:
            print(f"N = {a.n} concurrent interactions; HubSpot answers after {a.hubspot_latency:.1f} s; bot as a subprocess")
            for phase in ("cold", "steady"):
                if phase == "steady":
                    await asyncio.sleep(a.settle)
                t0 = time.perf_counter()
                handles = await asyncio.gather(*(fake.slash(u, "ayuda") for u in kams))
                await asyncio.gather(*(h.response(10) for h in handles))
                report(f"/ayuda ({phase})", [h.latency for h in handles], time.perf_counter() - t0)

            t0 = time.perf_counter()
            handles = await asyncio.gather(*(
                fake.slash(u, "registrar-negocio", {
                    "cliente": f"Cliente {i:03d}", "tipo": "up_sale", "servicio": "web", "valor-total": "10.000.000",
                    "anticipo": "5.000.000", "fecha-anticipo": "2026-11-20", "negocio-hubspot": deal_ids[i],
                }, attachments={"comprobante": ("comprobante.png", PNG, "image/png")})
                for i, u in enumerate(kams)
            ))
            await asyncio.gather(*(h.response(10) for h in handles))
            report("/registrar-negocio (steady)", [h.latency for h in handles], time.perf_counter() - t0)
            finals = await asyncio.gather(*(h.text(30) for h in handles), return_exceptions=True)
            ok = sum(1 for f in finals if isinstance(f, str) and "registr" in f.lower())
            refused = [h for h in handles if h.rec.refused]
            print(f"  registered answers: {ok}/{a.n}; refused callbacks (10062/40060): {len(refused)}")
            def deal_cards() -> int:
                return sum(1 for m in fake.channel_messages()
                           if any((e.get("title") or "").startswith("Negocio #") for e in m.get("embeds", [])))

            await fake.wait_for(lambda: deal_cards() >= a.n, timeout=60)
            print(f"  deal cards posted: {deal_cards()}")
        finally:
            await proc.stop()
            await hs.stop()
            await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
