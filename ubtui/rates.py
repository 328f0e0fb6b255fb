"""Rate schedules: a human-edited TOML file, validated by pydantic, and the bill calculator.

The format is described in ``ubtui/data/rates/README.md`` (examples: ``ubtui/data/rates/``
and ``ubtui/data/demo_rates.toml``).  A file holds dated *versions*; each version has
customer classes (keyed by the account's rate code) with a fixed service charge by meter
size, volumetric tiers (optionally seasonal), a minimum charge, sewer, flat charges, and the
version's surcharges and taxes.  Numbers are read as ``Decimal`` (never float) and bounded:
anything that would bill wrong is refused with its line and key.

Arithmetic rules (the district's, written once here):

* usage is converted from the meter's unit to the class's unit and rounded *down* to whole
  units (``to_rate_units``);
* a bill covers the days ``[start, end)``; a regular bill charges its cycle's months (1, 2
  or 3), a first or final bill the months of the schedule's ``proration`` rule; a class's
  figures are per ``figures_per`` (1, 2 or 3 months) and charged months / that, or per day
  (charged the bill's days, whatever its kind);
* tier limits are per period (times the periods), per day (times days) or per dwelling unit
  per period; scaled limits are rounded half-up to whole units;
* a period spanning a rate change is split by days: each version gets its share of the days,
  of the usage (whole units, the remainder to the last part) and of the months;
* every line is rounded to the cent with ROUND_HALF_UP; percent lines (surcharges, taxes)
  are computed on the rounded lines they name.

``price_bill`` is the one pricing path (bill runs, rebills, leak credits, the calculator,
``rates check --quote``).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import textwrap
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from . import clock
from .errors import InputError, NotFound
from .text import counted

DEMO_RATES = Path(__file__).parent / "data" / "demo_rates.toml"
CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal(30)
UNITS = ("HCF", "CCF", "GAL", "KGAL")
# Gallons in one unit; HCF and CCF are the same hundred cubic feet (748.052 gal, 748 by custom).
GALLONS = {"GAL": Decimal(1), "KGAL": Decimal(1000), "HCF": Decimal(748), "CCF": Decimal(748)}
LINE_CATEGORIES = ("service", "minimum", "water", "sewer", "flat", "fire", "stormwater",
                   "surcharge", "tax", "fee")

Money = Decimal  # dollars, exact; the schedule's numbers

# What a rate file may say (a real schedule is a few kilobytes; these bounds keep nonsense out
# and every bill's arithmetic far inside Decimal's precision and a BIGINT of cents).
MAX_FILE_BYTES = 1_000_000
MAX_VERSIONS = 100
MAX_CLASSES = 100
MAX_TIERS = 20
MAX_SIZES = 40
MAX_ITEMS = 20  # flat charges, surcharges, taxes, seasons
MAX_AMOUNT = Decimal(1_000_000)  # dollars a period
MAX_RATE = Decimal(10_000)  # dollars a unit
MAX_UNITS = 1_000_000_000
RATE_PLACES = 8  # $0.00977273 a gallon: a rate per 100 cubic feet published per gallon
KINDS = ("regular", "first", "final")
PERIOD_MONTHS = {"month": 1, "two_months": 2, "quarter": 3}  # ("day": charged by the bill's days)
CYCLE_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3}
# the schedule's rule for rounding a line to the cent (amounts are never negative: down = floor)
ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}
PERIOD_UNIT = {1: "months", 2: "2-month periods", 3: "quarters"}


def _a_number(v):
    """Numbers are written bare: "3.12" (quoted) or true are refused, not read as numbers."""
    if isinstance(v, (bool, str)):
        raise ValueError("write a number (without quotes)")
    return v


_Num = BeforeValidator(_a_number)
Amount = Annotated[Decimal, _Num, Field(ge=0, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False)]
Rate = Annotated[Decimal, _Num, Field(ge=0, le=MAX_RATE, decimal_places=RATE_PLACES, allow_inf_nan=False)]
Percent = Annotated[Decimal, _Num, Field(ge=0, le=100, decimal_places=4, allow_inf_nan=False)]
Units = Annotated[int, _Num, Field(ge=0, le=MAX_UNITS)]
Limit = Annotated[int, _Num, Field(ge=1, le=MAX_UNITS)]
Month = Annotated[int, _Num, Field(ge=1, le=12)]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")]
SizeName = Annotated[str, Field(min_length=1, max_length=8)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def by_size(kind):
    """A figure written once (``up_to = 10``) or as a table by meter size, as districts
    publish it (``up_to = { '3/4"' = 10, '2"' = 80 }``).  Each value is checked as ``kind``;
    the error names the size.  (Which sizes a table must name is checked per class.)"""
    one = TypeAdapter(kind)

    def check(v, prefix=""):
        try:
            return one.validate_python(v)
        except ValidationError as e:
            raise ValueError(prefix + e.errors()[0]["msg"].removeprefix("Value error, ")) from None

    def validate(v):
        if not isinstance(v, dict):
            return check(v)
        if not 1 <= len(v) <= MAX_SIZES:
            raise ValueError(f"a table by meter size names 1 to {MAX_SIZES} sizes")
        for size in v:
            if not 1 <= len(size) <= 8:
                raise ValueError(f"meter size {size!r} must be 1 to 8 characters")
        return {size: check(x, f"{size}: ") for size, x in v.items()}
    return PlainValidator(validate)


def at_size(value, size: str | None):
    """A figure for a meter size: the figure, or the size's entry of a table by size."""
    return value[size] if isinstance(value, dict) else value


Amounts = Annotated[Decimal | dict[str, Decimal], by_size(Amount)]  # dollars, or dollars by meter size


class Tier(_Strict):
    # upper limit of the tier (whole units), or its limits by meter size; none: all usage above
    up_to: Annotated[int | dict[str, int] | None, by_size(Limit | None)] = None
    rate: Rate

    def limit(self, size: str | None) -> int | None:
        return at_size(self.up_to, size)


def size_names(tiers) -> list[str]:
    """The meter sizes the tiers' limits are written for (none: one ladder for every size)."""
    return sorted({s for t in tiers if isinstance(t.up_to, dict) for s in t.up_to})


def _ladder(tiers: list[Tier]) -> list[Tier]:
    sizes = size_names(tiers)
    for i, t in enumerate(tiers):
        if isinstance(t.up_to, dict) and sorted(t.up_to) != sizes:
            missing = ", ".join(s for s in sizes if s not in t.up_to)
            raise ValueError(f"tier {i + 1}: up_to has no limit for {missing} (named in another tier's up_to)")
    ladders: list[str | None] = [*sizes] or [None]  # one ladder a meter size, or one for all
    for size in ladders:
        last, by_size_before = 0, False
        for i, t in enumerate(tiers):
            if t.up_to is None:
                if i != len(tiers) - 1:
                    raise ValueError(f"tier {i + 1} has no up_to but is not the last tier")
                continue
            limit, table = t.limit(size), isinstance(t.up_to, dict)
            assert limit is not None  # (an up_to table names every size: checked above)
            # by meter size a tier may be empty for a size (its limit that of the tier before)
            if limit < last or (limit == last and not (table or by_size_before)):
                for_size = f" for {size}" if size is not None else ""
                raise ValueError(f"tier {i + 1}: up_to {limit}{for_size} must be above the tier before ({last})")
            last, by_size_before = limit, table
    if tiers and tiers[-1].up_to is not None:
        raise ValueError("the last tier must have no up_to (it takes all usage above)")
    return tiers


Tiers = Annotated[list[Tier], Field(max_length=MAX_TIERS), AfterValidator(_ladder)]


def _distinct_months(months: list[int]) -> list[int]:
    if len(set(months)) != len(months):
        raise ValueError("a month is listed twice")
    return months


Months = Annotated[list[Month], Field(min_length=1, max_length=12), AfterValidator(_distinct_months)]


class Minimum(_Strict):
    """A minimum charge that includes ``units`` of usage.  ``over = "excess"``: usage above
    the included units is billed on the tiers; ``over = "all"``: the minimum is the whole
    water charge up to ``units``, and above it every unit is billed on the tiers from zero.
    ``units`` and ``amount`` may be tables by meter size ("a 5/8-inch meter: $27.00, 300
    cubic feet allowed; a 2-inch meter: $78.10, 1,700"); ``name`` is the bill line's
    ("Service charge" where the district's service charge carries the allowance)."""
    name: str = Field(default="Minimum charge", min_length=1, max_length=40)
    units: Annotated[int | dict[str, int], by_size(Units)] = 0
    amount: Amounts
    over: Literal["excess", "all"] = "excess"

    def at(self, size: str | None) -> tuple[int, Decimal]:
        """(included units, amount) for a meter size."""
        return at_size(self.units, size), at_size(self.amount, size)

    def size_tables(self) -> list[tuple[tuple, dict]]:
        return [((key,), t) for key, t in (("units", self.units), ("amount", self.amount)) if isinstance(t, dict)]


class Season(_Strict):
    """Tiers for the bills whose period ends (is read) in ``months``."""
    name: str = Field(min_length=1, max_length=20)
    months: Months
    tiers: Tiers


WaterShare = Annotated[Decimal, _Num, Field(gt=0, le=1000, decimal_places=4, allow_inf_nan=False)]


class Sewer(_Strict):
    """Sewer: a fixed charge (or one by meter size) and a usage charge on the sewer units (the
    metered usage times ``percent``, or on a winter average, capped).  The usage charge is
    ``rate`` a unit, the sewer's own ``tiers`` ("sewer on 90% of water: the first 10 units at
    ..."), or ``water_charge_percent`` of what the class's water tiers charge for the sewer
    units ("sewer is 80% of the water charge on the winter-average usage")."""
    basis: Literal["metered", "winter_average", "flat"] = "metered"
    rate: Rate = Decimal(0)  # per unit
    tiers: Tiers = Field(default_factory=list)  # per unit, in blocks of sewer units
    water_charge_percent: WaterShare | None = None  # of the water tiers' charge for the sewer units
    fixed: Amounts = Decimal(0)  # per period (figures_per); or { meter size = dollars }
    # sewer units a period the fixed charge includes (a minimum: "$12.40 for the first 2,000
    # gallons"); the usage charge bills the sewer units above them
    included: Units = 0
    fixed_per: Literal["account", "dwelling_unit"] = "account"
    percent: Percent = Decimal(100)  # share of water usage returned to the sewer
    cap: Units | None = None  # units per period (figures_per)
    # winter average: the average monthly usage of the bills read in winter_months (within
    # the year before), charged on the bills read in billed_months (all months when absent)
    winter_months: Months = Field(default_factory=lambda: [12, 1, 2, 3])
    billed_months: Months | None = None
    winter_rule: Literal["lesser", "average"] = "lesser"  # lesser of metered and average, or the average
    default_units: Units | None = None  # units a month when an account has no winter history

    @model_validator(mode="after")
    def _winter(self):
        if self.billed_months and set(self.billed_months) & set(self.winter_months):
            raise ValueError("billed_months and winter_months must not share a month")
        if self.tiers:
            if self.rate or self.water_charge_percent is not None:
                raise ValueError("give one usage charge: rate, tiers or water_charge_percent")
            if self.basis == "flat":
                raise ValueError('sewer tiers need basis "metered" or "winter_average" (usage to price)')
        if self.included and (self.basis == "flat" or self.water_charge_percent is not None
                              or not (self.rate or self.tiers)):
            raise ValueError("included (units in the fixed charge) needs a usage charge: rate or tiers")
        if self.water_charge_percent is not None:
            if self.rate:
                raise ValueError("give rate (dollars a unit) or water_charge_percent (of the water charge), not both")
            if self.basis == "flat":
                raise ValueError('water_charge_percent needs basis "metered" or "winter_average" (usage to price)')
        return self


class FlatCharge(_Strict):
    name: str = Field(min_length=1, max_length=60)
    amount: Amounts  # per period (figures_per); or { meter size = dollars }
    category: Literal["flat", "fire", "stormwater", "fee"] = "flat"
    per: Literal["account", "dwelling_unit"] = "account"


class CustomerClass(_Strict):
    name: str = Field(min_length=1, max_length=60)
    unit: Literal["HCF", "CCF", "GAL", "KGAL"] = "HCF"
    figures_per: Literal["month", "two_months", "quarter", "day"] = "month"  # the period the figures are published for
    tier_basis: Literal["month", "day", "dwelling_unit"] = "month"
    service_charge: Annotated[dict[SizeName, Amount], Field(max_length=MAX_SIZES)] = Field(default_factory=dict)
    tiers: Tiers = Field(default_factory=list)
    seasons: Annotated[list[Season], Field(max_length=12)] = Field(default_factory=list)
    minimum: Minimum | None = None  # (after the tiers: it is checked against them)
    sewer: Sewer | None = None
    flat: Annotated[list[FlatCharge], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _seasons(self):
        seen: set[int] = set()
        for s in self.seasons:
            if seen & set(s.months):
                raise ValueError(f"season {s.name}: a month is already in another season")
            seen |= set(s.months)
        if self.seasons and not self.tiers and len(seen) < 12:
            raise ValueError("seasons leave months without tiers: add tiers for the other months")
        if (self.sewer is not None and self.sewer.water_charge_percent is not None and not self.tiers
                and not self.seasons):
            raise ValueError("sewer: water_charge_percent needs the class's water tiers to price the sewer usage")
        return self

    @field_validator("minimum")
    @classmethod
    def _flat_or_tiers(cls, m, info):
        """"The minimum up to N units, else every unit on the tiers": the tiers must charge
        N + 1 units at least the minimum, or more water would cost less."""
        if m is None or m.over != "all":
            return m
        scale = 30 if info.data.get("tier_basis") == "day" else 1
        seasons = [(f"season {s.name}", s.tiers) for s in info.data.get("seasons", ())]
        by_size_min = sorted({s for _, t in m.size_tables() for s in t})
        for name, tiers in [("tiers", info.data.get("tiers", []))] + seasons:
            for size in sorted(set(size_names(tiers)) | set(by_size_min)) or [None]:
                units, amount = m.at(size)
                cost = _tier_cost(tiers, Decimal(units + 1), scale, size)
                if tiers and cost < amount:
                    for_size = f" (a {size} meter)" if size else ""
                    raise ValueError(f"{name} charge {units + 1} units ${cost:.2f}{for_size}, less than the "
                                     f"minimum ${amount} for {units}: more water would cost less")
        return m

    def size_tables(self) -> list[tuple[tuple, dict]]:
        """(key path in the class, table) of every figure written by meter size."""
        out: list[tuple[tuple, dict]] = []
        ladders: list[tuple[tuple, list[Tier]]] = [(("tiers",), self.tiers)] + [(("seasons", i, "tiers"), s.tiers) for i, s in enumerate(self.seasons)]
        if self.sewer is not None:
            ladders.append((("sewer", "tiers"), self.sewer.tiers))
            if isinstance(self.sewer.fixed, dict):
                out.append((("sewer", "fixed"), self.sewer.fixed))
        for path, tiers in ladders:
            out += [(path + (i, "up_to"), t.up_to) for i, t in enumerate(tiers) if isinstance(t.up_to, dict)]
        out += [(("flat", i, "amount"), f.amount) for i, f in enumerate(self.flat) if isinstance(f.amount, dict)]
        if self.minimum is not None:
            out += [(("minimum",) + path, t) for path, t in self.minimum.size_tables()]
        return out

    @property
    def sizes(self) -> list[str]:
        """The meter sizes the class prices: its service charge's, else those of its tables by
        size (every table names the same sizes: ``_cross_check``); none: any size."""
        if self.service_charge:
            return list(self.service_charge)
        tables = self.size_tables()
        return list(tables[0][1]) if tables else []

    @property
    def period_months(self) -> int:
        """Months of the period the figures are published for (0: per day)."""
        return PERIOD_MONTHS.get(self.figures_per, 0)

    def tiers_for(self, month: int) -> tuple[str, list[Tier]]:
        for s in self.seasons:
            if month in s.months:
                return s.name, s.tiers
        return "", self.tiers


def _tier_cost(tiers: list[Tier], usage: Decimal, scale, size: str | None) -> Decimal:
    total, lower = Decimal(0), Decimal(0)
    for t in tiers:
        limit = t.limit(size)
        upper = usage if limit is None else min(usage, Decimal(limit * scale))
        total += max(Decimal(0), upper - lower) * t.rate
        lower = max(lower, upper)
    return total


class PercentCharge(_Strict):
    """A surcharge or tax: a percent of named line categories, or an amount per water unit."""
    name: str = Field(min_length=1, max_length=60)
    percent: Percent | None = None
    per_unit: Rate | None = None
    on: list[str] = Field(default_factory=lambda: ["water"], max_length=len(LINE_CATEGORIES))
    classes: list[Code] | None = None  # rate codes it applies to; none: all

    @model_validator(mode="after")
    def _one(self):
        if (self.percent is None) == (self.per_unit is None):
            raise ValueError("give exactly one of percent or per_unit")
        for c in self.on:
            if c not in LINE_CATEGORIES:
                raise ValueError(f"on: {c!r} is not a line category ({', '.join(LINE_CATEGORIES)})")
        return self


class Version(_Strict):
    effective: _dt.date
    note: str = Field(default="", max_length=200)
    classes: Annotated[dict[Code, CustomerClass], Field(min_length=1, max_length=MAX_CLASSES)]
    surcharges: Annotated[list[PercentCharge], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    taxes: Annotated[list[PercentCharge], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)

    @field_validator("effective", mode="before")
    @classmethod
    def _date_only(cls, v):
        if isinstance(v, _dt.datetime):
            raise ValueError("write a date such as 2025-07-01 (no time)")
        return v


Share = Annotated[Decimal, _Num, Field(ge=0, le=10_000, allow_inf_nan=False)]


class ReadPolicy(_Strict):
    average_reads: int = Field(default=6, ge=1, le=36)  # reads in the account's average
    high_percent: Share = Decimal(200)  # high when usage >= this % of the average...
    high_min_units: Share = Decimal(10)  # ...and at least this many units
    low_percent: Percent = Decimal(25)  # low when usage <= this % of the average
    low_min_average: Share = Decimal(4)  # (only for accounts that use at least this)
    rollover_max_percent: Percent = Decimal(10)  # a lower read is a rollover if the wrap uses < this % of the dials


class EstimatePolicy(_Strict):
    method: Literal["average", "last_year"] = "average"
    reads: int = Field(default=3, ge=1, le=24)


class LeakPolicy(_Strict):
    """Leak credits: ``percent`` of the usage above normal, priced at the bill's own tiers.

    Normal usage (``normal``): ``day_scaled_average`` of the last ``normal_bills`` actual
    bills, scaled to the leak bill's days; ``average``, their plain average; ``last_year``,
    the bill of the same period a year before.  ``max_credit`` caps one leak's credit;
    ``max_bills`` (1 or 2) lets one leak span two consecutive bills."""
    percent: Percent = Decimal(50)  # share of the usage above normal that is credited
    normal: Literal["day_scaled_average", "average", "last_year"] = "day_scaled_average"
    normal_bills: int = Field(default=6, ge=1, le=24)  # bills averaged for "normal usage"
    max_credit: Amount | None = None
    max_bills: int = Field(default=1, ge=1, le=2)
    once_in_months: int = Field(default=12, ge=0, le=120)
    proof_required: bool = True
    include_sewer: bool = True


class LateFeePolicy(_Strict):
    percent: Percent = Decimal("1.5")
    minimum: Amount = Decimal("5.00")
    grace_days: int = Field(default=0, ge=0, le=365)
    threshold: Amount = Decimal("10.00")  # no fee on a past-due amount below this


class Policy(_Strict):
    reads: ReadPolicy = Field(default_factory=ReadPolicy)
    estimate: EstimatePolicy = Field(default_factory=EstimatePolicy)
    leak: LeakPolicy = Field(default_factory=LeakPolicy)
    late_fee: LateFeePolicy = Field(default_factory=LateFeePolicy)


class Schedule(_Strict):
    name: str = Field(min_length=1, max_length=40)
    district: str = Field(default="", max_length=80)
    # billing cycle code (an account's cycle) -> how often it is billed
    cycles: Annotated[dict[Annotated[str, Field(min_length=1, max_length=8)],
                           Literal["monthly", "bimonthly", "quarterly"]], Field(max_length=100)] = Field(default_factory=dict)
    # fixed charges of first and final bills: "30_day_month" (days / 30 months), "days"
    # (days x 12 / 365 months), "none" (the whole cycle's charges)
    proration: Literal["30_day_month", "days", "none"] = "30_day_month"
    # a bill whose period spans a new version: "split_by_days" (each version its share of the
    # days, usage and months), "period_end" (all of it at the rates in effect on its read
    # date: "bills rendered on and after ..."), "period_start" (at the rates in effect on its
    # first day: "the first billing period starting on or after ...")
    rate_change: Literal["split_by_days", "period_end", "period_start"] = "split_by_days"
    # how each line is rounded to the cent, once: "half_up" (the default), "half_even", "down", "up"
    rounding: Literal["half_up", "half_even", "down", "up"] = "half_up"
    # a meter's size as recorded -> the size as the schedule writes it ('5/8"' = '5/8x3/4"')
    meter_aliases: Annotated[dict[SizeName, SizeName], Field(max_length=MAX_SIZES)] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    versions: Annotated[list[Version], Field(max_length=MAX_VERSIONS)]

    @field_validator("versions")
    @classmethod
    def _ordered(cls, versions):
        if not versions:
            raise ValueError("at least one [[versions]] table is needed")
        dates = [v.effective for v in versions]
        if len(set(dates)) != len(dates):
            raise ValueError("two versions have the same effective date")
        return sorted(versions, key=lambda v: v.effective)

    # --- helpers -----------------------------------------------------------------------
    def cycle_months(self, cycle: str) -> int:
        """Months a regular bill of ``cycle`` covers; a cycle the schedule does not list is
        refused (monthly when the schedule lists no cycles at all)."""
        if not self.cycles:
            return 1
        how = self.cycles.get(str(cycle))
        if how is None:
            raise InputError("Cycle", f"{cycle!r} is not a billing cycle of the rate schedule "
                                      f"({', '.join(self.cycles)})")
        return CYCLE_MONTHS[how]

    def version_on(self, day: _dt.date) -> Version:
        found = None
        for v in self.versions:
            if v.effective <= day:
                found = v
        if found is None:
            raise NotFound(f"rate schedule {self.name}: no rates in effect on {day} (first version {self.versions[0].effective})")
        return found

    def version_for(self, start: _dt.date, end: _dt.date) -> Version:
        """The version whose class prices a bill of ``[start, end)`` (its first part when the
        bill is split at a rate change; the read date's with ``rate_change = "period_end"``)."""
        return self.version_on(end if self.rate_change == "period_end" else start)

    def rate_codes(self) -> list[str]:
        return sorted({c for v in self.versions for c in v.classes})

    def meter_sizes(self, rate_code: str) -> list[str]:
        return self.versions[-1].classes.get(rate_code, CustomerClass(name="x")).sizes

    def size_in(self, cls: CustomerClass, rate_code: str, meter_size: str) -> str:
        """The schedule's name of a meter size in ``cls``; a size the class does not price
        is refused (never another size's charge)."""
        sizes = cls.sizes
        if not sizes or meter_size in sizes:
            return meter_size
        alias = self.meter_aliases.get(meter_size)
        if alias in sizes:
            return alias
        what = "service charge" if cls.service_charge else "charge"
        raise InputError("Meter size", f"{meter_size!r} has no {what} in class {rate_code} ({', '.join(sizes)})")


# --- loading and error messages ------------------------------------------------------------
@dataclass(frozen=True)
class LoadedSchedule:
    schedule: Schedule
    text: str
    sha256: str
    source: str


def _key_line(text: str, loc: tuple) -> int | None:
    """Best effort: the line of ``text`` where the key path ``loc`` is written."""
    lines = text.splitlines()
    cursor = 0
    path: list[str] = []
    found = None
    inline = False  # inside one {...} item of an inline array: its keys are on its line
    for n, part in enumerate(loc):
        if isinstance(part, int):
            if not path:
                continue
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join(path)) + r"\s*\]\]")
            hits = [i for i in range(cursor, len(lines)) if header.match(lines[i])]
            if len(hits) > part:
                cursor = found = hits[part]
                continue
            # an inline array: the (part+1)-th "{" after the key
            count = -1
            for i in range(cursor, len(lines)):
                count += lines[i].count("{") if i > cursor or "[" in lines[i] else 0
                if count >= part:
                    cursor = found = i
                    inline = True
                    break
            continue
        name = str(part)
        path.append(name)
        key = re.compile(r"(^|[\s{,.\[])(" + re.escape(name) + r"|\"" + re.escape(name) + r"\"|'"
                         + re.escape(name) + r"')\s*(=|\]|\.)")
        for i in range(cursor, cursor + 1 if inline else len(lines)):
            body = lines[i].split("#", 1)[0]
            if key.search(body):
                cursor = found = i
                break
            if n == len(loc) - 1 and i > cursor and body.lstrip().startswith("["):
                break  # the last key is missing from its table: point at the table
    return None if found is None else found + 1


def _loc_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif part in ("function-after", "function-before") or "[" in str(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top)"


def _at(text: str, source: str, loc: tuple, msg: str) -> InputError:
    line = _key_line(text, loc)
    return InputError(f"{source}, line {line}" if line else source, f"{_loc_text(loc)}: {msg}")


def _cross_check(data: dict, schedule: Schedule) -> tuple[tuple, str] | None:
    """Checks across tables (on the validated file, in its own order): the classes a
    surcharge or tax names are classes of its version; a class's tables by meter size name
    exactly its meter sizes (those of its service charge, else of its first table by size),
    so no size is billed another size's figure or none."""
    by_date = {v.effective: v for v in schedule.versions}
    for i, raw in enumerate(data["versions"]):
        for code, cls in by_date[raw["effective"]].classes.items():
            sizes = cls.sizes
            whose = "service_charge" if cls.service_charge else "the class's first table by size"
            for path, table in cls.size_tables():
                missing = [s for s in sizes if s not in table]
                extra = [s for s in table if s not in sizes]
                if missing or extra:
                    what = (f"no figure for {', '.join(missing)}" if missing
                            else f"{', '.join(extra)} is not a meter size of the class")
                    return (("versions", i, "classes", code) + path,
                            f"{what} (the sizes of {whose}: {', '.join(sizes)})")
    for i, v in enumerate(data["versions"]):
        for group in ("surcharges", "taxes"):
            for j, c in enumerate(v.get(group, ())):
                for code in c.get("classes") or ():
                    if code not in v["classes"]:
                        return (("versions", i, group, j, "classes"),
                                f"{code!r} is not a class of this version ({', '.join(sorted(v['classes']))})")
    return None


def parse_schedule(text: str, source: str = "<rates>") -> LoadedSchedule:
    """Parse and validate rate-file text; errors raise InputError naming file, line and key."""
    if len(text) > MAX_FILE_BYTES:
        raise InputError(source, f"is {len(text):,} characters; a rate file may have at most {MAX_FILE_BYTES:,}")
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise InputError(source, f"not valid TOML: {e}") from None
    try:
        schedule = Schedule.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("function" in p or "[" in p)))
        msg = re.sub(r"Decimal\('([^']*)'\)", r"\1", err["msg"].removeprefix("Value error, "))
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise _at(text, source, loc, msg + more) from None
    wrong = _cross_check(data, schedule)
    if wrong:
        raise _at(text, source, *wrong)
    return LoadedSchedule(schedule, text, hashlib.sha256(text.encode()).hexdigest(), source)


def load_schedule_file(path: str | Path) -> LoadedSchedule:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise InputError(str(p), f"is {p.stat().st_size:,} bytes; a rate file may have at most {MAX_FILE_BYTES:,}")
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(str(p), f"cannot read ({e.strerror})") from None
    except UnicodeDecodeError as e:
        line = p.read_bytes()[:e.start].count(b"\n") + 1
        raise InputError(f"{p}, line {line}", "is not UTF-8 text") from None
    return parse_schedule(text, str(p))


@lru_cache(maxsize=8)
def _cached(text: str, source: str) -> LoadedSchedule:
    return parse_schedule(text, source)


def demo_schedule() -> Schedule:
    return _cached(DEMO_RATES.read_text(encoding="utf-8"), str(DEMO_RATES)).schedule


def active_schedule() -> Schedule:
    """The schedule bills use: the last one loaded into the database, else the configured
    file (``rates_file``), else the demo district's."""
    from models import RateSchedule

    from .config import settings
    try:
        row = RateSchedule.select().order_by(RateSchedule.id.desc()).first()
    except Exception:  # no database open (the calculator used standalone)
        row = None
    if row is not None:
        return _cached(row.source_text, f"rate schedule {row.name} #{row.id}").schedule
    rates_file = settings().rates_file
    if rates_file:
        p = Path(rates_file)
        return _cached(p.read_text(encoding="utf-8"), str(p)).schedule
    return demo_schedule()


def install_schedule(user, path_or_text: str | Path, *, text: str | None = None):
    """Validate a rate file and record it as the schedule in force (rates.manage)."""
    from models import RateSchedule

    from . import audit
    from .db import transaction
    from .security import require
    require(user, "rates.manage")
    loaded = parse_schedule(text, "<text>") if text is not None else load_schedule_file(path_or_text)
    with transaction():
        row = RateSchedule.get_or_none(RateSchedule.sha256 == loaded.sha256)
        if row is None:
            row = RateSchedule.create(name=loaded.schedule.name[:40], effective_on=loaded.schedule.versions[-1].effective,
                                      source_text=loaded.text, sha256=loaded.sha256, loaded_by=user.id)
            audit.record(user, "rates.install", "rate_schedule", row.id,
                         after={"name": row.name, "sha256": row.sha256, "source": loaded.source})
    return row


def unpriced_accounts(schedule: Schedule) -> list[str]:
    """(DB) What the schedule's latest version would not bill among the billable accounts:
    rate codes it has no class for, meter sizes a class does not price, cycles it does not
    list, each with its count of accounts (their bills would go to a run's errors)."""
    from .db import in_list, select
    billable = ("active", "disconnected", "final_billed")
    rows = select("SELECT a.rate_code, a.cycle, m.size, COUNT(*) FROM account a LEFT JOIN meter m "
                  "ON m.premise_id = a.premise_id AND m.removed_on IS NULL "
                  f"WHERE a.status IN {in_list(billable)} GROUP BY a.rate_code, a.cycle, m.size "
                  "ORDER BY a.rate_code, a.cycle, m.size", billable)
    version = schedule.versions[-1]
    problems: dict[str, int] = {}
    for code, cycle, size, n in rows:
        what = []
        cls = version.classes.get(code)
        if cls is None:
            what.append(f"rate code {code!r} has no class")
        elif size is not None:
            try:
                schedule.size_in(cls, code, size)
            except InputError:
                what.append(f"class {code} prices no {size} meter")
        if schedule.cycles and cycle not in schedule.cycles:
            what.append(f"cycle {cycle!r} is not listed")
        for w in what:
            problems[w] = problems.get(w, 0) + n
    return [f"{w} ({counted(n, 'account')})" for w, n in problems.items()]


# --- arithmetic ------------------------------------------------------------------------------
def cents(amount: Decimal, rounding: str = ROUND_HALF_UP) -> int:
    """Dollars to integer cents, ROUND_HALF_UP unless the schedule's ``rounding`` says
    otherwise (the per-line rounding rule: a line's exact amount is rounded once)."""
    return int((amount * 100).quantize(Decimal(1), rounding=rounding))


def whole(x: Decimal) -> Decimal:
    return x.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def to_rate_units(usage, from_unit: str, to_unit: str) -> Decimal:
    """Convert a metered quantity and round it down to whole units of ``to_unit``."""
    from_unit, to_unit = from_unit.upper(), to_unit.upper()
    for u in (from_unit, to_unit):
        if u not in GALLONS:
            raise InputError("Unit", f"{u!r} is not one of {', '.join(UNITS)}")
    q = Decimal(usage) * GALLONS[from_unit] / GALLONS[to_unit]
    return q.quantize(Decimal(1), rounding=ROUND_FLOOR)


def _exponent(q: Decimal) -> int:
    e = q.as_tuple().exponent
    return e if isinstance(e, int) else 0  # "n", "N", "F": NaN and infinity, never a quantity or a price


@lru_cache(maxsize=4096)
def fmt_qty(q: Decimal) -> str:
    q = q.normalize()
    return format(q, "f") if q == q.to_integral_value() or _exponent(q) >= -4 else format(q.quantize(Decimal("0.0001")), "f")


@lru_cache(maxsize=1024)
def fmt_rate(r: Decimal) -> str:
    """A price per unit as the schedule writes it, at least two decimals (21.40, 0.0085,
    0.00977273: every decimal, so the line's quantity x rate is its exact amount)."""
    return format(r.normalize(), "f") if _exponent(r.normalize()) < -2 else format(r.quantize(CENT), "f")


@dataclass(frozen=True)
class Line:
    category: str
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount_cents: int
    unit: str = ""

    def explain(self) -> str:
        if self.quantity is None:
            return self.description
        if self.unit == "$":
            return f"{self.description} of ${self.quantity:,.2f}"
        return f"{self.description}: {fmt_qty(self.quantity)} {self.unit} x {fmt_rate(self.rate)}".rstrip()


@dataclass
class BillCalc:
    rate_code: str
    meter_size: str
    usage: Decimal
    unit: str
    start: _dt.date
    end: _dt.date
    days: int
    months: Decimal
    lines: list[Line] = field(default_factory=list)
    versions: list[_dt.date] = field(default_factory=list)
    note: str = ""  # how the bill's rates were chosen when a rate change falls in its period

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def by_category(self, *cats: str) -> int:
        return sum(l.amount_cents for l in self.lines if l.category in cats)

    def text(self) -> str:
        from .money import format_cents
        out = [f"{self.rate_code} {self.meter_size} meter, {fmt_qty(self.usage)} {self.unit}, "
               f"{self.start} to {self.end} ({self.days} days, {fmt_qty(self.months)} months)"]
        out += [f"  {part}" for part in textwrap.wrap(self.note, 72)]
        for line in self.lines:  # a long explanation wraps (never cut): the amount on its last line
            parts = textwrap.wrap(line.explain(), 58, subsequent_indent="  ") or [""]
            out += [f"  {part}" for part in parts[:-1]]
            out.append(f"  {parts[-1]:58} {format_cents(line.amount_cents):>12}")
        out.append(f"  {'Total':58} {format_cents(self.total_cents):>12}")
        return "\n".join(out)


def _split_usage(usage: Decimal, shares: list[int], total: int) -> list[Decimal]:
    """Whole units by days; the remainder goes to the last part so the parts add up."""
    parts = [(usage * s / total).quantize(Decimal(1), rounding=ROUND_FLOOR) for s in shares[:-1]]
    return parts + [usage - sum(parts, Decimal(0))]


def proration_months(rule: str, days: int, cycle_months: int) -> Decimal:
    """Months a first or final bill of ``days`` days is charged, by the schedule's rule."""
    if rule == "none":
        return Decimal(cycle_months)
    if rule == "days":
        return Decimal(days) * 12 / 365
    return Decimal(days) / DAYS_PER_MONTH


def calculate_bill(schedule: Schedule, rate_code: str, meter_size: str, usage, start: _dt.date,
                   end: _dt.date, *, usage_unit: str | None = None, cycle_months: int = 1,
                   dwelling_units: int = 1, winter_average=None, prorate: bool = False) -> BillCalc:
    """Itemised bill for ``usage`` over the days ``[start, end)``.

    ``usage`` is in the class's unit unless ``usage_unit`` names the meter's unit (then it
    is converted and rounded down).  ``winter_average`` is units per month for sewer on a
    winter average.  ``prorate`` (first and final bills) charges the months of the
    schedule's proration rule instead of the cycle's months.  Use ``price_bill`` to price a
    bill as a bill run does (cycle code and bill kind)."""
    days = (end - start).days
    if days <= 0:
        raise InputError("Period", f"ends {end} on or before it starts {start}")
    if days > 400:
        raise InputError("Period", f"{days} days is longer than a bill may be (400)")
    if cycle_months not in (1, 2, 3):
        raise InputError("Cycle", "must be monthly (1), bimonthly (2) or quarterly (3)")
    if not 1 <= dwelling_units <= 10_000:
        raise InputError("Dwelling units", "must be from 1 to 10,000")
    usage = Decimal(usage)
    if usage < 0:
        raise InputError("Usage", "must not be negative")
    if usage > MAX_UNITS * 1000:
        raise InputError("Usage", f"{usage} is more than a meter can register")
    if winter_average is not None and not 0 <= Decimal(winter_average) <= MAX_UNITS:
        raise InputError("Winter average", "must be from 0 units a month up")
    # Segments: one per version in force during the period, or the whole period on one
    # version when the schedule does not split a bill at a rate change.
    changes = [v.effective for v in schedule.versions if start < v.effective < end]
    note = ""
    if schedule.rate_change == "split_by_days":
        bounds = [start] + changes + [end]
        segments = [(schedule.version_on(a), a, b) for a, b in zip(bounds, bounds[1:])]
    else:
        at_end = schedule.rate_change == "period_end"
        version = schedule.version_for(start, end)
        segments = [(version, start, end)]
        passed = [v.effective for v in schedule.versions if start < v.effective <= end] if at_end else changes
        if passed:
            note = (f"Rate change of {', '.join(str(d) for d in passed)} not split: the whole period at the "
                    f"{version.effective} rates (those of its {'read date' if at_end else 'first day'})")
    for v, _, _ in segments:
        if rate_code not in v.classes:
            raise InputError("Class", f"{rate_code!r} is not in the rates in effect on {v.effective} "
                                      f"({', '.join(sorted(v.classes))})")
    unit = segments[0][0].classes[rate_code].unit
    if usage_unit is not None:
        usage = to_rate_units(usage, usage_unit, unit)
    else:
        usage = usage.quantize(Decimal(1), rounding=ROUND_FLOOR)
    total_months = proration_months(schedule.proration, days, cycle_months) if prorate else Decimal(cycle_months)
    calc = BillCalc(rate_code, meter_size, usage, unit, start, end, days, total_months,
                    versions=[v.effective for v, _, _ in segments], note=note)
    rounding = ROUNDING[schedule.rounding]
    shares = [(b - a).days for _, a, b in segments]
    usages = _split_usage(usage, shares, days)
    multi = len(segments) > 1
    for (version, a, b), seg_usage in zip(segments, usages):
        seg_days = (b - a).days
        months = total_months * Decimal(seg_days) / Decimal(days)
        suffix = (f" [{version.effective} rates, {seg_days}/{days}d]" if multi
                  else f" [{version.effective} rates]" if note else "")
        size = schedule.size_in(version.classes[rate_code], rate_code, meter_size)
        calc.lines.extend(_segment_lines(version, rate_code, size, seg_usage, seg_days, months, dwelling_units,
                                         winter_average, suffix, b.month, rounding))
    return calc


def price_bill(schedule: Schedule, rate_code: str, meter_size: str, usage, start: _dt.date, end: _dt.date, *,
               cycle: str, kind: str = "regular", dwelling_units: int = 1, winter_average=None,
               usage_unit: str | None = None) -> BillCalc:
    """The one pricing path: bill runs, rebills, leak credits, the rate calculator and
    ``ubtui rates check --quote`` all price a bill here, from the account's cycle code and
    the kind of bill (a first or final bill is prorated by the schedule's rule)."""
    if kind not in KINDS:
        raise InputError("Bill kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    return calculate_bill(schedule, rate_code, meter_size, usage, start, end, usage_unit=usage_unit,
                          cycle_months=schedule.cycle_months(cycle), dwelling_units=dwelling_units,
                          winter_average=winter_average, prorate=kind != "regular")


def _limit_scale(cls: CustomerClass, seg_days: int, periods: Decimal, dwelling_units: int) -> Decimal:
    if cls.tier_basis == "day":
        return Decimal(seg_days)
    if cls.tier_basis == "dwelling_unit":
        return periods * dwelling_units
    return periods


def _tier_parts(tiers: list[Tier], usage: Decimal, scale: Decimal,
                size: str | None) -> list[tuple[int, Decimal, Decimal | None, Decimal, Decimal]]:
    """``usage`` on the tiers from zero: (tier number, lower, upper, units, rate) of each tier
    that takes units; limits (those of the meter ``size`` when written by size) are scaled by
    ``scale`` and rounded half up."""
    parts = []
    lower = Decimal(0)
    for i, tier in enumerate(tiers):
        limit = tier.limit(size)
        upper = None if limit is None else whole(limit * scale)
        top = usage if upper is None else min(usage, upper)
        if top > lower:
            parts.append((i + 1, lower, upper, top - lower, tier.rate))
        if upper is not None:
            lower = max(lower, upper)
    return parts


def _span(lower: Decimal, upper: Decimal | None, u: str) -> str:
    return f"{fmt_qty(lower)}-{fmt_qty(upper)} {u}" if upper is not None else f"over {fmt_qty(lower)} {u}"


def _sewer_lines(s: Sewer, u: str, usage: Decimal, months: Decimal, periods: Decimal, dwelling_units: int,
                 winter_average, suffix: str, month: int, unit_label: str, tiers: list[Tier],
                 scale: Decimal, size: str, rounding: str) -> list[Line]:
    lines = []
    fixed = at_size(s.fixed, size)
    included = whole(s.included * scale)  # (scaled as the tier limits and the cap)
    if fixed:
        n = periods * (dwelling_units if s.fixed_per == "dwelling_unit" else 1)
        per_du = " per dwelling unit" if s.fixed_per == "dwelling_unit" else ""
        meter = f" {size} meter" if isinstance(s.fixed, dict) else ""
        incl = f", includes {fmt_qty(included)} {u}" if included else ""
        lines.append(Line("sewer", f"Sewer service charge{meter}{per_du}{incl}{suffix}", n, fixed,
                          cents(n * fixed, rounding), unit_label))
    if s.basis == "flat" or not (s.rate or s.water_charge_percent or s.tiers):
        return lines
    units = (usage * s.percent / 100).quantize(Decimal(1), rounding=ROUND_FLOOR)
    how = "metered" if s.percent == 100 else f"{fmt_qty(s.percent)}% of metered"
    if s.basis == "winter_average" and (s.billed_months is None or month in s.billed_months):
        average = winter_average if winter_average is not None else s.default_units
        if average is not None:
            wa = whole(Decimal(average) * months)
            if s.winter_rule == "average" or wa < units:
                units, how = wa, "winter average" if winter_average is not None else "class average"
    if s.cap is not None:
        cap = whole(s.cap * periods)
        if units > cap:
            units, how = cap, f"capped at {fmt_qty(cap)}"
    if s.water_charge_percent is not None:
        # the water tiers' charge for the sewer units, each tier rounded to the cent as a
        # water line is; the sewer line is the percent of it, rounded by the schedule's rule
        water = sum((cents(n * rate, rounding) for _, _, _, n, rate in _tier_parts(tiers, units, scale, size)), 0)
        pct = s.water_charge_percent
        amount = int((Decimal(water) * pct / 100).quantize(Decimal(1), rounding=rounding))
        lines.append(Line("sewer", f"Sewer {fmt_qty(pct)}% of water on {fmt_qty(units)} {u} ({how})"
                                   f"{suffix}", Decimal(water) / 100, pct / 100, amount, "$"))
        return lines
    if s.tiers:  # the sewer units in the sewer's own blocks, limits scaled as the water tiers'
        for k, lower, upper, part, rate in _tier_parts(s.tiers, units, scale, size):
            if included:  # (as the water tiers above a minimum: each unit at the block it falls in)
                part = (units if upper is None else min(units, upper)) - max(lower, included)
            if part > 0:
                lines.append(Line("sewer", f"Sewer tier {k} ({_span(lower, upper, u)}, {how}){suffix}", part, rate,
                                  cents(part * rate, rounding), u))
        return lines
    if included:  # only the units above those the fixed charge includes
        if units <= included:
            return lines
        units, how = units - included, f"{how}, over {fmt_qty(included)}"
    lines.append(Line("sewer", f"Sewer usage ({how}){suffix}", units, s.rate, cents(units * s.rate, rounding), u))
    return lines


def _segment_lines(version: Version, rate_code: str, meter_size: str, usage: Decimal, seg_days: int,
                   months: Decimal, dwelling_units: int, winter_average, suffix: str, month: int,
                   rounding: str = ROUND_HALF_UP) -> list[Line]:
    """The lines of one version's part of a bill.  ``months`` is the part's share of the
    bill's months; the class's figures are per ``period_months`` months, so a figure is
    charged ``months / period_months`` times.  Each line's exact amount (quantity x rate)
    is rounded to the cent once, by ``rounding``."""
    cls = version.classes[rate_code]
    u = cls.unit
    if cls.figures_per == "day":  # "a daily base charge by the days in the billing cycle"
        periods, label = Decimal(seg_days), "days"
    else:
        periods, label = months / cls.period_months, PERIOD_UNIT[cls.period_months]
    lines: list[Line] = []
    if cls.service_charge:
        rate = cls.service_charge[meter_size]
        lines.append(Line("service", f"Service charge {meter_size} meter{suffix}", periods, rate,
                          cents(periods * rate, rounding), label))
    scale = _limit_scale(cls, seg_days, periods, dwelling_units)
    floor_units = Decimal(0)
    if cls.minimum is not None:
        m = cls.minimum
        allowance, charge = m.at(meter_size)
        included = whole(allowance * scale)
        if m.over == "excess" or usage <= included:
            floor_units = included
            what = "includes" if m.over == "excess" else "usage up to"
            meter = f" {meter_size} meter" if m.size_tables() else ""
            lines.append(Line("minimum", f"{m.name}{meter}, {what} {fmt_qty(included)} {u}{suffix}", periods,
                              charge, cents(periods * charge, rounding), label))
    season, tiers = cls.tiers_for(month)
    season = f", {season}" if season else ""
    for n, lower, upper, _, rate in _tier_parts(tiers, usage, scale, meter_size):
        top = usage if upper is None else min(usage, upper)
        units = top - max(lower, floor_units)
        if units > 0:
            lines.append(Line("water", f"Water tier {n} ({_span(lower, upper, u)}){season}{suffix}", units, rate,
                              cents(units * rate, rounding), u))
    if cls.sewer is not None:
        lines += _sewer_lines(cls.sewer, u, usage, months, periods, dwelling_units, winter_average, suffix, month,
                              label, tiers, scale, meter_size, rounding)
    for f in cls.flat:
        qty = periods * (dwelling_units if f.per == "dwelling_unit" else 1)
        amount = at_size(f.amount, meter_size)
        meter = f" {meter_size} meter" if isinstance(f.amount, dict) else ""
        lines.append(Line(f.category, f"{f.name}{meter}{suffix}", qty, amount, cents(qty * amount, rounding),
                          "dwelling units" if f.per == "dwelling_unit" and periods == 1 else label))
    for group, cat in ((version.surcharges, "surcharge"), (version.taxes, "tax")):
        for c in group:
            if c.classes is not None and rate_code not in c.classes:
                continue
            if c.percent is not None:
                base = sum((l.amount_cents for l in lines if l.category in c.on), 0)
                if base:
                    amount = int((Decimal(base) * c.percent / 100).quantize(Decimal(1), rounding=rounding))
                    lines.append(Line(cat, f"{c.name} {fmt_qty(c.percent)}%{suffix}", Decimal(base) / 100,
                                      c.percent / 100, amount, "$"))
            else:
                assert c.per_unit is not None  # exactly one of percent or per_unit (Charge's validator)
                units = usage if "water" in c.on else Decimal(0)
                if units:
                    lines.append(Line(cat, f"{c.name}{suffix}", units, c.per_unit, cents(units * c.per_unit, rounding), u))
    return lines


def quote(rate_code: str, meter_size: str, usage, days: int = 30, *, end: _dt.date | None = None,
          cycle: str | None = None, kind: str = "regular", dwelling_units: int = 1, winter_average=None,
          schedule: Schedule | None = None) -> BillCalc:
    """What a bill run would bill (calculator screen, ``rates check --quote``): ``usage`` units
    over ``days`` days read on ``end`` (today), for an account of billing ``cycle`` (the
    schedule's first cycle when not given), a ``kind`` of bill, dwelling units and winter
    average, on the active schedule.  Same path as the bill run: ``price_bill``."""
    schedule = schedule or active_schedule()
    end = end or clock.today()
    if isinstance(days, bool) or not isinstance(days, int) or days < 1 or days > 400:
        raise InputError("Days", "must be a whole number from 1 to 400")
    if cycle is None:
        cycle = next(iter(schedule.cycles), "1")
    return price_bill(schedule, rate_code, meter_size, usage, end - _dt.timedelta(days=days), end, cycle=cycle,
                      kind=kind, dwelling_units=dwelling_units, winter_average=winter_average)


# --- what people type: the calculator screen and `ubtui rates check --quote` ------------------
def whole_number(text, label: str, lo: int, hi: int) -> int:
    t = str(text).strip().replace(",", "")
    if not re.fullmatch(r"\d{1,12}", t) or not lo <= int(t) <= hi:
        raise InputError(label, f"must be a whole number from {lo:,} to {hi:,}")
    return int(t)


def units_a_month(text, label: str = "Winter average") -> Decimal | None:
    """Units a month such as ``7`` or ``7.25``; blank: none."""
    t = str(text or "").strip().replace(",", "")
    if not t:
        return None
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", t):
        raise InputError(label, "must be units a month, such as 7 or 7.25 (blank: none)")
    return Decimal(t)


def bill_kind(text) -> str:
    """``regular``, ``first`` or ``final`` (or an unambiguous start: r, fir, fin)."""
    t = str(text or "regular").strip().lower()
    hits = [k for k in KINDS if k.startswith(t)] if t else []
    if len(hits) != 1:
        raise InputError("Bill kind", "must be regular, first or final")
    return hits[0]


def quote_typed(*, rate_code: str, meter_size: str, usage: str, days: str = "30", end: str = "",
                cycle: str = "", kind: str = "regular", winter_average: str = "", dwelling_units: str = "1",
                today: _dt.date | None = None, schedule: Schedule | None = None) -> BillCalc:
    """``quote`` from typed text, each field checked with a message naming it."""
    from .dates import parse_date
    usage_units = whole_number(usage, "Usage", 0, MAX_UNITS)
    n_days = whole_number(days, "Days", 1, 400)
    end_on = parse_date(end, "Read on") if str(end).strip() else (today or clock.today())
    return quote(rate_code.strip().upper(), meter_size.strip(), usage_units, n_days, end=end_on,
                 cycle=cycle.strip() or None, kind=bill_kind(kind), winter_average=units_a_month(winter_average),
                 dwelling_units=whole_number(dwelling_units, "Dwelling units", 1, 10_000), schedule=schedule)
