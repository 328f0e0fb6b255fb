"""Cash drawers: denominations and counts, drawer sessions, drops and paid-outs, the blind
count and the close.

This module owns the drawer's side of cashiering (payments go into a session through
``ubtui.payments``):

* typed amounts and counts by denomination (``amount_cents``, ``count_cash``);
* a drawer session is opened with its float counted by denomination; ``open_guard`` (UNIQUE)
  holds the drawer code while the session is open, so a drawer has one open session, bound
  to the terminal that opened it (``terminal_id``, ``other_terminal``);
* drops to the safe and paid-outs (``drawer_movement``, idempotent by key);
* balancing is blind: ``count_drawer`` takes the count and only then reveals the expected
  cash (``ubtui.verify.expected_cash``, so ``ubtui verify`` and the close agree);
  ``close_drawer`` records over/short, the deposit slip and the float carried to the next
  open (``carried_float``, ``check_float``).

Every function takes the acting user first, checks the permission itself, validates all
input (``InputError`` naming the field) before anything is written, and writes its rows
and its audit row in one transaction.
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
from peewee import fn

from models import Deposit, Drawer, DrawerMovement, DrawerSession, Payment, Tender, User
from models.cashier import of_session

from . import audit, clock, ledger
from .config import settings
from .db import transaction
from .errors import Conflict, InputError, NotFound, PermissionDenied
from .money import format_cents, parse_amount
from .security import approve, has_permission, require
from .verify import expected_cash


def business_today() -> _dt.date:
    """The counter's business date: the one clock (``ubtui.clock``; tests set it)."""
    return clock.today()


MAX_COUNT = 100_000  # pieces of one denomination


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
         .order_by(Tender.payment, Tender.seq).tuples())
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
    """The pieces to leave in the drawer as the next float.  The deposit takes the largest
    pieces first (the bank wants the notes; change is made from small ones), so the float keeps
    the small bills and the coin: $20.00 taken in on a $153.80 float goes to the bank as one
    $20, not as seventeen $1s and $3 of coin with the twenties left to make change from.  When
    the pieces there are cannot make the deposit that way, the float is taken from $20s and
    smaller, largest first (exact when it can be), big notes only if nothing else will do."""
    deposit = sum(DENOMINATION[k].cents * n for k, n in counts.items()) - float_cents
    if deposit >= 0:
        left = deposit
        banked: dict[str, int] = {}
        for d in DENOMINATIONS:  # largest first
            n = min(counts.get(d.key, 0), left // d.cents)
            if n > 0:
                banked[d.key] = n
                left -= n * d.cents
        if left == 0:
            return {k: n - banked.get(k, 0) for k, n in counts.items() if n - banked.get(k, 0) > 0}
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
