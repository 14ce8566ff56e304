"""One home for every path; money and rate settings as Colombians write them; database URLs as hosting
providers hand them out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.config import ConfigError, load_settings, parse_money_setting, parse_rate
from bot.home import PROJECT_DIR, resolve_home
from db.engine import normalize_url

REQUIRED = {"DISCORD_TOKEN": "x" * 20, "DISCORD_GUILD_ID": "1"}


@pytest.fixture
def env(monkeypatch):
    def set_(**values: str) -> None:
        for k, v in {**REQUIRED, **values}.items():
            monkeypatch.setenv(k, v)
    return set_


@pytest.mark.parametrize("text", ["5000", "5.000", "$ 5.000", "$5.000", " 5000 ", "COP 5.000"])
def test_money_settings_read_five_thousand(env, text):
    env(LEAD_REWARD_GOOD=text)
    assert load_settings().lead_reward_good == 5000


@pytest.mark.parametrize("text", ["5,5", "5.5", "cinco mil", "-5000", "5.00"])
def test_ambiguous_money_settings_are_refused_naming_the_variable(env, text):
    env(LEAD_REWARD_SOLD=text)
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert str(exc.value).startswith("LEAD_REWARD_SOLD no es válido") and "5.000" in str(exc.value)


def test_zero_reward_is_allowed():
    assert parse_money_setting("0") == 0 and parse_money_setting("$ 0") == 0


@pytest.mark.parametrize("text", ["0.06", "0,06", "6 %", "6%", " 6 % "])
def test_commission_rate_forms(env, text):
    env(COMMISSION_RATE=text)
    assert load_settings().commission_rate == Decimal("0.06")


@pytest.mark.parametrize("text", ["6", "seis", "0,0,6", "106 %", "0"])
def test_commission_rate_refused(env, text):
    env(COMMISSION_RATE=text)
    with pytest.raises(ConfigError, match=r"^COMMISSION_RATE no es válido"):
        load_settings()


def test_parse_rate_keeps_precision():
    assert parse_rate("5,5 %") == Decimal("0.055")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/ventas", "postgresql+asyncpg://u:p@db:5432/ventas"),
        ("postgresql://u:p@db/ventas", "postgresql+asyncpg://u:p@db/ventas"),
        ("postgresql+asyncpg://u@db/ventas", "postgresql+asyncpg://u@db/ventas"),
        ("postgres://u@db/ventas?sslmode=require", "postgresql+asyncpg://u@db/ventas?ssl=require"),
        ("sqlite:////srv/v/x.db", "sqlite+aiosqlite:////srv/v/x.db"),
    ],
)
def test_database_url_forms(given, expected):
    assert normalize_url(given) == expected


@pytest.mark.parametrize("bad", ["nonsense", "mysql://u@h/db", "postgresql+psycopg2://u@h/db", "postgres://u@h"])
def test_bad_database_urls_are_refused(env, bad):
    env(DATABASE_URL=bad)
    with pytest.raises(ConfigError, match=r"^DATABASE_URL no es válido"):
        load_settings()


def test_relative_paths_resolve_against_the_home_not_the_cwd(env, tmp_path, monkeypatch):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir(), elsewhere.mkdir()
    (home / ".env").write_text("DISCORD_TOKEN=from-home-env-123\nDISCORD_GUILD_ID=7\n")
    for k in REQUIRED:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(elsewhere)
    s = load_settings(resolve_home(home / ".env"))
    assert s.discord_token.get_secret_value() == "from-home-env-123"
    assert s.data_dir == home / "data" and s.export_dir == home / "exports" and s.backups_path == home / "data" / "backups"
    assert s.database_url == f"sqlite+aiosqlite:///{home}/data/ventas-ops.db"
    monkeypatch.setenv("VENTAS_OPS_HOME", str(home))
    assert load_settings().data_dir == home / "data"


def test_home_precedence(tmp_path):
    assert resolve_home(tmp_path / "x.env", {"VENTAS_OPS_HOME": "/elsewhere"}).env_file == tmp_path / "x.env"
    assert resolve_home(None, {"VENTAS_OPS_HOME": str(tmp_path)}).root == tmp_path
    project = resolve_home(None, {})
    assert project.root == PROJECT_DIR and (PROJECT_DIR / "pyproject.toml").is_file()


def test_missing_token_names_the_env_file_that_was_read(tmp_path, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(ConfigError) as exc:
        load_settings(resolve_home(tmp_path / "prod.env"))
    msg = str(exc.value)
    assert msg.startswith("DISCORD_TOKEN no está configurado") and str(tmp_path / "prod.env") in msg
    assert "(no existe)" in msg and "\n" not in msg


def test_offline_settings_need_no_discord_token(monkeypatch, tmp_path):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    s = load_settings(resolve_home(None, {"VENTAS_OPS_HOME": str(tmp_path)}), discord=False)
    assert s.database_url.endswith(f"{tmp_path}/data/ventas-ops.db") and not hasattr(s, "discord_token")


def test_pydantic_messages_are_spanish(env):
    env(LEAD_SLA_HOURS="veinte")
    with pytest.raises(ConfigError, match=r"^LEAD_SLA_HOURS no es válido \(debe ser un número entero\)"):
        load_settings()


