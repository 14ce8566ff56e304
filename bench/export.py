"""Benchmark of the daily export against the HubSpot fake with HubSpot's limits on.

For each D (deals on the export date) among T total deals, a child process runs the real export
(`perform_export`: keyset-paged search, reconciliation, XLSX/CSV) and reports HubSpot calls, wall
time, the floor ceil(D/200)/5 s, the ratio to the floor and the child's peak RSS. Then the same
day is exported the naive way (the client's `get_all` over every deal, filtered locally).

    uv run python bench/export.py                       # T=200000, D=1000,10000,25000
    uv run python bench/export.py --total 50000 --days 1000 5000 --skip-naive
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DAY = date(2026, 11, 22)
TOKEN = "bench-token"

FAKE = """
import asyncio, sys
from datetime import date, timedelta
sys.path.insert(0, {root!r})
from tests.fakes.hubspot_fake import HubSpotFake
async def main():
    fake = HubSpotFake(token={token!r}, limits=True)
    total, on_day, day = {total}, {on_day}, date.fromisoformat({day!r})
    rest = total - on_day
    fake.bulk_add_deals(rest // 2, d=day - timedelta(days=1))
    fake.bulk_add_deals(on_day, d=day, owner_id="9001")
    fake.bulk_add_deals(rest - rest // 2, d=day + timedelta(days=1))
    url = await fake.start()
    print(url, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def start_fake(total: int, on_day: int) -> tuple[subprocess.Popen[str], str]:
    code = FAKE.format(root=str(ROOT), token=TOKEN, total=total, on_day=on_day, day=DAY.isoformat())
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit("the HubSpot fake did not start")
    return proc, url


async def naive_get_all(gw: Any, properties: list[str]) -> list[Any]:
    """The naive baseline: ``client.crm.deals.get_all`` lists *every* deal, 100 per call, all in
    memory, and the caller filters by date afterwards (what the bot's date search avoids)."""
    props = gw._deal_properties(properties)
    objs = await gw._call("GET /crm/v3/objects/deals (get_all)", gw._client.crm.deals.get_all, properties=props)
    return [gw._deal(o, archived=False) for o in objs]


async def child(url: str, mode: str, on_day: int) -> dict[str, float]:
    from bot.config import Settings
    from bot.hubspot.gateway import HubSpotGateway
    from bot.services.export_job import perform_export
    from db import migrate
    from db.engine import make_engine, make_sessionmaker
    from db.models import Client, Deal, Member

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gw = HubSpotGateway(TOKEN, base_url=url, timeout=30)
    t0 = time.perf_counter()
    if mode == "naive":
        from bot.hubspot.gateway import HubSpotError

        try:
            deals = await naive_get_all(gw, properties=["dealname", "amount", "hubspot_owner_id", "fecha_de_anticipo"])
        except HubSpotError as exc:
            return {"calls": gw.calls, "wall": time.perf_counter() - t0, "error": str(exc)[:200],
                    "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_start_mb": rss0}
        matched = sum(1 for x in deals if x.advance_date == DAY)
        wall = time.perf_counter() - t0
        assert matched == on_day, (matched, on_day)
        return {"calls": gw.calls, "wall": wall, "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_start_mb": rss0, "matched": matched}
    from bot.services.summary import warm_up_charts

    tw = time.perf_counter()
    warm_up_charts()  # the bot does this once at start-up; excluded from the export's wall time
    warm = time.perf_counter() - tw
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(discord_token="bench", discord_guild_id=1, database_url=f"sqlite+aiosqlite:///{tmp}/b.db",
                            export_dir=Path(tmp) / "exports", data_dir=Path(tmp) / "data", _env_file=None)
        engine = make_engine(settings.database_url)
        await migrate.upgrade(engine)
        sm = make_sessionmaker(engine)
        async with sm() as s:  # a few registered deals so reconciliation has matches
            m = Member(discord_id=1, name="KAM bench", hubspot_owner_id="9001")
            c = Client(name="Cliente bench", name_key="cliente bench")
            s.add_all([m, c])
            await s.flush()
            s.add(Deal(member_id=m.id, client_id=c.id, deal_type="renovacion", service="web", total_value=1_000_000,
                       advance_amount=500_000, advance_date=DAY, commission_estimate=60_000, hubspot_deal_id="999999999"))
            await s.commit()
        now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
        t0 = time.perf_counter()
        out = await perform_export(sm, settings, d=DAY, now=now, trigger="cli", gateway=gw)
        wall = time.perf_counter() - t0
        await engine.dispose()
        assert out.status == "hecha", out.error
        r = out.result
        assert r.findings["no_registrado"] == on_day, r.findings
        return {"calls": r.hubspot_calls, "wall": wall, "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_start_mb": rss0, "findings": r.findings_count, "warm_up": warm}


def run_child(url: str, mode: str, on_day: int) -> dict[str, float]:
    res = subprocess.run([sys.executable, __file__, "--child", mode, url, str(on_day)], capture_output=True, text=True,
                         cwd=ROOT, timeout=3600)
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, url, on_day = sys.argv[2], sys.argv[3], int(sys.argv[4])
        print(json.dumps(asyncio.run(child(url, mode, on_day))))
        return
    p = argparse.ArgumentParser()
    p.add_argument("--total", type=int, default=200_000)
    p.add_argument("--days", type=int, nargs="+", default=[1_000, 10_000, 25_000])
    p.add_argument("--skip-naive", action="store_true")
    a = p.parse_args()
    print(f"T = {a.total} deals in HubSpot; limits on (search 5/s, 190 req/10 s); export date {DAY}")
    print(f"{'D':>7} {'calls':>6} {'ceil(D/200)+2':>14} {'wall s':>8} {'floor s':>8} {'ratio':>6} {'peak RSS MB':>12}")
    peaks: dict[int, float] = {}
    for d in a.days:
        proc, url = start_fake(a.total, d)
        try:
            r = run_child(url, "export", d)
            floor = math.ceil(d / 200) / 5
            peaks[d] = r["rss_peak_mb"]
            if d == a.days[0]:
                print(f"  (matplotlib warm-up, done once at bot start and not counted: {r['warm_up']:.2f} s)")
            print(f"{d:>7} {int(r['calls']):>6} {math.ceil(d / 200) + 2:>14} {r['wall']:>8.2f} {floor:>8.2f} "
                  f"{r['wall'] / floor:>6.2f} {r['rss_peak_mb']:>12.1f}")
            if d == a.days[0] and not a.skip_naive:
                n = run_child(url, "naive", d)
                if "error" in n:
                    print(f"  naive get_all for D={d}: did not complete — {n['error']} "
                          f"({int(n['calls'])} calls, {n['wall']:.2f} s)")
                    continue
                print(f"  naive get_all for D={d}: {int(n['calls'])} calls, {n['wall']:.2f} s, peak RSS {n['rss_peak_mb']:.1f} MB")
        finally:
            proc.kill()
            proc.wait()
    if len(peaks) > 1:
        lo, hi = min(peaks), max(peaks)
        print(f"peak RSS growth from D={lo} to D={hi}: {peaks[hi] - peaks[lo]:.1f} MB")


if __name__ == "__main__":
    main()
