"""Every page and action of the panel × every role (KAM owner, another KAM, auditor, COO, admin, a member
without a program role, no session). Objects of someone else answer 404, pages of another role 403."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import Approval, AuditLog, Deal, ExportRun
from tests.web.conftest import NOW, csrf_of

ROLES = ("kam", "kam2", "auditor", "coo", "admin", "norole", "anon")
KAM_ONLY = {"kam": 200, "kam2": 200}
STAFF_OR_OWNER = {"kam": 200, "kam2": 404, "auditor": 200, "coo": 200, "admin": 200}


def expected(allowed: dict[str, int], who: str) -> int:
    if who == "anon":
        return 401
    return allowed.get(who, 403)


async def add_export_files(panel) -> int:
    export_dir = panel.ctx.settings.export_dir
    day = export_dir / "2026-11-22"
    day.mkdir(parents=True, exist_ok=True)
    (day / "negocios-2026-11-22.xlsx").write_bytes(b"PK xlsx")
    (export_dir / "reportes").mkdir(parents=True, exist_ok=True)
    (export_dir / "reportes" / "comisiones-2026-10.xlsx").write_bytes(b"PK payroll")
    outside = export_dir.parent / "secreto.txt"
    outside.write_text("no")
    async with panel.sessionmaker() as s:
        run = ExportRun(export_date=date(2026, 11, 22), trigger="schedule", status="hecha", started_at=NOW,
                        files={"xlsx": str(day / "negocios-2026-11-22.xlsx"), "csv": str(outside)})
        s.add(run)
        await s.commit()
        return run.id


@pytest.mark.parametrize("who", ROLES)
async def test_every_page_for_every_role(panel, who):
    run_id = await add_export_files(panel)
    ana, beto = panel.world.ana_deal, panel.world.beto_deal
    pages = {
        "/": {"kam": 303, "kam2": 303, "auditor": 303, "coo": 303, "admin": 303},
        "/mis-negocios": KAM_ONLY,
        "/mis-comisiones": KAM_ONLY,
        "/mis-referidos": KAM_ONLY,
        "/mis-renovaciones": KAM_ONLY,
        "/auditoria": {"auditor": 200},
        "/coo": {"coo": 200},
        "/admin": {"admin": 200},
        "/admin/exportes": {"admin": 200},
        "/admin/registro": {"admin": 200},
        f"/admin/exportes/{run_id}/xlsx": {"admin": 200},
        f"/admin/exportes/{run_id}/csv": {"admin": 404},  # a file outside EXPORT_DIR is never served
        f"/admin/exportes/{run_id + 1}/xlsx": {"admin": 404},
        "/admin/reportes/comisiones-2026-10.xlsx": {"admin": 200},
        "/admin/reportes/secreto.txt": {"admin": 404},  # only the statements in EXPORT_DIR/reportes
        f"/negocios/{ana}": STAFF_OR_OWNER,
        f"/comprobantes/{ana}": STAFF_OR_OWNER,
        f"/negocios/{beto}": {"kam": 404, "kam2": 200, "auditor": 200, "coo": 200, "admin": 200},
        "/negocios/999999": {"kam": 404, "kam2": 404, "auditor": 404, "coo": 404, "admin": 404},
        "/comprobantes/999999": {"kam": 404, "kam2": 404, "auditor": 404, "coo": 404, "admin": 404},
    }
    client = await panel.login(who)
    got = {}
    for path, allowed in pages.items():
        if who == "norole":  # the first refusal also ends the session: a fresh one per page
            panel.ctx.clock.advance(minutes=3)  # (links are rate-limited per member)
            client = await panel.login(who)
        r = await client.get(path)
        got[path] = r.status_code
        if r.status_code in (401, 403, 404):
            assert "<h1>" in r.text and "Traceback" not in r.text  # the Spanish error page
    want = {path: expected(allowed, who) for path, allowed in pages.items()}
    assert got == want


async def approval_states(panel) -> dict[int, list[str]]:
    async with panel.sessionmaker() as s:
        rows = (await s.execute(select(Approval.deal_id, Approval.kind, Approval.status).order_by(Approval.id))).all()
    out: dict[int, list[str]] = {}
    for deal_id, kind, status in rows:
        out.setdefault(deal_id, []).append(f"{kind}:{status}")
    return out


@pytest.mark.parametrize(("action", "deal", "allowed"), [
    ("audit_ok", "beto_deal", "auditor"), ("audit_no", "beto_deal", "auditor"),
    ("coo_ok", "ana_deal", "coo"), ("coo_no", "ana_deal", "coo"),
])
async def test_every_decision_for_every_role(panel, action, deal, allowed):
    deal_id = getattr(panel.world, deal)
    before = await approval_states(panel)
    for who in ROLES:
        if who == allowed:
            continue
        client = await panel.login(who)
        csrf = "x"  # anon and norole have no page to take a token from
        if who.startswith("kam"):
            csrf = csrf_of((await client.get("/mis-negocios")).text)
        if who in ("auditor", "coo", "admin"):
            csrf = csrf_of((await client.get(f"/negocios/{deal_id}")).text)
        r = await client.post(f"/negocios/{deal_id}/decidir", data={"csrf": csrf, "action": action, "reason": "No va así"})
        assert r.status_code == {"anon": 401, "norole": 403}.get(who, 403), (who, r.status_code)
    assert await approval_states(panel) == before, "a refused role changed a decision"
    assert panel.guild.decisions == []
    async with panel.sessionmaker() as s:
        denied = (await s.execute(select(AuditLog).where(AuditLog.action == "acceso.denegado"))).scalars().all()
    assert len(denied) == 4  # kam, kam2 and the two other staff roles, each with a valid session and token

    client = await panel.login(allowed)
    csrf = csrf_of((await client.get(f"/negocios/{deal_id}")).text)
    r = await client.post(f"/negocios/{deal_id}/decidir", data={"csrf": csrf, "action": action, "reason": "No va así"})
    assert r.status_code == 303
    assert await approval_states(panel) != before
    assert [(d, k) for d, k, _ in panel.guild.decisions] == [(deal_id, "auditoria" if action.startswith("audit") else "coo")]


@pytest.mark.parametrize("who", ["kam", "auditor", "admin"])
async def test_a_post_without_the_csrf_token_is_refused(panel, who):
    client = await panel.login(who)
    for data in ({"action": "audit_ok"}, {"action": "audit_ok", "csrf": "otro-token"}):
        r = await client.post(f"/negocios/{panel.world.beto_deal}/decidir", data=data)
        assert r.status_code == 403 and "formulario venció" in r.text
    r = await client.post("/salir", data={})
    assert r.status_code == 403
    async with panel.sessionmaker() as s:
        deal = await s.get(Deal, panel.world.beto_deal)
    assert deal.status == "pendiente" and panel.guild.decisions == []
