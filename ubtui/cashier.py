"""Cashiering: drawer sessions, taking payments, voids, blind balancing, deposits, daily totals.

Every function takes the acting user first, checks the permission itself, validates all
input (``InputError`` naming the field) before anything is written, and writes its rows,
its ledger posting and its audit row in one transaction.

* A drawer session is opened with its float counted by denomination; ``open_guard`` (UNIQUE)
  holds the drawer code while the session is open, so a drawer has one open session.
* ``take_payment`` posts one receipt (``Payment``) with its tenders and one ledger posting
  whose entries pay the open charges of each account in ``Settings.payment_allocation``
  order (the category of each entry says what it paid; an overpayment is a ``credit``).
  The posting's idempotency key comes from the payment form: a double Enter or a retry
  returns the first receipt.
* ``payment_alerts`` is computed before posting; hard stops (checks on a cash-only account)
  are enforced again by ``take_payment``.
* A same-day void needs a supervisor's own credentials and reverses the posting exactly.
* Balancing is blind: ``count_drawer`` takes the count and only then reveals the expected
  cash (``ubtui.verify.expected_cash``, so ``ubtui verify`` and the close agree).
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import peewee
from peewee import JOIN, fn
from pydantic import BaseModel, ConfigDict, Field

from models import (
    Account,
    Deposit,
    Drawer,
    DrawerMovement,
    DrawerSession,
    LedgerEntry,
    Payment,
    Posting,
    Premise,
    Tender,
    User,
    database,
    utcnow,
)
from models.cashier import TENDER_KINDS, of_session

from . import audit, clock, ledger
from .accounts import customer_of_record, format_account_number, luhn_digit, normalize_account_number
from .addresses import full_address
from .config import settings
from .dates import db_date, local_time
from .db import execute, is_postgres, pipelined, qmarks, select, transaction
from .errors import Conflict, InputError, NotFound, PermissionDenied, UbtuiError
from .money import format_cents, parse_amount
from .security import approve, has_permission, require
from .verify import expected_cash

MAX_TENDERS = 10
MAX_ACCOUNTS = 20
MAX_COUNT = 100_000  # pieces of one denomination
FAR_ABOVE_MIN_CENTS = 100_00  # "amount far above the balance": over by more than this...
PAST_DUE_DAYS = 30


# --- the posting hot path in plain parameterised SQL (``db.qmarks``) -------------------------
# Building a statement with the ORM costs ~1 ms of CPU here (more than running it), and a
# payment is a dozen statements: the few that take_payment itself runs are written out.
@dataclass(frozen=True)
class AccountRow:
    """The account columns cashiering needs (read with one plain statement)."""
    id: int
    number: str
    balance_cents: int
    status: str
    cash_only: bool
    no_checks: bool


_ACCOUNT_COLS = "id, number, balance_cents, status, cash_only, no_checks"


def _account_row(r: tuple) -> AccountRow:
    return AccountRow(int(r[0]), r[1], int(r[2]), r[3], bool(r[4]), bool(r[5]))


def business_today() -> _dt.date:
    """The counter's business date: the one clock (``ubtui.clock``; tests set it)."""
    return clock.today()


# --- amounts and counts -------------------------------------------------------------------
def amount_cents(value, field: str, *, allow_zero: bool = False) -> int:
    """A typed amount (text or Decimal) -> cents, through the one parser.  Floats are refused."""
    if isinstance(value, Decimal):
        value = format(value, "f")
    if value is None or not isinstance(value, str):
        raise InputError(field, "enter an amount, for example 12.50")
    return parse_amount(value, field=field, max_cents=settings().max_amount_cents, allow_zero=allow_zero)


@dataclass(frozen=True)
class Denomination:
    key: str
    cents: int
    coin: bool
    label: str


DENOMINATIONS: tuple[Denomination, ...] = (
    Denomination("100", 10000, False, "$100 bills"), Denomination("50", 5000, False, "$50 bills"),
    Denomination("20", 2000, False, "$20 bills"), Denomination("10", 1000, False, "$10 bills"),
    Denomination("5", 500, False, "$5 bills"), Denomination("2", 200, False, "$2 bills"),
    Denomination("1", 100, False, "$1 bills"), Denomination("1c", 100, True, "$1 coins"),
    Denomination("0.50", 50, True, "50c coins"), Denomination("0.25", 25, True, "25c coins"),
    Denomination("0.10", 10, True, "10c coins"), Denomination("0.05", 5, True, "5c coins"),
    Denomination("0.01", 1, True, "1c coins"),
)
DENOMINATION = {d.key: d for d in DENOMINATIONS}


def parse_count(value, field: str) -> int:
    """How many pieces: digits only, 0..MAX_COUNT."""
    if isinstance(value, bool):
        raise InputError(field, "type a whole number of pieces")
    if isinstance(value, int):
        n = value
    else:
        text = ("" if value is None else str(value)).strip()
        if text == "":
            return 0
        if not text.isdigit():
            raise InputError(field, f"{text!r} is not a number of pieces; type digits like 12")
        n = int(text)
    if n < 0:
        raise InputError(field, "must not be negative")
    if n > MAX_COUNT:
        raise InputError(field, f"{n} pieces is more than {MAX_COUNT}; check the count")
    return n


def count_cash(counts: Mapping[str, object] | None) -> tuple[dict[str, int], int]:
    """Validate a count by denomination -> (non-zero counts, total cents)."""
    out: dict[str, int] = {}
    for key, raw in (counts or {}).items():
        d = DENOMINATION.get(str(key))
        if d is None:
            raise InputError("Denomination", f"{key!r} is not one of {', '.join(DENOMINATION)}")
        n = parse_count(raw, d.label)
        if n:
            out[d.key] = n
    return out, sum(DENOMINATION[k].cents * n for k, n in out.items())


def split_currency_coin(counts: Mapping[str, int]) -> tuple[int, int]:
    currency = sum(DENOMINATION[k].cents * n for k, n in counts.items() if not DENOMINATION[k].coin)
    coin = sum(DENOMINATION[k].cents * n for k, n in counts.items() if DENOMINATION[k].coin)
    return currency, coin


# --- drawers and sessions -----------------------------------------------------------------
def create_drawer(user: User, code: str, name: str = "", workstation: str = "") -> Drawer:
    require(user, "drawer.view_all")
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9-]{1,8}", code):
        raise InputError("Drawer", "1-8 letters or digits, like D1")
    with transaction():
        if Drawer.select().where(Drawer.code == code).exists():
            raise Conflict(f"drawer {code} already exists")
        d = Drawer.create(code=code, name=name.strip()[:40], workstation=workstation.strip()[:40])
        audit.record(user, "drawer.create", "drawer", d.id, after=d)
    return d


def list_drawers() -> list[Drawer]:
    return list(Drawer.select().where(Drawer.active == True).order_by(Drawer.code))  # noqa: E712


@dataclass
class OpenResult:
    session_id: int
    drawer_code: str
    float_cents: int
    warnings: list[str] = field(default_factory=list)


def unbalanced_sessions(operator_id: int, before: _dt.date | None = None) -> list[DrawerSession]:
    """The operator's sessions from earlier days that were never closed (until they are), and
    their last session if it closed over/short: an over/short note is shown at the next
    open only, not at every open after it."""
    before = before or business_today()
    latest = (DrawerSession.select(fn.MAX(DrawerSession.id)).where(DrawerSession.operator == operator_id).scalar())
    return list(DrawerSession.select().where(
        (DrawerSession.operator == operator_id) & (DrawerSession.business_date < before)
        & ((DrawerSession.status != "closed") | ((DrawerSession.over_short_cents != 0) & (DrawerSession.id == latest))))
        .order_by(DrawerSession.business_date))


def _session_warning(s: DrawerSession) -> str:
    code = Drawer.get_by_id(s.drawer_id).code
    if s.status != "closed":
        return f"drawer {code} from {s.business_date} is still {s.status}: count and close it"
    return f"drawer {code} from {s.business_date} closed {format_cents(s.over_short_cents)} over/short"


# --- the terminal a session is bound to ------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _this_terminal() -> str:
    tty = ""
    for fd in (0, 1):
        try:
            tty = os.ttyname(fd).removeprefix("/dev/")
            break
        except OSError:
            continue
    return f"{socket.gethostname()}:{tty or f'pid {os.getpid()}'}"[:80]


def terminal_id() -> str:
    """This terminal: the host and the tty the app runs on (every SSH session has its own
    pty), or the process id without one.  A drawer session records it when opened."""
    return _this_terminal()


def other_terminal(session_terminal: str) -> str | None:
    """None when a posting comes from the terminal that opened the session (or the session
    predates the check); else what to tell the clerk.  Conflict when the setting
    ``same_clerk_terminals`` is "refuse"."""
    here = terminal_id()
    if not session_terminal or session_terminal == here:
        return None
    note = f"your drawer was opened on terminal {session_terminal}, not on this one ({here})"
    if settings().same_clerk_terminals == "refuse":
        raise Conflict(f"{note}: post from that terminal, or close the drawer there first")
    return note


# --- the float ----------------------------------------------------------------------------
@dataclass
class FloatCheck:
    """What opening a drawer with a counted float would say (nothing is written)."""
    drawer_code: str
    float_cents: int
    carried_cents: int | None  # what the last close left in the drawer
    carried_count: dict[str, int]  # ...and in which pieces
    warnings: list[str]


def _drawer(code: str) -> Drawer:
    drawer = Drawer.get_or_none(Drawer.code == (code or "").strip().upper())
    if drawer is None or not drawer.active:
        raise InputError("Drawer", f"no drawer {code!r}; drawers: {', '.join(d.code for d in list_drawers())}")
    return drawer


def carried_float(drawer_id: int) -> tuple[int | None, dict[str, int]]:
    """The float the drawer's last close left in it, and its pieces (the close's count, kept
    as ``close_drawer`` keeps them); (None, {}) when the drawer was never closed."""
    last = (DrawerSession.select().where((DrawerSession.drawer == drawer_id) & (DrawerSession.status == "closed"))
            .order_by(DrawerSession.id.desc()).first())
    if last is None or last.next_float_cents is None:
        return None, {}
    cash = {k: int(v) for k, v in json.loads(last.closing_count or "{}").get("cash", {}).items()}
    return last.next_float_cents, _float_from(cash, last.next_float_cents)


def float_warnings(float_cents: int, carried: int | None) -> list[str]:
    """A zero float, one other than the float carried from the last close, or one above
    ``Settings.float_warn_cents``."""
    if float_cents == 0:
        return ["the float is $0.00" + (f": the last close left {format_cents(carried)} in the drawer"
                                        if carried else ": count the money in the drawer")]
    if carried is not None and carried != float_cents:
        return [f"float counted {format_cents(float_cents)} but {format_cents(carried)} was carried from the last close"]
    limit = settings().float_warn_cents
    if carried is None and float_cents > limit:
        return [f"a float of {format_cents(float_cents)} is more than the usual {format_cents(limit)}; check the count"]
    return []


def check_float(user: User, drawer_code: str, count: Mapping[str, object]) -> FloatCheck:
    """The float as counted against what the last close left: the warnings ``open_drawer``
    would give, before opening (the screen asks for F9 again when there are any)."""
    require(user, "drawer.open")
    _, float_cents = count_cash(count)
    drawer = _drawer(drawer_code)
    carried, pieces = carried_float(drawer.id)
    return FloatCheck(drawer.code, float_cents, carried, pieces, float_warnings(float_cents, carried))


def open_drawer(user: User, drawer_code: str, *, count: Mapping[str, object], workstation: str = "",
                business_date: _dt.date | None = None) -> OpenResult:
    """Open a drawer session with its float counted by denomination, on this terminal."""
    require(user, "drawer.open")
    counts, float_cents = count_cash(count)
    drawer = _drawer(drawer_code)
    day = business_date or business_today()
    warnings = [_session_warning(s) for s in unbalanced_sessions(user.id, day)]
    warnings += float_warnings(float_cents, carried_float(drawer.id)[0])
    try:
        with transaction():
            mine = (DrawerSession.select().join(Drawer)
                    .where((DrawerSession.operator == user.id) & (DrawerSession.status == "open")).first())
            if mine is not None:
                where = f" on terminal {mine.terminal}" if mine.terminal and mine.terminal != terminal_id() else ""
                raise Conflict(f"you already have drawer {mine.drawer.code} open{where}; close it first")
            s = DrawerSession.create(drawer=drawer.id, operator=user.id, workstation=workstation.strip()[:40],
                                     terminal=terminal_id(),
                                     business_date=day, opening_float_cents=float_cents,
                                     opening_count=json.dumps(counts, sort_keys=True), status="open",
                                     open_guard=drawer.code)
            audit.record(user, "drawer.open", "drawer_session", s.id, after=s,
                         detail="; ".join(warnings) or None)
    except peewee.IntegrityError:
        raise Conflict(f"drawer {drawer.code} is already open; its operator must close it first") from None
    return OpenResult(s.id, drawer.code, float_cents, warnings)


def current_session(user: User, statuses: tuple[str, ...] = ("open",)) -> DrawerSession | None:
    """The user's open (or, for closing, counted) drawer session, if any."""
    return (DrawerSession.select()
            .where((DrawerSession.operator == user.id) & DrawerSession.status.in_(statuses))
            .order_by(DrawerSession.id.desc()).first())


def _session_for(user: User, session_id: int | None, *, status: str | tuple = "open") -> DrawerSession:
    statuses = (status,) if isinstance(status, str) else status
    if session_id is None:
        s = current_session(user, statuses)
        if s is None:
            raise Conflict("no drawer is open for you; open a drawer first (count the float)")
    else:
        s = DrawerSession.get_or_none(DrawerSession.id == session_id)
        if s is None:
            raise NotFound(f"no drawer session {session_id}")
    if s.operator_id != user.id and not has_permission(user, "drawer.view_all"):
        raise PermissionDenied(f"drawer session {s.id} belongs to another operator")
    if s.status not in statuses:
        raise Conflict(f"drawer session {s.id} is {s.status}; it must be {' or '.join(statuses)}")
    return s


def drawer_movement(user: User, kind: str, amount, reason: str, key: str, *,
                    session_id: int | None = None) -> DrawerMovement:
    """A drop to the safe or a paid-out from the drawer (idempotent by ``key``)."""
    if kind not in ("drop", "paid_out"):
        raise InputError("Kind", "must be drop or paid_out")
    require(user, "drawer.drop" if kind == "drop" else "drawer.paid_out")
    cents = amount_cents(amount, "Drop amount" if kind == "drop" else "Paid-out amount")
    reason = (reason or "").strip()
    if kind == "paid_out" and not reason:
        raise InputError("Reason", "say what the paid-out was for")
    ledger.check_key(key)
    existing = DrawerMovement.get_or_none(DrawerMovement.idempotency_key == key)
    if existing is not None:
        return existing
    s = _session_for(user, session_id)
    note = other_terminal(s.terminal) if s.operator_id == user.id else None
    try:
        with transaction():
            m = DrawerMovement.create(session=s.id, kind=kind, amount_cents=cents, reason=reason[:120],
                                      user=user.id, idempotency_key=key)
            audit.record(user, f"drawer.{kind}", "drawer_movement", m.id, after=m, detail=note)
    except peewee.IntegrityError:
        return DrawerMovement.get(DrawerMovement.idempotency_key == key)
    return m


# --- payment commands ---------------------------------------------------------------------
class TenderIn(BaseModel):
    """One tender as typed.  Card fields are kept out of repr (never logged)."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    amount: str | Decimal
    check_number: str = ""  # checks; the serial number for money orders
    bank: str = ""
    name: str = ""  # name on the check
    card_last4: str = Field(default="", repr=False)
    auth_code: str = Field(default="", repr=False)


class AccountAmount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str | int  # account number as typed, or the account id
    amount: str | Decimal | None = None  # None with one account: all that was tendered


class TakePayment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    idempotency_key: str  # one per payment form: a double Enter posts once
    accounts: list[AccountAmount]
    tenders: list[TenderIn]
    session_id: int | None = None  # default: the operator's open drawer
    payer_name: str = ""
    # The alert codes (CONFIRM_ALERTS) the clerk confirmed.  None: the caller asks no one
    # (imports, the CLI); a list: any other alert that needs confirmation refuses the payment.
    confirmed: list[str] | None = None


@dataclass(frozen=True)
class Alert:
    code: str  # see ALERT_CODES
    account: str  # formatted account number
    message: str
    hard: bool = False  # a hard stop: the payment is refused as entered
    confirm: bool = False  # posted only once the clerk confirmed it (``TakePayment.confirmed``)


# What each alert is about; those in CONFIRM_ALERTS need the clerk's explicit confirmation.
ALERT_CODES = ("cash_only", "no_checks", "closed", "disconnected", "far_above", "over_confirm", "past_due", "credit",
               "other_terminal")
CONFIRM_ALERTS = frozenset({"cash_only", "no_checks", "closed", "disconnected", "far_above", "over_confirm"})


class AlertsToConfirm(InputError):
    """The payment has alerts the clerk has not confirmed: nothing was posted."""

    def __init__(self, alerts: list[Alert]):
        super().__init__("Confirm", "; ".join(a.message for a in alerts) + ": confirm before posting")
        self.alerts = alerts


@dataclass
class AppliedAccount:
    account_id: int
    number: str
    name: str
    amount_cents: int
    balance_before_cents: int
    balance_after_cents: int
    allocation: list[tuple[str, int]]  # (category paid, cents)


@dataclass
class PaymentResult:
    payment_id: int
    receipt_number: str
    created: bool  # False when this key had been posted already (the first receipt is returned)
    total_cents: int
    tendered_cents: int
    change_cents: int
    accounts: list[AppliedAccount]
    alerts: list[Alert] = field(default_factory=list)
    reconnects: list[str] = field(default_factory=list)  # what the payment set going (workorders)


_CARD_RUN = re.compile(r"(?:\d[ -]?){12,19}")


def looks_like_card_number(text: str) -> bool:
    """12-19 digits (spaces/dashes allowed), or 12+ digits that pass Luhn."""
    if not text or len(text) < 12:  # most fields of a tender are empty
        return False
    for m in _CARD_RUN.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 12 <= len(digits) <= 19:
            return True
    digits = re.sub(r"\D", "", text)
    return len(digits) >= 12 and luhn_digit(digits[:-1]) == digits[-1]


_CARD_REFUSED = "that looks like a full card number; type only the last 4 digits (nothing was stored)"


@dataclass(frozen=True)
class _Tender:
    kind: str
    cents: int
    check_number: str = ""
    bank: str = ""
    name: str = ""
    card_last4: str = ""
    auth_code: str = ""


def _clean_tender(i: int, t: TenderIn, many: bool) -> _Tender:
    label = f"Tender {i + 1}" if many else "Tender"
    for attr in ("check_number", "bank", "name", "card_last4", "auth_code"):
        if looks_like_card_number(getattr(t, attr)):
            raise InputError("Card last 4" if attr in ("card_last4", "auth_code") else label, _CARD_REFUSED)
    kind = (t.kind or "").strip().lower().replace(" ", "_")
    if kind not in TENDER_KINDS:
        raise InputError(label, f"{t.kind!r} is not a tender; use {', '.join(TENDER_KINDS)}")
    cents = amount_cents(t.amount, f"{label} amount" if many else "Amount tendered")
    number, bank, name = t.check_number.strip(), t.bank.strip(), t.name.strip()
    if kind == "check":
        if not number:
            raise InputError("Check number", "type the number printed on the check")
        if not re.fullmatch(r"\d{1,10}", number):
            raise InputError("Check number", f"{number!r}: digits only, up to 10")
    elif kind == "money_order":
        if number and not re.fullmatch(r"\d{1,12}", number):
            raise InputError("Money order number", f"{number!r}: digits only, up to 12")
    elif number:
        raise InputError("Check number", f"only checks and money orders have a number, not {kind}")
    if len(bank) > 40:
        raise InputError("Bank", "at most 40 characters")
    if len(name) > 80:
        raise InputError("Name on check", "at most 80 characters")
    last4 = auth = ""
    if kind == "card":
        last4, auth = t.card_last4.strip(), t.auth_code.strip().upper()
        if not re.fullmatch(r"\d{4}", last4):
            raise InputError("Card last 4", "type exactly the last 4 digits of the card")
        if not re.fullmatch(r"[A-Z0-9]{2,12}", auth):
            raise InputError("Auth code", "type the authorisation code from the terminal (2-12 letters or digits)")
    elif t.card_last4.strip() or t.auth_code.strip():
        raise InputError("Card last 4", f"only card tenders have card details, not {kind}")
    return _Tender(kind, cents, number, bank, name, last4, auth)


def _past_due_cents(account: Account | AccountRow, today: _dt.date, rows: list[tuple] | None = None) -> int:
    """Balance not explained by charges of the last 30 days (oldest-first application).

    ``rows``: the account's ``ledger_rows`` when the caller has them (taking a payment reads
    them once for this and for the allocation)."""
    if account.balance_cents <= 0:
        return 0
    since = today - _dt.timedelta(days=PAST_DUE_DAYS)
    rows = ledger_rows(account.id) if rows is None else rows
    older = [db_date(r[3]) for r in rows if len(r) > 5 and r[4] == "sums" and r[5]]
    if older and max(older) > since:  # a recent charge among the older ones: read them all
        rows = all_ledger_rows(account.id)
    recent = sum(r[2] for r in rows if r[0] is not None and r[2] > 0 and r[4] != "reversal" and db_date(r[3]) > since)
    return max(0, account.balance_cents - recent)


def _alerts_for(account: Account | AccountRow, amount: int, kinds: Iterable[str], today: _dt.date,
                rows: list[tuple] | None = None) -> list[Alert]:
    """The alerts for paying ``amount`` into ``account`` with tenders of ``kinds`` (empty:
    not chosen yet).  Cash only and no checks are always shown (hard stops once another
    tender is chosen); CONFIRM_ALERTS need the clerk's confirmation."""
    num = format_account_number(account.number)
    kinds = set(kinds)
    out = []
    if account.cash_only:
        other = kinds - {"cash"}
        if other:
            out.append(Alert("cash_only", num, f"{num} is CASH ONLY: take cash, not {', '.join(sorted(other))}", True))
        else:
            out.append(Alert("cash_only", num, f"{num} is CASH ONLY: take cash only", confirm=True))
    elif account.no_checks:
        if "check" in kinds:
            out.append(Alert("no_checks", num, f"{num} takes NO CHECKS: ask for cash, money order or card", True))
        else:
            out.append(Alert("no_checks", num, f"{num} takes NO CHECKS: cash, money order or card", confirm=True))
    if account.status in ("closed", "final_billed"):
        out.append(Alert("closed", num, f"{num} is {account.status.replace('_', ' ').upper()}: "
                                        "is this the customer's current account?", confirm=True))
    if account.status == "disconnected":
        out.append(Alert("disconnected", num, f"{num} is DISCONNECTED: collect what is owed and the reconnect fee, "
                                              "then order the reconnect", confirm=True))
    past = _past_due_cents(account, today, rows)
    if past > 0:
        out.append(Alert("past_due", num, f"{num} has {format_cents(past)} past due {PAST_DUE_DAYS}+ days"))
    if account.balance_cents < 0:
        out.append(Alert("credit", num, f"{num} has a CREDIT of {format_cents(-account.balance_cents)}: nothing is owed"))
    owed = max(account.balance_cents, 0)
    if amount - owed > max(FAR_ABOVE_MIN_CENTS, owed):
        out.append(Alert("far_above", num, f"{num}: {format_cents(amount)} is far above the balance "
                                           f"{format_cents(account.balance_cents)}; check the amount", confirm=True))
    limit = settings().payment_confirm_over_cents
    if limit and amount > limit:
        out.append(Alert("over_confirm", num, f"{num}: {format_cents(amount)} is over {format_cents(limit)}; "
                                              "check the amount", confirm=True))
    return out


def payment_alerts(user: User, account_ids: Iterable[int], amount, tender_kinds: Iterable[str] = (),
                   today: _dt.date | None = None) -> list[Alert]:
    """Alerts to show before posting (from the moment the account is found).  ``amount`` is
    cents (int) or typed text, or a list of those, one per account; ``today`` is the
    business date (default: the user's open drawer's, else today)."""
    require(user, "payment.take")
    account_ids = list(account_ids)
    amounts = list(amount) if isinstance(amount, (list, tuple)) else [amount] * len(account_ids)
    if len(amounts) != len(account_ids):
        raise InputError("Amount", "one amount for each account")
    s = current_session(user)
    if today is None:
        today = s.business_date if s is not None else business_today()
    out: list[Alert] = []
    try:
        elsewhere = other_terminal(s.terminal) if s is not None else None
    except Conflict as e:  # refused at posting: shown as a hard stop now
        out.append(Alert("other_terminal", "", str(e), True))
    else:
        if elsewhere:
            out.append(Alert("other_terminal", "", elsewhere))
    for aid, value in zip(account_ids, amounts):
        cents = value if isinstance(value, int) and not isinstance(value, bool) else amount_cents(value, "Amount")
        acct = Account.get_or_none(Account.id == aid)
        if acct is None:
            raise NotFound(f"no account id {aid}")
        out.extend(_alerts_for(acct, cents, tender_kinds, today))
    return out


def unconfirmed(alerts: Iterable[Alert], confirmed: Iterable[str] | None) -> list[Alert]:
    """The alerts that need a confirmation not given (none when ``confirmed`` is None)."""
    if confirmed is None:
        return []
    given = set(confirmed)
    return [a for a in alerts if a.confirm and not a.hard and a.code not in given]


# --- allocation ---------------------------------------------------------------------------
# Allocation needs the account's OPEN charges, and the past-due alert the charges of the last
# 30 days; an account's history is years of charges long paid.  So a payment reads the
# account's newest charges (RECENT_CHARGES of them, by entry id), its older charges only as
# a sum per category with their latest date, and its credits as a sum per category: the sums
# come from the account's entries index alone (0006 puts the date in it) and the rows sent
# back, and the Python work on them, do not grow with the years.  ``open_items`` applies
# the rule to the older charges as one (oldest) item per category; when they are not all
# paid, or a backdated charge makes their order unclear, it reads every charge instead.
RECENT_CHARGES = 24
_OPEN_ROWS = """WITH f AS (SELECT id, category, amount_cents, effective_on, kind FROM ledger_entry
           WHERE account_id = {a} AND amount_cents > 0 ORDER BY id DESC LIMIT {n})
SELECT id, category, amount_cents, effective_on, kind, NULL FROM f
UNION ALL SELECT NULL, category, CAST(COALESCE(SUM(CASE WHEN amount_cents < 0 THEN amount_cents END), 0) AS BIGINT),
       MAX(CASE WHEN amount_cents > 0 THEN effective_on END), 'sums',
       CAST(COALESCE(SUM(CASE WHEN amount_cents > 0 THEN amount_cents END), 0) AS BIGINT) FROM ledger_entry
 WHERE account_id = {a} AND (amount_cents < 0 OR id < (SELECT MIN(id) FROM f)) GROUP BY category"""
# Every charge, and the credits summed by category (the read when the above is not enough).
_ALL_ROWS = ("SELECT id, category, amount_cents, effective_on, kind FROM ledger_entry "
             "WHERE account_id = ? AND amount_cents > 0 "
             "UNION ALL SELECT NULL, category, CAST(SUM(amount_cents) AS BIGINT), NULL, 'credits' FROM ledger_entry "
             "WHERE account_id = ? AND amount_cents < 0 GROUP BY category")


def _open_rows_sql(by_number: bool) -> str:
    """The read above for an account id, or an account number (the account twice)."""
    return _open_sql(by_number, database.obj.param, RECENT_CHARGES)


@functools.lru_cache(maxsize=8)
def _open_sql(by_number: bool, param: str, n: int) -> str:
    a = "(SELECT id FROM account WHERE number = ?)" if by_number else "?"
    return _OPEN_ROWS.format(a=a, n=int(n)).replace("?", param)


def ledger_rows(account_id: int) -> list[tuple]:
    """The account's newest charges as (id, category, cents, effective date, kind, None),
    and a row a category: (None, category, its credits' sum, the latest date of its older
    charges, "sums", their sum) -- one pass over the index."""
    return execute(_open_rows_sql(False), (account_id,) * 2).fetchall()


def all_ledger_rows(account_id: int) -> list[tuple]:
    """Every charge of the account, and its credits summed by category (as ``ledger_rows``)."""
    return select(_ALL_ROWS, (account_id, account_id))


def _split(rows: list[tuple]) -> tuple[list[list], dict[str, int], int, dict[str, int], _dt.date | None]:
    """(charges oldest first as [date, id, category, cents], category credits, loose credits,
    older charges by category, the latest date of those)."""
    debits, older, by_cat = [], {}, {}
    loose, latest = 0, None
    for r in rows:
        i, c, a, d = r[:4]
        kind = r[4] if len(r) > 4 else None
        if kind == "sums":
            if r[5]:  # the older charges
                k = c or "other"
                older[k] = older.get(k, 0) + r[5]
                d = db_date(d)
                latest = d if latest is None or d > latest else latest
            if not a:
                continue
        if i is not None and a > 0:
            debits.append([db_date(d), i, c or "other", a])
        elif a < 0:
            if c and c != "credit":
                by_cat[c] = by_cat.get(c, 0) - a
            else:
                loose -= a
    debits.sort(key=lambda it: (it[0], it[1]))
    return debits, by_cat, loose, older, latest


def open_items(account_id: int, rows: list[tuple] | None = None) -> list[tuple[_dt.date, int, str, int]]:
    """The account's open charges as (date, entry id, category, cents still owed).

    Credits with a category pay that category's oldest charges; credits without one (or
    that overflow their category) pay the oldest charges of any category.  ``rows``: the
    account's ``ledger_rows`` when the caller has them, or every entry as (id, category,
    cents, date[, kind])."""
    rows = ledger_rows(account_id) if rows is None else rows
    debits, by_cat, loose, older, latest = _split(rows)
    if older:
        if debits and latest > debits[0][0]:  # a backdated charge among the newest: read them all
            return open_items(account_id, all_ledger_rows(account_id))
        # the older charges come before every newer one: one item per category, oldest of all
        debits[:0] = [[_dt.date.min, None, c, a] for c, a in sorted(older.items())]
    for item in debits:
        take = min(by_cat.get(item[2], 0), item[3])
        if take:
            item[3] -= take
            by_cat[item[2]] -= take
    loose += sum(by_cat.values())  # credits beyond their category's charges
    for item in debits:
        take = min(loose, item[3])
        item[3] -= take
        loose -= take
    if any(i is None and a > 0 for _, i, _, a in debits):  # an older charge is still owed
        return open_items(account_id, all_ledger_rows(account_id))
    return [(d, i, c, a) for d, i, c, a in debits if a > 0]


def allocate(account_id: int, cents: int, order: list[str] | None = None,
             rows: list[tuple] | None = None) -> list[tuple[str, int]]:
    """Split a payment over the open charges: categories named in ``order`` first (in that
    order), then the rest oldest first ("oldest" marks where they go); the remainder is
    ``credit`` (overpayment).  Returns (category, cents) merged by category, in order."""
    order = list(order if order is not None else settings().payment_allocation)
    rest = order.index("oldest") if "oldest" in order else len(order)
    rank = {c: i for i, c in enumerate(order) if c != "oldest"}
    items = sorted(open_items(account_id, rows), key=lambda it: (rank.get(it[2], rest), it[0], it[1]))
    out: dict[str, int] = {}
    left = cents
    for _, _, cat, owed in items:
        if left <= 0:
            break
        take = min(left, owed)
        out[cat] = out.get(cat, 0) + take
        left -= take
    if left > 0:
        out["credit"] = out.get("credit", 0) + left
    return list(out.items())


# --- taking a payment ---------------------------------------------------------------------
def _receipt_number(posting_id: int) -> str:
    return f"R{posting_id:08d}"


def customer_name(account_id: int) -> str:
    """The account's customer of record today (``accounts.customer_of_record``)."""
    party = customer_of_record(account_id, business_today())
    return party.name if party else ""


def service_address(premise: Premise) -> str:
    """The service address with its town line (``addresses.full_address``)."""
    return full_address(premise)


def _account_queries(value):
    """Send the reads of one account a payment names, and of its entries (``ledger_rows``):
    (account cursor, entries cursor), both answered at the first read (``db.pipelined``).
    InputError on a wrong check digit (nothing sent)."""
    if isinstance(value, int):
        return (execute(qmarks(f"SELECT {_ACCOUNT_COLS} FROM account WHERE id = ?"), (value,)),
                execute(_open_rows_sql(False), (value,) * 2))
    number = normalize_account_number(str(value))
    if not number:
        return None, None
    return (execute(qmarks(f"SELECT {_ACCOUNT_COLS} FROM account WHERE number = ?"), (number,)),
            execute(_open_rows_sql(True), (number,) * 2))


def _resolve_accounts(cmd: TakePayment, tendered: int) -> list[tuple[AccountRow, int, list[tuple]]]:
    """(account, cents, its ``ledger_rows``) for each account of the payment, in order; errors
    name the first account that is wrong.  All the reads are sent before the first answer is
    read: one round trip to PostgreSQL however many accounts."""
    if not cmd.accounts:
        raise InputError("Account", "enter the account number")
    if len(cmd.accounts) > MAX_ACCOUNTS:
        raise InputError("Account", f"at most {MAX_ACCOUNTS} accounts on one receipt")
    many = len(cmd.accounts) > 1
    sent: list[tuple | InputError] = []
    for i, a in enumerate(cmd.accounts):
        label = f"Account {i + 1}" if many else "Account"
        if isinstance(a.account, str) and not a.account.strip():
            sent.append(InputError(label, "enter the account number"))
            continue
        try:
            sent.append(_account_queries(a.account))
        except InputError as e:
            sent.append(InputError(label, e.reason))
    out: list[tuple[AccountRow, int, list[tuple]]] = []
    seen = set()
    for i, (a, queries) in enumerate(zip(cmd.accounts, sent)):
        label = f"Account {i + 1}" if many else "Account"
        if isinstance(queries, InputError):
            raise queries
        acct_cur, rows_cur = queries
        found = acct_cur.fetchall() if acct_cur is not None else []
        if not found:
            raise InputError(label, f"no account {a.account}")
        acct = _account_row(found[0])
        if acct.id in seen:
            raise InputError(label, f"{format_account_number(acct.number)} is listed twice")
        seen.add(acct.id)
        if a.amount is None:
            if many:
                raise InputError(f"{label} amount", "say how much goes to each account")
            cents = tendered
        else:
            cents = amount_cents(a.amount, f"{label} amount" if many else "Amount")
        out.append((acct, cents, rows_cur.fetchall()))
    return out


def _replay(posting: Posting) -> PaymentResult:
    p = Payment.get_or_none(Payment.posting == posting.id)
    if p is None:
        raise Conflict(f"key {posting.idempotency_key!r} was used for a {posting.kind} posting, not a payment")
    return payment_result(p, created=False)


def payment_result(p: Payment, *, created: bool, alerts: list[Alert] | None = None) -> PaymentResult:
    tendered = sum(t.amount_cents for t in p.tenders)
    per: dict[int, list[tuple[str, int]]] = {}
    for e in LedgerEntry.select().where(LedgerEntry.posting == p.posting_id).order_by(LedgerEntry.id):
        per.setdefault(e.account_id, []).append((e.category, -e.amount_cents))
    applied = []
    for aid, alloc in per.items():
        acct = Account.get_by_id(aid)
        amount = sum(c for _, c in alloc)
        after = _balance_after(aid, p.posting_id)
        applied.append(AppliedAccount(aid, format_account_number(acct.number), customer_name(aid), amount,
                                      after + amount, after, alloc))
    return PaymentResult(p.id, p.receipt_number, created, p.total_cents, tendered, p.change_cents, applied,
                         alerts or [])


def _balance_after(account_id: int, posting_id: int) -> int:
    """The account's balance right after a posting (sum of its entries up to it)."""
    return int(LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0))
               .where((LedgerEntry.account == account_id) & (LedgerEntry.posting <= posting_id)).scalar())


def take_payment(user: User, cmd: TakePayment) -> PaymentResult:
    """Post one receipt: tenders, change, and a ledger posting paying each account."""
    require(user, "payment.take")
    key = ledger.check_key(cmd.idempotency_key)
    try:
        result = _take_payment(user, key, cmd)
    except UbtuiError:
        first = Posting.get_or_none(Posting.idempotency_key == key)
        if first is not None:  # a retry after the drawer closed: the first receipt, validated then
            return _replay(first)
        raise
    if result.created and any(a.code == "disconnected" for a in result.alerts):
        from .workorders import reconnect_after_payment  # the payment stands whatever happens here
        try:
            result.reconnects = [r.message for r in reconnect_after_payment(
                user, [a.account_id for a in result.accounts])]
        except UbtuiError as e:
            result.reconnects = [f"reconnect not ordered: {e}"]
    return result


def _session_query(user: User, session_id: int | None):
    """Send the read of the drawer session a payment goes into (answered with the next read)."""
    where = "id = ?" if session_id is not None else "operator_id = ? AND status = 'open'"
    return execute(qmarks(f"SELECT id, operator_id, status, business_date, terminal FROM drawer_session "
                          f"WHERE {where} ORDER BY id DESC LIMIT 1"),
                   (session_id if session_id is not None else user.id,))


def _open_session(user: User, session_id: int | None, rows: list[tuple]) -> tuple[int, _dt.date, str | None]:
    """(id, business date, ``other_terminal`` note) of the drawer session ``rows`` found;
    errors as _session_for."""
    if not rows or rows[0][1] != user.id or rows[0][2] != "open":
        s = _session_for(user, session_id)  # says what is wrong (or allows a supervisor)
        return s.id, s.business_date, other_terminal(s.terminal) if s.operator_id == user.id else None
    return int(rows[0][0]), db_date(rows[0][3]), other_terminal(rows[0][4])


_PAYMENT_COLS = ("receipt_number, session_id, posting_id, user_id, total_cents, change_cents, channel, status, "
                 "void_reason, created_at, payer_name, business_date")
_PAYMENT_INSERT = (f"INSERT INTO payment ({_PAYMENT_COLS}) "
                   "VALUES (?, ?, ?, ?, ?, ?, 'counter', 'posted', '', ?, ?, ?)")
_TENDER_COLS = "payment_id, kind, amount_cents, check_number, bank, check_name, card_last4, auth_code"


@dataclass(frozen=True)
class _Receipt:
    """What one payment writes besides its posting (the same on either backend)."""
    session_id: int
    total: int
    change: int
    payer: str
    business_date: _dt.date
    tenders: list[_Tender]
    audit_after: dict  # without the receipt number and posting id (known once written)
    memo: str


def _tender_params(t: _Tender) -> tuple:
    return (t.kind, t.cents, t.check_number, t.bank, t.name, t.card_last4, t.auth_code)


def _write_receipt(user: User, key: str, specs: list, r: _Receipt):
    """SQLite: the posting, then the receipt's rows statement by statement (no round trips
    to save).  Returns a function giving (payment id, receipt number, balances after)."""
    now = utcnow()  # one moment for the posting, the receipt and the audit row
    res = ledger.write_posting(user, key, "payment", specs, memo=r.memo, audited=False, now=now)
    number = _receipt_number(res.posting_id)
    pid = execute(_PAYMENT_INSERT, (number, r.session_id, res.posting_id, user.id, r.total,
                                    r.change, now, r.payer, r.business_date)).lastrowid
    execute(f"INSERT INTO tender ({_TENDER_COLS}) VALUES {', '.join(['(?, ?, ?, ?, ?, ?, ?, ?)'] * len(r.tenders))}",
            tuple(v for t in r.tenders for v in (pid, *_tender_params(t))))
    audit.record(user, "payment.take", "payment", pid, detail=r.memo[:200],
                 after={"receipt": number, "posting": res.posting_id, **r.audit_after}, at=now)
    return lambda: (pid, number, res.balances)


# 'R' and the posting id in at least 8 digits, as _receipt_number
_RECEIPT_PG = "'R' || repeat('0', 8 - length(p.id::text)) || p.id"
_TENDER_VALUES_PG = "(%s::text, %s::bigint, %s::text, %s::text, %s::text, %s::text, %s::text)"


def _write_receipt_pg(user: User, key: str, specs: list, r: _Receipt):
    """PostgreSQL: posting, entries, balances, receipt, tenders and audit row in ONE
    statement (data-modifying WITH items), sent with BEGIN and COMMIT in one round trip:
    each statement costs the client more than the server.  When the key is taken the
    statement writes nothing and the function returned gives the first receipt."""
    now = utcnow()
    ctes, params = ledger.posting_ctes_pg(user, key, "payment", specs, r.memo, now)
    accounts = sorted({s.account_id for s in specs})
    if len(accounts) > 1:  # as every multi-account posting: no deadlock
        ledger.lock_accounts(accounts)
    params += [r.session_id, user.id, r.total, r.change, now, r.payer, r.business_date]
    params += [v for t in r.tenders for v in _tender_params(t)]
    params += [now, user.id, audit.dumps(r.audit_after), r.memo[:200]]
    cur = database.execute_sql(
        f"WITH {ctes}, "
        f"pay AS (INSERT INTO payment ({_PAYMENT_COLS}) SELECT {_RECEIPT_PG}, %s::bigint, p.id, %s::bigint, "
        "%s::bigint, %s::bigint, 'counter', 'posted', '', %s::timestamp, %s::text, %s::date FROM p "
        "RETURNING id, receipt_number), "
        f"t AS (INSERT INTO tender ({_TENDER_COLS}) SELECT pay.id, v.* FROM pay, "
        f"(VALUES {', '.join([_TENDER_VALUES_PG] * len(r.tenders))}) AS v), "
        f"au AS (INSERT INTO audit_log ({audit.COLUMNS}) SELECT %s::timestamp, %s::bigint, 'payment.take', "
        "'payment', pay.id::text, NULL, (jsonb_build_object('receipt', pay.receipt_number, 'posting', p.id) "
        "|| %s::jsonb)::text, %s::text FROM p, pay) "
        "SELECT pay.id, pay.receipt_number, (SELECT array_agg(b.id) FROM b), (SELECT array_agg(b.balance_cents) FROM b) "
        "FROM pay", params)

    def written():
        row = cur.fetchone()
        if row is None:  # the key was taken: nothing was written
            return None
        return int(row[0]), row[1], {int(a): int(b) for a, b in zip(row[2], row[3])}
    return written


def _take_payment(user: User, key: str, cmd: TakePayment) -> PaymentResult:
    """Round trips to PostgreSQL (``db.pipelined``): one for the drawer session and the
    accounts with their entries, one for BEGIN, the receipt's one statement and COMMIT --
    fewer than a bare INSERT+UPDATE transaction (BEGIN, INSERT, UPDATE, COMMIT: four)."""
    if not cmd.tenders:
        raise InputError("Tender", "enter how the customer pays (cash, check, money order, card)")
    if len(cmd.tenders) > MAX_TENDERS:
        raise InputError("Tender", f"at most {MAX_TENDERS} tenders on one receipt")
    tenders = [_clean_tender(i, t, len(cmd.tenders) > 1) for i, t in enumerate(cmd.tenders)]
    payer = (cmd.payer_name or "").strip()
    if looks_like_card_number(payer):
        raise InputError("Payer", _CARD_REFUSED)
    tendered = sum(t.cents for t in tenders)
    # One round trip: the drawer session, the accounts and their entries.  The entries are
    # read before the write transaction: they only label the payment's parts (allocation)
    # and give the past-due alert; a payment posted meanwhile by another cashier leaves the
    # balance right either way (``open_items`` re-reads every credit).
    with pipelined():
        session_cur = _session_query(user, cmd.session_id)
        resolved = _resolve_accounts(cmd, tendered)
        session_rows = session_cur.fetchall()
    accounts = [(acct, cents) for acct, cents, _ in resolved]
    entries = {acct.id: rows for acct, _, rows in resolved}
    total = sum(c for _, c in accounts)
    if total > settings().max_amount_cents:
        raise InputError("Amount", f"{format_cents(total)} is over the limit of {format_cents(settings().max_amount_cents)}")
    if tendered < total:
        raise InputError("Amount tendered", f"{format_cents(tendered)} is less than the payment {format_cents(total)}")
    change = tendered - total
    cash = sum(t.cents for t in tenders if t.kind == "cash")
    if change > cash:
        raise InputError("Amount tendered", f"change is given only from cash: the other tenders are "
                                            f"{format_cents(change - cash)} more than the payment")
    session_id, business_date, elsewhere = _open_session(user, cmd.session_id, session_rows)
    kinds = {t.kind for t in tenders}
    order = list(settings().payment_allocation)

    alerts = [a for acct, cents in accounts for a in _alerts_for(acct, cents, kinds, business_date, entries[acct.id])]
    if elsewhere:
        alerts.append(Alert("other_terminal", "", elsewhere))
    hard = [a for a in alerts if a.hard]
    if hard:
        raise InputError("Tender", hard[0].message)
    ask = unconfirmed(alerts, cmd.confirmed)
    if ask:
        raise AlertsToConfirm(ask)

    def build():
        specs, allocations = [], []
        for acct, cents in accounts:
            alloc = allocate(acct.id, cents, order, entries[acct.id])
            allocations.append(alloc)
            for cat, part in alloc:
                specs.append(ledger.EntrySpec(acct.id, "payment", -part, cat, f"Payment {cat.replace('_', ' ')}",
                                              reference="receipt", effective_on=business_date))
        memo = f"drawer session {session_id}; " + ", ".join(
            f"{t.kind} {format_cents(t.cents)}" + (f" #{t.check_number}" if t.check_number else "") for t in tenders)
        # one audit row for the receipt and its posting (the ledger leaves it to us); the entries
        # themselves are in the ledger, immutable: the row names the posting and what each
        # account was paid, by category
        receipt = _Receipt(session_id, total, change, payer[:80], business_date, tenders, {
            "total_cents": total, "change_cents": change, "session": session_id,
            "tenders": [[t.kind, t.cents] for t in tenders], "key": key,
            **({"terminal": terminal_id()} if elsewhere else {}),
            "paid": [[acct.id, alloc] for (acct, _), alloc in zip(accounts, allocations)]}, memo)
        written = (_write_receipt_pg if is_postgres() else _write_receipt)(user, key, specs, receipt)

        def result() -> PaymentResult:  # read back after COMMIT: no round trip of its own
            got = written()
            if got is None:
                return _replay(Posting.get(Posting.idempotency_key == key))
            pid, number, balances = got
            # the name is left out here (the form already showed it; receipts look it up): one query less
            applied = [AppliedAccount(acct.id, format_account_number(acct.number), "", cents,
                                      balances[acct.id] + cents, balances[acct.id], alloc)
                       for (acct, cents), alloc in zip(accounts, allocations)]
            return PaymentResult(pid, number, True, total, tendered, change, applied, alerts)
        return result

    done = ledger.idempotent(key, build, _replay, pipeline=True)
    return done() if callable(done) else done


# --- voids --------------------------------------------------------------------------------
def find_payment(receipt: str | int) -> Payment:
    if isinstance(receipt, int):
        p = Payment.get_or_none(Payment.id == receipt)
    else:
        text = (receipt or "").strip().upper()
        if text.isdigit():
            text = _receipt_number(int(text))
        p = Payment.get_or_none(Payment.receipt_number == text)
    if p is None:
        raise InputError("Receipt", f"no receipt {receipt}")
    return p


@dataclass
class VoidResult:
    payment_id: int
    receipt_number: str
    reversal_posting_id: int
    balances: dict[int, int]  # account id -> balance after the void


def void_payment(user: User, receipt: str | int, reason: str, approver_username: str,
                 approver_password: str) -> VoidResult:
    """Void a same-day payment with a supervisor's own credentials; reverses it exactly."""
    require(user, "payment.take")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("Reason", "say why the payment is voided")
    p = find_payment(receipt)
    if p.status == "voided":
        raise Conflict(f"receipt {p.receipt_number} is already voided")
    if p.status != "posted":
        raise Conflict(f"receipt {p.receipt_number} is {p.status}; it cannot be voided")
    if p.business_date != business_today():
        raise Conflict(f"receipt {p.receipt_number} was taken on {p.business_date}; only same-day payments are "
                       f"voided. Use returned payment handling")
    if p.session_id is not None:
        s = DrawerSession.get_by_id(p.session_id)
        if s.status != "open":
            raise Conflict(f"receipt {p.receipt_number}: drawer session {s.id} is already {s.status}, so its "
                           f"cash is counted. Use returned payment handling")
    approver = approve(approver_username, approver_password, "approve.void")
    if approver.id == user.id and not has_permission(user, "payment.void"):
        raise PermissionDenied("a supervisor must approve the void")
    with transaction():
        res = ledger.reverse(user, f"void:{p.id}", p.posting_id, f"void {p.receipt_number}: {reason}",
                             permission="payment.take", effective_on=p.business_date)
        n = (Payment.update(status="voided", void_posting=res.posting_id, voided_by=user.id,
                            void_approved_by=approver.id, void_reason=reason[:500])
             .where((Payment.id == p.id) & (Payment.status == "posted")).execute())
        if n != 1:
            raise Conflict(f"receipt {p.receipt_number} changed meanwhile; look again")
        audit.record(user, "payment.void", "payment", p.id, before={"status": "posted"},
                     after={"status": "voided", "reversal_posting": res.posting_id, "approved_by": approver.username},
                     detail=reason[:200])
    return VoidResult(p.id, p.receipt_number, res.posting_id, res.balances)


# --- balancing ----------------------------------------------------------------------------
def expected_tenders(session_id: int) -> dict[str, int]:
    """Non-cash tenders of the session's valid receipts, by kind (cents)."""
    q = (Tender.select(Tender.kind, fn.SUM(Tender.amount_cents)).join(Payment)
         .where(of_session(session_id) & (Payment.status != "voided") & (Tender.kind != "cash"))
         .group_by(Tender.kind).tuples())
    return {k: int(v) for k, v in q}


def expected_checks(session_id: int) -> list[tuple[str, int]]:
    q = (Tender.select(Tender.check_number, Tender.amount_cents).join(Payment)
         .where(of_session(session_id) & (Payment.status != "voided") & (Tender.kind == "check"))
         .order_by(Tender.id).tuples())
    return [(n, int(a)) for n, a in q]


@dataclass
class CountResult:
    session_id: int
    counted_cash_cents: int
    expected_cash_cents: int
    over_short_cents: int  # counted - expected (negative: short)
    counted_checks_cents: int
    expected_checks_cents: int
    counted_check_count: int
    expected_check_count: int
    counted_other_cents: int
    expected_other_cents: int
    needs_approval: bool
    needs_reason: bool


def count_drawer(user: User, *, cash: Mapping[str, object], checks: Iterable = (),
                 other: Mapping[str, object] | None = None, session_id: int | None = None) -> CountResult:
    """The blind count: what is in the drawer, entered before the expected amount is shown.

    ``checks`` is a list of check amounts; ``other`` maps money_order/card to a total.
    A count may be repeated until the drawer is closed (each one is audited)."""
    require(user, "drawer.close")
    counts, cash_cents = count_cash(cash)
    check_list = [amount_cents(c, f"Check {i + 1}") for i, c in enumerate(checks)]
    other_cents: dict[str, int] = {}
    for kind, value in (other or {}).items():
        if kind not in ("money_order", "card"):
            raise InputError("Other tender", f"{kind!r}: use money_order or card")
        if value is not None and str(value).strip():
            other_cents[kind] = amount_cents(value, "Money orders" if kind == "money_order" else "Card slips",
                                             allow_zero=True)
    s = _session_for(user, session_id, status=("open", "counted"))
    with transaction():
        exp = expected_cash(s)
        over = cash_cents - exp
        closing = {"cash": counts, "checks": check_list, "other": other_cents}
        (DrawerSession.update(status="counted", counted_cash_cents=cash_cents, counted_checks_cents=sum(check_list),
                              counted_other_cents=sum(other_cents.values()), expected_cash_cents=exp,
                              over_short_cents=over, closing_count=json.dumps(closing, sort_keys=True),
                              counted_at=_dt.datetime.now(_dt.UTC).replace(tzinfo=None))
         .where(DrawerSession.id == s.id).execute())
        audit.record(user, "drawer.count", "drawer_session", s.id,
                     after={"counted_cash": cash_cents, "expected_cash": exp, "over_short": over,
                            "checks": check_list, "other": other_cents})
    exp_checks = expected_checks(s.id)
    exp_other = expected_tenders(s.id)
    return CountResult(s.id, cash_cents, exp, over, sum(check_list), sum(a for _, a in exp_checks),
                       len(check_list), len(exp_checks), sum(other_cents.values()),
                       exp_other.get("money_order", 0) + exp_other.get("card", 0),
                       abs(over) > settings().over_short_approval_cents, over != 0)


def _float_from(counts: Mapping[str, int], float_cents: int) -> dict[str, int]:
    """The pieces to leave in the drawer as the next float: $20 and smaller first, largest
    first (so the float is exact when it can be), big notes only if nothing else will do."""
    keep: dict[str, int] = {}
    left = float_cents
    for small_only in (True, False):
        for d in DENOMINATIONS:  # largest first
            if small_only and d.cents > 2000:
                continue
            n = min(counts.get(d.key, 0) - keep.get(d.key, 0), left // d.cents)
            if n > 0:
                keep[d.key] = keep.get(d.key, 0) + n
                left -= n * d.cents
    return keep


@dataclass
class CloseResult:
    session_id: int
    deposit_id: int
    over_short_cents: int
    next_float_cents: int
    slip_text: str
    warnings: list[str] = field(default_factory=list)


def close_drawer(user: User, *, reason: str = "", next_float=None, approver_username: str = "",
                 approver_password: str = "", session_id: int | None = None) -> CloseResult:
    """Close a counted drawer: over/short with a reason (a supervisor beyond the threshold),
    the deposit slip, and the float left in the drawer for the next day."""
    require(user, "drawer.close")
    s = _session_for(user, session_id, status="counted")
    reason = (reason or "").strip()
    if s.over_short_cents and not reason:
        raise InputError("Reason", f"the drawer is {format_cents(s.over_short_cents)} over/short; say why")
    approver = None
    if abs(s.over_short_cents) > settings().over_short_approval_cents:
        if not approver_username:
            raise PermissionDenied(f"over/short {format_cents(s.over_short_cents)} is beyond "
                                   f"{format_cents(settings().over_short_approval_cents)}: a supervisor must approve")
        approver = approve(approver_username, approver_password, "approve.over_short")
    closing = json.loads(s.closing_count or "{}")
    counts = {k: int(v) for k, v in closing.get("cash", {}).items()}
    wanted = s.opening_float_cents if next_float is None else amount_cents(next_float, "Next float", allow_zero=True)
    keep = _float_from(counts, wanted)
    kept = sum(DENOMINATION[k].cents * n for k, n in keep.items())
    warnings = []
    if kept != wanted:
        warnings.append(f"could keep only {format_cents(kept)} of the {format_cents(wanted)} float in these pieces")
    banked = {k: n - keep.get(k, 0) for k, n in counts.items() if n - keep.get(k, 0)}
    currency, coin = split_currency_coin(banked)
    checks = [int(c) for c in closing.get("checks", [])]
    numbers = [n for n, _ in expected_checks(s.id)]
    drawer = Drawer.get_by_id(s.drawer_id)
    slip = deposit_slip_text(drawer.code, s.business_date, User.get_by_id(s.operator_id).full_name, currency, coin,
                             checks, numbers)
    with transaction():
        n = (DrawerSession.update(status="closed", closed_at=_dt.datetime.now(_dt.UTC).replace(tzinfo=None),
                                  over_short_reason=reason[:500], approved_by=approver.id if approver else None,
                                  next_float_cents=kept, open_guard=None)
             .where((DrawerSession.id == s.id) & (DrawerSession.status == "counted")).execute())
        if n != 1:
            raise Conflict(f"drawer session {s.id} changed meanwhile; count again")
        dep = Deposit.create(business_date=s.business_date, prepared_by=user.id, currency_cents=currency,
                             coin_cents=coin, checks_cents=sum(checks), check_count=len(checks),
                             total_cents=currency + coin + sum(checks), slip_text=slip, session=s.id)
        audit.record(user, "drawer.close", "drawer_session", s.id,
                     after={"over_short": s.over_short_cents, "reason": reason, "deposit": dep.id,
                            "next_float": kept, "approved_by": approver.username if approver else None})
    return CloseResult(s.id, dep.id, s.over_short_cents, kept, slip, warnings)


def deposit_slip_text(drawer_code: str, day: _dt.date, operator: str, currency: int, coin: int,
                      checks: list[int], check_numbers: list[str]) -> str:
    lines = [f"DEPOSIT SLIP  {settings().district.name}", f"Date {day}   Drawer {drawer_code}   {operator}", "",
             f"{'Currency':<28}{format_cents(currency):>14}", f"{'Coin':<28}{format_cents(coin):>14}", "",
             f"Checks ({len(checks)})"]
    for i, c in enumerate(checks):
        num = check_numbers[i] if i < len(check_numbers) else ""
        lines.append(f"  {i + 1:>3}. {('#' + num) if num else '':<20}{format_cents(c):>14}")
    lines += [f"{'Total checks':<28}{format_cents(sum(checks)):>14}", "",
              f"{'TOTAL DEPOSIT':<28}{format_cents(currency + coin + sum(checks)):>14}"]
    return "\n".join(lines)


# --- supervisor daily totals --------------------------------------------------------------
# THE rule for voids, used by every total on the cash screens and reports (daily totals, the
# drawer summary, the cash receipts journal, the receipts list): a voided receipt is LISTED,
# marked VOID, and left out of every total and count (receipts, amounts, tenders, change);
# voids are counted and summed on their own.  A returned payment stays in the day it was taken.
def counts_in_totals(status: str) -> bool:
    """Whether a receipt of this status counts in the day's totals (voided ones do not)."""
    return status != "voided"


@dataclass
class Tally:
    """Receipts and voids counted by ``counts_in_totals``."""
    receipts: int = 0
    total_cents: int = 0
    change_cents: int = 0
    voids: int = 0
    void_cents: int = 0

    def add(self, status: str, total_cents: int, change_cents: int = 0) -> bool:
        """Count one receipt; False when it is a void (left out of the totals)."""
        if not counts_in_totals(status):
            self.voids += 1
            self.void_cents += total_cents
            return False
        self.receipts += 1
        self.total_cents += total_cents
        self.change_cents += change_cents
        return True


def tally(rows: Iterable) -> Tally:
    """The totals of receipts (anything with ``status``, ``total_cents``, ``change_cents``)."""
    t = Tally()
    for r in rows:
        t.add(r.status, r.total_cents, r.change_cents)
    return t


@dataclass
class SessionTotals(Tally):
    """One drawer session's receipts (``session_id`` 0: receipts of no drawer, e.g. autopay)."""
    session_id: int = 0
    drawer: str = ""
    operator: str = ""
    status: str = ""
    cash_cents: int = 0  # net of change
    checks_cents: int = 0
    other_cents: int = 0
    over_short_cents: int | None = None
    unbalanced: bool = False
    by_tender: dict[str, int] = field(default_factory=dict)  # kind -> cents (cash net of change)


@dataclass
class DailyTotals:
    business_date: _dt.date
    sessions: list[SessionTotals]
    by_operator: dict[str, int]  # operator -> total cents
    by_tender: dict[str, int]  # kind -> cents (cash net of change)
    receipts: int
    voids: int
    void_cents: int
    total_cents: int
    over_short_cents: int
    open_drawers: list[str]
    closed_drawers: list[str]
    unbalanced_drawers: list[str]


def _day_payments(day: _dt.date) -> list[tuple]:
    """(id, session id, status, total, change, channel, username) of every receipt of the day."""
    return list(Payment.select(Payment.id, Payment.session, Payment.status, Payment.total_cents,
                               Payment.change_cents, Payment.channel, User.username)
                .join(User, on=(Payment.user == User.id)).where(Payment.business_date == day)
                .order_by(Payment.id).tuples())


def session_tallies(day: _dt.date) -> dict[int | str, SessionTotals]:
    """Every receipt of the day tallied by drawer session (receipts of no session -- autopay,
    mail -- by channel, keyed by the channel), with tenders; the one place the day is summed."""
    sessions: dict[int | str, SessionTotals] = {}
    for s, code, op in _session_rows(day):
        sessions[s.id] = SessionTotals(session_id=s.id, drawer=code, operator=op, status=s.status,
                                       over_short_cents=s.over_short_cents,
                                       unbalanced=(s.status == "closed" and bool(s.over_short_cents)))
    counted: dict[int, SessionTotals] = {}
    for pid, sid, status, total, change, channel, _username in _day_payments(day):
        st = sessions.get(sid) if sid is not None else None
        if st is None:
            st = sessions.setdefault(channel, SessionTotals(drawer=f"({channel})", operator=f"({channel})", status="-"))
        if st.add(status, total, change):
            st.cash_cents -= change
            if change:
                st.by_tender["cash"] = st.by_tender.get("cash", 0) - change
            counted[pid] = st
    if counted:
        for pid, kind, amt in (Tender.select(Tender.payment, Tender.kind, Tender.amount_cents)
                               .join(Payment).where(Payment.business_date == day).tuples()):
            st = counted.get(pid)
            if st is None:  # a voided receipt's tenders
                continue
            st.by_tender[kind] = st.by_tender.get(kind, 0) + amt
            if kind == "cash":
                st.cash_cents += amt
            elif kind == "check":
                st.checks_cents += amt
            else:
                st.other_cents += amt
    return sessions


def daily_totals(user: User, business_date: _dt.date | None = None) -> DailyTotals:
    """Today's totals by drawer, operator and tender; drawers open/closed/unbalanced; voids
    (``counts_in_totals``: voided receipts are counted apart, never in the totals)."""
    require(user, "drawer.view_all")
    day = business_date or business_today()
    sessions = session_tallies(day)
    by_tender: dict[str, int] = {}
    by_op: dict[str, int] = {}
    ss = list(sessions.values())
    for st in ss:
        for kind, cents in st.by_tender.items():
            by_tender[kind] = by_tender.get(kind, 0) + cents
        by_op[st.operator] = by_op.get(st.operator, 0) + st.total_cents
    drawers = [s for s in ss if s.session_id]
    return DailyTotals(day, ss, by_op, by_tender, sum(s.receipts for s in ss), sum(s.voids for s in ss),
                       sum(s.void_cents for s in ss), sum(s.total_cents for s in ss),
                       sum(s.over_short_cents or 0 for s in drawers if s.status == "closed"),
                       [s.drawer for s in drawers if s.status != "closed"],
                       [s.drawer for s in drawers if s.status == "closed"],
                       [s.drawer for s in drawers if s.unbalanced])


def _session_rows(day: _dt.date):
    q = (DrawerSession.select(DrawerSession, Drawer, User).join(Drawer)
         .switch(DrawerSession).join(User, on=(DrawerSession.operator == User.id))
         .where(DrawerSession.business_date == day).order_by(Drawer.code, DrawerSession.id))
    for s in q:
        yield s, s.drawer.code, s.operator.username


@dataclass
class ReceiptRow:
    payment_id: int
    receipt_number: str
    created_at: _dt.datetime
    business_date: _dt.date | None
    drawer: str
    operator: str
    accounts: str  # formatted numbers, comma separated
    name: str
    tenders: str  # "cash", "check #123", "card ...1234"
    total_cents: int
    change_cents: int
    status: str


def list_receipts(user: User, business_date: _dt.date | None = None, *, session_id: int | None = None,
                  operator: str | None = None, tender: str | None = None, account_id: int | None = None,
                  limit: int = 5000) -> list[ReceiptRow]:
    """Receipts of a day (drill-down from the totals), newest last."""
    require(user, "report.view")
    q = (Payment.select(Payment, User.username.alias("op_name"), Drawer.code.alias("drawer_code"))
         .join(User, on=(Payment.user == User.id))
         .switch(Payment).join(DrawerSession, JOIN.LEFT_OUTER).join(Drawer, JOIN.LEFT_OUTER))
    if business_date is not None:
        q = q.where(Payment.business_date == business_date)
    if session_id == 0:  # the receipts of no drawer session (autopay, mail)
        q = q.where(Payment.session.is_null())
    elif session_id is not None:
        q = q.where(of_session(session_id))
    if operator:
        q = q.where(User.username == operator)
    if tender:
        q = q.where(Payment.id.in_(Tender.select(Tender.payment).where(Tender.kind == tender)))
    if account_id is not None:
        q = q.where(Payment.posting.in_(LedgerEntry.select(LedgerEntry.posting).where(LedgerEntry.account == account_id)))
    payments = list(q.order_by(Payment.id).limit(limit).objects())
    ids = [p.id for p in payments]
    tenders: dict[int, list[str]] = {}
    accounts: dict[int, list[int]] = {}
    if ids:
        for t in Tender.select().where(Tender.payment.in_(ids)).order_by(Tender.id):
            tenders.setdefault(t.payment_id, []).append(tender_label(t))
        for pid, aid in (Payment.select(Payment.id, LedgerEntry.account)
                         .join(LedgerEntry, on=(LedgerEntry.posting == Payment.posting))
                         .where(Payment.id.in_(ids)).distinct().tuples()):
            accounts.setdefault(pid, []).append(aid)
    numbers = {a.id: format_account_number(a.number)
               for a in Account.select(Account.id, Account.number).where(
                   Account.id.in_(sorted({a for v in accounts.values() for a in v}) or [0]))}
    rows = []
    for p in payments:
        aids = sorted(accounts.get(p.id, []))
        rows.append(ReceiptRow(p.id, p.receipt_number, local_time(p.created_at), p.business_date, p.drawer_code or "", p.op_name,
                               ", ".join(numbers[a] for a in aids), p.payer_name or (customer_name(aids[0]) if aids else ""),
                               ", ".join(tenders.get(p.id, [])), p.total_cents, p.change_cents, p.status))
    return rows


def tender_label(t: Tender) -> str:
    if t.kind == "check":
        return f"check #{t.check_number}"
    if t.kind == "money_order":
        return "money order" + (f" #{t.check_number}" if t.check_number else "")
    if t.kind == "card":
        return f"card ...{t.card_last4}"
    return t.kind


# --- CLI: ubtui drawer ... ----------------------------------------------------------------
def add_cli(sub) -> None:
    p = sub.add_parser("drawer", help="cash drawers: list, add, totals")
    dsub = p.add_subparsers(dest="drawer_cmd", required=True)
    dsub.add_parser("list", help="list drawers and their open sessions").set_defaults(func=cmd_drawer_list)
    a = dsub.add_parser("add", help="add a drawer")
    a.add_argument("code")
    a.add_argument("--name", default="")
    a.add_argument("--workstation", default="")
    a.set_defaults(func=cmd_drawer_add)
    t = dsub.add_parser("totals", help="a day's totals by drawer, operator and tender (supervisors' view)")
    t.add_argument("--date", help="business date YYYY-MM-DD (default today)")
    t.set_defaults(func=cmd_drawer_totals)


def cmd_drawer_list(args) -> int:
    from ubtui.cli.support import connect
    connect(args)
    for d in list_drawers():
        s = DrawerSession.get_or_none(DrawerSession.open_guard == d.code)
        state = f"open by {User.get_by_id(s.operator_id).username} since {s.opened_at:%Y-%m-%d %H:%M}" if s else "closed"
        print(f"{d.code:8} {d.name:24} {state}")
    return 0


def totals_text(t: DailyTotals) -> str:
    """The daily totals as the supervisor's screen shows them, for the CLI."""
    lines = [f"Daily totals {t.business_date:%Y-%m-%d}: {t.receipts} receipts "
             f"{format_cents(t.total_cents)}, {t.voids} voided {format_cents(t.void_cents)}, "
             f"over/short {format_cents(t.over_short_cents)}",
             f"{'Drawer':8} {'Operator':12} {'Status':10} {'Rcpts':>5} {'Total':>12} {'Cash':>12} {'Checks':>12}"]
    for s in t.sessions:
        lines.append(f"{s.drawer:8} {s.operator[:12]:12} {s.status:10} {s.receipts:>5} "
                     f"{format_cents(s.total_cents):>12} {format_cents(s.cash_cents):>12} "
                     f"{format_cents(s.checks_cents):>12}")
    lines.append("By tender: " + (", ".join(f"{k} {format_cents(v)}" for k, v in sorted(t.by_tender.items()))
                                  or "none"))
    if t.unbalanced_drawers:
        lines.append("Unbalanced: " + ", ".join(t.unbalanced_drawers))
    return "\n".join(lines)


def cmd_drawer_totals(args) -> int:
    from ubtui.cli.support import actor, connect, parse_date
    connect(args)
    print(totals_text(daily_totals(actor(), parse_date(args.date))))
    return 0


def cmd_drawer_add(args) -> int:
    from ubtui.cli.support import actor, connect
    connect(args)
    d = create_drawer(actor(), args.code, args.name, args.workstation)
    print(f"added drawer {d.code}")
    return 0
