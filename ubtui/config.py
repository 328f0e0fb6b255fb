"""Configuration: a TOML file validated by pydantic, overridden by environment and CLI options.

Where the file is: ``$UBTUI_CONFIG``, else ``<user config dir>/ubtui/config.toml``.
"""
from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError


class District(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "Cedar Valley Water District"
    address: str = "400 Reservoir Road, Cedar Valley, CA 95000"
    phone: str = "(555) 010-2400"
    # The district's time zone (an IANA name such as "America/Los_Angeles"): the business day
    # and every date and time shown follow it.  Default: the machine's own -- a server kept on
    # UTC would otherwise show a 5 pm payment in California under the next day.
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name such as America/Los_Angeles") from None
        return value


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    database_url: str | None = None
    max_amount_cents: int = Field(default=99_999_99, gt=0)
    idle_lock_minutes: int = Field(default=15, ge=0)  # 0 disables the idle lock
    login_attempts: int = Field(default=5, gt=0)  # failed logins before the lockout
    lockout_minutes: int = Field(default=15, gt=0)
    theme: str = "ubtui"
    keymap: dict[str, str] = Field(default_factory=dict)  # binding id -> keys
    district: District = Field(default_factory=District)
    # Cashiering and billing settings (used by later modules; defaults are sensible).
    over_short_approval_cents: int = Field(default=500, ge=0)
    # A payment above this asks the clerk to confirm it (re-type the amount); 0: never.
    payment_confirm_over_cents: int = Field(default=1_000_00, ge=0)
    adjustment_approval_cents: int = Field(default=10_000, ge=0)
    payment_allocation: list[str] = Field(
        default_factory=lambda: ["reconnect_fee", "fee", "late_fee", "oldest"])
    nsf_fee_cents: int = Field(default=2500, ge=0)  # returned-payment fee
    nsf_no_checks_after: int = Field(default=2, gt=0)  # returned checks in 12 months -> no checks
    # Key that encrypts bank account numbers at rest (Fernet); every terminal of a district
    # must use the same file.  Default: <data dir>/secret.key, created on first use.
    secret_key_file: str | None = None
    # Autopay drafts (NACHA PPD debits): the district's bank details.
    ach_origin_routing: str = "121000358"
    ach_company_id: str = "1234567890"
    ach_company_name: str = "CEDAR VALLEY WD"
    ach_bank_name: str = "FIRST CEDAR BANK"
    receipt_printer: str = ""  # "", "file:/path", "usb:vid:pid", "network:host"
    rates_file: str | None = None


def apply_timezone(s: Settings) -> None:
    """Make the district's time zone (if set) the process's local time, so the business day
    (``date.today()``) and every stored UTC time shown (``dates.local_time``) follow it."""
    if s.district.timezone and hasattr(time, "tzset"):
        os.environ["TZ"] = s.district.timezone
        time.tzset()


def data_dir() -> Path:
    return Path(os.environ.get("UBTUI_DATA_DIR") or platformdirs.user_data_dir("ubtui"))


def config_path() -> Path:
    env = os.environ.get("UBTUI_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir("ubtui")) / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'ubtui.db'}"


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any); an error names the file and the key."""
    path = path or config_path()
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: {e}") from None
        except OSError as e:
            raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise ConfigError(f"{path}: key {key!r}: {err['msg']}") from None
    env_url = os.environ.get("UBTUI_DATABASE_URL")
    if env_url:
        settings.database_url = env_url
    return settings


_settings: Settings | None = None


def settings() -> Settings:
    """The process-wide settings (loaded once; tests replace them with ``use_settings``)."""
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def use_settings(s: Settings) -> None:
    global _settings
    _settings = s
