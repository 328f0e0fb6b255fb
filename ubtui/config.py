"""Configuration: a TOML file validated by pydantic, overridden by environment and CLI options.

Where the file is: ``$UBTUI_CONFIG``, else ``<user config dir>/ubtui/config.toml``.
"""
from __future__ import annotations

import os
import time
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .policy import CollectionsPolicy


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


class FeeSchedule(BaseModel):
    """The district's fees and deposits: what a clerk may charge without anyone's approval.
    A larger amount needs a supervisor's approval (``ubtui.fees.check_scheduled``)."""
    model_config = ConfigDict(extra="forbid")
    reconnect_fee_cents: int = Field(default=5000, ge=0)
    reconnect_after_hours_fee_cents: int = Field(default=15000, ge=0)
    # Service deposit by account class; a class not listed uses deposit_default_cents.
    deposit_cents: dict[str, int] = Field(default_factory=lambda: {
        "residential": 10000, "commercial": 30000, "irrigation": 20000, "construction": 50000})
    deposit_default_cents: int = Field(default=10000, ge=0)
    # Setting a meter where there is none (service started at a new address): the
    # installation fee by meter size; a size not listed uses install_fee_default_cents.
    install_fee_cents: dict[str, int] = Field(default_factory=lambda: {
        '5/8"': 65000, '3/4"': 80000, '1"': 120000, '1.5"': 250000, '2"': 340000, '3"': 600000,
        '4"': 900000, '6"': 1500000, '8"': 2200000})
    install_fee_default_cents: int = Field(default=2200000, ge=0)
    # A customer with a returned payment or a disconnection on any of their accounts in the
    # last deposit_risk_months months pays deposit_risk_percent of the class's deposit
    # (0 months: never).
    deposit_risk_months: int = Field(default=12, ge=0)
    deposit_risk_percent: int = Field(default=200, ge=100, le=1000)
    # A payment that leaves a disconnected account owing at most this much orders the
    # reconnect and charges its fee at once (None: the clerk orders reconnects by hand).
    reconnect_when_owing_cents: int | None = Field(default=0, ge=0)
    # Local hours [open, close) and weekdays (0 is Monday) of the field crews' day: outside
    # them a reconnect costs the after-hours fee.
    office_hours: tuple[int, int] = (8, 17)
    office_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)

    @field_validator("deposit_cents", "install_fee_cents")
    @classmethod
    def _not_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for k, v in value.items():
            if v < 0:
                raise ValueError(f"the fee for {k!r} must not be negative")
        return value


class MeterTestPolicy(BaseModel):
    """When a meter test's result changes bills (``[meter_test]``): a meter registering more
    than ``tolerance_percent`` away from 100 % has the usage charges of the bills of the last
    ``months`` months (since it was set, at most) adjusted by its error, as a proposal."""
    model_config = ConfigDict(extra="forbid")
    tolerance_percent: Decimal = Field(default=Decimal("2"), ge=0, le=50)
    months: int = Field(default=6, ge=1, le=60)


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
    # The same clerk posting into their drawer from a terminal other than the one that opened
    # it: "warn" (the payment screen and the receipt say so) or "refuse".
    same_clerk_terminals: Literal["warn", "refuse"] = "warn"
    float_warn_cents: int = Field(default=1000_00, gt=0)  # an opening float above this warns
    # A payment above this asks the clerk to confirm it (re-type the amount); 0: never.
    payment_confirm_over_cents: int = Field(default=1_000_00, ge=0)
    adjustment_approval_cents: int = Field(default=10_000, ge=0)
    payment_allocation: list[str] = Field(
        default_factory=lambda: ["reconnect_fee", "fee", "late_fee", "oldest"])
    nsf_fee_cents: int = Field(default=2500, ge=0)  # returned-payment fee
    fees: FeeSchedule = Field(default_factory=FeeSchedule)  # [fees] table of the config file
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
    # Collections: notices before shut-off, protections, plans (default: California SB 998;
    # ubtui/data/collections_policy.toml shows every key)
    collections: CollectionsPolicy = Field(default_factory=CollectionsPolicy)
    meter_test: MeterTestPolicy = Field(default_factory=MeterTestPolicy)  # [meter_test]


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
    """The data folder's ``ubtui.db``; while there is none but ``ubtui demo`` has built
    ``demo.db`` there, the demo (so a plain ``ubtui`` after ``ubtui demo --no-launch`` opens
    the district just built, not an empty database where the demo sign-ins fail)."""
    folder = data_dir()
    main, demo = folder / "ubtui.db", folder / DEMO_DATABASE_FILE
    return f"sqlite:///{demo if demo.exists() and not main.exists() else main}"


DEMO_DATABASE_FILE = "demo.db"


def is_demo_url(url: str) -> bool:
    """Whether ``url`` is a demo district's SQLite file (the login screen lists its sign-ins)."""
    return url.startswith("sqlite") and url.replace("\\", "/").rsplit("/", 1)[-1] == DEMO_DATABASE_FILE


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any); an error names the file and the key."""
    path = path or config_path()
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: {e}") from None
        except UnicodeDecodeError as e:
            line = path.read_bytes()[:e.start].count(b"\n") + 1
            raise ConfigError(f"{path}: line {line}: not UTF-8 text (save the file as UTF-8)") from None
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
