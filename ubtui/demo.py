"""The demo district: a realistic, deterministic water district built with bulk inserts.

``build_demo`` fills the connected database with users (documented demo passwords),
customers, premises, accounts of every class and status, meters, monthly readings, bills with
their lines, and the matching ledger (one posting per bill, payment and fee, each with a
unique ``demo:`` idempotency key), payments with tenders in closed drawer sessions, open work
orders and contact-log entries.  Every invariant ``ubtui verify`` checks holds afterwards.

Speed: rows are generated a chunk of accounts at a time with ids precomputed from the
tables' current maximum, then written with one multi-row statement per table and chunk
(SQLite ``executemany``, PostgreSQL ``COPY``) inside one transaction per chunk.  The ledger
rows are written directly in bulk rather than through ``ubtui.ledger.post`` (one
transaction per posting would take hours at 1,000,000 accounts); the cached balance of each
account is the sum of the entries generated for it, and its sums by category
(``ledger.rebuild_category_sums``) are recomputed from them at the end.  One audit row
records the build.

Deterministic: the same ``seed`` and ``as_of`` date give the same rows.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import functools
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee
from peewee import fn

from models import (
    ALL_MODELS,
    Account,
    AccountCustomer,
    AutopayEnrollment,
    Bill,
    BillLine,
    BillRun,
    ContactLog,
    Customer,
    Drawer,
    DrawerSession,
    Email,
    LedgerEntry,
    Meter,
    MeterReading,
    Payment,
    Phone,
    Posting,
    Premise,
    Tender,
    User,
    WorkOrder,
)
from models import database as proxy

from . import audit, clock, ledger
from .accounts import fold, make_account_number, premise_search_text
from .billing import PastBill, bill_entry_description, winter_average
from .db import insert_rows, is_postgres, transaction
from .errors import InputError
from .security import hash_password, require, system_user

DEFAULT_ACCOUNTS = 500
# Whose names and streets: the demo's own short lists, or a census-like population for
# benchmarks at scale (ubtui.demo_census; it needs Faker, a test extra).
POPULATIONS = ("demo", "census")
MAX_ACCOUNTS = 5_000_000
CHUNK_ACCOUNTS = 2_000
FIRST_SERIAL = 1001  # the first account number is make_account_number(1001)

# username, full name, role, password: documented in the README.
DEMO_USERS = (
    ("clerk", "Casey Clark", "clerk", "clerk-demo-1"),
    ("senior", "Sam Serrano", "senior_clerk", "senior-demo-1"),
    ("super", "Pat Okafor", "supervisor", "super-demo-1"),
    ("admin", "Alex Admin", "admin", "admin-demo-1"),
)
DRAWERS = (("D1", "Front counter 1", "COUNTER-1", "clerk"), ("D2", "Front counter 2", "COUNTER-2", "senior"),
           ("D3", "Drive-up window", "WINDOW-1", "super"))
OPENING_FLOAT_CENTS = 20_000

CITY, STATE = "Cedar Valley", "CA"
STREET_NAMES = (
    "Main", "Oak", "Cedar", "Reservoir", "Sierra Vista", "El Camino", "Peña", "Mission", "Almond", "Walnut",
    "Sycamore", "Willow", "Juniper", "Manzanita", "Riverbend", "Canal", "Orchard", "Vineyard", "Pioneer",
    "Fremont", "Lincoln", "Washington", "Jefferson", "Madison", "Hillcrest", "Ridgeview", "Lakeview", "Meadow",
    "Granite", "Quail", "Hawk", "Sunset", "Sunrise", "Valley", "Creekside", "Tamarack", "Poplar", "Aspen",
    "Cottonwood", "Magnolia")
STREET_TYPES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Blvd")
PRESSURE_ZONES = ("Z1-Valley", "Z2-Bench", "Z3-Hill", "Z4-Ridge")
FIRST_NAMES = (
    "Maria", "José", "James", "Mary", "Robert", "Patricia", "Linh", "Minh", "Renée", "François", "Zoë",
    "Ana", "Luis", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard",
    "Susan", "Thanh", "Hoa", "Carlos", "Sofía", "Ángel", "Chloé", "Søren", "Ingrid", "Kenji", "Yuki",
    "Priya", "Arjun", "Fatima", "Omar", "Grace", "Daniel", "Olivia", "Noah", "Emma", "Liam", "Ava",
    "Ethan", "Mia", "Lucas", "Isabella", "Mateo", "Camila", "Nguyen")
LAST_NAMES = (
    "Muñoz", "Nguyễn", "García", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
    "Rodríguez", "Martínez", "Hernández", "López", "González", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez", "Clark",
    "Ramírez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Trần", "Lê", "Phạm", "Peña", "Ibáñez", "O'Brien", "Müller", "Bølstad", "Dubois", "Kowalski",
    "Okafor", "Patel", "Singh", "Kim", "Park", "Chen", "Wong", "Yamamoto", "Haddad", "Novak", "Castillo")
ORG_WORDS = ("Valley", "Cedar", "Sierra", "Golden State", "Riverbend", "Orchard", "Pioneer", "Summit",
             "Muñoz", "Nguyễn", "Granite", "Oak Creek")
ORG_KINDS = ("Landscaping LLC", "Dental Group", "Auto Repair", "Properties Inc", "Market", "Laundromat",
             "Bakery", "Church", "Farms", "Construction Co", "Apartments LLC", "Self Storage",
             "Unified School District", "Car Wash", "Restaurant")
METERS = (("Neptune", "T-10"), ("Sensus", "iPERL"), ("Badger", "E-Series"), ("Itron", "Aquadis+"),
          ("Master Meter", "Octave"))
CLASS_INFO = {  # class: (rate code, share of accounts, monthly HCF mean, meter sizes)
    "residential": ("RES", 82, 11, ('5/8"', '5/8"', '5/8"', '3/4"', '1"')),
    "commercial": ("COM", 10, 45, ('1"', '1-1/2"', '2"')),
    "irrigation": ("IRR", 5, 30, ('1"', '1-1/2"', '2"')),
    "construction": ("CON", 3, 12, ('3"',)),  # a hydrant meter
}
INFO_CODES = ("dog", "locked gate", "dog,locked gate", "meter under deck", "call before visit")
CONTACT_SUBJECTS = (
    ("High bill question", "Customer asked why the bill is higher; explained summer tier usage."),
    ("Payment arrangement", "Customer asked for more time; offered a payment arrangement."),
    ("Leak reported", "Customer reports water pooling near the meter box."),
    ("Move-out request", "Customer is moving at the end of the month; final read requested."),
    ("Meter access", "Reader could not reach the meter: dog in the yard."),
    ("Autopay sign-up", "Customer asked how to sign up for autopay; form mailed."),
    ("Billing address change", "Customer gave a new mailing address."),
)

# Made-up routing numbers with a valid ABA check digit (3-7-1 weights), for autopay enrolments.
ROUTING_NUMBERS = ("090000010", "090000023", "090000036", "090000049", "090000052")

LATE_FEE_CENTS = 1000

# Names repeat a lot: fold (about 20 us a call) each distinct one once.
_fold = functools.lru_cache(maxsize=65536)(fold)


@dataclass
class DemoStats:
    accounts: int
    months: int
    seed: int
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        c = self.counts
        return (f"demo district: {self.accounts:,} accounts, {c.get('Customer', 0):,} customers, "
                f"{c.get('Premise', 0):,} premises, {c.get('MeterReading', 0):,} readings, "
                f"{c.get('Bill', 0):,} bills, {c.get('Payment', 0):,} payments, "
                f"{c.get('LedgerEntry', 0):,} ledger entries in {self.seconds:.1f} s "
                f"(sign in as clerk / clerk-demo-1)")


def has_data() -> bool:
    """True when the connected database already holds accounts."""
    return Account.select().exists()


# --- dates --------------------------------------------------------------------------------
def _month_end(y: int, m: int) -> _dt.date:
    return _dt.date(y, m, calendar.monthrange(y, m)[1])


@dataclass(frozen=True)
class Period:
    start: _dt.date
    end: _dt.date
    bill_date: _dt.date
    due_date: _dt.date


def bill_periods(months: int, as_of: _dt.date) -> list[Period]:
    """The last ``months`` calendar months whose bill date is on or before ``as_of``."""
    out: list[Period] = []
    y, m = as_of.year, as_of.month
    while len(out) < months:
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        end = _month_end(y, m)
        bill_date = end + _dt.timedelta(days=3)
        if bill_date > as_of:
            continue
        out.append(Period(_dt.date(y, m, 1), end, bill_date, bill_date + _dt.timedelta(days=21)))
    return out[::-1]


def _ts(d: _dt.date, hour: int = 9, minute: int = 0) -> str:
    return f"{d.isoformat()} {hour:02d}:{minute:02d}:00"


def _weekday(d: _dt.date, limit: _dt.date) -> _dt.date:
    """Move a weekend date to the next Monday (or back to Friday when that passes ``limit``)."""
    if d.weekday() < 5:
        return d
    nxt = d + _dt.timedelta(days=7 - d.weekday())
    return nxt if nxt <= limit else d - _dt.timedelta(days=d.weekday() - 4)


@functools.lru_cache(maxsize=65536)
def bill_lines(rate_code: str, size: str, usage: int, start: _dt.date, end: _dt.date, prorate: bool = False,
               winter_average=None) -> tuple[int, str, tuple[tuple[str, str, str, str, int], ...]]:
    """One demo bill as a bill run would price it from the district's rate schedule
    (``ubtui/data/demo_rates.toml``): (usage in the class's unit, that unit, lines as
    (category, description, quantity, rate, cents)).  So the rate calculator, rebills and
    leak credits explain the demo's bills to the cent.  Cached: the same class, size, usage
    and period repeat across a district."""
    from .billing import line_rows
    from .rates import calculate_bill, demo_schedule
    calc = calculate_bill(demo_schedule(), rate_code, size, usage, start, end, usage_unit="HCF", prorate=prorate,
                          winter_average=winter_average)
    return int(calc.usage), calc.unit, tuple((r["category"], r["description"], r["quantity"], r["rate"],
                                              r["amount_cents"]) for r in line_rows(0, calc))


# --- bulk writing -------------------------------------------------------------------------
COLUMNS: dict[type[peewee.Model], tuple[str, ...]] = {
    Customer: ("id", "kind", "first_name", "last_name", "display_name", "search_name", "mail_line1",
               "mail_line2", "mail_city", "mail_state", "mail_zip", "language", "created_at"),
    Phone: ("id", "customer", "kind", "digits", "is_primary"),
    Email: ("id", "customer", "address", "is_primary"),
    Premise: ("id", "house_number", "street", "unit", "city", "state", "zip", "search_address", "parcel_number",
              "route", "read_sequence", "pressure_zone", "dwelling_units", "notes"),
    Account: ("id", "number", "premise", "account_class", "status", "rate_code", "cycle", "opened_on",
              "closed_on", "balance_cents", "deposit_held_cents", "cash_only", "no_checks", "autopay",
              "medical_certificate", "do_not_disconnect", "info_codes", "created_at"),
    AccountCustomer: ("id", "account", "customer", "role", "start_date", "end_date"),
    Meter: ("id", "serial", "premise", "size", "make", "model", "dials", "multiplier", "unit", "installed_on",
            "removed_on"),
    MeterReading: ("id", "meter", "read_on", "reading", "usage", "source", "estimated", "flag", "flag_reason",
                   "status", "user", "created_at", "note"),
    Bill: ("id", "account", "bill_run", "period_start", "period_end", "bill_date", "due_date", "usage",
           "usage_unit", "estimated", "kind", "total_cents", "previous_balance_cents", "status", "created_at"),
    BillLine: ("id", "bill", "seq", "category", "description", "quantity", "rate", "amount_cents"),
    Posting: ("id", "idempotency_key", "kind", "user", "created_at", "memo"),
    LedgerEntry: ("id", "posting", "account", "kind", "category", "amount_cents", "effective_on", "posted_at",
                  "description", "reference"),
    Payment: ("id", "receipt_number", "session", "posting", "user", "total_cents", "change_cents", "channel",
              "status", "created_at", "payer_name", "business_date"),
    Tender: ("payment", "seq", "kind", "amount_cents", "check_number", "bank", "check_name", "card_last4",
             "auth_code"),
    WorkOrder: ("id", "number", "account", "premise", "meter", "kind", "status", "priority", "requested_on",
                "scheduled_on", "completed_on", "instructions", "result", "created_by", "created_at"),
    DrawerSession: ("id", "drawer", "operator", "workstation", "business_date", "opened_at",
                    "opening_float_cents", "status", "closed_at", "approved_by", "next_float_cents"),
    ContactLog: ("id", "account", "channel", "subject", "text", "follow_up_on", "follow_up_done", "user",
                 "created_at"),
    AutopayEnrollment: ("id", "account", "holder_name", "routing_number", "bank_account_enc",
                        "bank_account_last4", "bank_account_type", "status", "start_on", "created_by", "created_at",
                        "active_guard"),
}
# Written in creation order (foreign keys point backwards); every table above must be in it.
WRITE_ORDER = [m for m in ALL_MODELS if m in COLUMNS]
assert len(WRITE_ORDER) == len(COLUMNS), "a demo table is missing from models.ALL_MODELS"


class BulkWriter:
    """Buffers rows per table (ids precomputed) and writes them in foreign-key order.

    ``flush`` writes in the caller's transaction; ``flush_async`` hands the rows to one
    writer thread (its own connection, one transaction per batch) so the next chunk is
    generated while this one is written (the drivers release the GIL while the database
    works); ``join`` waits for it and re-raises its error."""

    def __init__(self, db: peewee.Database):
        self.db = db
        self.pg = is_postgres(db)
        self.rows: dict[type[peewee.Model], list[tuple]] = {m: [] for m in COLUMNS}
        self.counts: Counter = Counter()
        # (a table keyed by its parent, as tender by (payment, seq), takes no ids of its own)
        self.next_ids = {m: (m.select(fn.MAX(m._meta.primary_key)).scalar() or 0) + 1 for m in COLUMNS
                         if not m._meta.composite_key}
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.accounts_written = 0
        self.next_analyze = self.ANALYZE_FROM

    # PostgreSQL plans each batch's search-document statement from the tables' statistics,
    # and a table loaded faster than autovacuum analyses it has none: a 1,000,000-account
    # build went from ~1,500 accounts/s to ~15/s at about 78,000 accounts.  The document
    # tables are analysed each time the accounts written double, from this many.
    ANALYZE_FROM = 4_000

    def keep_statistics(self, batch: list[tuple[type, list[tuple]]]) -> None:
        """(After a batch's commit) ANALYZE the document tables when the accounts doubled."""
        if not self.pg:
            return
        self.accounts_written += sum(len(rows) for model, rows in batch if model is Account)
        if self.accounts_written >= self.next_analyze:
            from .search import analyze_documents
            analyze_documents(self.db)
            self.next_analyze = 2 * self.accounts_written

    def new_id(self, model: type[peewee.Model]) -> int:
        i = self.next_ids[model]
        self.next_ids[model] = i + 1
        return i

    def add(self, model: type[peewee.Model], row: tuple) -> None:
        self.rows[model].append(row)

    def _take(self) -> list[tuple[type, list[tuple]]]:
        batch = []
        for model in WRITE_ORDER:
            rows = self.rows.get(model)
            if rows:
                batch.append((model, rows))
                self.counts[model.__name__] += len(rows)
                self.rows[model] = []
        return batch

    def flush(self) -> None:
        self._write_batch(self._take())

    def flush_async(self) -> None:
        if self._error is not None:
            self.join()
        if self._thread is None:
            self._thread = threading.Thread(target=self._writer, name="demo-writer", daemon=True)
            self._thread.start()
        self._queue.put(self._take())

    def join(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _writer(self) -> None:
        try:
            while (batch := self._queue.get()) is not None:
                if self._error is not None:
                    continue  # keep taking batches so the generator never blocks
                try:
                    with transaction():
                        self._write_batch(batch)
                    self.keep_statistics(batch)
                except BaseException as e:  # re-raised in the building thread by join()
                    self._error = e
        finally:
            if not self.db.is_closed():
                self.db.close()  # this thread's connection

    def _write_batch(self, batch: list[tuple[type, list[tuple]]]) -> None:
        """The rows of one batch, in the caller's transaction; the search documents of its
        accounts in one statement at the end, not by a trigger per row."""
        from .search import documents_paused
        ids = [row[0] for model, rows in batch if model is Account for row in rows]
        with documents_paused(min(ids, default=1), max(ids, default=0)):
            for model, rows in batch:
                self._write(model, rows)

    def _write(self, model: type[peewee.Model], rows: list[tuple]) -> None:
        table = model._meta.table_name
        # Columns the demo leaves to the model's defaults (the DDL has no defaults).
        rest = [f for f in model._meta.sorted_fields if f.name not in COLUMNS[model]]
        tail = tuple(_plain(f.default() if callable(f.default) else f.default) for f in rest)
        names = [model._meta.fields[n].column_name for n in COLUMNS[model]] + [f.column_name for f in rest]
        if tail:
            rows = [r + tail for r in rows]
        insert_rows(table, names, rows, self.db)

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids written explicitly."""
        if not self.pg:
            return
        for model in self.next_ids:
            t = model._meta.table_name
            self.db.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM \"{t}\"), 1))")


def _plain(value):
    """Dates as ISO text: both SQLite (as Peewee stores them) and COPY read that."""
    if isinstance(value, _dt.datetime):
        return value.replace(microsecond=0).isoformat(" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


# --- the district -------------------------------------------------------------------------
@dataclass
class Occupancy:
    """One account's stay at a premise: months [first, last] of the history (inclusive)."""

    account_id: int
    first: int
    last: int
    status: str
    stop_paying: int = 0  # unpaid bills at the end (delinquency)
    final: bool = False


def _language(rng: random.Random) -> str:
    """A customer's language: Spanish 14%, Vietnamese 3.4%, else English."""
    return "es" if rng.random() < 0.14 else ("vi" if rng.random() < 0.04 else "en")


class DistrictBuilder:
    def __init__(self, w: BulkWriter, rng: random.Random, accounts: int, months: int, as_of: _dt.date,
                 users: dict[str, int], drawers: dict[str, int], seed: int = 0, population: str = "demo"):
        self.w, self.rng, self.target, self.as_of = w, rng, accounts, as_of
        self.periods = bill_periods(months, as_of)
        self.months = months
        self.users, self.drawers = users, drawers
        self.system = users["system"]
        self.census = None
        if population == "census":
            from .demo_census import population as census_population
            self.census = census_population()
            self.streets = self.census.streets(rng, accounts, STREET_NAMES)
        else:
            n_streets = max(30, min(len(STREET_NAMES) * len(STREET_TYPES), accounts // 150))
            self.streets = [f"{STREET_NAMES[i % len(STREET_NAMES)]} {STREET_TYPES[(i // len(STREET_NAMES) + i) % len(STREET_TYPES)]}"
                            for i in range(n_streets)]
        n_streets = len(self.streets)
        self.n_routes = max(4, min(99, n_streets // 3))
        self.premise_index = 0
        self.made = 0
        last = Account.select(fn.MAX(Account.number)).scalar()
        self.serial = max(FIRST_SERIAL, int(last[:-1]) + 1 if last else 0)
        self.bill_runs: list[int] = []
        self.history_start = self.periods[0].start if self.periods else as_of.replace(day=1)
        self.landlords: list[tuple[int, str]] = []
        self.sessions: dict[tuple[_dt.date, str], int] = {}
        self.session_cash: Counter = Counter()  # session id -> cash taken - change given
        self._fernet: Any = None  # cryptography's Fernet, made on the first enrolment
        self.seed = seed

    # people ------------------------------------------------------------------------------
    def person(self, since: _dt.date, mail: tuple[str, str, str] | None = None,
               org: bool = False) -> tuple[int, str]:
        rng, w = self.rng, self.w
        cid = w.new_id(Customer)
        language = ""  # drawn after the names, as it always was, unless the names depend on it
        if org:
            first = ""
            last = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}"
            display = last
        else:
            if self.census is not None:
                language = _language(rng)
                first, last = self.census.person(rng, language)
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            display = f"{last}, {first}"
        line1, city, zip_ = mail or (f"PO Box {rng.randint(100, 9999)}", CITY, "95000")
        language = language or _language(rng)
        w.add(Customer, (cid, "organization" if org else "person", first, last, display,
                         _fold(f"{first} {last}"), line1, "", city, STATE, zip_, language,
                         _ts(since - _dt.timedelta(days=rng.randint(0, 30)))))
        kinds = ("work", "mobile") if org else ("home", "mobile")
        for i in range(1 if rng.random() < 0.6 else 2):
            digits = f"{rng.choice(('209', '559', '916'))}{rng.randint(2000000, 9999999)}"
            w.add(Phone, (w.new_id(Phone), cid, kinds[i], digits, i == 0))
        if rng.random() < 0.55:
            local = _fold(last if org else f"{first}.{last}").replace(" ", "")
            w.add(Email, (w.new_id(Email), cid, f"{local}{cid}@example.{rng.choice(('com', 'net', 'org'))}", True))
        return cid, (last if org else f"{first} {last}")

    def landlord(self) -> tuple[int, str]:
        if len(self.landlords) < max(5, self.target // 80) and (not self.landlords or self.rng.random() < 0.3):
            org = self.rng.random() < 0.5
            self.landlords.append(self.person(self.history_start, org=org))
        return self.rng.choice(self.landlords)

    # premises ------------------------------------------------------------------------------
    def premise(self, account_class: str) -> tuple[int, tuple[str, str, str], int, str, int]:
        rng, w = self.rng, self.w
        p = self.premise_index
        self.premise_index += 1
        s = p % len(self.streets)
        street = self.streets[s]
        house = str(100 + 2 * (p // len(self.streets)) + (p // 7) % 2)
        unit = f"Apt {rng.randint(1, 12)}" if account_class == "residential" and p % 23 == 0 else ""
        zip_ = f"9500{s % 5}"
        pid = w.new_id(Premise)
        route = f"{s % self.n_routes + 1:02d}"
        w.add(Premise, (pid, house, street, unit, CITY, STATE, zip_, premise_search_text(house, street, unit),
                        f"{100 + s % 900:03d}-{(p // len(self.streets)) // 20 % 1000:03d}-{p % 20 + 1:02d}",
                        route, p + 1, PRESSURE_ZONES[s % len(PRESSURE_ZONES)], 1, ""))
        size = rng.choice(CLASS_INFO[account_class][3])
        make, model = rng.choice(METERS)
        mid = w.new_id(Meter)
        dials = 4 if size == '5/8"' and rng.random() < 0.3 else 6
        installed = self.history_start - _dt.timedelta(days=rng.randint(200, 6000))
        w.add(Meter, (mid, f"{make[:2].upper()}{mid:08d}", pid, size, make, model, dials, 1, "HCF",
                      installed.isoformat(), None))
        address = f"{house} {street}" + (f" {unit}" if unit else "")
        return pid, (address, CITY, zip_), mid, size, dials

    # readings ------------------------------------------------------------------------------
    def readings(self, mid: int, dials: int, account_class: str, occupied: set[int],
                 disconnected_from: int | None) -> list[tuple[int, bool, str]]:
        """One reading per history month: returns (usage, estimated, flag) per month."""
        rng, w = self.rng, self.w
        if not self.periods:
            return []
        mean = CLASS_INFO[account_class][2] * rng.uniform(0.5, 1.6)
        register = rng.randint(0, 10 ** dials // 2)
        first = self.periods[0]
        w.add(MeterReading, (w.new_id(MeterReading), mid, (first.start - _dt.timedelta(days=1)).isoformat(),
                             register, None, "handheld", False, "", "", "ok", None, _ts(first.start, 16), ""))
        out = []
        for k, per in enumerate(self.periods):
            summer = per.end.month in (6, 7, 8, 9)
            factor = (1.5 if summer else 0.8) if account_class != "irrigation" else (2.2 if summer else 0.1)
            usage = max(0, round(rng.gauss(mean * factor, mean * 0.2)))
            flag, reason, estimated, source, status = "", "", False, "handheld", "ok"
            roll = rng.random()
            if k not in occupied or (disconnected_from is not None and k >= disconnected_from):
                usage = 0
            elif roll < 0.015:
                usage, flag, reason = usage * 4 + 20, "high", "usage over 3x the 12-month average"
            elif roll < 0.03:
                usage, flag, reason = usage // 5, "low", "usage under a third of the 12-month average"
            elif roll < 0.04:
                usage, flag, reason = 0, "zero", "no usage on an occupied account"
            elif roll < 0.07:
                estimated, source = True, "estimate"
            if flag:
                status = "exception" if k == len(self.periods) - 1 else "accepted"
            previous = register
            register = (register + usage) % (10 ** dials)
            if register < previous and not flag:
                flag, reason, status = "rollover", "register rolled over", "accepted"
            w.add(MeterReading, (w.new_id(MeterReading), mid, per.end.isoformat(), register, usage, source,
                                 estimated, flag, reason, status, None if source != "handheld" else self.system,
                                 _ts(per.end, 15), ""))
            out.append((usage, estimated, flag))
        return out

    # money ------------------------------------------------------------------------------------
    def posting(self, key: str, kind: str, user: int, when: _dt.date, memo: str) -> int:
        pid = self.w.new_id(Posting)
        self.w.add(Posting, (pid, key, kind, user, _ts(when, 6), memo))
        return pid

    def entry(self, posting: int, account: int, kind: str, category: str, cents: int, when: _dt.date,
              description: str, reference: str) -> None:
        self.w.add(LedgerEntry, (self.w.new_id(LedgerEntry), posting, account, kind, category, cents,
                                 when.isoformat(), _ts(when, 6), description[:120], reference[:40]))

    def session_for(self, day: _dt.date) -> tuple[int, int]:
        """The closed drawer session of a counter payment: (session id, operator id)."""
        code, _, _, username = DRAWERS[self.rng.randrange(len(DRAWERS))]
        operator = self.users[username]
        return self.sessions[(day, code)], operator

    def open_sessions(self) -> None:
        """One (closed) session per drawer and business day of the history, written first so
        payments can name them; their counts are filled in by ``close_sessions``."""
        if not self.periods:
            return
        day, w = self.periods[0].bill_date - _dt.timedelta(days=3), self.w
        while day <= self.as_of:
            if day.weekday() < 5:
                for code, _, workstation, username in DRAWERS:
                    sid = w.new_id(DrawerSession)
                    self.sessions[(day, code)] = sid
                    w.add(DrawerSession, (sid, self.drawers[code], self.users[username], workstation,
                                          day.isoformat(), _ts(day, 8), OPENING_FLOAT_CENTS, "closed",
                                          _ts(day, 17, 30), self.users["super"], OPENING_FLOAT_CENTS))
            day += _dt.timedelta(days=1)
        w.flush()

    def close_sessions(self) -> None:
        """Expected cash from the session's payments; counted (now and then over or short)."""
        rows = []
        for sid in sorted(self.sessions.values()):
            expected = OPENING_FLOAT_CENTS + self.session_cash[sid]
            over_short = self.rng.choice((0,) * 38 + (-100, 25))
            rows.append((expected, expected + over_short, over_short, "miscounted change" if over_short else "", sid))
        t = DrawerSession._meta.table_name
        mark = "%s" if self.w.pg else "?"
        sql = (f'UPDATE "{t}" SET expected_cash_cents = {mark}, counted_cash_cents = {mark}, '
               f'over_short_cents = {mark}, over_short_reason = {mark} WHERE id = {mark}')
        self.w.db.cursor().executemany(sql, rows)

    def payment(self, account: int, acct_flags: dict, payer: str, cents: int, day: _dt.date) -> None:
        rng, w = self.rng, self.w
        pay_id = w.next_ids[Posting]  # a payment's id is its posting's (models.cashier.Payment.posting)
        session = None
        if acct_flags["autopay"]:
            channel = "autopay"
        else:
            channel = rng.choices(("counter", "mail", "online", "dropbox"), (45, 25, 25, 5))[0]
        if acct_flags["cash_only"]:
            channel = "counter"
        tenders: list[tuple[str, int]] = []
        change = 0
        if channel == "counter":
            session, user = self.session_for(day)
            kind = rng.choices(("cash", "check", "card", "money_order"), (50, 25, 22, 3))[0]
            if acct_flags["cash_only"]:
                kind = "cash"
            elif acct_flags["no_checks"] and kind == "check":
                kind = "card"
            if kind == "cash":
                handed = -(-cents // 2000) * 2000 if rng.random() < 0.7 else cents
                change = handed - cents
                tenders.append(("cash", handed))
                self.session_cash[session] += cents
            else:
                tenders.append((kind, cents))
        elif channel in ("mail", "dropbox"):
            user = self.users["clerk"]
            tenders.append(("money_order" if acct_flags["no_checks"] else "check", cents))
        else:
            user = self.system
            tenders.append(("card", cents))
        post_id = self.posting(f"demo:pay:{pay_id}", "payment", user, day, f"receipt DM{pay_id:09d}")
        assert post_id == pay_id
        self.entry(post_id, account, "payment", "", -cents, day, f"Payment ({channel}, {tenders[0][0]})",
                   f"payment:{pay_id}")
        w.add(Payment, (pay_id, f"DM{pay_id:09d}", session, post_id, user, cents, change, channel, "posted",
                        _ts(day, rng.randint(8, 16), rng.randint(0, 59)), payer[:80], day.isoformat()))
        for seq, (kind, amount) in enumerate(tenders, start=1):
            check_no = str(rng.randint(1000, 9999)) if kind == "check" else ""
            w.add(Tender, (pay_id, seq, kind, amount, check_no,
                           rng.choice(("Valley Bank", "Sierra Credit Union", "First National")) if check_no else "",
                           payer[:80] if check_no else "", f"{rng.randint(0, 9999):04d}" if kind == "card" else "",
                           f"A{rng.randint(10000, 99999)}" if kind == "card" else ""))

    def account_history(self, occ: Occupancy, account_class: str, size: str, usage: list, flags: dict,
                        payer: str) -> int:
        """Bills, fees and payments of one account; returns its balance (sum of its entries)."""
        rng, w = self.rng, self.w
        balance = 0
        late_payer = rng.random() < 0.12 and not flags["autopay"]
        months = list(range(occ.first, occ.last + 1))
        past: list[PastBill] = []  # for the winter average, as billing.price reads it back
        for n, k in enumerate(months):
            per = self.periods[k]
            u, estimated, _ = usage[k]
            bill_id = w.new_id(Bill)
            kind = "final" if occ.final and k == occ.last else ("first" if n == 0 and occ.first > 0 else "regular")
            billed, unit, lines = bill_lines(CLASS_INFO[account_class][0], size, u, per.start, per.end,
                                             kind != "regular", winter_average(tuple(past), per.end))
            past.append(PastBill(per.start, per.end, billed, estimated, kind))
            total = sum(line[4] for line in lines)
            w.add(Bill, (bill_id, occ.account_id, self.bill_runs[k], per.start.isoformat(), per.end.isoformat(),
                         per.bill_date.isoformat(), per.due_date.isoformat(), billed, unit, estimated, kind, total,
                         balance, "posted", _ts(per.bill_date, 5)))
            for seq, (cat, desc, qty, rate, cents) in enumerate(lines, 1):
                w.add(BillLine, (w.new_id(BillLine), bill_id, seq, cat, desc, qty, rate, cents))
            if total:  # one charge per bill, as a bill run posts it (its lines explain it)
                post = self.posting(f"demo:bill:{bill_id}", "charge", self.system, per.bill_date, f"bill {bill_id}")
                self.entry(post, occ.account_id, "charge", "bill", total, per.bill_date,
                           bill_entry_description(per.start, per.end, estimated), f"bill:{bill_id}")
            balance += total
            unpaid = n >= len(months) - occ.stop_paying
            next_bill = self.periods[k + 1].bill_date if k + 1 < len(self.periods) else self.as_of + _dt.timedelta(days=1)
            late = unpaid or (late_payer and rng.random() < 0.5)
            fee_day = per.due_date + _dt.timedelta(days=1)
            if late and fee_day < next_bill and fee_day <= self.as_of and balance > 0:
                fee_post = self.posting(f"demo:latefee:{bill_id}", "fee", self.system, fee_day,
                                        f"late fee on bill {bill_id}")
                self.entry(fee_post, occ.account_id, "fee", "late_fee", LATE_FEE_CENTS, fee_day,
                           "Late fee", f"bill:{bill_id}")
                balance += LATE_FEE_CENTS
            if unpaid:
                continue
            if late:
                day = per.due_date + _dt.timedelta(days=rng.randint(2, 6))
            else:
                day = per.bill_date + _dt.timedelta(days=rng.randint(2, 19))
            settles = occ.final and k == occ.last  # a closed account paid its final bill
            day = _weekday(min(day, self.as_of) if settles else day, self.as_of)
            if not settles and (day >= next_bill or day > self.as_of):
                continue
            if balance <= 0:
                continue
            amount = balance if settles or rng.random() < 0.93 else max(100, balance // 2 // 100 * 100)
            self.payment(occ.account_id, flags, payer, min(amount, balance), day)
            balance -= min(amount, balance)
        return balance

    def opening_balance(self, account: int, status: str, delinquent: bool) -> int:
        """With no history: one conversion entry carrying a legacy balance, dated when it
        fell due (delinquent accounts' months ago, so aging and collections have work)."""
        rng = self.rng
        if status in ("pending", "closed") or rng.random() < 0.55:
            return 0
        cents = rng.randint(2000, 40000) * (4 if delinquent else 1)
        if rng.random() < 0.05 and not delinquent:
            cents = -rng.randint(500, 5000)
        due = self.as_of - _dt.timedelta(days=rng.randint(35, 150) if delinquent else rng.randint(0, 25))
        post = self.posting(f"demo:open:{account}", "adjustment", self.system, due, "legacy balance")
        self.entry(post, account, "adjustment", "conversion", cents, due, "Opening balance (conversion)",
                   f"conversion:{account}")
        return cents

    # accounts -------------------------------------------------------------------------------
    def make_premise(self) -> int:
        """One premise with its meter and one or two accounts; returns accounts made."""
        rng, w = self.rng, self.w
        account_class = rng.choices(tuple(CLASS_INFO), tuple(v[1] for v in CLASS_INFO.values()))[0]
        pid, address, mid, size, dials = self.premise(account_class)
        M = len(self.periods)
        occupancies: list[Occupancy] = []
        left = self.target - self.made
        roll = rng.random()
        if M >= 6 and left >= 2 and rng.random() < 0.09:  # a previous occupant moved out
            end = rng.randint(1, M - 3)
            prev = Occupancy(0, 0, end, "closed" if rng.random() < 0.8 else "final_billed", final=True)
            prev.stop_paying = 1 if prev.status == "final_billed" else 0
            occupancies.append(prev)
            occupancies.append(Occupancy(0, end + 1, M - 1, "active"))
        elif roll < 0.02:
            occupancies.append(Occupancy(0, M, M - 1, "pending"))
        elif roll < 0.035 and M >= 3:
            end = rng.randint(max(0, M - 4), M - 1)
            occupancies.append(Occupancy(0, 0, end, "final_billed", stop_paying=1, final=True))
        elif roll < 0.045 and M >= 3:
            occupancies.append(Occupancy(0, 0, rng.randint(0, M - 1), "closed", final=True))
        elif roll < 0.07:
            occupancies.append(Occupancy(0, 0, M - 1, "disconnected", stop_paying=rng.randint(4, 6)))
        else:
            occupancies.append(Occupancy(0, 0, M - 1, "active"))
        cur = occupancies[-1]
        if cur.status == "active" and account_class != "construction":
            r = rng.random()
            cur.stop_paying = 2 if r < 0.08 else 3 if r < 0.12 else 4 if r < 0.15 else 0
        if M == 0:
            for o in occupancies:
                o.first, o.last = 0, -1
        occupied: set[int] = set()
        for o in occupancies:
            occupied.update(range(o.first, o.last + 1))
        disc = M - 1 if cur.status == "disconnected" else None
        usage = self.readings(mid, dials, account_class, occupied, disc)
        tenant_premise = account_class == "residential" and rng.random() < 0.2
        made = 0
        for o in occupancies:
            o.account_id = w.new_id(Account)
            if o.status == "pending":
                opened = self.as_of - _dt.timedelta(days=rng.randint(0, 6))
            elif o.first > 0:
                opened = self.periods[o.first].start
            else:
                opened = self.history_start - _dt.timedelta(days=rng.randint(30, 4000))
            closed = self.periods[o.last].end if o.final and o.last >= 0 else None
            if o.final and M == 0:
                closed = self.as_of - _dt.timedelta(days=rng.randint(1, 60))
            org = account_class != "residential" and rng.random() < 0.8
            payer_id, payer = self.person(opened, address, org=org)
            roles = [(payer_id, "owner")]
            if tenant_premise and not org:
                roles = [(self.landlord()[0], "owner"), (payer_id, "tenant")]
            elif org and rng.random() < 0.15:
                roles.append((self.landlord()[0], "billing"))
            delinquent = o.stop_paying >= 2 or o.status == "disconnected"
            flags = dict(autopay=not delinquent and o.status == "active" and rng.random() < 0.2,
                         cash_only=delinquent and rng.random() < 0.25,
                         no_checks=rng.random() < 0.02)
            medical = account_class == "residential" and rng.random() < 0.01
            if o.stop_paying and flags["autopay"]:
                flags["autopay"] = False
            if M:
                balance = self.account_history(o, account_class, size, usage, flags, payer)
            else:
                balance = self.opening_balance(o.account_id, o.status, delinquent)
            info = rng.choice(INFO_CODES) if rng.random() < 0.08 else ""
            w.add(Account, (o.account_id, make_account_number(self.serial), pid, account_class, o.status,
                            CLASS_INFO[account_class][0], "1", opened.isoformat(),
                            closed.isoformat() if closed else None, balance, 0, flags["cash_only"],
                            flags["no_checks"], flags["autopay"], medical, medical or rng.random() < 0.005,
                            info, _ts(opened, 10)))
            self.serial += 1
            if flags["autopay"]:
                self.autopay(o.account_id, payer, opened)
            for cust, role in roles:
                w.add(AccountCustomer, (w.new_id(AccountCustomer), o.account_id, cust, role, opened.isoformat(),
                                        closed.isoformat() if closed else None))
            self.extras(o, pid, mid, usage, info)
            made += 1
        return made

    def autopay(self, account: int, holder: str, opened: _dt.date) -> None:
        """An active bank-draft enrolment (the account number encrypted as ubtui.autopay does)."""
        if self._fernet is None:
            from .autopay import fernet
            self._fernet = fernet()
        # Its own random stream: adding enrolments left every other demo row as it was.
        rng, w = random.Random(account * 7919 + self.seed), self.w
        bank = str(rng.randint(10 ** 7, 10 ** 10))
        start = max(opened, self.history_start - _dt.timedelta(days=rng.randint(0, 700)))
        w.add(AutopayEnrollment, (w.new_id(AutopayEnrollment), account, holder[:60], rng.choice(ROUTING_NUMBERS),
                                  self._fernet.encrypt(bank.encode()).decode(), bank[-4:],
                                  "savings" if rng.random() < 0.1 else "checking", "active", start.isoformat(),
                                  self.users["senior"], _ts(start, 10), account))

    def extras(self, o: Occupancy, pid: int, mid: int, usage: list, info: str) -> None:
        """Open work orders and contact-log entries."""
        rng, w = self.rng, self.w
        clerk = self.users["clerk"]
        orders = []
        if o.status == "pending":
            orders.append(("turn_on", "open", "Turn on service for new customer"))
        if o.status == "disconnected":
            orders.append(("disconnect", "done", "Disconnect for non-payment"))
        if o.status == "active" and usage and usage[-1][2] in ("high", "zero"):
            orders.append(("reread" if rng.random() < 0.5 else "leak_investigation", "open",
                           f"Check the {usage[-1][2]} reading"))
        if o.status == "active" and rng.random() < 0.01:
            orders.append((rng.choice(("meter_test", "meter_repair")), rng.choice(("open", "assigned")),
                           "Customer asked for a meter test"))
        for kind, status, text in orders:
            wid = w.new_id(WorkOrder)
            asked = self.as_of - _dt.timedelta(days=rng.randint(0, 20))
            w.add(WorkOrder, (wid, f"WO{wid:07d}", o.account_id, pid, mid, kind, status,
                              "high" if kind == "leak_investigation" else "normal", asked.isoformat(),
                              (asked + _dt.timedelta(days=rng.randint(1, 7))).isoformat() if status != "done" else None,
                              asked.isoformat() if status == "done" else None,
                              text + (f" ({info})" if info else ""), "completed" if status == "done" else "",
                              clerk, _ts(asked, 11)))
        if rng.random() < 0.15 and o.status != "pending":
            for _ in range(rng.randint(1, 2)):
                subject, text = rng.choice(CONTACT_SUBJECTS)
                day = self.as_of - _dt.timedelta(days=rng.randint(1, 400))
                follow = day + _dt.timedelta(days=14) if rng.random() < 0.2 else None
                w.add(ContactLog, (w.new_id(ContactLog), o.account_id,
                                   rng.choice(("counter", "phone", "phone", "email", "mail", "fax")), subject,
                                   text, follow.isoformat() if follow else None, None, clerk,
                                   _ts(day, rng.randint(8, 16), rng.randint(0, 59))))


def _ensure_users_and_drawers() -> tuple[dict[str, int], dict[str, int]]:
    users = {"system": system_user().id}
    for username, full_name, role, password in DEMO_USERS:
        u = User.get_or_none(User.username == username)
        if u is None:
            u = User.create(username=username, full_name=full_name, role=role, password_hash=hash_password(password))
        users[username] = u.id
    drawers = {}
    for code, name, workstation, _ in DRAWERS:
        d = Drawer.get_or_none(Drawer.code == code)
        if d is None:
            d = Drawer.create(code=code, name=name, workstation=workstation)
        drawers[code] = d.id
    return users, drawers


def _bill_runs(periods: list[Period], system: int) -> list[int]:
    ids = []
    for per in periods:
        run = BillRun.get_or_none(BillRun.run_key == f"1:{per.end.isoformat()}")
        if run is None:
            run = BillRun.create(cycle="1", route="", period_start=per.start, period_end=per.end,
                                 bill_date=per.bill_date, due_date=per.due_date, status="posted",
                                 run_key=f"1:{per.end.isoformat()}", created_by=system, created_at=_ts(per.bill_date, 5))
        ids.append(run.id)
    return ids


# The demo's field crews and what a dispatcher finds on opening the queue (issue #14): orders
# assigned to them for today and tomorrow, one waiting for a crew, and two field results
# waiting for approval (a reread below the billed read, a meter that runs fast).
CREWS = ("North 1", "North 2", "South 1")
FIELD_WORK = (  # kind, priority, crew (index into CREWS, None: not assigned yet), days ahead, instructions
    ("high_bill", "normal", 0, 0, "Customer says the last bill is too high: read the meter, check for leaks"),
    ("low_pressure", "high", 1, 0, "Low pressure at the kitchen tap since Monday"),
    ("leak_investigation", "emergency", 2, 0, "Water running at the curb stop"),
    ("meter_test", "normal", 0, 1, "Customer asked for a meter test"),
    ("door_tag", "low", 1, 1, "Meter access needed: leave the door tag"),
    ("high_bill", "normal", None, 0, "Bill doubled; customer home after 3 pm"),
)
REREAD_SHARE = 2  # the demo's reread finds the billed usage halved
FAST_METER = "104"  # percent registered by the demo's meter test: outside tolerance


def _metered_accounts(as_of: _dt.date):
    """Active metered accounts without open orders, newest first, each with its meter and its
    latest posted bill (None when it has none)."""
    busy = WorkOrder.select(WorkOrder.account).where(WorkOrder.status.in_(["open", "assigned"])
                                                     & WorkOrder.account.is_null(False))
    for acct in (Account.select().where((Account.status == "active") & Account.id.not_in(busy))
                 .order_by(Account.number.desc())):
        meter = (Meter.select().where((Meter.premise == acct.premise_id) & Meter.removed_on.is_null())
                 .order_by(Meter.id.desc()).first())
        if meter is None:
            continue
        bill = (Bill.select().where((Bill.account == acct.id) & (Bill.status == "posted") & (Bill.kind == "regular")
                                    & (Bill.period_end < as_of))
                .order_by(Bill.period_end.desc(), Bill.id.desc()).first())
        yield acct, meter, bill


LOOK_FOR_RESULTS = 2_000  # accounts looked at for the two proposals' bills, at most


def _field_work(clerk: User, as_of: _dt.date) -> int:
    """(In a transaction) the crews' orders and two proposals, through the core functions
    (audited as the demo clerk's); returns how many orders were made."""
    from .fieldwork import complete_field_work, create_work_order
    from .readings import GOOD
    from .workorders import assign_work_order
    made = 0
    candidates = _metered_accounts(as_of)
    results: list[tuple] = []
    for looked, (acct, meter, bill) in enumerate(candidates):
        if len(results) < 2 and bill is not None and not bill.estimated and int(bill.usage or 0) >= 4:
            last = (MeterReading.select().where((MeterReading.meter == meter.id) & MeterReading.status.in_(GOOD))
                    .order_by(MeterReading.read_on.desc(), MeterReading.id.desc()).first())
            if last is not None and _dt.date.fromisoformat(str(last.read_on)[:10]) < as_of:
                results.append((acct, int(last.reading) - int(bill.usage) // REREAD_SHARE))
                continue
        if made < len(FIELD_WORK):
            kind, priority, crew, ahead, text = FIELD_WORK[made]
            wo = create_work_order(clerk, kind=kind, account_id=acct.id, priority=priority, instructions=text)
            if crew is not None:
                assign_work_order(clerk, wo.id, crew=CREWS[crew], scheduled_on=as_of + _dt.timedelta(days=ahead),
                                  today=as_of)
            made += 1
        if made == len(FIELD_WORK) and (len(results) == 2 or looked >= LOOK_FOR_RESULTS):
            break  # a district without bills (``months=0``) has no read to reread: do not walk it all
    for i, (acct, reread) in enumerate(results):
        kind, text = ("reread", "Reading looks high: reread") if i == 0 else ("meter_test", "Test the meter")
        wo = create_work_order(clerk, kind=kind, account_id=acct.id, instructions=text)
        assign_work_order(clerk, wo.id, crew=CREWS[i], scheduled_on=as_of, today=as_of)
        if kind == "reread":
            complete_field_work(clerk, wo.id, "Register read twice; the billed read was mistyped",
                                completed_on=as_of, reading=reread)
        else:
            complete_field_work(clerk, wo.id, "Bench test: the meter registers 4% fast", completed_on=as_of,
                                accuracy=FAST_METER)
        made += 1
    return made


def build_demo(accounts: int = DEFAULT_ACCOUNTS, months: int = 24, seed: int = 7,
               progress: Callable[[str], None] | None = None, *, as_of: _dt.date | None = None,
               actor: User | None = None, chunk: int = CHUNK_ACCOUNTS, population: str = "demo") -> DemoStats:
    """Fill the connected database with a demo district of ``accounts`` accounts and
    ``months`` months of history ending before ``as_of`` (default today); ``population``
    "census" draws names and streets as a real district's (see ``POPULATIONS``)."""
    actor = actor or system_user()
    require(actor, "db.admin")
    if not isinstance(accounts, int) or not 1 <= accounts <= MAX_ACCOUNTS:
        raise InputError("Accounts", f"must be a whole number from 1 to {MAX_ACCOUNTS:,}")
    if not isinstance(months, int) or not 0 <= months <= 120:
        raise InputError("Months", "must be a whole number from 0 to 120")
    if population not in POPULATIONS:
        raise InputError("Population", f"must be one of {', '.join(POPULATIONS)}")
    started = time.perf_counter()
    as_of = as_of or clock.today()
    rng = random.Random(seed)
    db = proxy.obj
    say = progress or (lambda msg: None)
    with transaction():
        users, drawers = _ensure_users_and_drawers()
        w = BulkWriter(db)
        b = DistrictBuilder(w, rng, accounts, months, as_of, users, drawers, seed, population)
        b.bill_runs = _bill_runs(b.periods, users["system"])
        b.open_sessions()
    try:
        while b.made < accounts:
            goal = min(accounts, b.made + chunk)
            while b.made < goal:
                b.made += b.make_premise()
            w.flush_async()
            say(f"demo: {b.made:,}/{accounts:,} accounts ({time.perf_counter() - started:.1f} s)")
    finally:
        w.join()
    stats = DemoStats(accounts=b.made, months=months, seed=seed)
    with transaction():
        w.fix_sequences()
        ledger.rebuild_category_sums()  # the rows were written beside the ledger, which keeps them
        b.close_sessions()
        stats.counts = dict(w.counts)
        stats.counts["WorkOrder"] = stats.counts.get("WorkOrder", 0) + _field_work(
            User.get_by_id(users["clerk"]), as_of)
        stats.counts["BillRun"] = len(b.bill_runs)
        stats.seconds = time.perf_counter() - started
        audit.record(actor, "demo.build", "database", None,
                     after={"accounts": b.made, "months": months, "seed": seed, "as_of": as_of.isoformat(),
                            "counts": stats.counts, **({"population": population} if population != "demo" else {})},
                     detail=stats.summary())
    if is_postgres(db):
        db.execute_sql("ANALYZE")
    else:
        db.execute_sql("PRAGMA optimize")
    stats.seconds = time.perf_counter() - started
    return stats

