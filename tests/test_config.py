from __future__ import annotations

import os
import subprocess
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.timetravel import BOT_CLI

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_match_the_program(settings):
    assert settings.sales_channel == "dudas-ventas-ops"
    assert settings.commission_rate == Decimal("0.06")
    assert (settings.lead_reward_good, settings.lead_reward_sold) == (5000, 10000)
    assert settings.renewal_window_business_days == 3
    assert settings.lead_sla_hours == 24
    assert settings.export_time == time(6, 0)
    assert settings.timezone == "America/Bogota"
    assert settings.hubspot_enabled is False
    assert settings.csv_delimiter == ";"  # Excel with Colombian regional settings


def test_csv_delimiter_accepts_names(make_settings):
    assert make_settings(csv_delimiter="coma").csv_delimiter == ","
    assert make_settings(csv_delimiter=" Punto y coma ").csv_delimiter == ";"


def test_masked_hides_secrets(make_settings):
    s = make_settings(
        discord_token="abcdefghijklmnopqrstuvwxyz123456",
        hubspot_access_token="pat-na1-secretsecret-9876",
        database_url="postgresql+asyncpg://ventas:hunter2@localhost/ventas",
    )
    masked = s.masked()
    text = "\n".join(masked.values())
    assert "abcdefghijklmnop" not in text and masked["DISCORD_TOKEN"] == "****3456"
    assert "secretsecret" not in text and masked["HUBSPOT_ACCESS_TOKEN"] == "****9876"
    assert "hunter2" not in text and "ventas:****@localhost" in masked["DATABASE_URL"]
    assert masked["EXPORT_TIME"] == "06:00"


@pytest.mark.parametrize(
    ("env", "var"),
    [
        ({"DISCORD_GUILD_ID": "1"}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "x" * 20}, "DISCORD_GUILD_ID"),
        ({"DISCORD_TOKEN": "x" * 20, "DISCORD_GUILD_ID": "1", "EXPORT_TIME": "25:00"}, "EXPORT_TIME"),
        ({"DISCORD_TOKEN": "x" * 20, "DISCORD_GUILD_ID": "1", "COMMISSION_RATE": "6"}, "COMMISSION_RATE"),
        ({"DISCORD_TOKEN": "x" * 20, "DISCORD_GUILD_ID": "1", "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"DISCORD_TOKEN": "x" * 20, "DISCORD_GUILD_ID": "1", "DISCORD_API_BASE": "ftp://x"}, "DISCORD_API_BASE"),
        ({"DISCORD_TOKEN": "  ", "DISCORD_GUILD_ID": "1"}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "x" * 20, "DISCORD_GUILD_ID": "1", "CSV_DELIMITER": "|"}, "CSV_DELIMITER"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch, env, var):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as exc:
        load_settings(_env_file=None)
    assert str(exc.value).startswith(var)
    assert "\n" not in str(exc.value)


def test_export_time_and_env_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-dot-env-123\nDISCORD_GUILD_ID=42\nEXPORT_TIME=7:30\n")
    monkeypatch.setenv("VENTAS_OPS_HOME", str(tmp_path))
    s = load_settings()
    assert s.discord_token.get_secret_value() == "from-dot-env-123"
    assert s.discord_guild_id == 42 and s.export_time == time(7, 30)


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DISCORD_GUILD_ID", "DATABASE_URL"}}
    base["VENTAS_OPS_HOME"] = str(cwd)
    base.update(env)
    return subprocess.run(
        [*BOT_CLI, *args], cwd=cwd, env=base, capture_output=True, text=True, timeout=60
    )


def test_cli_bot_without_token_exits_2_with_one_line(tmp_path):
    res = _cli(["bot"], {}, tmp_path)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "DISCORD_TOKEN" in lines[0] and "Traceback" not in res.stderr


def test_cli_check_config_masks(tmp_path):
    res = _cli(
        ["check-config"],
        {"DISCORD_TOKEN": "supersecrettoken-abcd", "DISCORD_GUILD_ID": "123", "HUBSPOT_ACCESS_TOKEN": "pat-secret-zzzz"},
        tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert "supersecret" not in res.stdout and "pat-secret" not in res.stdout
    assert "DISCORD_TOKEN" in res.stdout and "****abcd" in res.stdout and "OK" in res.stdout


def test_cli_db_upgrade_creates_schema(tmp_path):
    db = tmp_path / "sub" / "cli.db"
    res = _cli(["db", "upgrade"], {"DATABASE_URL": f"sqlite+aiosqlite:///{db}"}, tmp_path)
    assert res.returncode == 0, res.stderr
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")}
    assert {"members", "deals", "audit_log", "outbox", "alembic_version"} <= tables


def test_env_example_documents_every_setting():
    from bot.config import Settings

    documented = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert {name.upper() for name in Settings.model_fields} == documented
