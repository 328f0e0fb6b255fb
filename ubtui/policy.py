"""The collections policy (``[collections]`` in the config file) and the office's business days.

The shipped default is California SB 998, the Water Shutoff Protection Act (Health and Safety
Code 116900-116926), as a district would configure it: no shut-off before 60 days delinquent,
a written notice, a final notice at least 7 business days before, no shut-off when the office
is closed, and the protections that keep an account off the list.  ``ubtui/data/
collections_policy.toml`` is the same policy as a file, with a comment on every key; the
tests check the two agree.
"""
from __future__ import annotations

import datetime as _dt
from functools import lru_cache

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PROTECTIONS = ("medical_certificate", "payment_plan", "appeal", "do_not_disconnect", "tenant_notice")
LANGUAGES = ("en", "es", "vi")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CollectionsPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "California SB 998 (Water Shutoff Protection Act)"
    reminder_after_days: int = Field(default=30, ge=1)       # past due this long: reminder letter
    reminder_min_cents: int = Field(default=100, ge=1)        # ...for at least this much
    notice_after_days: int = Field(default=45, ge=1)          # past due this long: the 15-day notice
    notice_gap_days: int = Field(default=10, ge=0)            # days from the reminder to that notice
    notice_days: int = Field(default=15, ge=1)                # the notice's days before the final notice
    final_business_days: int = Field(default=7, ge=1)         # final notice/door tag -> shut-off, business days
    door_tag_fee_cents: int = Field(default=1500, ge=0, le=50_000)  # fee posted with the door tag (0: none)
    min_days_delinquent: int = Field(default=60, ge=60)       # SB 998: never before 60 days
    min_past_due_cents: int = Field(default=5000, ge=1)       # smallest past-due amount shut off for
    reconnect_fee_cents: int = Field(default=5000, ge=0)      # stated on the notices
    tenant_notice_days: int = Field(default=10, ge=1)         # multi-unit: occupants told this many days before
    notice_valid_days: int = Field(default=120, ge=30)        # a notice older than this starts the sequence again
    appeal_days: int = Field(default=10, ge=1)                # days to appeal, stated on the notices
    plan_grace_days: int = Field(default=60, ge=0)            # an instalment this late breaks the plan
    plan_max_instalments: int = Field(default=12, ge=1)
    holidays_country: str = "US"
    holidays_subdivision: str | None = "CA"
    closed_weekdays: list[str] = Field(default_factory=lambda: ["sat", "sun"])
    closed_dates: list[_dt.date] = Field(default_factory=list)  # furlough days and other closures
    protections: list[str] = Field(default_factory=lambda: list(PROTECTIONS))
    languages: list[str] = Field(default_factory=lambda: list(LANGUAGES))
    letters_dir: str | None = None  # the district's own templates; a file missing there comes from ubtui/data/letters

    @field_validator("closed_weekdays")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v.lower() not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown weekday {bad[0]!r}; use {', '.join(WEEKDAYS)}")
        if len(set(v.lower() for v in value)) >= 7:
            raise ValueError("the office must be open on some day of the week")
        return [v.lower() for v in value]

    @field_validator("protections")
    @classmethod
    def _protections(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in PROTECTIONS]
        if bad:
            raise ValueError(f"unknown protection {bad[0]!r}; use {', '.join(PROTECTIONS)}")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in LANGUAGES]
        if bad:
            raise ValueError(f"no letters in {bad[0]!r}; shipped: {', '.join(LANGUAGES)}")
        if "en" not in value:
            raise ValueError("English (en) must stay: it is the fallback language")
        return value

    @model_validator(mode="after")
    def _order(self):
        if self.notice_after_days < self.reminder_after_days:
            raise ValueError("notice_after_days must not be less than reminder_after_days")
        if self.holidays_country not in holidays.list_supported_countries():
            raise ValueError(f"holidays_country {self.holidays_country!r} is not a country the holidays library knows")
        subs = holidays.list_supported_countries()[self.holidays_country]
        if self.holidays_subdivision and self.holidays_subdivision not in subs:
            raise ValueError(f"holidays_subdivision {self.holidays_subdivision!r} is not a subdivision of "
                             f"{self.holidays_country}")
        return self


@lru_cache(maxsize=16)
def _holidays(country: str, subdivision: str | None, year: int):
    return holidays.country_holidays(country, subdiv=subdivision, years=year)


def closed_reason(policy: CollectionsPolicy, day: _dt.date) -> str:
    """Why the office is closed on ``day`` ("Saturday", "Thanksgiving", "closed"), or ""."""
    if WEEKDAYS[day.weekday()] in policy.closed_weekdays:
        return day.strftime("%A")
    name = _holidays(policy.holidays_country, policy.holidays_subdivision, day.year).get(day)
    if name:
        return name
    if day in policy.closed_dates:
        return "office closed"
    return ""


def is_business_day(policy: CollectionsPolicy, day: _dt.date) -> bool:
    return not closed_reason(policy, day)


def add_business_days(policy: CollectionsPolicy, day: _dt.date, n: int) -> _dt.date:
    """The ``n``-th business day after ``day``."""
    while n > 0:
        day += _dt.timedelta(days=1)
        if is_business_day(policy, day):
            n -= 1
    return day


def next_business_day(policy: CollectionsPolicy, day: _dt.date) -> _dt.date:
    """``day`` if the office is open then, else the next day it is."""
    while not is_business_day(policy, day):
        day += _dt.timedelta(days=1)
    return day
