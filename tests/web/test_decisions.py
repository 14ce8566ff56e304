"""Decisions on the web are the buttons' decisions: the same service, the same audit row, decided once."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.money import format_cop
from bot.domain.text import md
from bot.services import deals as deal_svc
from bot.services import panel as panel_svc
from bot.texts import deals as DT
from db.models import Approval, AuditLog, CommissionEntry, Deal, OutboxMessage
from tests.web.conftest import csrf_of


async def post_decision(client, deal_id, action, reason=None, page_path="/auditoria"):
    page = await client.get(page_path)
    data = {"csrf": csrf_of(page.text), "action": action}
    if reason is not None:
        data["reason"] = reason
    r = await client.post(f"/negocios/{deal_id}/decidir", data=data)
    assert r.status_code == 303, r.text
    return await client.get(r.headers["location"])


async def queued_dms(panel) -> list[tuple[int, str]]:
    """(Discord id, text) of the DMs waiting in the outbox, oldest first."""
    async with panel.sessionmaker() as s:
        rows = (await s.execute(select(OutboxMessage).where(OutboxMessage.target == "dm").order_by(OutboxMessage.id))).scalars()
        return [(r.target_id, r.payload["content"]) for r in rows]


async def test_approving_on_the_web_earns_the_commission_with_the_buttons_audit_row(panel):
    deal_id = panel.world.beto_deal  # a cross sale: the audit is its only approval
    client = await panel.login("auditor")
    page = await post_decision(client, deal_id, "audit_ok")
    assert "quedó aprobada" in page.text and f'id="negocio-{deal_id}"' not in page.text
    async with panel.sessionmaker() as s:
        deal = await s.get(Deal, deal_id)
        approval = (await s.execute(select(Approval).where(Approval.deal_id == deal_id))).scalar_one()
        audit = (await s.execute(select(AuditLog).where(AuditLog.action == "aprobacion.aprobar"))).scalar_one()
        ledger = (await s.execute(select(CommissionEntry).where(CommissionEntry.deal_id == deal_id))).scalar_one()
    assert deal.status == "aprobado" and deal.proof_status == "verificado"
    assert (approval.status, approval.decided_by_discord_id, approval.decided_by_name) == ("aprobada", 2001, "Auditora Aura")
    assert (audit.actor_discord_id, audit.entity_id) == (2001, str(approval.id))
    assert (ledger.state, ledger.amount) == ("ganada", 720_000)
    assert panel.guild.decisions == [(deal_id, "auditoria", True)]  # the card and the KAM's DM follow
    # the KAM's DM was queued by the service in the decision's own transaction, as for the button
    assert await queued_dms(panel) == [(1002, DT.DM_EARNED.format(
        deal_id=deal_id, client=md(panel.world.globex.name), commission=format_cop(720_000)))]


async def test_a_second_decision_is_told_who_decided_first_and_changes_nothing(panel):
    deal_id = panel.world.beto_deal
    first = await panel.login("auditor")
    tab = await panel.login("auditor")
    stale = csrf_of((await tab.get("/auditoria")).text)  # the second tab was opened before the decision
    await post_decision(first, deal_id, "audit_ok")
    r = await tab.post(f"/negocios/{deal_id}/decidir", data={"csrf": stale, "action": "audit_no", "reason": "tarde"})
    page = await tab.get(r.headers["location"])
    assert "Esta decisión ya la tomó Auditora Aura el 23/11/2026 10:00: aprobada. No se cambió nada." in page.text
    async with panel.sessionmaker() as s:
        deal = await s.get(Deal, deal_id)
        rows = (await s.execute(select(AuditLog.action).where(AuditLog.action.like("aprobacion.%")))).all()
    assert deal.status == "aprobado" and len(rows) == 1
    assert len(panel.guild.decisions) == 1
    assert len(await queued_dms(panel)) == 1  # the refused second decision queues no DM


async def test_a_button_decision_first_then_the_web(panel):
    deal_id = panel.world.beto_deal
    client = await panel.login("auditor")
    csrf = csrf_of((await client.get("/auditoria")).text)
    from db.audit import Actor

    async with panel.sessionmaker() as s:  # the card's button, as bot/exts/deals/approvals.py calls it
        await deal_svc.decide(s, deal_id, "audit_no", actor=Actor(2002, "Auditor Dos"), now=panel.ctx.clock.now(),
                              reason="No aparece el pago")
        await s.commit()
    r = await client.post(f"/negocios/{deal_id}/decidir", data={"csrf": csrf, "action": "audit_ok"})
    page = await client.get(r.headers["location"])
    assert "ya la tomó Auditor Dos" in page.text and "rechazada" in page.text
    assert panel.guild.decisions == []
    assert [uid for uid, _ in await queued_dms(panel)] == [1002]  # the button's rejection DM only


async def test_a_rejection_needs_a_reason_and_keeps_it(panel):
    deal_id = panel.world.beto_deal
    client = await panel.login("auditor")
    page = await post_decision(client, deal_id, "audit_no", reason="  ")
    assert "Escribe el motivo del rechazo" in page.text
    async with panel.sessionmaker() as s:
        assert (await s.get(Deal, deal_id)).status == "pendiente"
    page = await post_decision(client, deal_id, "audit_no", reason="El pago no aparece en el banco <b>")
    assert "quedó rechazada" in page.text
    async with panel.sessionmaker() as s:
        deal = await s.get(Deal, deal_id)
        approval = (await s.execute(select(Approval).where(Approval.deal_id == deal_id))).scalar_one()
    assert deal.status == "rechazado" and approval.reason == "El pago no aparece en el banco <b>"
    assert panel.guild.decisions == [(deal_id, "auditoria", False)]
    detail = await (await panel.login("kam2")).get(f"/negocios/{deal_id}")
    assert "El pago no aparece en el banco &lt;b&gt;" in detail.text  # escaped on the KAM's timeline


async def test_the_coo_queue_has_only_up_sales_and_the_coo_decides(panel):
    client = await panel.login("coo")
    page = await client.get("/coo")
    assert f'id="negocio-{panel.world.ana_deal}"' in page.text and f'id="negocio-{panel.world.beto_deal}"' not in page.text
    await post_decision(client, panel.world.ana_deal, "coo_ok", page_path="/coo")
    async with panel.sessionmaker() as s:
        deal = await s.get(Deal, panel.world.ana_deal)
    assert deal.status == "pendiente"  # the audit is still pending: nothing earned yet
    assert panel.guild.decisions == [(panel.world.ana_deal, "coo", True)]


async def test_the_audit_queue_is_oldest_first_and_paginated(panel):
    async with panel.sessionmaker() as s:
        first = await panel_svc.review_queue(s, "auditoria", page=1, size=1)
        second = await panel_svc.review_queue(s, "auditoria", page=2, size=1)
    assert (first.total, first.pages, first.has_next, second.has_next) == (2, 2, True, False)
    assert [i.deal.id for i in first.items + second.items] == [panel.world.ana_deal, panel.world.beto_deal]
