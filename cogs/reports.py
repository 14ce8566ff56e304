"""/mis-comisiones, /admin reporte and the monthly payroll statement (logic in
:mod:`bot.services.statements`)."""

from __future__ import annotations

import asyncio
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.exc import IntegrityError

from bot import permissions
from bot.app import VentasOpsBot, send_ephemeral
from bot.blocking import run_blocking
from bot.domain.enums import CommissionState
from bot.domain.dates import month_bounds_utc, month_label, parse_month, today_bogota
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.services import directory
from bot.services import outbox as ob
from bot.services import questions
from bot.services import statements as svc
from bot.texts import questions as QT
from bot.texts import reports as T
from db.audit import Actor, record
from db.models import JobRun

log = logging.getLogger(__name__)
MAX_LINES = 15


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


class Reports(commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot

    @app_commands.command(name="mis-comisiones", description=T.CMD_MY_COMMISSIONS)
    @app_commands.describe(mes=T.OPT_MONTH)
    async def mis_comisiones(self, interaction: discord.Interaction, mes: app_commands.Range[str, 1, 40] | None = None) -> None:
        bot = self.bot
        year, month = parse_month(mes, today_bogota(bot.clock.now(), tz=bot.settings.tz))
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with bot.sessionmaker() as session:
            member = await directory.get_member(session, interaction.user.id)
            st = await svc.statement(session, member, year, month, tz=bot.settings.tz) if member else None
        label = month_label(year, month)
        if st is None or not st.lines:
            await send_ephemeral(interaction, T.MY_EMPTY.format(month=label))
            return
        lines = [T.MY_LINE.format(state_icon=T.STATE_ICONS.get(x.state, "•"), amount=format_cop(x.amount),
                                  reference=md(x.reference[:80]), how=md(x.how[:80]),
                                  state=CommissionState.label_of(x.state)) for x in st.lines[-MAX_LINES:]]
        if len(st.lines) > MAX_LINES:
            lines.insert(0, T.MY_MORE.format(n=len(st.lines) - MAX_LINES))
        body = "\n".join(lines)
        if len(body) > 3500:
            body = body[:3500].rsplit("\n", 1)[0] + "\n…"
        embed = discord.Embed(title=T.MY_TITLE.format(month=label), description=body, colour=discord.Colour.green())
        embed.add_field(name="Totales", value=T.MY_TOTALS.format(
            earned=format_cop(st.earned), reversed=format_cop(st.reversed), net=format_cop(st.net),
            pending=format_cop(st.pending), rejected=format_cop(st.rejected)), inline=False)
        embed.set_footer(text=T.MY_FOOTER)
        data = await run_blocking(svc.statement_xlsx, st, tz=bot.settings.tz)
        file = discord.File(io.BytesIO(data), filename=f"mis-comisiones-{year}-{month:02d}.xlsx")
        await interaction.followup.send(embed=embed, file=file, ephemeral=True,
                                        allowed_mentions=discord.AllowedMentions.none())


async def admin_report(interaction: discord.Interaction) -> None:
    """/admin reporte (the admin check is the /admin group's)."""
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    await interaction.response.defer(ephemeral=True, thinking=True)
    today = today_bogota(bot.clock.now(), tz=bot.settings.tz)
    async with bot.sessionmaker() as session:
        r = await svc.program_report(session, today, tz=bot.settings.tz)
        qf = await questions.figures(session, *month_bounds_utc(today.year, today.month, tz=bot.settings.tz))
    cur, prev, f = r.current, r.previous, r.funnel
    change = (_pct((cur.value - prev.value) / prev.value) if prev.value else T.REPORT_CHANGE_NONE)
    embed = discord.Embed(title=T.REPORT_TITLE.format(month=month_label(today.year, today.month)),
                          colour=discord.Colour.blurple())
    embed.add_field(name=T.REPORT_FIELD_DEALS, value=T.REPORT_DEALS.format(
        label=cur.label, deals=cur.deals, value=format_cop(cur.value), commissions=format_cop(cur.commissions),
        plabel=prev.label, pdeals=prev.deals, pvalue=format_cop(prev.value), pcommissions=format_cop(prev.commissions),
        change=change), inline=False)
    for name, bucket, labels in ((T.REPORT_FIELD_TYPES, cur.by_type, T.TYPE_LABELS), (T.REPORT_FIELD_KAMS, cur.by_kam, {})):
        rows = [T.REPORT_ROW.format(name=md(labels.get(k, k)), deals=v[0],
                                    value=format_cop(v[1]), commission=format_cop(v[2]))
                for k, v in sorted(bucket.items(), key=lambda kv: -kv[1][1])[:12]]
        embed.add_field(name=name, value=("\n".join(rows) or T.REPORT_NONE)[:1024], inline=False)
    median = f"{f.median_hours:.1f} h" if f.median_hours is not None else T.REPORT_MEDIAN_NONE
    embed.add_field(name=T.REPORT_FIELD_FUNNEL, value=T.REPORT_FUNNEL.format(
        referred=f.referred, good=f.good, good_rate=_pct(f.good_rate), sold=f.sold, sold_rate=_pct(f.sold_rate),
        bad=f.bad, median=median), inline=False)
    if f.by_referrer:
        rows = [T.REPORT_REFERRER_ROW.format(name=md(n), referred=v[0], good=v[1], sold=v[2])
                for n, v in sorted(f.by_referrer.items(), key=lambda kv: -kv[1][0])[:12]]
        embed.add_field(name=T.REPORT_FIELD_REFERRERS, value="\n".join(rows)[:1024], inline=False)
    embed.add_field(name=QT.REPORT_FIELD, value=question_figures_text(qf), inline=False)
    comparison, funnel = await asyncio.gather(run_blocking(svc.comparison_png, r), run_blocking(svc.funnel_png, f))
    files = [discord.File(io.BytesIO(comparison), filename="ventas-mes.png"),
             discord.File(io.BytesIO(funnel), filename="embudo-referidos.png")]
    embed.set_image(url="attachment://ventas-mes.png")
    await interaction.followup.send(embed=embed, files=files, ephemeral=True,
                                    allowed_mentions=discord.AllowedMentions.none())


def question_figures_text(f: questions.Figures) -> str:
    topics = ", ".join(f"{questions.topic_label(t)} ({n})" for t, n in f.top_topics) or QT.REPORT_TOPICS_NONE
    median = f"{f.median_hours:.1f} h" if f.median_hours is not None else QT.REPORT_MEDIAN_NONE
    return QT.REPORT_BODY.format(asked=f.asked, self_served=f.self_served, posted=f.posted, answered=f.answered,
                                 median=median, faq_hits=f.faq_hits, topics=topics)


# --- monthly payroll statement --------------------------------------------------------------------
JOB = svc.MONTHLY_JOB


async def run_monthly_statement(bot: VentasOpsBot) -> str | None:
    """On (or after, when the bot was down) the first business day of a month at EXPORT_TIME: the
    previous month's statement, DM'd to every admin through the outbox — exactly once per month: the
    job marker, the DMs and the audit row are one transaction. With nobody in ROLE_ADMIN it is not
    marked done: it waits (logged each hourly try) until an admin can receive it."""
    s = bot.settings
    now = bot.clock.now()
    async with bot.sessionmaker() as session:
        waiting = await svc.monthly_statement_waiting(session, now, s.tz, s.export_time)
    if waiting is None:
        return None
    year, month = waiting
    key = f"{year}-{month:02d}"
    guild = bot.guild
    role = permissions.find_role(guild, s.role_admin) if guild else None
    admins = [m for m in role.members if not m.bot] if role is not None else []
    if not admins:
        # not marked done: it waits (the job retries hourly) until someone can receive it
        log.warning(T.MONTHLY_NO_ADMINS_LOG.format(month=key, role=s.role_admin))
        return None
    async with bot.sessionmaker() as session:
        path, statements = await svc.write_payroll(session, s.export_dir, year, month, tz=s.tz)
        net = sum(st.net for st in statements)
        dm = T.MONTHLY_DM.format(month=month_label(year, month), kams=len(statements), net=format_cop(net))
        for admin in admins:
            await ob.enqueue(session, f"{JOB}:{key}:{admin.id}", user_id=admin.id, now=now, content=dm,
                             files=[ob.OutFile(str(path), path.name)])
        # the marker is added after the enqueues' reads: a concurrent run's marker fails the commit
        session.add(JobRun(job=JOB, run_key=key, ran_at=now, details={"file": str(path)}))
        record(session, Actor.system(JOB), "reporte.mensual", "report", key,
               after={"file": str(path), "kams": len(statements), "net": net, "admins": [a.id for a in admins]})
        try:
            await session.commit()
        except IntegrityError:  # another run of the job got there first
            return None
    bot.outbox.kick()
    return key


async def setup(bot: VentasOpsBot) -> None:
    await bot.add_cog(Reports(bot))


__all__ = ["admin_report", "run_monthly_statement"]
