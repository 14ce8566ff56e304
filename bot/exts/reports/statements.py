"""/mis-comisiones and the monthly payroll statement (logic in
:mod:`bot.services.statements`)."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.exc import IntegrityError

from bot import permissions
from bot.app import VentasOpsBot
from bot.blocking import run_blocking
from bot.domain.dates import month_label, parse_month, today_bogota
from bot.domain.enums import CommissionState
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.interactions import send_ephemeral
from bot.services import directory
from bot.services import outbox as ob
from bot.services import statements as svc
from bot.texts import reports as T
from db.audit import Actor, record
from db.models import JobRun

log = logging.getLogger(__name__)
MAX_LINES = 15


class Reports(commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot

    @app_commands.command(name="mis-comisiones", description=T.CMD_MY_COMMISSIONS)
    @app_commands.describe(mes=T.OPT_MONTH)
    async def mis_comisiones(self, interaction: discord.Interaction[VentasOpsBot], mes: app_commands.Range[str, 1, 40] | None = None) -> None:
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
    bot.job_bodies["reporte-mensual"] = run_monthly_statement


async def teardown(bot: VentasOpsBot) -> None:
    bot.job_bodies.pop("reporte-mensual", None)


__all__ = ["run_monthly_statement"]
