"""What the pages show: the KAM's filters, the same commission figures as /mis-comisiones, the admins'
dashboard and the audit-log search."""

from __future__ import annotations

from bot.domain.money import format_cop
from bot.services import directory, statements
from bot.services import panel as panel_svc
from tests.web.conftest import csrf_of


async def test_my_deals_filters(panel):
    client = await panel.login("kam")
    page = await client.get("/mis-negocios")
    assert f'href="/negocios/{panel.world.ana_deal}"' in page.text and f"/negocios/{panel.world.beto_deal}" not in page.text
    assert f"/negocios/{panel.world.ana_deal}" in (await client.get("/mis-negocios?tipo=up_sale&mes=2026-11&estado=pendiente")).text
    for q in ("tipo=cross_sale", "estado=aprobado", "mes=2026-10"):
        r = await client.get(f"/mis-negocios?{q}")
        assert r.status_code == 200 and "No hay negocios con estos filtros." in r.text, q
    for q in ("tipo=otro", "estado=x", "mes=2027-05", "mes=trece"):
        r = await client.get(f"/mis-negocios?{q}")
        assert r.status_code == 400 and "Filtro no válido" in r.text, q


async def test_my_commissions_are_the_statement_of_mis_comisiones(panel):
    deal_id = panel.world.beto_deal
    auditor = await panel.login("auditor")
    csrf = csrf_of((await auditor.get("/auditoria")).text)
    await auditor.post(f"/negocios/{deal_id}/decidir", data={"csrf": csrf, "action": "audit_ok"})
    async with panel.sessionmaker() as s:
        st = await statements.statement(s, await directory.get_member(s, 1002), 2026, 11,
                                         tz=panel.ctx.settings.tz)
    page = (await (await panel.login("kam2")).get("/mis-comisiones?mes=2026-11")).text
    assert st.earned == 720_000
    for label, amount in (("Ganado", st.earned), ("Neto", st.net), ("Pendiente", st.pending)):
        assert f"<span>{label}</span><strong>{format_cop(amount)}</strong>" in page
    assert "6 % de $ 12.000.000" in page


async def test_the_dashboard_compares_months_and_ranks_kams(panel):
    page = (await (await panel.login("admin")).get("/admin")).text
    assert "Tabla de posiciones" in page and page.count("<svg") == 3
    assert "Ana KAM" in page and "Beto KAM" in page and "$ 24.000.000" in page  # two deals of $ 12.000.000 this month
    assert "Globex &lt;script&gt;" not in page or "<script>alert" not in page


async def test_the_audit_log_search(panel):
    client = await panel.login("admin")
    for q, present, absent in (
        ("negocio.", "negocio.registrar", "panel.entrar"),
        ("Aura", None, None),
        ("ana", "negocio.registrar", "panel.entrar"),  # Ana's own rows (accent- and case-insensitive)
        (str(panel.world.beto_deal), "negocio.registrar", "panel.entrar"),  # object #2 of every kind (the login was #1)
    ):
        text = (await client.get("/admin/registro", params={"q": q})).text
        if present:
            assert present in text, q
        if absent:
            assert absent not in text, q
    async with panel.sessionmaker() as s:
        first = await panel_svc.audit_log(s, "cliente", page=1, size=2)
        last = await panel_svc.audit_log(s, "cliente", page=50, size=2)
    assert first.more and first.has_next and not last.items and not last.has_next


async def test_the_audit_log_search_plans_agree(panel, monkeypatch):
    """A frequent action is searched by walking the log newest first, a rare one through its index: same rows."""
    async with panel.sessionmaker() as s:
        indexed = [r.id for r in (await panel_svc.audit_log(s, "cliente.", size=3)).items]
        monkeypatch.setattr(panel_svc, "DENSE_ACTION", 0)
        walked = [r.id for r in (await panel_svc.audit_log(s, "cliente.", size=3)).items]
    assert indexed == walked and len(indexed) == 3 and indexed == sorted(indexed, reverse=True)


async def test_the_audit_log_shows_changes_readably_and_escaped(panel):
    from db.audit import Actor, record

    async with panel.sessionmaker() as s:
        record(s, Actor(7, "Peña <b>"), "prueba.cambio", "deal", 1, after={"motivo": "Señal <script>"})
        await s.commit()
    text = (await (await panel.login("admin")).get("/admin/registro", params={"q": "prueba."})).text
    assert "Peña &lt;b&gt;" in text and "Señal &lt;script&gt;" in text and "\\u00f1" not in text
