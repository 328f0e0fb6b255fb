"""Rate schedules: a human-edited TOML file, validated by pydantic, and the bill calculator.

The file (see ``ubtui/data/demo_rates.toml``) holds dated *versions*; each version has
customer classes (keyed by the account's rate code) with a fixed service charge by meter
size, volumetric tiers, an optional minimum charge, sewer, flat charges, and the version's
surcharges and taxes.  Numbers are read as ``Decimal`` (never float).

Arithmetic rules (the district's, written once here):

* usage is converted from the meter's unit to the class's unit and rounded *down* to whole
  units (``to_rate_units``);
* a bill covers the days ``[start, end)``; fixed charges are per month: a regular bill
  charges the cycle's months (1 monthly, 2 bimonthly), a prorated (first/final) bill
  ``days / 30`` months;
* tier limits are per month (times months), per day (times days) or per dwelling unit per
  month; scaled limits are rounded half-up to whole units;
* a period spanning a rate change is split by days: each version gets its share of the days,
  of the usage (whole units, the remainder to the last part) and of the months;
* every line is rounded to the cent with ROUND_HALF_UP; percent lines (surcharges, taxes)
  are computed on the rounded lines they name.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError, NotFound

DEMO_RATES = Path(__file__).parent / "data" / "demo_rates.toml"
CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal(30)
UNITS = ("HCF", "CCF", "GAL", "KGAL")
# Gallons in one unit; HCF and CCF are the same hundred cubic feet (748.052 gal, 748 by custom).
GALLONS = {"GAL": Decimal(1), "KGAL": Decimal(1000), "HCF": Decimal(748), "CCF": Decimal(748)}
LINE_CATEGORIES = ("service", "minimum", "water", "sewer", "flat", "fire", "stormwater",
                   "surcharge", "tax", "fee")

Money = Decimal  # dollars, exact; the schedule's numbers


NonNeg = Annotated[Decimal, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    up_to: NonNeg | None = None  # upper limit of the tier (units); none: all usage above
    rate: NonNeg


class Minimum(_Strict):
    units: NonNeg = Decimal(0)  # usage included in the minimum charge (scaled like tier limits)
    amount: NonNeg  # per month


class Sewer(_Strict):
    basis: Literal["metered", "winter_average", "flat"] = "metered"
    rate: NonNeg = Decimal(0)  # per unit
    fixed: NonNeg = Decimal(0)  # per month
    percent: NonNeg = Decimal(100)  # share of water usage returned to the sewer
    cap: NonNeg | None = None  # units per month


class FlatCharge(_Strict):
    name: str
    amount: NonNeg  # per month
    category: Literal["flat", "fire", "stormwater", "fee"] = "flat"


class CustomerClass(_Strict):
    name: str
    unit: Literal["HCF", "CCF", "GAL", "KGAL"] = "HCF"
    tier_basis: Literal["month", "day", "dwelling_unit"] = "month"
    service_charge: dict[str, NonNeg] = Field(default_factory=dict)  # meter size -> per month
    minimum: Minimum | None = None
    tiers: list[Tier] = Field(default_factory=list)
    sewer: Sewer | None = None
    flat: list[FlatCharge] = Field(default_factory=list)

    @field_validator("tiers")
    @classmethod
    def _ladder(cls, tiers):
        last = Decimal(0)
        for i, t in enumerate(tiers):
            if t.up_to is None:
                if i != len(tiers) - 1:
                    raise ValueError(f"tier {i + 1} has no up_to but is not the last tier")
            elif t.up_to <= last:
                raise ValueError(f"tier {i + 1}: up_to {t.up_to} must be above the tier before ({last})")
            else:
                last = t.up_to
        if tiers and tiers[-1].up_to is not None:
            raise ValueError("the last tier must have no up_to (it takes all usage above)")
        return tiers


class PercentCharge(_Strict):
    """A surcharge or tax: a percent of named line categories, or an amount per water unit."""
    name: str
    percent: Decimal | None = None
    per_unit: Money | None = None
    on: list[str] = Field(default_factory=lambda: ["water"])
    classes: list[str] | None = None  # rate codes it applies to; none: all

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
    note: str = ""
    classes: dict[str, CustomerClass]
    surcharges: list[PercentCharge] = Field(default_factory=list)
    taxes: list[PercentCharge] = Field(default_factory=list)

    @field_validator("effective", mode="before")
    @classmethod
    def _date_only(cls, v):
        if isinstance(v, _dt.datetime):
            raise ValueError("write a date such as 2025-07-01 (no time)")
        return v


class ReadPolicy(_Strict):
    average_reads: int = Field(default=6, ge=1, le=36)  # reads in the account's average
    high_percent: Decimal = Decimal(200)  # high when usage >= this % of the average...
    high_min_units: Decimal = Decimal(10)  # ...and at least this many units
    low_percent: Decimal = Decimal(25)  # low when usage <= this % of the average
    low_min_average: Decimal = Decimal(4)  # (only for accounts that use at least this)
    rollover_max_percent: Decimal = Decimal(10)  # a lower read is a rollover if the wrap uses < this % of the dials


class EstimatePolicy(_Strict):
    method: Literal["average", "last_year"] = "average"
    reads: int = Field(default=3, ge=1, le=24)


class LeakPolicy(_Strict):
    percent: Decimal = Decimal(50)  # share of the usage above normal that is credited
    normal_bills: int = Field(default=6, ge=1, le=24)  # bills averaged for "normal usage"
    once_in_months: int = Field(default=12, ge=0)
    proof_required: bool = True
    include_sewer: bool = True


class LateFeePolicy(_Strict):
    percent: Decimal = Decimal("1.5")
    minimum: Money = Decimal("5.00")
    grace_days: int = Field(default=0, ge=0)
    threshold: Money = Decimal("10.00")  # no fee on a past-due amount below this


class Policy(_Strict):
    reads: ReadPolicy = Field(default_factory=ReadPolicy)
    estimate: EstimatePolicy = Field(default_factory=EstimatePolicy)
    leak: LeakPolicy = Field(default_factory=LeakPolicy)
    late_fee: LateFeePolicy = Field(default_factory=LateFeePolicy)


class Schedule(_Strict):
    name: str
    district: str = ""
    cycles: dict[str, Literal["monthly", "bimonthly"]] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    versions: list[Version]

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
        return 2 if self.cycles.get(str(cycle), "monthly") == "bimonthly" else 1

    def version_on(self, day: _dt.date) -> Version:
        found = None
        for v in self.versions:
            if v.effective <= day:
                found = v
        if found is None:
            raise NotFound(f"rate schedule {self.name}: no rates in effect on {day} (first version {self.versions[0].effective})")
        return found

    def rate_codes(self) -> list[str]:
        return sorted({c for v in self.versions for c in v.classes})

    def meter_sizes(self, rate_code: str) -> list[str]:
        return list(self.versions[-1].classes.get(rate_code, CustomerClass(name="")).service_charge)


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


def parse_schedule(text: str, source: str = "<rates>") -> LoadedSchedule:
    """Parse and validate rate-file text; errors raise InputError naming file, line and key."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise InputError(source, f"not valid TOML: {e}") from None
    try:
        schedule = Schedule.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("function" in p or "[" in p)))
        line = _key_line(text, loc)
        where = f"{source}, line {line}" if line else source
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise InputError(where, f"{_loc_text(loc)}: {msg}{more}") from None
    return LoadedSchedule(schedule, text, hashlib.sha256(text.encode()).hexdigest(), source)


def load_schedule_file(path: str | Path) -> LoadedSchedule:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(str(p), f"cannot read ({e.strerror})") from None
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
    if settings().rates_file:
        p = Path(settings().rates_file)
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


# --- arithmetic ------------------------------------------------------------------------------
def cents(amount: Decimal) -> int:
    """Dollars to integer cents, ROUND_HALF_UP (the per-line rounding rule)."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


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


@lru_cache(maxsize=4096)
def fmt_qty(q: Decimal) -> str:
    q = q.normalize()
    return format(q, "f") if q == q.to_integral_value() or q.as_tuple().exponent >= -4 else format(q.quantize(Decimal("0.0001")), "f")


@lru_cache(maxsize=1024)
def fmt_rate(r: Decimal) -> str:
    """A price per unit: at least two decimals (21.40, 0.0085)."""
    return fmt_qty(r) if r.normalize().as_tuple().exponent < -2 else format(r.quantize(CENT), "f")


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

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def by_category(self, *cats: str) -> int:
        return sum(l.amount_cents for l in self.lines if l.category in cats)

    def text(self) -> str:
        from .money import format_cents
        out = [f"{self.rate_code} {self.meter_size} meter, {fmt_qty(self.usage)} {self.unit}, "
               f"{self.start} to {self.end} ({self.days} days)"]
        for line in self.lines:
            out.append(f"  {line.explain()[:58]:58} {format_cents(line.amount_cents):>12}")
        out.append(f"  {'Total':58} {format_cents(self.total_cents):>12}")
        return "\n".join(out)


def _split_usage(usage: Decimal, shares: list[int], total: int) -> list[Decimal]:
    """Whole units by days; the remainder goes to the last part so the parts add up."""
    parts = [(usage * s / total).quantize(Decimal(1), rounding=ROUND_FLOOR) for s in shares[:-1]]
    return parts + [usage - sum(parts, Decimal(0))]


def calculate_bill(schedule: Schedule, rate_code: str, meter_size: str, usage, start: _dt.date,
                   end: _dt.date, *, usage_unit: str | None = None, cycle_months: int = 1,
                   dwelling_units: int = 1, winter_average=None, prorate: bool = False) -> BillCalc:
    """Itemised bill for ``usage`` over the days ``[start, end)``.

    ``usage`` is in the class's unit unless ``usage_unit`` names the meter's unit (then it
    is converted and rounded down).  ``winter_average`` is units per month for sewer on a
    winter average.  ``prorate`` (first and final bills) charges ``days / 30`` months
    instead of the cycle's months."""
    days = (end - start).days
    if days <= 0:
        raise InputError("Period", f"ends {end} on or before it starts {start}")
    if cycle_months not in (1, 2):
        raise InputError("Cycle", "must be monthly (1) or bimonthly (2)")
    if dwelling_units < 1:
        raise InputError("Dwelling units", "must be at least 1")
    usage = Decimal(usage)
    if usage < 0:
        raise InputError("Usage", "must not be negative")
    # Segments: one per version in force during the period.
    bounds = [start] + [v.effective for v in schedule.versions if start < v.effective < end] + [end]
    segments = [(schedule.version_on(a), a, b) for a, b in zip(bounds, bounds[1:])]
    first_cls = segments[0][0].classes.get(rate_code)
    for v, _, _ in segments:
        if rate_code not in v.classes:
            raise InputError("Class", f"{rate_code!r} is not in the rates in effect on {v.effective} "
                                      f"({', '.join(sorted(v.classes))})")
    unit = first_cls.unit
    if usage_unit is not None:
        usage = to_rate_units(usage, usage_unit, unit)
    else:
        usage = usage.quantize(Decimal(1), rounding=ROUND_FLOOR)
    total_months = Decimal(days) / DAYS_PER_MONTH if prorate else Decimal(cycle_months)
    calc = BillCalc(rate_code, meter_size, usage, unit, start, end, days, total_months,
                    versions=[v.effective for v, _, _ in segments])
    shares = [(b - a).days for _, a, b in segments]
    usages = _split_usage(usage, shares, days)
    multi = len(segments) > 1
    for (version, a, b), seg_usage in zip(segments, usages):
        seg_days = (b - a).days
        frac = Decimal(seg_days) / Decimal(days)
        months = total_months * frac
        suffix = f" [{version.effective} rates, {seg_days}/{days}d]" if multi else ""
        calc.lines.extend(_segment_lines(version, rate_code, meter_size, seg_usage, seg_days, months,
                                         dwelling_units, winter_average, suffix))
    return calc


def _limit_scale(cls: CustomerClass, seg_days: int, months: Decimal, dwelling_units: int) -> Decimal:
    if cls.tier_basis == "day":
        return Decimal(seg_days)
    if cls.tier_basis == "dwelling_unit":
        return months * dwelling_units
    return months


def _segment_lines(version: Version, rate_code: str, meter_size: str, usage: Decimal, seg_days: int,
                   months: Decimal, dwelling_units: int, winter_average, suffix: str) -> list[Line]:
    cls = version.classes[rate_code]
    u = cls.unit
    lines: list[Line] = []
    if cls.service_charge:
        if meter_size not in cls.service_charge:
            raise InputError("Meter size", f"{meter_size!r} has no service charge in class {rate_code} "
                                           f"({', '.join(cls.service_charge)})")
        rate = cls.service_charge[meter_size]
        lines.append(Line("service", f"Service charge {meter_size} meter{suffix}", months, rate,
                          cents(months * rate), "months"))
    scale = _limit_scale(cls, seg_days, months, dwelling_units)
    floor_units = Decimal(0)
    if cls.minimum is not None:
        included = whole(cls.minimum.units * scale)
        floor_units = included
        lines.append(Line("minimum", f"Minimum charge, includes {fmt_qty(included)} {u}{suffix}", months,
                          cls.minimum.amount, cents(months * cls.minimum.amount), "months"))
    lower = Decimal(0)
    for i, tier in enumerate(cls.tiers):
        upper = None if tier.up_to is None else whole(tier.up_to * scale)
        top = usage if upper is None else min(usage, upper)
        units = max(Decimal(0), top - max(lower, floor_units))
        if units > 0:
            span = f"{fmt_qty(lower)}-{fmt_qty(upper)}" if upper is not None else f"over {fmt_qty(lower)}"
            lines.append(Line("water", f"Water tier {i + 1} ({span} {u}){suffix}", units, tier.rate,
                              cents(units * tier.rate), u))
        if upper is not None:
            lower = upper
    if cls.sewer is not None:
        s = cls.sewer
        if s.fixed:
            lines.append(Line("sewer", f"Sewer service charge{suffix}", months, s.fixed, cents(months * s.fixed), "months"))
        if s.basis != "flat" and s.rate:
            units = (usage * s.percent / 100).quantize(Decimal(1), rounding=ROUND_FLOOR)
            how = "metered" if s.percent == 100 else f"{fmt_qty(s.percent)}% of metered"
            if s.basis == "winter_average" and winter_average is not None:
                wa = whole(Decimal(winter_average) * months)
                if wa < units:
                    units, how = wa, "winter average"
            if s.cap is not None:
                cap = whole(s.cap * months)
                if units > cap:
                    units, how = cap, f"capped at {fmt_qty(cap)}"
            lines.append(Line("sewer", f"Sewer usage ({how}){suffix}", units, s.rate, cents(units * s.rate), u))
    for f in cls.flat:
        lines.append(Line(f.category, f"{f.name}{suffix}", months, f.amount, cents(months * f.amount), "months"))
    for group, cat in ((version.surcharges, "surcharge"), (version.taxes, "tax")):
        for c in group:
            if c.classes is not None and rate_code not in c.classes:
                continue
            if c.percent is not None:
                base = sum((l.amount_cents for l in lines if l.category in c.on), 0)
                if base:
                    amount = int((Decimal(base) * c.percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                    lines.append(Line(cat, f"{c.name} {fmt_qty(c.percent)}%{suffix}", Decimal(base) / 100,
                                      c.percent / 100, amount, "$"))
            else:
                units = usage if "water" in c.on else Decimal(0)
                if units:
                    lines.append(Line(cat, f"{c.name}{suffix}", units, c.per_unit, cents(units * c.per_unit), u))
    return lines


def quote(rate_code: str, meter_size: str, usage, days: int = 30, *, end: _dt.date | None = None,
          cycle_months: int | None = None, dwelling_units: int = 1, winter_average=None,
          schedule: Schedule | None = None) -> BillCalc:
    """The simple entry point (calculator screen, demo data): a bill for ``usage`` units
    over ``days`` days ending ``end`` (today), on the active schedule.  A period other than
    the cycle's usual length is prorated by days."""
    schedule = schedule or active_schedule()
    end = end or _dt.date.today()
    if not isinstance(days, int) or days < 1 or days > 400:
        raise InputError("Days", "must be a whole number from 1 to 400")
    months = cycle_months or (2 if days > 45 else 1)
    prorate = abs(days - 30 * months) > 5
    return calculate_bill(schedule, rate_code, meter_size, usage, end - _dt.timedelta(days=days), end,
                          cycle_months=months, dwelling_units=dwelling_units,
                          winter_average=winter_average, prorate=prorate)
