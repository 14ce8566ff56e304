"""Client autocomplete latency: a SQLite file with 5,000 clients and 100 KAMs (bulk-inserted), then
the same function every ``cliente`` option uses (``bot.autocomplete.client_choices``: a session, the
caller's member row, the folded LIKE search, 25 choices) timed for many random queries, once as a
KAM (own clients only) and once as an admin (every client). Prints p50 / p99 / max in ms.

    uv run python bench/autocomplete.py
    uv run python bench/autocomplete.py --clients 5000 --kams 100 -n 2000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.autocomplete import client_choices  # noqa: E402
from bot.services.directory import client_key  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import make_engine, make_sessionmaker  # noqa: E402
from db.models import Client, ClientAssignment, ClientService, Member  # noqa: E402
from db.types import utcnow  # noqa: E402

WORDS = [
    "Panadería", "Sánchez", "Peña", "Núñez", "Clínica", "Dental", "Construcciones", "Andina", "Café", "Ñandú",
    "Inversiones", "Ramírez", "Distribuidora", "Óptica", "Logística", "Caribe", "Pacífico", "Montaña",
    "Hermanos", "Comercializadora", "Tecnología", "Agro", "Moda", "Educación", "Salud", "Muñoz", "Gómez",
    "Jiménez", "Inmobiliaria", "Estética", "Veterinaria", "Ferretería", "Restaurante", "Hotel", "Colegio",
]
SUFFIXES = ["S.A.S.", "Ltda", "S.A.", "& Cía", "", "", ""]
ADMIN_ROLE = "Admin ventas-ops"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def report(name: str, ms: list[float]) -> None:
    print(f"{name:<34} n={len(ms):<5} p50={pct(ms, 50):6.2f} ms  p99={pct(ms, 99):6.2f} ms  "
          f"max={max(ms):6.2f} ms  mean={statistics.mean(ms):6.2f} ms")


async def seed(sm, rng: random.Random, n_clients: int, n_kams: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n_clients:
        name = " ".join(rng.sample(WORDS, rng.randint(1, 3)) + [rng.choice(SUFFIXES)]).strip() + f" {len(names)}"
        if client_key(name) not in seen:
            seen.add(client_key(name))
            names.append(name)
    now = utcnow()
    async with sm() as s:
        await s.execute(insert(Member), [
            {"id": i + 1, "discord_id": 100_000_000_000_000_000 + i, "name": f"KAM {i}", "job_role": "trafficker",
             "active": True, "created_at": now, "updated_at": now} for i in range(n_kams)])
        await s.execute(insert(Client), [
            {"id": i + 1, "name": n, "name_key": client_key(n), "active": True, "created_at": now, "updated_at": now}
            for i, n in enumerate(names)])
        rows = []
        for i in range(n_clients):  # every client has one KAM; a third have a second one
            kams = {i % n_kams} | ({rng.randrange(n_kams)} if i % 3 == 0 else set())
            rows += [{"client_id": i + 1, "member_id": k + 1, "started_at": now, "source": "csv"} for k in kams]
        await s.execute(insert(ClientAssignment), rows)
        await s.execute(insert(ClientService), [
            {"client_id": i + 1, "service": "web", "started_at": now} for i in range(n_clients)])
        await s.commit()
    return names


def interaction(sm, discord_id: int, admin: bool) -> SimpleNamespace:
    roles = [SimpleNamespace(id=1, name=ADMIN_ROLE)] if admin else [SimpleNamespace(id=2, name="KAM")]
    client = SimpleNamespace(sessionmaker=sm, settings=SimpleNamespace(role_admin=ADMIN_ROLE))
    return SimpleNamespace(client=client, user=SimpleNamespace(id=discord_id, roles=roles))


def queries(rng: random.Random, names: list[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        word = rng.choice(rng.choice(names).split())
        kind = rng.random()
        if kind < 0.1:
            out.append("")
        elif kind < 0.2:
            out.append(word.upper())  # case-insensitive
        else:
            out.append(word[: rng.randint(1, min(6, len(word)))])
    return out


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await migrate.upgrade(engine)
        sm = make_sessionmaker(engine)
        t0 = time.perf_counter()
        names = await seed(sm, rng, args.clients, args.kams)
        print(f"seeded {args.clients} clients, {args.kams} KAMs in {time.perf_counter() - t0:.2f} s")
        qs = queries(rng, names, args.n)
        for label, admin in (("KAM (own clients only)", False), ("admin (all clients)", True)):
            ms: list[float] = []
            found = 0
            for i, q in enumerate(qs):
                kam = 100_000_000_000_000_000 + rng.randrange(args.kams)
                t = time.perf_counter()
                choices = await client_choices(interaction(sm, kam, admin), q, own_only=not admin)  # type: ignore[arg-type]
                ms.append((time.perf_counter() - t) * 1000)
                found += bool(choices)
                if i == 0:
                    ms.clear()  # first call warms the connection pool
            report(f"autocomplete {label}", ms)
            print(f"{'':<34} {found}/{len(qs)} queries had matches")
        await engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=5000)
    p.add_argument("--kams", type=int, default=100)
    p.add_argument("-n", type=int, default=2000, help="queries per caller kind")
    p.add_argument("--seed", type=int, default=4)
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
