"""The admins' pages: the program dashboard, export history with its files, the monthly statements and
the audit log with search."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from bot.domain.dates import today_bogota
from bot.domain.enums import DealType
from bot.services import panel, statements
from bot.web import auth, svg
from bot.web.context import ADMIN
from bot.web.render import render
from bot.web.routes_review import page_number

LEADERBOARD = 10


async def dashboard(request: Request) -> Response:
    await auth.require(request, ADMIN)
    ctx = auth.ctx_of(request)
    now = ctx.clock.now()
    s = ctx.settings
    today = today_bogota(now, tz=s.tz)
    async with ctx.sessionmaker() as session:
        report = await statements.program_report(session, today, tz=s.tz)
        funnel = await panel.funnel_by_month(session, today, tz=s.tz)
        sla = await panel.sla_breaches(session, now, lead_sla_hours=s.lead_sla_hours,
                                       approval_hours=s.approval_reminder_hours)
    cur, prev = report.current, report.previous
    types = [(DealType.label_of(t), cur.by_type.get(t, [0, 0, 0])[1], prev.by_type.get(t, [0, 0, 0])[1])
             for t in (x.value for x in DealType)]
    kams = sorted(set(cur.by_kam) | set(prev.by_kam), key=lambda k: -cur.by_kam.get(k, [0, 0, 0])[2])
    by_kam = [(k, cur.by_kam.get(k, [0, 0, 0]), prev.by_kam.get(k, [0, 0, 0])) for k in kams]
    leaderboard = sorted(cur.by_kam.items(), key=lambda kv: (-kv[1][2], kv[0]))[:LEADERBOARD]
    chart_types = svg.compare_bars(types, title="Valor vendido por tipo", width=460)
    chart_kams = svg.compare_bars([(k, c[2], p[2]) for k, c, p in by_kam[:LEADERBOARD]],
                                  title=f"Comisiones por KAM (top {LEADERBOARD})")
    return render(request, "admin.html", report=report, by_kam=by_kam[:50], kams_total=len(by_kam),
                  leaderboard=leaderboard, funnel=funnel, sla=sla, chart_types=chart_types, chart_kams=chart_kams,
                  chart_funnel=svg.funnel_months(funnel), types=list(DealType))


async def exports(request: Request) -> Response:
    await auth.require(request, ADMIN)
    ctx = auth.ctx_of(request)
    async with ctx.sessionmaker() as session:
        runs = await panel.export_runs(session)
    listed = [(r, [k for k in (r.files or {}) if panel.export_file(r, k, ctx.settings.export_dir)]) for r in runs]
    reports = [p.name for p in panel.statement_files(ctx.settings.export_dir)]
    return render(request, "exports.html", runs=listed, reports=reports)


async def export_download(request: Request) -> Response:
    await auth.require(request, ADMIN)
    ctx = auth.ctx_of(request)
    async with ctx.sessionmaker() as session:
        run = await panel.export_run(session, int(request.path_params["run_id"]))
    path = panel.export_file(run, request.path_params["key"], ctx.settings.export_dir) if run else None
    if path is None:
        raise auth.not_found()
    return FileResponse(path, filename=path.name)


async def report_download(request: Request) -> Response:
    await auth.require(request, ADMIN)
    ctx = auth.ctx_of(request)
    name = request.path_params["name"]
    path = next((p for p in panel.statement_files(ctx.settings.export_dir) if p.name == name), None)
    if path is None:
        raise auth.not_found()
    return FileResponse(path, filename=path.name)


async def audit_log(request: Request) -> Response:
    await auth.require(request, ADMIN)
    ctx = auth.ctx_of(request)
    q = (request.query_params.get("q") or "").strip()[:100]
    async with ctx.sessionmaker() as session:
        page = await panel.audit_log(session, q, page_number(request))
    return render(request, "audit_log.html", page=page, q=q)


routes = [
    Route("/admin", dashboard),
    Route("/admin/exportes", exports),
    Route("/admin/exportes/{run_id:int}/{key:str}", export_download),
    Route("/admin/reportes/{name:str}", report_download),
    Route("/admin/registro", audit_log),
]
