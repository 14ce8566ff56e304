"""/admin reporte: the program report of the month against the previous one, with its charts
(figures from :mod:`bot.services.statements` and :mod:`bot.services.questions`)."""

from __future__ import annotations

import asyncio
import io
import logging

import discord

from bot.app import VentasOpsBot
from bot.blocking import run_blocking
from bot.domain.dates import month_bounds_utc, month_label, today_bogota
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.services import questions
from bot.services import statements as svc
from bot.texts import questions as QT
from bot.texts import reports as T

log = logging.getLogger(__name__)


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"



async def admin_report(interaction: discord.Interaction[VentasOpsBot]) -> None:
    """/admin reporte (the admin check is the /admin group's)."""
    bot = interaction.client
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
