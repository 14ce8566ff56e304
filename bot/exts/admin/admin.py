"""/admin …: administration, for ROLE_ADMIN only (checked for every subcommand).

The one ``admin`` group of the command tree lives here; each area adds its subgroup in its own
section below and keeps its logic in ``bot/services``.
"""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import VentasOpsBot, ventas_interaction
from bot.autocomplete import client_choices
from bot.domain.dates import format_date, format_datetime, parse_user_date
from bot.domain.text import count_of
from bot.domain.validation import MAX_ROW_ID
from bot.errors import UserError
from bot.exts.admin.cancel import admin_cancel
from bot.exts.admin.directory import (
    assign_command,
    import_command,
    register,
    show_client_command,
    show_members_command,
    sync_command,
    unassign_command,
)
from bot.exts.admin.report import admin_report
from bot.guards import actor_of, require_role
from bot.interactions import send_ephemeral
from bot.outbox_worker import held_lines
from bot.services import health
from bot.services import outbox as ob
from bot.services.export import export_date_for, finished_run
from bot.services.export_job import perform_export
from bot.texts import admin as T
from bot.texts import deals as DT
from bot.texts import directory as XT
from bot.texts import export as ET
from bot.texts import health as HT
from bot.texts import outbox as OT
from bot.version import version


class Admin(commands.GroupCog, group_name="admin", group_description="Administración de ventas-ops"):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        super().__init__()
        register(bot)  # the import preview's persistent buttons

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        name = interaction.command.qualified_name if interaction.command else "admin"
        await require_role(ventas_interaction(interaction), self.bot.settings.role_admin, action=name)
        return True

    # --- configuration ----------------------------------------------------------------------
    @app_commands.command(name="config", description="Muestra la configuración (secretos ocultos)")
    async def config(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        masked = self.bot.settings.masked()
        width = max(len(k) for k in masked)
        body = "\n".join(f"{k.ljust(width)}  {v}" for k, v in masked.items())
        await interaction.response.send_message(
            T.CONFIG_HEADER + f"\n```\n{body[:1800]}\n```", ephemeral=True
        )

    @app_commands.command(name="estado", description=T.CMD_ESTADO)
    async def estado(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = self.bot
        status = await health.gather(bot.sessionmaker, bot.clock.now(), version=version(), started_at=bot.started_at,
                                     hubspot=bot.hubspot, database_url=bot.settings.database_url,
                                     backups_path=bot.settings.backups_path, tz=bot.settings.tz,
                                     export_time=bot.settings.export_time)
        await interaction.followup.send(HT.clip(HT.render(status, tz=bot.settings.tz)), ephemeral=True)

    # --- directory (issue 4; logic in bot/services/directory*.py, Discord side in bot/exts/admin/directory.py) ---
    clientes = app_commands.Group(name="clientes", description=XT.CMD_CLIENTES)
    miembros = app_commands.Group(name="miembros", description=XT.CMD_MIEMBROS)

    @clientes.command(name="importar", description=XT.CMD_IMPORT)
    @app_commands.describe(archivo=XT.OPT_FILE)
    async def clientes_importar(self, interaction: discord.Interaction[VentasOpsBot], archivo: discord.Attachment) -> None:
        await import_command(interaction, archivo)

    @clientes.command(name="asignar", description=XT.CMD_ASSIGN)
    @app_commands.describe(cliente=XT.OPT_CLIENT, kam=XT.OPT_KAM, unico=XT.OPT_ONLY)
    async def clientes_asignar(
        self, interaction: discord.Interaction[VentasOpsBot], cliente: app_commands.Range[str, 1, 200], kam: discord.Member,
        unico: bool = False,
    ) -> None:
        await assign_command(interaction, cliente, kam, unico)

    @clientes.command(name="quitar", description=XT.CMD_UNASSIGN)
    @app_commands.describe(cliente=XT.OPT_CLIENT, kam=XT.OPT_KAM)
    async def clientes_quitar(
        self, interaction: discord.Interaction[VentasOpsBot], cliente: app_commands.Range[str, 1, 200], kam: discord.User
    ) -> None:
        await unassign_command(interaction, cliente, kam)

    @clientes.command(name="ver", description=XT.CMD_SHOW_CLIENT)
    @app_commands.describe(cliente=XT.OPT_CLIENT)
    async def clientes_ver(self, interaction: discord.Interaction[VentasOpsBot], cliente: app_commands.Range[str, 1, 200]) -> None:
        await show_client_command(interaction, cliente)

    @clientes.command(name="sincronizar", description=XT.CMD_SYNC)
    async def clientes_sincronizar(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await sync_command(interaction)

    @clientes_asignar.autocomplete("cliente")
    @clientes_quitar.autocomplete("cliente")
    @clientes_ver.autocomplete("cliente")
    async def _clientes_autocomplete(self, interaction: discord.Interaction[VentasOpsBot], current: str) -> list[app_commands.Choice[str]]:
        return await client_choices(interaction, current, own_only=False)

    @miembros.command(name="ver", description=XT.CMD_SHOW_MEMBERS)
    @app_commands.describe(miembro=XT.OPT_MEMBER)
    async def miembros_ver(self, interaction: discord.Interaction[VentasOpsBot], miembro: discord.User | None = None) -> None:
        await show_members_command(interaction, miembro)

    # --- deals (issue 5; logic in bot/services/deals/, Discord side in bot/exts/admin/cancel.py) -------
    negocio = app_commands.Group(name="negocio", description=DT.CMD_ADMIN_NEGOCIO)

    @negocio.command(name="anular", description=DT.CMD_ADMIN_CANCEL)
    @app_commands.rename(deal_id="id")
    @app_commands.describe(deal_id=DT.OPT_DEAL_ID, motivo=DT.OPT_CANCEL_REASON)
    async def negocio_anular(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        deal_id: app_commands.Range[int, 1, MAX_ROW_ID],
        motivo: app_commands.Range[str, 3, 500],
    ) -> None:
        await admin_cancel(interaction, deal_id, motivo)

    # --- export (issue 9; logic in bot/services/export_job.py) --------------------------------------
    @app_commands.command(name="exportar", description="Ejecuta el corte diario de una fecha (por defecto ayer)")
    @app_commands.describe(fecha="Fecha de anticipo a exportar (ej. 21/11/2026 o ayer)", forzar="Repetir aunque ya se haya hecho")
    async def exportar(
        self, interaction: discord.Interaction[VentasOpsBot], fecha: app_commands.Range[str, 1, 40] | None = None, forzar: bool = False
    ) -> None:
        bot = self.bot
        now = bot.clock.now()
        latest = export_date_for(now, bot.settings.tz)
        d = parse_user_date(fecha, latest + timedelta(days=1), field="fecha") if fecha else latest
        if d > latest:
            raise UserError(ET.ADMIN_EXPORT_FUTURE)
        await interaction.response.defer(ephemeral=True, thinking=True)
        out = await perform_export(
            bot.sessionmaker, bot.settings, d=d, now=now, trigger="admin", forced=forzar, gateway=bot.hubspot
        )
        if out.status == "ya_hecha":
            async with bot.sessionmaker() as session:
                run = await finished_run(session, d)
            when = format_datetime(run.finished_at, bot.settings.tz) if run and run.finished_at else "—"
            await interaction.followup.send(ET.ADMIN_EXPORT_ALREADY.format(date=format_date(d), when=when), ephemeral=True)
            return
        if out.status == "fallida":
            raise RuntimeError(f"export failed: {out.error}")
        bot.outbox.kick()
        r = out.result
        assert r is not None
        await interaction.followup.send(
            ET.ADMIN_EXPORT_DONE.format(date=format_date(d), deals=count_of(r.deals_count, *ET.DEALS),
                                        findings=count_of(r.findings_count, *ET.FINDINGS)), ephemeral=True
        )

    # --- held outbox items (issue 20; logic in bot/services/outbox.py and bot/outbox_worker.py) ---
    @app_commands.command(name="reenviar", description=OT.CMD_RESEND)
    async def reenviar(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        total, still = await self.bot.outbox.resend_held(actor_of(interaction.user))
        if not total:
            await send_ephemeral(interaction, OT.RESEND_NONE)
            return
        text = OT.RESEND_DONE.format(sent=total - len(still), total=total)
        if still:
            text += OT.RESEND_STILL_HELD.format(count=len(still), lines=held_lines(ob.by_reason(still)))
        await send_ephemeral(interaction, text[:1990])

    # --- reports (issue 10; logic in bot/services/statements.py, Discord side in bot/exts/admin/report.py) ----
    @app_commands.command(name="reporte", description="Reporte del programa: mes en curso contra el anterior y embudo de referidos")
    async def reporte(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await admin_report(interaction)


async def setup(bot: VentasOpsBot) -> None:
    await bot.add_cog(Admin(bot))
