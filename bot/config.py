"""Settings: one pydantic-settings object read from the environment and ``.env``.

Nothing is read at import time; call :func:`load_settings`.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FIELDS = {"discord_token", "hubspot_access_token"}


class Settings(BaseSettings):
    """Every variable is documented in ``.env.example``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Discord
    discord_token: SecretStr = Field(description="Token del bot (Discord Developer Portal → Bot → Reset Token)")
    discord_guild_id: int = Field(description="Id del servidor (guild) de Sense Digital")
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

    # HubSpot
    hubspot_access_token: SecretStr | None = None
    hubspot_api_base: str | None = None
    hubspot_timeout_seconds: float = 10.0
    hubspot_advance_date_property: str = "fecha_de_anticipo"
    hubspot_company_services_property: str = "servicios"
    hubspot_portal_id: str = ""
    hubspot_app_url: str = "https://app.hubspot.com"
    # create HubSpot users when an access request is approved (needs the settings.users.write scope)
    hubspot_provision_users: bool = True

    # Program rules
    timezone: str = "America/Bogota"
    export_time: time = time(6, 0)
    commission_rate: Decimal = Decimal("0.06")
    lead_reward_good: int = 5000
    lead_reward_sold: int = 10000
    renewal_window_business_days: int = 3
    lead_sla_hours: int = 24
    approval_reminder_hours: int = 24
    question_sla_hours: int = 24
    sense_email_domain: str = "sensedigital.co"
    proof_max_bytes: int = 10 * 1024 * 1024

    # Links shown by /ayuda
    link_quotation: str = ""
    link_contract: str = ""
    link_payment_policy: str = ""
    link_hubspot_guide: str = ""
    link_referral_landing: str = "https://sense-digital.co/landing-ventas-internas-sense/"

    log_level: str = "INFO"

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value().strip():
            raise ValueError("must not be empty")
        return v

    @field_validator("hubspot_access_token", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("discord_api_base", "hubspot_api_base", mode="before")
    @classmethod
    def _blank_url_is_none(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        if isinstance(v, str) and not re.match(r"^https?://", v.strip()):
            raise ValueError("must be an http(s):// URL")
        return v.strip() if isinstance(v, str) else v

    @field_validator("csv_delimiter", mode="before")
    @classmethod
    def _delimiter(cls, v: Any) -> Any:
        names = {"semicolon": ";", "punto y coma": ";", "comma": ",", "coma": ","}
        value = names.get(str(v).strip().lower(), str(v).strip()) if isinstance(v, str) else v
        if value not in (";", ","):
            raise ValueError('must be ";" (Excel in Colombia) or ","')
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as America/Bogota") from exc
        return v

    @field_validator("export_time", mode="before")
    @classmethod
    def _hhmm(cls, v: Any) -> Any:
        if isinstance(v, str):
            m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", v)
            if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
                raise ValueError("must be HH:MM, e.g. 06:00")
            return time(int(m.group(1)), int(m.group(2)))
        return v

    @field_validator("commission_rate")
    @classmethod
    def _rate(cls, v: Decimal) -> Decimal:
        if not (Decimal(0) < v < Decimal(1)):
            raise ValueError("must be a fraction between 0 and 1, e.g. 0.06")
        return v

    @field_validator("lead_reward_good", "lead_reward_sold", "proof_max_bytes")
    @classmethod
    def _non_negative(cls, v: int) -> int:
        if v < 0:
            raise ValueError("must be zero or a positive whole number")
        return v

    @field_validator("renewal_window_business_days", "lead_sla_hours", "approval_reminder_hours", "question_sla_hours")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be a positive whole number")
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return v

    # Derived helpers ---------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hubspot_enabled(self) -> bool:
        return self.hubspot_access_token is not None

    def masked(self) -> dict[str, str]:
        """Every setting as text, secrets masked (for check-config and /admin config)."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
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
    "discord_token": "the bot token from the Discord Developer Portal (Bot → Reset Token)",
    "discord_guild_id": "the numeric id of the Discord server (right click the server → Copy Server ID)",
}


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise :class:`ConfigError` with one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        var = field.upper()
        if err["type"] == "missing":
            hint = _HINTS.get(field, "a value (see .env.example)")
            raise ConfigError(f"{var} is not set: put {hint} in the environment or in .env") from None
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{var} is invalid ({msg}); see .env.example") from None
