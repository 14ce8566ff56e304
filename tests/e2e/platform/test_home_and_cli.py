"""The operator's view: the bot started from an unrelated folder keeps every file under its home; the CLI
speaks Spanish, has --version and db current/history, and exports without a Discord token."""

from __future__ import annotations

import re

import aiohttp

from tests.fakes.bot_process import BotProcess
from tests.fakes.cli_process import free_port, run_cli


def tree(folder) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


async def test_bot_from_an_unrelated_folder_keeps_every_file_in_its_home(fake, tmp_path):
    home, cwd = tmp_path / "srv" / "ventas-ops", tmp_path / "elsewhere"
    home.mkdir(parents=True), cwd.mkdir()
    port = free_port()
    (home / "produccion.env").write_text(
        f"DISCORD_TOKEN={fake.token}\nDISCORD_GUILD_ID={fake.guild_id}\nDISCORD_API_BASE={fake.rest_base}\n"
        f"DATABASE_URL=sqlite+aiosqlite:///data/ventas-ops.db\nDATA_DIR=data\nEXPORT_DIR=exports\nHEALTH_PORT={port}\n"
    )
    proc = BotProcess({"VENTAS_OPS_HOME": str(tmp_path / "not-this-one")}, cwd, tmp_path / "bot.log",
                      args=("--env-file", str(home / "produccion.env"), "bot"))
    await proc.start(fake, timeout=90)  # generous: CI machines are shared
    ana = await fake.add_member("Ana", ["KAM"])
    assert "6 %" in await (await fake.slash(ana, "ayuda")).text()
    await fake.wait_for(lambda: "Health check on" in (tmp_path / "bot.log").read_text(), timeout=90)
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as r:
        assert r.status == 200
    assert await proc.stop() == 0

    env = {"VENTAS_OPS_HOME": str(home)}
    (home / ".env").write_text((home / "produccion.env").read_text())
    res = await run_cli(["export", "--fecha", "2026-01-05"], env, cwd)
    assert res.code == 0, res.output
    res = await run_cli(["db", "backup"], env, cwd)
    assert res.code == 0, res.output
    res = await run_cli(["reporte", "mensual", "--mes", "2026-01"], env, cwd)
    assert res.code == 0, res.output
    assert "neto $ 0" in res.stdout

    assert tree(cwd) == set()  # nothing in the folder the commands started in
    files = tree(home)
    assert "data/ventas-ops.db" in files
    assert any(f.startswith("data/backups/ventas-ops-") for f in files)
    assert "exports/2026-01-05/negocios-2026-01-05.xlsx" in files
    assert "exports/reportes/comisiones-2026-01.xlsx" in files
    assert not (tmp_path / "not-this-one").exists()


async def test_version_and_spanish_help_without_type_markers(tmp_path):
    res = await run_cli(["--version"], {}, tmp_path)
    assert res.code == 0 and re.fullmatch(r"ventas-ops \d+\.\d+\.\d+\S*\n", res.stdout), res.output
    for args in (["--help"], ["export", "--help"], ["clientes", "importar", "--help"], ["db", "--help"],
                 ["check-config", "--help"], ["reporte", "mensual", "--help"]):
        res = await run_cli(args, {"COLUMNS": "120"}, tmp_path)
        assert res.code == 0, res.output
        assert not re.search(r"<(bool|str|int)>", res.stdout), res.stdout  # options and flags: no type markers
        assert "Muestra esta ayuda" in res.stdout and "Show this message" not in res.stdout
        assert "Opciones" in res.stdout


async def test_db_current_history_and_export_without_discord_token(tmp_path):
    env = {"VENTAS_OPS_HOME": str(tmp_path)}
    res = await run_cli(["db", "history"], env, tmp_path)
    assert res.code == 0 and "base -> 0001" in res.stdout and "0001 -> 0002" in res.stdout, res.output
    res = await run_cli(["db", "current"], env, tmp_path)
    assert res.code == 0 and "sin migrar" in res.stdout, res.output
    res = await run_cli(["export", "--fecha", "2026-01-05"], env, tmp_path)  # no DISCORD_TOKEN anywhere
    assert res.code == 0, res.output
    assert "05/01/2026: 0 negocios" in res.stdout and "outbox" in res.stdout
    res = await run_cli(["export", "--fecha", "2026-01-05"], env, tmp_path)
    assert "ya se exportó" in res.stdout and "--forzar" in res.stdout
    res = await run_cli(["db", "current"], env, tmp_path)
    assert res.code == 0 and "(la última)" in res.stdout, res.output
    res = await run_cli(["export", "--fecha", "5/1/2026"], env, tmp_path)
    assert res.code == 2 and res.error_lines() == ["ventas-ops: --fecha debe ser AAAA-MM-DD, por ejemplo 2026-11-22"]


async def test_cli_estado(tmp_path):
    env = {"VENTAS_OPS_HOME": str(tmp_path)}
    assert (await run_cli(["export", "--fecha", "2026-01-05"], env, tmp_path)).code == 0
    res = await run_cli(["estado"], env, tmp_path)
    assert res.code == 0, res.output
    out = res.stdout
    assert "Versión: " in out and "05/01/2026: ✅ hecha" in out and "1 por enviar" in out  # the export's post
    assert "HubSpot: desactivado" in out and "Base de datos: " in out and "Último respaldo: ninguno" in out


async def test_import_hint_names_uv_run_and_the_file(tmp_path):
    from pathlib import Path

    csv = Path(__file__).resolve().parents[3] / "examples" / "clientes.csv"
    res = await run_cli(["clientes", "importar", str(csv)], {"VENTAS_OPS_HOME": str(tmp_path)}, tmp_path)
    assert res.code == 0, res.output
    assert f"uv run ventas-ops clientes importar {csv} --aplicar" in res.stdout
