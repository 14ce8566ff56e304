"""``ventas-ops check-config --online`` against the fakes: every check holds on a well-configured setup,
and each provoked misconfiguration is reported with ✗ and its fix."""

from __future__ import annotations

import pytest

from bot.discord_api import apply_api_base
from bot.online_check import OnlineCheck, render, run_checks
from tests.fakes.cli_process import free_port, run_cli
from tests.fakes.discord_fake import DiscordFake
from tests.fakes.hubspot_fake import HubSpotFake

HS_TOKEN = "hs-online-token"


@pytest.fixture
async def fakes():
    d, h = DiscordFake(), HubSpotFake(token=HS_TOKEN, limits=False)
    yield d, h
    await d.stop()
    await h.stop()
    apply_api_base(None)


async def checks_for(fakes, make_settings, **overrides) -> dict[str, OnlineCheck]:
    d, h = fakes
    if not d.base_url:
        await d.start()
        await h.start()
    values = {"discord_token": d.token, "discord_guild_id": d.guild_id, "discord_api_base": d.rest_base,
              "hubspot_access_token": HS_TOKEN, "hubspot_api_base": h.base_url, **overrides}
    checks = await run_checks(make_settings(**values))
    assert len(render(checks)) == len(checks)
    return {c.name: c for c in checks}


def failed(checks: dict[str, OnlineCheck]) -> dict[str, str]:
    return {name: c.detail for name, c in checks.items() if not c.ok}


async def test_all_hold(fakes, make_settings):
    checks = await checks_for(fakes, make_settings)
    assert failed(checks) == {}
    assert {"DATABASE_URL", "DISCORD_TOKEN", "DISCORD_GUILD_ID", "SALES_CHANNEL", "ROLE_KAM", "ROLE_ADMIN",
            "Gestionar roles", "Rol del bot sobre KAM", "HUBSPOT_ACCESS_TOKEN", "Alcances"} <= set(checks)


async def test_wrong_discord_token(fakes, make_settings):
    bad = failed(await checks_for(fakes, make_settings, discord_token="wrong-token-123"))
    assert list(bad) == ["DISCORD_TOKEN"] and "Reset Token" in bad["DISCORD_TOKEN"]


async def test_wrong_guild(fakes, make_settings):
    bad = failed(await checks_for(fakes, make_settings, discord_guild_id=123))
    assert list(bad) == ["DISCORD_GUILD_ID"] and "no está en el servidor 123" in bad["DISCORD_GUILD_ID"]


async def test_missing_channel_and_roles(fakes, make_settings):
    bad = failed(await checks_for(fakes, make_settings, sales_channel="otro-canal", role_kam="Kams",
                                  role_audit="Finanzas"))
    assert set(bad) == {"SALES_CHANNEL", "ROLE_KAM", "ROLE_AUDIT"}
    assert "«otro-canal»" in bad["SALES_CHANNEL"] and "«Finanzas»" in bad["ROLE_AUDIT"]


async def test_missing_permissions(fakes, make_settings):
    d, _ = fakes
    bot_role = d.role_id("ventas-ops")
    basic = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)  # view, send, embed, attach, history
    d.roles[bot_role].update(permissions=str(basic), position=0)
    d.channels[d.channel_id("dudas-ventas-ops")]["permission_overwrites"] = [
        {"id": str(bot_role), "type": 0, "allow": "0", "deny": str((1 << 15) | (1 << 14))},  # attach, embed
    ]
    bad = failed(await checks_for(fakes, make_settings))
    assert set(bad) == {"SALES_CHANNEL", "Gestionar roles", "Rol del bot sobre KAM"}
    assert "Adjuntar archivos" in bad["SALES_CHANNEL"] and "Insertar enlaces" in bad["SALES_CHANNEL"]
    assert "por encima de @KAM" in bad["Rol del bot sobre KAM"]


async def test_hubspot_token_and_scopes(fakes, make_settings):
    bad = failed(await checks_for(fakes, make_settings, hubspot_access_token="pat-wrong"))
    assert list(bad) == ["HUBSPOT_ACCESS_TOKEN"] and "rechazó el token" in bad["HUBSPOT_ACCESS_TOKEN"]
    fakes[1].scopes.remove("settings.users.write")
    bad = failed(await checks_for(fakes, make_settings))
    assert list(bad) == ["Alcances"] and "settings.users.write" in bad["Alcances"]
    assert failed(await checks_for(fakes, make_settings, hubspot_provision_users=False)) == {}


async def test_services_unreachable(fakes, make_settings):
    port = free_port()
    checks = await checks_for(fakes, make_settings, discord_api_base=f"http://127.0.0.1:{port}/api/v10",
                              hubspot_api_base=f"http://127.0.0.1:{port}",
                              database_url=f"postgresql+asyncpg://v@127.0.0.1:{port}/ventas")
    bad = {n: c for n, c in checks.items() if not c.ok}
    assert set(bad) == {"DATABASE_URL", "DISCORD_TOKEN", "HUBSPOT_API_BASE"}
    assert all(not c.config for c in bad.values())  # exit 3: unreachable, not misconfigured


async def test_cli_exit_codes(fakes, tmp_path):
    d, h = fakes
    await d.start()
    await h.start()
    env = {"VENTAS_OPS_HOME": str(tmp_path), "DISCORD_TOKEN": d.token, "DISCORD_GUILD_ID": str(d.guild_id),
           "DISCORD_API_BASE": d.rest_base, "HUBSPOT_ACCESS_TOKEN": HS_TOKEN, "HUBSPOT_API_BASE": h.base_url}
    res = await run_cli(["check-config", "--online"], env, tmp_path)
    assert res.code == 0 and "✗" not in res.stdout and "OK: todo está en orden." in res.stdout, res.output
    res = await run_cli(["check-config", "--online"], {**env, "ROLE_COO": "Gerencia"}, tmp_path)
    assert res.code == 2 and "✗ Discord" in res.stdout and "«Gerencia»" in res.stdout, res.output
    assert res.error_lines() == ["ventas-ops: 1 comprobación(es) fallaron: corrija lo marcado con ✗ y vuelva a "
                                 "ejecutar check-config --online."]
    res = await run_cli(["check-config", "--online"],
                        {**env, "HUBSPOT_API_BASE": f"http://127.0.0.1:{free_port()}"}, tmp_path)
    assert res.code == 3, res.output
