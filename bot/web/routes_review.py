"""The audit and COO queues, the decision (the same service call as the card's buttons), a deal's page
with its timeline, and the proofs of payment."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.domain.enums import ApprovalKind
from bot.domain.errors import DomainError
from bot.domain.money import format_cop
from bot.domain.validation import clean_user_text
from bot.services import deals as deal_svc
from bot.services import panel, proofs
from bot.texts import deals as DT
from bot.texts import web as T
from bot.web import auth
from bot.web.context import ADMIN, AUDIT, COO, KAM, Identity
from bot.web.render import render
from db.audit import Actor, record

# approval kind → (role that decides it, the queue's path)
REVIEWERS: dict[str, tuple[str, str]] = {ApprovalKind.AUDITORIA: (AUDIT, "/auditoria"), ApprovalKind.COO: (COO, "/coo")}
WEB_ACTIONS = ("audit_ok", "audit_no", "coo_ok", "coo_no")
INLINE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf"}


def page_number(request: Request) -> int:
    raw = request.query_params.get("pagina", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def plain(text: str) -> str:
    """A Discord-formatted text for the web (no ** bold markers)."""
    return text.replace("**", "")


def finding_lines(findings: dict[str, Any] | None) -> list[str]:
    out = []
    for key, value in (findings or {}).items():
        template = DT.FINDING_TEXTS.get(key)
        if template is None:
            continue
        if isinstance(value, dict):
            h, loc = value.get("hubspot"), value.get("local")
            if key == "monto":
                h, loc = (format_cop(x) if isinstance(x, int) else None for x in (h, loc))
            out.append(template.format(hubspot=h if h is not None else DT.NOT_SET,
                                       local=loc if loc is not None else DT.NOT_SET))
        else:
            out.append(template)
    return out


async def queue(request: Request, kind: str) -> Response:
    role, path = REVIEWERS[kind]
    await auth.require(request, role)
    ctx = auth.ctx_of(request)
    async with ctx.sessionmaker() as session:
        page = await panel.review_queue(session, kind, page_number(request))
    return render(request, "queue.html", kind=kind, path=path, page=page, findings=finding_lines,
                  title="Auditoría de anticipos" if kind == ApprovalKind.AUDITORIA else "Aprobaciones del COO")


async def audit_queue(request: Request) -> Response:
    return await queue(request, ApprovalKind.AUDITORIA)


async def coo_queue(request: Request) -> Response:
    return await queue(request, ApprovalKind.COO)


async def decide(request: Request) -> Response:
    who = await auth.identity(request)
    form = await auth.check_csrf(request)
    ctx = auth.ctx_of(request)
    deal_id = int(request.path_params["deal_id"])
    action = str(form.get("action") or "")
    if action not in WEB_ACTIONS:
        raise HTTPException(400, T.BAD_FILTER.format(detail="acción"))
    kind, approve = deal_svc.ACTIONS[action]
    role, back = REVIEWERS[kind]
    actor = Actor(who.discord_id, who.name)
    if not who.has(role):
        async with ctx.sessionmaker() as session:  # a refused attempt leaves a trace, as with the buttons
            record(session, actor, "acceso.denegado", "web", request.url.path,
                   after={"action": f"deal:{action}", "required": [role]})
            await session.commit()
        raise HTTPException(403, T.FORBIDDEN.format(roles=auth.role_names(request, (role,))))
    page = str(form.get("pagina") or "1")
    if page.isdigit() and page != "1":
        back = f"{back}?pagina={page}"
    reason = clean_user_text(str(form.get("reason") or "")) or None
    if not approve and (reason is None or len(reason) < 3):
        request.session["flash"] = ["error", T.REASON_REQUIRED]
        return RedirectResponse(back, status_code=303)
    try:
        async with ctx.sessionmaker() as session:  # decide queues the KAM's DMs in this transaction
            decision = await deal_svc.decide(session, deal_id, action, actor=actor, now=ctx.clock.now(),
                                             reason=None if approve else (reason or "")[:500])
            await session.commit()
    except DomainError as exc:
        request.session["flash"] = ["error", plain(str(exc))]
        return RedirectResponse(back, status_code=303)
    if not decision.decided:
        a = decision.approval
        request.session["flash"] = ["error", plain(DT.ALREADY_DECIDED.format(
            who=a.decided_by_name or DT.NOT_SET, when=_when(request, a.decided_at),
            outcome=DT.OUTCOME.get(a.status, a.status)))]
        return RedirectResponse(back, status_code=303)
    request.session["flash"] = ["ok", DT.DECIDED_ACK.format(
        subject=DT.DECISION_SUBJECTS.get(kind, kind), deal_id=deal_id, outcome=DT.OUTCOME[decision.approval.status])]
    await ctx.after_decision(decision, kind)
    return RedirectResponse(back, status_code=303)


def _when(request: Request, dt: Any) -> str:
    env = request.app.state.env
    return str(env.filters["fechahora"](dt))


def may_see_deal(who: Identity, member_discord_id: int) -> bool:
    return who.has(AUDIT, COO, ADMIN) or (who.has(KAM) and who.discord_id == member_discord_id)


async def visible_deal(request: Request, session: AsyncSession) -> deal_svc.DealView:
    """The deal of the path, when this member may see it (its KAM, audit, COO, admins); 404 otherwise."""
    who = await auth.identity(request)
    view = await deal_svc.load_view(session, int(request.path_params["deal_id"]))
    if view is None or not may_see_deal(who, view.member.discord_id):
        raise auth.not_found()
    return view


async def deal_page(request: Request) -> Response:
    async with auth.ctx_of(request).sessionmaker() as session:
        view = await visible_deal(request, session)
        events = await panel.timeline(session, view)
    return render(request, "deal.html", v=view, events=events, findings=finding_lines(view.deal.hubspot_findings))


async def proof(request: Request) -> Response:
    ctx = auth.ctx_of(request)
    async with ctx.sessionmaker() as session:
        view = await visible_deal(request, session)
    if not view.deal.proof_path:
        raise auth.not_found()
    path = panel.contained(proofs.absolute(ctx.settings.data_dir, view.deal.proof_path), ctx.settings.data_dir)
    if path is None:
        raise auth.not_found()
    ctype = (view.deal.proof_content_type or "").lower()
    inline = ctype in INLINE_TYPES
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", view.deal.proof_filename or f"comprobante{path.suffix}")[:100]
    return FileResponse(path, media_type=ctype if inline else "application/octet-stream", filename=name,
                        content_disposition_type="inline" if inline else "attachment")


routes = [
    Route("/auditoria", audit_queue),
    Route("/coo", coo_queue),
    Route("/negocios/{deal_id:int}", deal_page),
    Route("/negocios/{deal_id:int}/decidir", decide, methods=["POST"]),
    Route("/comprobantes/{deal_id:int}", proof),
]


