"""200 registrations at once on SQLite: every one acknowledged in time, stored exactly once, no
"database is locked"."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import func, select

from bot.services import directory
from db.audit import Actor
from db.models import CommissionEntry, Deal

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
N = 200


async def test_200_registrations_at_once(harness, caplog):
    kams = [await harness.member(f"KAM {i}", ["KAM"]) for i in range(20)]
    async with harness.sessionmaker() as s:
        sys_actor = Actor.system("test")
        client_ids = []
        for i, uid in enumerate(kams):
            m = await directory.ensure_member(s, uid, f"KAM {i}", sys_actor)
            for j in range(10):
                c = await directory.create_client(s, sys_actor, f"Cliente {i}-{j}")
                await directory.assign(s, sys_actor, c, m, now=harness.clock.now())
                await directory.add_service(s, sys_actor, c, "web", now=harness.clock.now())
                client_ids.append((uid, c.id))
        await s.commit()
    with caplog.at_level(logging.WARNING):
        handles = await asyncio.gather(*(
            harness.fake.slash(uid, "registrar-negocio", {
                "cliente": str(cid), "tipo": "up_sale", "servicio": "web", "valor-total": "1.000.000",
                "anticipo": "500.000"}, attachments={"comprobante": ("c.png", PNG, "image/png")})
            for uid, cid in client_ids
        ))
        texts = await asyncio.gather(*(h.text(60) for h in handles))
    assert all(h.latency is not None and h.latency < 3.0 for h in handles), max(h.latency or 99 for h in handles)
    assert sum("registr" in t.lower() for t in texts) == N, [t for t in texts if "registr" not in t.lower()][:3]
    assert not any(h.rec.refused for h in handles)
    assert "database is locked" not in caplog.text
    async with harness.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Deal))).scalar_one() == N
        assert (await s.execute(select(func.count(func.distinct(Deal.interaction_id))))).scalar_one() == N
        assert (await s.execute(select(func.count()).select_from(CommissionEntry))).scalar_one() == N
    await harness.fake.wait_for(lambda: len([m for m in harness.fake.channel_messages() if m.get("embeds")]) >= N, 30)
