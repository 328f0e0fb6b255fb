"""Taking payments: tenders, alerts, allocation to open charges, the receipt and its posting.

* ``take_payment`` posts one receipt (``Payment``) with its tenders and one ledger posting
  whose entries pay the open charges of each account in ``Settings.payment_allocation``
  order (the category of each entry says what it paid; an overpayment is a ``credit``).
  The posting's idempotency key comes from the payment form: a double Enter or a retry
  returns the first receipt.  The hot path is plain SQL, one write path per backend
  (``_write_receipt`` for SQLite, ``_write_receipt_pg``: one statement for PostgreSQL).
* ``payment_alerts`` is computed before posting; hard stops (checks on a cash-only account)
  are enforced again by ``take_payment``, and the alerts in ``CONFIRM_ALERTS`` need the
  clerk's confirmation.
* Receipts read back: ``find_payment``, ``payment_result``, ``tender_label``; the customer of
  record and service address a receipt shows (``customer_name``, ``service_address``).

The payment goes into the operator's open drawer session (``ubtui.drawer``); voids are
``ubtui.voids``, the day's totals ``ubtui.totals``.
"""
from __future__ import annotations

import datetime as _dt
import functools
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as _date
from decimal import Decimal
from typing import NamedTuple

from peewee import fn
from pydantic import BaseModel, ConfigDict, Field

from models import Account, LedgerEntry, Payment, Posting, Premise, Tender, User, database, utcnow
from models.cashier import TENDER_KINDS, by_receipt, of_postings, receipt_for_posting
from models.customers import SERVICE_ENDED

from . import audit, ledger
from .accounts import customer_of_record, format_account_number, luhn_digit, normalize_account_number
from .addresses import full_address
from .config import settings
from .dates import db_date
from .db import execute, is_postgres, pipelined, select
from .drawer import _session_for, amount_cents, business_today, current_session, other_terminal, terminal_id
from .errors import Conflict, InputError, NotFound, UbtuiError
from .money import format_cents
from .security import require

MAX_TENDERS = 10
MAX_ACCOUNTS = 20
FAR_ABOVE_MIN_CENTS = 100_00  # "amount far above the balance": over by more than this...
PAST_DUE_DAYS = 30


# --- the posting hot path in plain parameterised SQL (``db.qmarks``) -------------------------
# Building a statement with the ORM costs ~1 ms of CPU here (more than running it), and a
# payment is a dozen statements: the few that take_payment itself runs are written out.
class AccountRow(NamedTuple):
    """The account columns cashiering needs (read with its entries: ``_OPEN_ROWS``).  A
    named tuple, as the payment's other internal records: made on every payment, and a
    frozen dataclass sets each field through a call of its own."""
    id: int
    number: str
    balance_cents: int
    status: str
    cash_only: bool
    no_checks: bool


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


class _Tender(NamedTuple):
    kind: str
    cents: int
    check_number: str = ""
    bank: str = ""
    name: str = ""
    card_last4: str = ""
    auth_code: str = ""


_TENDER_TEXT = ("check_number", "bank", "name", "card_last4", "auth_code")  # TenderIn's text fields


def _clean_tender(i: int, t: TenderIn, many: bool) -> _Tender:
    label = f"Tender {i + 1}" if many else "Tender"
    for attr, text in zip(_TENDER_TEXT, (t.check_number, t.bank, t.name, t.card_last4, t.auth_code)):
        if text and looks_like_card_number(text):  # a cash tender has none of them
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


def _day(value) -> _dt.date:
    """A NOT NULL date column's value as a ``date`` (``dates.db_date``)."""
    if type(value) is _dt.date:  # most calls: a date parsed once already
        return value
    d = db_date(value)
    if d is None:
        raise ValueError("a date column without a date")
    return d


def _past_due_cents(account: Account | AccountRow, today: _dt.date, rows: list[tuple] | None = None) -> int:
    """Balance not explained by charges of the last 30 days (oldest-first application).

    ``rows``: the account's ``ledger_rows`` when the caller has them (taking a payment reads
    them once for this and for the allocation)."""
    if account.balance_cents <= 0:
        return 0
    since = today - _dt.timedelta(days=PAST_DUE_DAYS)
    rows = ledger_rows(account.id) if rows is None else rows
    while True:
        older = [_day(r[3]) for r in rows if len(r) > 5 and r[4] == "sums" and r[5]]
        if not older or max(older) <= since:
            break
        rows = _wider(account.id, rows)  # a recent charge may be among the older ones: read more
    recent = sum(r[2] for r in rows if r[0] is not None and r[2] > 0 and r[4] != "reversal" and _day(r[3]) > since)
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
    if account.status in SERVICE_ENDED:
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
# account's newest charges (RECENT_CHARGES of them, by date: the first rows of the debits
# index, 0017) and the account's sums by category (``CategorySum``: every debit and credit,
# kept by the ledger beside the balance): the older charges of a category are its debits less
# those among the newest.  Nothing read, and no Python work on it, grows with the years.
# The older charges all come before the newest in (date, id) order, so ``open_items`` applies
# the rule to them as one (oldest) item per category; when they are not all paid (or the
# past-due alert needs charges older than the newest read) it reads WIDER times as many
# newest charges, and every charge only past MAX_RECENT.  An account whose bills are paid
# (but the last few) costs the same to pay into after one year or twenty.
RECENT_CHARGES = 8
WIDER = 8
MAX_RECENT = 512
# One statement, three kinds of row in six columns (each cell read costs the driver work, so
# no row carries another's empty columns): the newest charges (id, category, cents, date,
# kind, NULL); the account's row (id, number, balance, NULL -- no charge is undated --,
# status, CASH_ONLY | NO_CHECKS); and its category sums (NULL, category, credits, NULL, 'cached',
# debits).
_OPEN_ROWS = """SELECT id, category, amount_cents, effective_on, kind, CAST(NULL AS BIGINT) FROM (
  SELECT id, category, amount_cents, effective_on, kind FROM ledger_entry
   WHERE account_id = {a} AND amount_cents > 0 ORDER BY effective_on DESC, id DESC LIMIT {n}) AS f
UNION ALL SELECT a.id, a.number, a.balance_cents, NULL, a.status,
       CAST(CASE WHEN a.cash_only THEN 1 ELSE 0 END + CASE WHEN a.no_checks THEN 2 ELSE 0 END AS BIGINT)
  FROM account a WHERE a.{key} = ?
UNION ALL SELECT NULL, s.category, s.credit_cents, NULL, 'cached', s.debit_cents
  FROM ledger_category_sum s WHERE s.account_id = {a}"""
CASH_ONLY, NO_CHECKS = 1, 2  # the flags in the account row's last column


def _is_account(r: tuple) -> bool:
    """The account's own row among ``_OPEN_ROWS``' (an id and no date)."""
    return r[0] is not None and r[3] is None


def _account_row(r: tuple) -> AccountRow:
    """The account's row of ``_OPEN_ROWS`` as an AccountRow."""
    return AccountRow(int(r[0]), r[1], int(r[2]), r[4], bool(r[5] & CASH_ONLY), bool(r[5] & NO_CHECKS))


# Every charge, and the credits summed by category (the read when the above is not enough).
_ALL_ROWS = ("SELECT id, category, amount_cents, effective_on, kind FROM ledger_entry "
             "WHERE account_id = ? AND amount_cents > 0 "
             "UNION ALL SELECT NULL, category, CAST(SUM(amount_cents) AS BIGINT), NULL, 'credits' FROM ledger_entry "
             "WHERE account_id = ? AND amount_cents < 0 GROUP BY category")


@functools.lru_cache(maxsize=8)
def _open_sql(by_number: bool, param: str, n: int) -> str:
    a = "(SELECT id FROM account WHERE number = ?)" if by_number else "?"
    return _OPEN_ROWS.format(a=a, n=int(n), key="number" if by_number else "id").replace("?", param)


def _open_read(account, by_number: bool, n: int = RECENT_CHARGES):
    """Send ``_OPEN_ROWS`` for an account id or number (it names the account three times);
    the cursor is answered at the first read (``db.pipelined``)."""
    return execute(_open_sql(by_number, database.obj.param, n), (account,) * 3)


def _bounded(account_id: int, read: list[tuple]) -> list[tuple]:
    """``ledger_rows`` from what ``_OPEN_ROWS`` read: the newest charges as they are, and a
    row a category with its credits and its older charges (its debits less those among the
    newest), dated with the oldest date of the newest charges (no older charge is later).
    One pass over the rows read, dates parsed once: every payment runs this."""
    out: list[tuple] = []
    sums: list[tuple] = []
    among: dict[str, int] = {}
    oldest = None
    for r in read:
        if r[3] is None:  # the account's row, or a category's sums
            if r[0] is None:
                sums.append(r)
            continue
        d = r[3] if type(r[3]) is _date else _day(r[3])
        out.append((r[0], r[1], r[2], d, r[4], None))
        among[r[1]] = among.get(r[1], 0) + r[2]
        if oldest is None or d < oldest:
            oldest = d
    for r in sums:
        category, credits = r[1], r[2]
        older = int(r[5]) - among.get(category, 0)
        if older < 0 or (older and oldest is None):  # sums that disagree with the entries: read them all
            return all_ledger_rows(account_id)
        if credits or older:
            out.append((None, category, int(credits), oldest if older else None, "sums", older))
    return out


def ledger_rows(account_id: int, n: int | None = None) -> list[tuple]:
    """The account's ``n`` (RECENT_CHARGES) newest charges as (id, category, cents, effective
    date, kind, None), and a row a category: (None, category, its credits' sum, a date no
    older charge is later than, "sums", the sum of its older charges) -- a bounded read of
    two indexes."""
    return _bounded(account_id, _open_read(account_id, False, n or RECENT_CHARGES).fetchall())


def _wider(account_id: int, rows: list[tuple]) -> list[tuple]:
    """More of the account's charges than ``rows`` has one by one: WIDER times as many newest
    charges, or every charge past MAX_RECENT."""
    n = sum(1 for r in rows if r[0] is not None) * WIDER
    return ledger_rows(account_id, n) if 0 < n <= MAX_RECENT else all_ledger_rows(account_id)


def all_ledger_rows(account_id: int) -> list[tuple]:
    """Every charge of the account, and its credits summed by category (as ``ledger_rows``)."""
    return select(_ALL_ROWS, (account_id, account_id))


def _split(rows: list[tuple]) -> tuple[list[list], dict[str, int], int, dict[str, int], _dt.date | None]:
    """(charges oldest first as [date, id, category, cents], category credits, loose credits,
    older charges by category, the latest date of those)."""
    debits: list[list] = []
    older: dict[str, int] = {}
    by_cat: dict[str, int] = {}
    loose, latest = 0, None
    for r in rows:
        i, c, a, d = r[0], r[1], r[2], r[3]
        if len(r) > 4 and r[4] == "sums":
            if r[5]:  # the older charges
                k = c or "other"
                older[k] = older.get(k, 0) + r[5]
                d = _day(d)
                if latest is None or d > latest:
                    latest = d
            if not a:
                continue
        if i is not None and a > 0:
            debits.append([d if type(d) is _date else _day(d), i, c or "other", a])
        elif a < 0:
            if c and c != "credit":
                by_cat[c] = by_cat.get(c, 0) - a
            else:
                loose -= a
    debits.sort(key=_DATE_ID)
    return debits, by_cat, loose, older, latest


_DATE_ID = operator.itemgetter(0, 1)  # a charge's place in time: its date, then its id


def open_items(account_id: int, rows: list[tuple] | None = None) -> list[tuple[_dt.date, int, str, int]]:
    """The account's open charges as (date, entry id, category, cents still owed).

    Credits with a category pay that category's oldest charges; credits without one (or
    that overflow their category) pay the oldest charges of any category.  ``rows``: the
    account's ``ledger_rows`` when the caller has them, or every entry as (id, category,
    cents, date[, kind])."""
    rows = ledger_rows(account_id) if rows is None else rows
    debits, by_cat, loose, older, latest = _split(rows)
    if older:
        if debits and latest is not None and latest > debits[0][0]:  # an older charge dated later: read more
            return open_items(account_id, _wider(account_id, rows))
        # the older charges come before every newer one: one item per category, oldest of all
        debits[:0] = [[_dt.date.min, None, c, a] for c, a in sorted(older.items())]
    if by_cat:
        for item in debits:
            credit = by_cat.get(item[2], 0)
            if credit:
                take = credit if credit < item[3] else item[3]
                item[3] -= take
                by_cat[item[2]] = credit - take
        loose += sum(by_cat.values())  # credits beyond their category's charges
    if loose:
        for item in debits:
            take = loose if loose < item[3] else item[3]
            item[3] -= take
            loose -= take
            if not loose:
                break
    if older and any(i is None and a > 0 for _, i, _, a in debits):  # an older charge is still owed: read more
        return open_items(account_id, _wider(account_id, rows))
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
_receipt_number = receipt_for_posting


def customer_name(account_id: int) -> str:
    """The account's customer of record today (``accounts.customer_of_record``)."""
    party = customer_of_record(account_id, business_today())
    return party.name if party else ""


def service_address(premise: Premise) -> str:
    """The service address with its town line (``addresses.full_address``)."""
    return full_address(premise)


def _account_query(value):
    """Send the read of one account a payment names with its entries (``ledger_rows``): a
    cursor answered at the first read (``db.pipelined``), or None for no account number.
    InputError on a wrong check digit (nothing sent)."""
    if isinstance(value, int):
        return _open_read(value, False)
    number = normalize_account_number(str(value))
    if not number:
        return None
    return _open_read(number, True)


def _resolve_accounts(cmd: TakePayment, tendered: int) -> list[tuple[AccountRow, int, list[tuple]]]:
    """(account, cents, its ``ledger_rows``) for each account of the payment, in order; errors
    name the first account that is wrong.  All the reads are sent before the first answer is
    read: one round trip to PostgreSQL however many accounts."""
    if not cmd.accounts:
        raise InputError("Account", "enter the account number")
    if len(cmd.accounts) > MAX_ACCOUNTS:
        raise InputError("Account", f"at most {MAX_ACCOUNTS} accounts on one receipt")
    many = len(cmd.accounts) > 1
    sent: list = []
    for i, a in enumerate(cmd.accounts):
        label = f"Account {i + 1}" if many else "Account"
        if isinstance(a.account, str) and not a.account.strip():
            sent.append(InputError(label, "enter the account number"))
            continue
        try:
            sent.append(_account_query(a.account))
        except InputError as e:
            sent.append(InputError(label, e.reason))
    out: list[tuple[AccountRow, int, list[tuple]]] = []
    seen = set()
    for i, (a, queries) in enumerate(zip(cmd.accounts, sent)):
        label = f"Account {i + 1}" if many else "Account"
        if isinstance(queries, InputError):
            raise queries
        read = queries.fetchall() if queries is not None else []
        found = next((r for r in read if _is_account(r)), None)
        if found is None:
            raise InputError(label, f"no account {a.account}")
        acct = _account_row(found)
        if acct.id in seen:
            raise InputError(label, f"{format_account_number(acct.number)} is listed twice")
        seen.add(acct.id)
        if a.amount is None:
            if many:
                raise InputError(f"{label} amount", "say how much goes to each account")
            cents = tendered
        else:
            cents = amount_cents(a.amount, f"{label} amount" if many else "Amount")
        out.append((acct, cents, _bounded(acct.id, read)))
    return out


def _replay(posting: Posting) -> PaymentResult:
    p = Payment.get_or_none(of_postings(posting.id))
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
    return execute(_session_sql(session_id is not None, database.obj.param),
                   (session_id if session_id is not None else user.id,))


@functools.lru_cache(maxsize=4)
def _session_sql(by_id: bool, param: str) -> str:
    where = "id = ?" if by_id else "operator_id = ? AND status = 'open'"
    return (f"SELECT id, operator_id, status, business_date, terminal FROM drawer_session "
            f"WHERE {where} ORDER BY id DESC LIMIT 1").replace("?", param)


def _open_session(user: User, session_id: int | None, rows: list[tuple]) -> tuple[int, _dt.date, str | None]:
    """(id, business date, ``other_terminal`` note) of the drawer session ``rows`` found;
    errors as _session_for."""
    if not rows or rows[0][1] != user.id or rows[0][2] != "open":
        s = _session_for(user, session_id)  # says what is wrong (or allows a supervisor)
        return s.id, s.business_date, other_terminal(s.terminal) if s.operator_id == user.id else None
    return int(rows[0][0]), _day(rows[0][3]), other_terminal(rows[0][4])


# A payment's id is its posting's (models.cashier.Payment.posting): the posting id twice.
_PAYMENT_COLS = ("id, receipt_number, session_id, posting_id, user_id, total_cents, change_cents, channel, status, "
                 "void_reason, created_at, payer_name, business_date")
_PAYMENT_INSERT = (f"INSERT INTO payment ({_PAYMENT_COLS}) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, 'counter', 'posted', '', ?, ?, ?)")
_TENDER_COLS = "payment_id, seq, kind, amount_cents, check_number, bank, check_name, card_last4, auth_code"


class _Receipt(NamedTuple):
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
    # One moment for the posting, the receipt and the audit row, as the text sqlite3's
    # adapter makes of a datetime (made once here, not once a row).
    now = utcnow().isoformat(" ")
    res = ledger.write_posting(user, key, "payment", specs, memo=r.memo, audited=False, now=now)
    number = _receipt_number(res.posting_id)
    pid = res.posting_id
    execute(_PAYMENT_INSERT, (pid, number, r.session_id, pid, user.id, r.total, r.change, now, r.payer,
                              r.business_date.isoformat()))
    execute(_tender_insert(len(r.tenders)), tuple(v for t in r.tenders for v in (pid, *_tender_params(t))))
    audit.record(user, "payment.take", "payment", pid, detail=r.memo[:200],
                 after={"receipt": number, "posting": res.posting_id, **r.audit_after}, at=now)
    return lambda: (pid, number, res.balances)


@functools.lru_cache(maxsize=MAX_TENDERS)
def _tender_insert(n: int) -> str:
    """``n`` tenders of one payment; their seq (1..n, the order on the receipt) is in the text."""
    return f"INSERT INTO tender ({_TENDER_COLS}) VALUES {', '.join(f'(?, {i}, ?, ?, ?, ?, ?, ?, ?)' for i in range(1, n + 1))}"


# 'R' and the posting id in at least 8 digits, as _receipt_number
_RECEIPT_PG = "'R' || repeat('0', 8 - length(p.id::text)) || p.id"
# one tender's row after its payment id: seq (1..n, the order on the receipt), then its values
_TENDER_VALUES_PG = "({}::smallint, %s::text, %s::bigint, %s::text, %s::text, %s::text, %s::text, %s::text)"


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
        f"pay AS (INSERT INTO payment ({_PAYMENT_COLS}) SELECT p.id, {_RECEIPT_PG}, %s::bigint, p.id, %s::bigint, "
        "%s::bigint, %s::bigint, 'counter', 'posted', '', %s::timestamp, %s::text, %s::date FROM p "
        "RETURNING id, receipt_number), "
        f"t AS (INSERT INTO tender ({_TENDER_COLS}) SELECT pay.id, v.* FROM pay, "
        f"(VALUES {', '.join(_TENDER_VALUES_PG.format(i) for i in range(1, len(r.tenders) + 1))}) AS v), "
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

    def prepare():
        """Read the drawer session and the accounts with their entries (one round trip to
        PostgreSQL), check them, and return the ``build`` that writes the receipt."""
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

        return build

    # PostgreSQL reads before the write transaction (the entries only label the payment's
    # parts and give the past-due alert; a payment posted meanwhile by another cashier leaves
    # the balance right either way: ``open_items`` re-reads every credit), so the write is
    # one round trip.  SQLite has no round trips to save but pays for every transaction it
    # begins (the first read after a COMMIT costs ~10 us more): the reads go inside the
    # write transaction, which also makes them the entries the payment is written against.
    if is_postgres():
        done = ledger.idempotent(key, prepare(), _replay, pipeline=True)
    else:
        done = ledger.idempotent(key, lambda: prepare()(), _replay)
    return done() if callable(done) else done


# --- receipts ---------------------------------------------------------------------------
def find_payment(receipt: str | int) -> Payment:
    if isinstance(receipt, int):
        p = Payment.get_or_none(Payment.id == receipt)
    else:
        text = (receipt or "").strip().upper()
        digits = text[1:] if text[:1] == "R" else text
        if digits.isdigit() and digits.isascii():  # "1234" and "R1234" are R00001234
            text = _receipt_number(int(digits))
        p = Payment.get_or_none(by_receipt(text))
    if p is None:
        raise InputError("Receipt", f"no receipt {receipt}")
    return p


def tender_label(t: Tender) -> str:
    if t.kind == "check":
        return f"check #{t.check_number}"
    if t.kind == "money_order":
        return "money order" + (f" #{t.check_number}" if t.check_number else "")
    if t.kind == "card":
        return f"card ...{t.card_last4}"
    return t.kind
