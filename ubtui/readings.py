"""Meter readings: keyed entry, CSV import (route book, handheld, AMI), read checks, meter
changes, and the exceptions worklist (accept, order a reread, estimate).

Usage is in the meter's unit times its multiplier.  The checks (``check_read``, a pure
function) flag a read as

* ``negative``  lower than the previous read and not a plausible wrap of the dials;
* ``rollover``  lower than the previous read because the register wrapped at 10**dials;
* ``zero``      no usage;
* ``high``      at least ``high_percent`` of the expected usage (the account's daily average
                times the days) and at least ``high_min_units``;
* ``low``       at most ``low_percent`` of the expected usage (for users above ``low_min_average``);
* ``meter_change`` the final read of a meter taken out (usage comes from both meters).

Flagged reads (except meter changes) wait in the exceptions list with status ``exception``;
the bill run uses only reads with status ``ok`` or ``accepted`` and estimates otherwise.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from peewee import JOIN

from models import Account, Meter, MeterReading, Premise, User
from models.meters import METER_SIZES

from . import audit, clock
from .addresses import format_address
from .csvfile import data_lines, open_csv, past_date, quoted, read_text, refuse
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .rates import ReadPolicy, active_schedule
from .security import require
from .validators import clean_text

GOOD = ("ok", "accepted")
SOURCES = ("keyed", "handheld", "ami", "route", "import", "install")
COLUMNS = {  # canonical column -> the names accepted in a file header
    "meter": ("meter", "meter_serial", "serial", "meter_number", "meter_id", "endpoint_meter"),
    "read_on": ("read_on", "read_date", "date", "timestamp", "read_time", "reading_date"),
    "reading": ("reading", "read", "register", "register_read", "value", "index"),
    "note": ("note", "notes", "comment", "trouble_code"),
}


@dataclass(frozen=True)
class Check:
    usage: int | None
    flag: str = ""
    reason: str = ""

    @property
    def status(self) -> str:
        return "exception" if self.flag and self.flag != "meter_change" else "ok"


@dataclass(frozen=True)
class History:
    """The previous good read and the meter's average daily usage before it."""
    prev_reading: int | None = None
    prev_on: _dt.date | None = None
    per_day: Decimal | None = None


def history_from(reads: list[tuple[_dt.date, int, int | Decimal | None]], n: int) -> History:
    """``reads``: good reads (date, register, usage: units, or gallons as a Decimal) in date order, latest last."""
    if not reads:
        return History()
    last_on, last_reading, _ = reads[-1]
    window = reads[-(n + 1):]
    per_day = None
    if len(window) >= 2:
        days = (window[-1][0] - window[0][0]).days
        used = sum(u or 0 for _, _, u in window[1:])
        if days > 0:
            per_day = Decimal(used) / days
    return History(last_reading, last_on, per_day)


def check_read(reading: int, read_on: _dt.date, *, dials: int, multiplier: int, history: History,
               policy: ReadPolicy) -> Check:
    """Compute usage since the previous good read and flag anything a clerk should see."""
    if history.prev_reading is None or history.prev_on is None:  # both or neither (history_from)
        return Check(None, "", "first read of this meter")
    days = (read_on - history.prev_on).days
    raw = reading - history.prev_reading
    flag, reason = "", ""
    if raw < 0:
        wrap = reading + 10 ** dials - history.prev_reading
        if wrap <= 10 ** dials * policy.rollover_max_percent / 100:
            usage = wrap * multiplier
            flag, reason = "rollover", f"register wrapped past {10 ** dials - 1:,}: usage {usage:,}"
        else:
            usage = raw * multiplier
            return Check(usage, "negative", f"read {reading:,} is below the previous {history.prev_reading:,}")
    else:
        usage = raw * multiplier
    if flag:
        return Check(usage, flag, reason)
    if usage == 0:
        return Check(0, "zero", f"no usage in {days} days")
    if history.per_day is not None and days > 0:
        expected = history.per_day * days
        shown = expected.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if usage >= policy.high_min_units and usage >= expected * policy.high_percent / 100:
            return Check(usage, "high", f"usage {usage:,} is {_pct(usage, expected)} of the usual {shown:,}")
        if (history.per_day * 30 >= policy.low_min_average
                and usage <= expected * policy.low_percent / 100):
            return Check(usage, "low", f"usage {usage:,} is {_pct(usage, expected)} of the usual {shown:,}")
    return Check(usage)


def _pct(a, b) -> str:
    return f"{(Decimal(a) * 100 / b).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%" if b else "n/a"


# --- loading history --------------------------------------------------------------------------
def good_reads(meter_ids, *, before: _dt.date | None = None, limit_each: int | None = None) -> dict[int, list]:
    """Good reads per meter in date order: {meter_id: [(date, register, usage), ...]}."""
    q = (MeterReading.select(MeterReading.meter, MeterReading.read_on, MeterReading.reading, MeterReading.usage)
         .where(MeterReading.meter.in_(list(meter_ids)) & MeterReading.status.in_(GOOD))
         .order_by(MeterReading.meter, MeterReading.read_on, MeterReading.id))
    if before is not None:
        q = q.where(MeterReading.read_on < before)
    out: dict[int, list] = {}
    for meter_id, read_on, reading, usage in q.tuples():
        out.setdefault(meter_id, []).append((read_on, reading, usage))
    if limit_each:
        out = {k: v[-limit_each:] for k, v in out.items()}
    return out


def _policy() -> ReadPolicy:
    return active_schedule().policy.reads


MAX_SERIAL = 24  # the meter table's serial column
MAX_READING_DIGITS = 12  # more dials than any meter has
_READING = re.compile(rf"[0-9]{{1,{MAX_READING_DIGITS}}}")  # ASCII digits: "²".isdigit() is True




def _parse_reading(text, field: str = "Reading") -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        s = str(text or "").strip().replace(",", "")
        if not _READING.fullmatch(s):
            raise InputError(field, f"{quoted(str(text).strip())} is not a whole number of at most {MAX_READING_DIGITS} digits")
        value = int(s)
    if value < 0:
        raise InputError(field, "must not be negative")
    return value


parse_reading = _parse_reading  # a typed read to an int, the error naming the field


def _check_date(read_on: _dt.date, field: str = "Read date") -> _dt.date:
    if read_on > clock.today():
        raise InputError(field, f"{read_on} is in the future")
    return read_on


# --- keyed entry ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeterInfo:
    meter_id: int
    serial: str
    size: str
    unit: str
    dials: int
    address: str
    account_number: str
    last_read_on: _dt.date | None
    last_reading: int | None


def find_meter(text: str) -> MeterInfo:
    """A meter by its serial, or the meter in service at an account's address."""
    from .accounts import format_account_number, normalize_account_number
    t = (text or "").strip()
    if not t:
        raise InputError("Meter", "type the meter number or the account number")
    meter = Meter.get_or_none(Meter.serial == t)
    acct = None
    if meter is None:
        number = normalize_account_number(t)
        acct = Account.get_or_none(Account.number == number) if number else None
        if acct is None:
            raise NotFound(f"no meter or account {t}")
        meter = (Meter.select().where((Meter.premise == acct.premise_id) & Meter.removed_on.is_null())
                 .order_by(Meter.id.desc()).first())
        if meter is None:
            raise NotFound(f"account {format_account_number(acct.number)} has no meter in service")
    if acct is None and meter.premise_id:
        acct = (Account.select().where((Account.premise == meter.premise_id)
                                       & Account.status.in_(["active", "disconnected", "pending"])).first())
    premise = Premise.get_or_none(Premise.id == meter.premise_id)
    address = format_address(premise.house_number, premise.street, premise.unit) if premise else ""
    reads = good_reads([meter.id]).get(meter.id, [])
    return MeterInfo(meter.id, meter.serial, meter.size, meter.unit, meter.dials, address,
                     format_account_number(acct.number) if acct else "", reads[-1][0] if reads else None,
                     reads[-1][1] if reads else None)


def enter_reading(user: User, meter_id: int, read_on: _dt.date, reading, *, source: str = "keyed",
                  note: str = "") -> MeterReading:
    """Record one read: usage and checks computed against the meter's history."""
    require(user, "reading.enter")
    value = _parse_reading(reading)
    _check_date(read_on)
    if source not in SOURCES:
        raise InputError("Source", f"must be one of {', '.join(SOURCES)}")
    policy = _policy()
    with transaction():
        meter = Meter.get_or_none(Meter.id == meter_id)
        if meter is None:
            raise NotFound(f"no meter id {meter_id}")
        if meter.removed_on is not None and read_on > meter.removed_on:
            raise InputError("Read date", f"meter {meter.serial} was removed on {meter.removed_on}")
        if value >= 10 ** meter.dials:
            raise InputError("Reading", f"{value:,} has more digits than the meter's {meter.dials} dials")
        reads = good_reads([meter.id]).get(meter.id, [])
        if reads and read_on <= reads[-1][0]:
            raise Conflict(f"meter {meter.serial} already has a read on {reads[-1][0]}; "
                           "correct that read instead")
        check = check_read(value, read_on, dials=meter.dials, multiplier=meter.multiplier,
                           history=history_from(reads, policy.average_reads), policy=policy)
        row = MeterReading.create(meter=meter.id, read_on=read_on, reading=value, usage=check.usage,
                                  source=source, flag=check.flag, flag_reason=check.reason,
                                  status=check.status, user=user.id, note=note.strip())
        audit.record(user, "reading.enter", "meter_reading", row.id, after=row)
    return row


def install_meter(user: User, premise_id: int, serial: str, *, on: _dt.date, reading=0, size: str = '5/8"',
                  dials: int = 6, unit: str = "HCF", multiplier: int = 1) -> Meter:
    """Set a meter at a service address with its first read."""
    require(user, "account.edit")
    value = _parse_reading(reading)
    if not (serial or "").strip():
        raise InputError("Meter", "enter the meter's serial number")
    if unit not in ("HCF", "CCF", "GAL", "KGAL"):
        raise InputError("Unit", "must be HCF, CCF, GAL or KGAL")
    if not 3 <= dials <= 10 or value >= 10 ** dials:
        raise InputError("Dials", f"{dials} dials cannot show {value:,}")
    with transaction():
        if Meter.select().where(Meter.serial == serial.strip()).exists():
            raise Conflict(f"meter {serial.strip()} already exists")
        m = Meter.create(serial=serial.strip(), premise=premise_id, size=size, dials=dials, unit=unit,
                         multiplier=multiplier, installed_on=on)
        MeterReading.create(meter=m.id, read_on=on, reading=value, usage=None, source="install",
                            status="ok", user=user.id)
        audit.record(user, "meter.install", "meter", m.id, after=m)
    return m


def change_meter(user: User, old_meter_id: int, on: _dt.date, final_reading, *, new_serial: str,
                 new_reading=0, size: str | None = None, dials: int | None = None, unit: str | None = None,
                 multiplier: int = 1) -> Meter:
    """Take a meter out with its final read and put a new one in: the period's usage is the
    old meter's usage up to the change plus the new meter's after it."""
    require(user, "reading.enter")
    final_value = _parse_reading(final_reading, "Final reading")
    start_value = _parse_reading(new_reading, "New meter reading")
    _check_date(on, "Change date")
    if not (new_serial or "").strip():
        raise InputError("New meter", "enter the new meter's serial number")
    policy = _policy()
    with transaction():
        old = Meter.get_or_none(Meter.id == old_meter_id)
        if old is None:
            raise NotFound(f"no meter id {old_meter_id}")
        if old.removed_on is not None:
            raise Conflict(f"meter {old.serial} was already removed on {old.removed_on}")
        if Meter.select().where(Meter.serial == new_serial.strip()).exists():
            raise Conflict(f"meter {new_serial.strip()} already exists")
        reads = good_reads([old.id]).get(old.id, [])
        if reads and on < reads[-1][0]:
            raise InputError("Change date", f"is before meter {old.serial}'s last read on {reads[-1][0]}")
        check = check_read(final_value, on, dials=old.dials, multiplier=old.multiplier,
                           history=history_from(reads, policy.average_reads), policy=policy)
        flag, reason = check.flag, check.reason
        if not flag or flag in ("high", "low", "zero"):
            flag, reason = "meter_change", f"final read of meter {old.serial} (changed on {on})"
        MeterReading.create(meter=old.id, read_on=on, reading=final_value, usage=check.usage,
                            source="keyed", flag=flag, flag_reason=reason,
                            status="ok" if flag == "meter_change" else "exception", user=user.id)
        Meter.update(removed_on=on).where(Meter.id == old.id).execute()
        new = Meter.create(serial=new_serial.strip(), premise=old.premise_id, size=size or old.size,
                           dials=dials or old.dials, unit=unit or old.unit, multiplier=multiplier,
                           installed_on=on, make=old.make, model=old.model)
        MeterReading.create(meter=new.id, read_on=on, reading=start_value, usage=None, source="install",
                            flag="meter_change", flag_reason=f"set in place of meter {old.serial}",
                            status="ok", user=user.id)
        audit.record(user, "meter.change", "meter", new.id, before=old, after=new,
                     detail=f"final read {final_value}, new meter starts at {start_value}")
    return new


# --- CSV import ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportRow:
    line: int
    serial: str
    read_on: _dt.date
    reading: int
    note: str = ""


@dataclass
class ImportResult:
    rows: int
    exceptions: int


def parse_reading_file(text: str, source: str = "<file>") -> list[ImportRow]:
    """Parse a reading file; every problem is collected with its line number and the whole
    file is refused (InputError) if there is any, so nothing is half imported."""
    reader, names, index = open_csv(text, source, COLUMNS, ("meter", "read_on", "reading"))
    rows: list[ImportRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, _dt.date], int] = {}
    today = clock.today()
    for line, values in data_lines(reader, source, len(names), errors):
        serial = values[index["meter"]].strip()
        if not serial:
            errors.append(f"line {line}: no meter number")
            continue
        if len(serial) > MAX_SERIAL:
            errors.append(f"line {line}: meter number {quoted(serial)} is longer than {MAX_SERIAL} characters")
            continue
        read_on = past_date(values[index["read_on"]], line, today, errors)
        if read_on is None:
            continue
        raw = values[index["reading"]].strip()
        if not _READING.fullmatch(raw):
            errors.append(f"line {line}: reading {quoted(raw)} is not a whole number of at most "
                          f"{MAX_READING_DIGITS} digits")
            continue
        if (serial, read_on) in seen:
            errors.append(f"line {line}: meter {serial} on {read_on} is also on line {seen[serial, read_on]}")
            continue
        seen[serial, read_on] = line
        note = values[index["note"]].strip() if "note" in index else ""
        rows.append(ImportRow(line, serial, read_on, int(raw), note))
    if not rows and not errors:
        errors.append("line 2: no readings in the file")
    refuse(errors, source)
    return rows


def import_readings(user: User, path: str | Path | None = None, *, text: str | None = None,
                    source: str = "import") -> ImportResult:
    """Import a route, handheld or AMI reading file: all of it, or nothing."""
    require(user, "reading.import")
    if source not in SOURCES:
        raise InputError("Source", f"must be one of {', '.join(SOURCES)}")
    name, text = read_text(path, text, "reading")
    rows = parse_reading_file(text, name)
    policy = _policy()
    with transaction():
        meters = {m.serial: m for m in Meter.select().where(Meter.serial.in_(list({r.serial for r in rows})))}
        errors = []
        for r in rows:
            m = meters.get(r.serial)
            if m is None:
                errors.append(f"line {r.line}: no meter {r.serial}")
            elif r.reading >= 10 ** m.dials:
                errors.append(f"line {r.line}: reading {r.reading:,} has more digits than the {m.dials} dials")
            elif m.removed_on is not None and r.read_on > m.removed_on:
                errors.append(f"line {r.line}: meter {r.serial} was removed on {m.removed_on}")
        history = good_reads([m.id for m in meters.values()])
        for r in sorted(rows, key=lambda r: (r.serial, r.read_on)):
            m = meters.get(r.serial)
            reads = history.get(m.id, []) if m else []
            if m and reads and r.read_on <= reads[-1][0]:
                errors.append(f"line {r.line}: meter {r.serial} already has a read on {reads[-1][0]}")
        refuse(errors, name)
        flagged = 0
        batch = []
        for r in sorted(rows, key=lambda r: (r.serial, r.read_on)):
            m = meters[r.serial]
            reads = history.setdefault(m.id, [])
            check = check_read(r.reading, r.read_on, dials=m.dials, multiplier=m.multiplier,
                               history=history_from(reads, policy.average_reads), policy=policy)
            if check.status == "ok":
                reads.append((r.read_on, r.reading, check.usage))
            flagged += check.status == "exception"
            batch.append(dict(meter=m.id, read_on=r.read_on, reading=r.reading, usage=check.usage,
                              source=source, flag=check.flag, flag_reason=check.reason,
                              status=check.status, user=user.id, note=r.note))
        for i in range(0, len(batch), 500):
            MeterReading.insert_many(batch[i:i + 500]).execute()
        audit.record(user, "reading.import", "meter_reading", None,
                     after={"file": name, "rows": len(rows), "exceptions": flagged})
    return ImportResult(len(rows), flagged)


# --- the exceptions worklist ------------------------------------------------------------------
@dataclass(frozen=True)
class ExceptionRow:
    reading_id: int
    read_on: _dt.date
    meter_serial: str
    reading: int
    usage: int | None
    flag: str
    reason: str
    account_id: int | None
    account_number: str
    address: str
    route: str


def list_exceptions(*, route: str | None = None, limit: int = 500) -> list[ExceptionRow]:
    q = (MeterReading.select(MeterReading, Meter.serial, Premise.house_number, Premise.street, Premise.unit,
                             Premise.route, Account.id.alias("acct_id"), Account.number)
         .join(Meter).join(Premise, JOIN.LEFT_OUTER)
         .join(Account, JOIN.LEFT_OUTER, on=((Account.premise == Premise.id)
                                             & Account.status.in_(["active", "disconnected", "pending"])))
         .where(MeterReading.status == "exception")
         .order_by(Premise.route, Premise.read_sequence, MeterReading.id).limit(limit))
    if route:
        q = q.where(Premise.route == route)
    out, seen = [], set()
    for r in q.objects():
        if r.id in seen:
            continue
        seen.add(r.id)
        addr = format_address(r.house_number, r.street, r.unit)
        out.append(ExceptionRow(r.id, r.read_on, r.serial, r.reading, r.usage, r.flag, r.flag_reason,
                                r.acct_id, r.number or "", addr, r.route or ""))
    return out


def _exception(reading_id: int) -> MeterReading:
    row = MeterReading.get_or_none(MeterReading.id == reading_id)
    if row is None:
        raise NotFound(f"no reading id {reading_id}")
    if row.status != "exception":
        raise Conflict(f"reading {reading_id} is not waiting in the exceptions list (it is {row.status})")
    return row


def _resolve(user: User, reading_id: int, status: str, note: str, detail: str) -> MeterReading:
    before = _exception(reading_id)
    MeterReading.update(status=status, note=(before.note + "\n" + note.strip()).strip()).where(
        MeterReading.id == reading_id).execute()
    after = MeterReading.get_by_id(reading_id)
    audit.record(user, f"reading.{detail}", "meter_reading", reading_id, before=before, after=after)
    return after


def accept_reading(user: User, reading_id: int, note: str = "") -> MeterReading:
    """The read is right (a pool was filled, the house was empty): bill from it."""
    require(user, "reading.enter")
    with transaction():
        row = _exception(reading_id)
        if row.flag == "negative":
            raise InputError("Reading", "a read below the previous one cannot be billed; order a reread or estimate")
        return _resolve(user, reading_id, "accepted", note, "accept")


def order_reread(user: User, reading_id: int, note: str = ""):
    """Send a meter reader back; the period is estimated unless the reread arrives first."""
    from .workorders import create_work_order
    require(user, "reading.enter")
    with transaction():
        row = _exception(reading_id)
        meter = Meter.get_by_id(row.meter_id)
        acct = (Account.select().where((Account.premise == meter.premise_id)
                                       & Account.status.in_(["active", "disconnected"])).first())
        wo = create_work_order(user, kind="reread", account_id=acct.id if acct else None,
                               premise_id=meter.premise_id, meter_id=meter.id,
                               instructions=f"Reread meter {meter.serial}: {row.flag} read {row.reading:,} on "
                                            f"{row.read_on} ({row.flag_reason}). {note}".strip())
        _resolve(user, reading_id, "reread", note or f"reread ordered: {wo.number}", "reread")
    return wo


def estimate_reading(user: User, reading_id: int, note: str = "") -> MeterReading:
    """Do not bill from this read: the bill run estimates the period."""
    require(user, "reading.enter")
    with transaction():
        return _resolve(user, reading_id, "estimate", note or "to be estimated", "estimate")


# --- a new meter from the new-service desk (each field checked, then install_meter) ----------
METER_UNITS = ("HCF", "CCF", "GAL", "KGAL")


def new_meter(actor: User, premise_id: int, *, serial: str, on: _dt.date | None, reading="0", size: str = '5/8"',
              make: str = "", dials: int = 6, unit: str = "HCF", multiplier: int = 1):
    """A meter set at a service address with its first read (``readings.install_meter``), each
    field checked first and named when wrong.  An address with a meter in service is refused:
    a meter is exchanged by a work order."""
    require(actor, "account.edit")
    serial = clean_text(serial, "Serial", 24, required=True)
    make = clean_text(make, "Make", 24)
    size = clean_text(size, "Size", 8, required=True)
    if size not in METER_SIZES:
        raise InputError("Size", f"must be one of {', '.join(METER_SIZES)}")
    unit = clean_text(unit, "Unit", 4, required=True).upper()
    if unit not in METER_UNITS:
        raise InputError("Unit", f"must be one of {', '.join(METER_UNITS)}")
    if not isinstance(dials, int) or not 3 <= dials <= 10:
        raise InputError("Dials", "must be 3 to 10")
    if not isinstance(multiplier, int) or not 1 <= multiplier <= 1000:
        raise InputError("Multiplier", "must be 1 to 1000")
    if on is None:
        raise InputError("Installed on", "type the day the meter was set")
    with transaction():
        premise = Premise.get_or_none(Premise.id == premise_id)
        if premise is None:
            raise InputError("Premise", f"no premise {premise_id}")
        there = Meter.get_or_none((Meter.premise == premise_id) & Meter.removed_on.is_null())
        if there is not None:
            raise Conflict(f"premise {premise_id} has meter {there.serial} in service: exchange it by a work order")
        if Meter.select().where(Meter.serial == serial).exists():
            raise InputError("Serial", f"meter {serial} is on file already")
        m = install_meter(actor, premise_id, serial, on=on, reading=reading, size=size, dials=dials, unit=unit,
                          multiplier=multiplier)
        if make:
            Meter.update(make=make).where(Meter.id == m.id).execute()
            audit.record(actor, "meter.edit", "meter", m.id, before={"make": ""}, after={"make": make})
            m = Meter.get_by_id(m.id)
    return m
