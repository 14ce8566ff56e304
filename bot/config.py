"""Settings: one pydantic-settings object read from the environment and the home's ``.env``.

Nothing is read at import time; call :func:`load_settings`. Relative paths (``DATA_DIR``, ``EXPORT_DIR``,
a SQLite ``DATABASE_URL``) are resolved against the home (:mod:`bot.home`), never the current folder.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, NonNegativeInt, PositiveInt, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.errors import MoneyError
from bot.domain.money import parse_cop
from bot.home import Home, resolve_home
from db.engine import normalize_url

SECRET_FIELDS = {"discord_token", "hubspot_access_token"}


class OfflineSettings(BaseSettings):
    """Everything but the Discord credentials: what the commands that never talk to Discord (db, export,
    reporte, clientes, estado) need. Every variable is documented in ``.env.example``."""

    model_config = SettingsConfigDict(
        env_file=None,  # load_settings passes the home's .env explicitly
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Discord (the token and the guild id are in Settings)
    discord_api_base: str | None = Field(
        default=None, description="REST base of a Discord-compatible server; also moves the gateway"
    )
    sales_channel: str = Field(default="dudas-ventas-ops", description="Canal del programa (nombre o id)")

    # Roles (name or id)
    role_kam: str = "KAM"
    role_hubspot_approver: str = "Aprobador HubSpot"
    role_coo: str = "COO"
    role_renewals: str = "Renovaciones"
    role_audit: str = "Auditoría"
    role_profiler: str = "Perfilador"
    role_admin: str = "Admin ventas-ops"
    role_sales_help: str = "Ventas"
    role_cco: str = "CCO"
    role_pm: str = "PM"

    # Storage
    database_url: str = "sqlite+aiosqlite:///data/ventas-ops.db"
    data_dir: Path = Path("data")
    export_dir: Path = Path("exports")
    # CSV files the bot writes: ";" for Excel with Colombian regional settings (decimal comma), "," otherwise
    csv_delimiter: str = ";"
    # backup archives (database + DATA_DIR files); empty = DATA_DIR/backups. Better another disk.
    backup_dir: Path | None = None
    backup_keep: PositiveInt = 14

    # HubSpot
    hubspot_access_token: SecretStr | None = None
    hubspot_api_base: str | None = None
    hubspot_timeout_seconds: float = 10.0
    hubspot_max_concurrency: int = Field(default=8, ge=1, le=64)
    hubspot_advance_date_property: str = "fecha_de_anticipo"
    hubspot_company_services_property: str = "servicios"
    hubspot_portal_id: str = ""
    hubspot_app_url: str = "https://app.hubspot.com"
    # create HubSpot users when an access request is approved (needs the settings.users.write scope)
    hubspot_provision_users: bool = True

    # Program rules
    # an IANA zone name, kept as text (``tz`` is the ZoneInfo): code built on the text keeps working
    timezone: str = "America/Bogota"
    export_time: time = time(6, 0)
    commission_rate: Decimal = Decimal("0.06")
    lead_reward_good: NonNegativeInt = 5000
    lead_reward_sold: NonNegativeInt = 10000
    renewal_window_business_days: PositiveInt = 3
    lead_sla_hours: PositiveInt = 24
    approval_reminder_hours: PositiveInt = 24
    question_sla_hours: PositiveInt = 24
    sense_email_domain: str = "sensedigital.co"
    proof_max_bytes: NonNegativeInt = 10 * 1024 * 1024

    # Links shown by /ayuda
    link_quotation: str = ""
    link_contract: str = ""
    link_payment_policy: str = ""
    link_hubspot_guide: str = ""
    link_referral_landing: str = "https://sense-digital.co/landing-ventas-internas-sense/"

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # port of the HTTP health check (GET /healthz on 127.0.0.1); empty = off
    health_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    # the web panel (bot/web): its public base URL (https://panel.example.com); empty = panel off
    web_base_url: str = ""
    # port the panel listens on (127.0.0.1; a reverse proxy publishes it with https)
    web_port: Annotated[int, Field(ge=1, le=65535)] = 8090
    # address the panel binds to
    web_host: str = "127.0.0.1"

    @field_validator("hubspot_access_token", "backup_dir", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("discord_api_base", "hubspot_api_base", mode="before")
    @classmethod
    def _blank_url_is_none(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        if isinstance(v, str) and not re.match(r"^https?://", v.strip()):
            raise ValueError("debe ser una URL http(s)://")
        return v.strip() if isinstance(v, str) else v

    @field_validator("timezone")
    @classmethod
    def _valid_tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("debe ser una zona horaria IANA como America/Bogota") from exc
        return v

    @field_validator("csv_delimiter", mode="before")
    @classmethod
    def _delimiter(cls, v: Any) -> Any:
        names = {"semicolon": ";", "punto y coma": ";", "comma": ",", "coma": ","}
        value = names.get(str(v).strip().lower(), str(v).strip()) if isinstance(v, str) else v
        if value not in (";", ","):
            raise ValueError('must be ";" (Excel in Colombia) or ","')
        return value

    @field_validator("export_time", mode="before")
    @classmethod
    def _hhmm(cls, v: Any) -> Any:
        if isinstance(v, str):
            m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", v)
            if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
                raise ValueError("debe ser HH:MM, por ejemplo 06:00")
            return time(int(m.group(1)), int(m.group(2)))
        return v

    @field_validator("commission_rate", mode="before")
    @classmethod
    def _rate_text(cls, v: Any) -> Any:
        return parse_rate(v) if isinstance(v, str) else v

    @field_validator("commission_rate")
    @classmethod
    def _rate(cls, v: Decimal) -> Decimal:
        if not (Decimal(0) < v < Decimal(1)):
            raise ValueError(RATE_HELP)
        return v

    @field_validator("lead_reward_good", "lead_reward_sold", mode="before")
    @classmethod
    def _money_text(cls, v: Any) -> Any:
        return parse_money_setting(v) if isinstance(v, str) else v

    @field_validator("database_url", mode="before")
    @classmethod
    def _db_url(cls, v: Any) -> Any:
        return normalize_url(v) if isinstance(v, str) else v

    @field_validator("health_port", mode="before")
    @classmethod
    def _blank_port(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _case(cls, v: Any) -> Any:
        """``LOG_FORMAT=JSON`` and ``LOG_LEVEL=debug`` are meant, not typos (the Literal is checked after)."""
        if not isinstance(v, str):
            return v
        return v.strip().upper() if v.strip().lower() in {"debug", "info", "warning", "error", "critical"} \
            else v.strip().lower()

    @field_validator("web_base_url", mode="before")
    @classmethod
    def _web_url(cls, v: Any) -> Any:
        if not isinstance(v, str) or not v.strip():
            return ""
        v = v.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", v):
            raise ValueError("debe ser una URL http(s):// (https://panel.ejemplo.com) o vacío para apagar el panel")
        return v

    # Derived helpers ---------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def backups_path(self) -> Path:
        """Where backup archives go: BACKUP_DIR, else DATA_DIR/backups."""
        return self.backup_dir if self.backup_dir is not None else self.data_dir / "backups"

    @property
    def hubspot_enabled(self) -> bool:
        return self.hubspot_access_token is not None

    def anchored(self, home: Home) -> Self:
        """A copy with every relative path resolved against ``home``."""
        return self.model_copy(update={
            "data_dir": home.path(self.data_dir),
            "export_dir": home.path(self.export_dir),
            "backup_dir": home.path(self.backup_dir) if self.backup_dir is not None else None,
            "database_url": normalize_url(self.database_url, home.root),
        })

    def masked(self) -> dict[str, str]:
        """Every setting as text, secrets masked (for check-config and /admin config)."""
        out: dict[str, str] = {}
        first = ("discord_token", "discord_guild_id")  # defined last (Settings extends OfflineSettings), shown first
        for name in sorted(type(self).model_fields, key=lambda n: n not in first):
            value = getattr(self, name)
            if name in SECRET_FIELDS:
                out[name.upper()] = mask_secret(value)
            elif name == "database_url":
                out[name.upper()] = mask_url_password(str(value))
            elif isinstance(value, time):
                out[name.upper()] = value.strftime("%H:%M")
            else:
                out[name.upper()] = "" if value is None else str(value)
        return out


class Settings(OfflineSettings):
    """All settings, the Discord credentials included (the bot and ``check-config`` need them)."""

    discord_token: SecretStr = Field(description="Token del bot (Discord Developer Portal → Bot → Reset Token)")
    discord_guild_id: int = Field(description="Id del servidor (guild) de Sense Digital")

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value().strip():
            raise ValueError("no puede estar vacío")
        return v


RATE_HELP = "debe ser una fracción entre 0 y 1 (0.06 o 0,06) o un porcentaje (6 %)"
MONEY_HELP = "debe ser un valor en pesos como 5000, 5.000 o $ 5.000"


def parse_rate(text: str) -> Decimal:
    """``0.06``, ``0,06``, ``6 %`` and ``6%`` → ``Decimal("0.06")``; ``ValueError`` otherwise."""
    s = text.strip()
    percent = s.endswith("%")
    s = s.removesuffix("%").strip()
    if not re.fullmatch(r"[0-9]+(?:[.,][0-9]+)?", s):
        raise ValueError(RATE_HELP)
    value = Decimal(s.replace(",", "."))
    return value / 100 if percent else value


def parse_money_setting(text: str) -> int:
    """Whole pesos as Colombians write them (``5000``, ``5.000``, ``$ 5.000``); ``0`` allowed; ambiguous
    input such as ``5,5`` or ``5.5`` refused (``ValueError``)."""
    s = text.strip()
    if re.fullmatch(r"\$?\s*0+", s):
        return 0
    try:
        return parse_cop(s, "valor")
    except MoneyError:
        raise ValueError(f"{MONEY_HELP} (no «{s}»)") from None


def mask_secret(value: SecretStr | None) -> str:
    if value is None:
        return "(no configurado)"
    raw = value.get_secret_value()
    return "****" if len(raw) <= 8 else f"****{raw[-4:]}"


def mask_url_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1****@", url)


class ConfigError(Exception):
    """A setting is missing or invalid; ``str()`` is one line naming the variable."""


_HINTS = {
    "discord_token": "el token del bot (Discord Developer Portal → Bot → Reset Token)",
    "discord_guild_id": "el id numérico del servidor de Discord (clic derecho en el servidor → Copiar ID del servidor)",
}

_PYDANTIC_MESSAGES = {
    "int_parsing": "debe ser un número entero",
    "int_from_float": "debe ser un número entero",
    "float_parsing": "debe ser un número",
    "decimal_parsing": "debe ser un número",
    "bool_parsing": "debe ser true o false",
    "time_parsing": "debe ser HH:MM",
    "greater_than": "debe ser un número entero positivo",
}


_FIELD_MESSAGES = {"health_port": "debe ser un puerto entre 1 y 65535, o vacío para no abrirlo"}  # out of range


def _message(err: Any) -> str:
    """One pydantic error in Spanish (the field is named by the caller)."""
    ctx = err.get("ctx") or {}
    if err["type"] == "literal_error":
        return "debe ser " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", " o ")
    if err["type"] == "greater_than_equal":
        return "debe ser cero o un número entero positivo" if ctx.get("ge") == 0 else f"debe ser al menos {ctx.get('ge')}"
    if err["type"] == "less_than_equal":
        return f"debe ser como máximo {ctx.get('le')}"
    return _PYDANTIC_MESSAGES.get(err["type"]) or str(err["msg"]).removeprefix("Value error, ")


def load_settings(home: Home | None = None, *, discord: bool = True, **overrides: Any) -> Settings:
    """Build the settings from the environment and ``home``'s ``.env`` (default :func:`resolve_home`),
    paths resolved against the home, or raise :class:`ConfigError` with one Spanish line that names the
    variable and the ``.env`` that was read. ``discord=False`` builds :class:`OfflineSettings`."""
    home = home or resolve_home()
    cls = Settings if discord else OfflineSettings
    overrides.setdefault("_env_file", home.env_file if home.env_file.is_file() else None)
    try:
        settings = cls(**overrides)
        return settings.anchored(home)  # type: ignore[return-value]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        var = field.upper()
        if err["type"] == "missing":
            hint = _HINTS.get(field, "un valor (vea .env.example)")
            raise ConfigError(
                f"{var} no está configurado: ponga {hint} en el entorno o en {home.env_file_shown()}"
            ) from None
        msg = _FIELD_MESSAGES.get(field) if err["type"] in ("greater_than_equal", "less_than_equal") else None
        msg = msg or _message(err)
        raise ConfigError(f"{var} no es válido ({msg}); revise {home.env_file_shown()} o el entorno") from None
    except ValueError as exc:  # anchored(): a relative path that cannot be resolved
        raise ConfigError(f"DATABASE_URL no es válido ({exc})") from None
