"""Account inquiry: everything the counter reads about one account, and the contact log.

Read functions take the acting user first and require ``account.view``; they return plain
frozen dataclasses (money in integer cents) so the screens, the CLI and exports share them.
``add_contact`` and ``complete_followup`` change data: validated, audited, one transaction.
"""
from __future__ import annotations

import csv
import datetime as _dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import NamedTuple

from peewee import JOIN, fn

from models import (
    Account,
    AccountCustomer,
    Bill,
    BillLine,
    ContactLog,
    Customer,
    LedgerEntry,
    Meter,
    MeterReading,
    Payment,
    Phone,
    Premise,
    Tender,
    User,
    WorkOrder,
    utcnow,
)
from models.cashier import of_postings
from models.customers import SERVICE_ENDED
from models.service import CONTACT_CHANNELS

from . import audit, clock
from .accounts import format_account_number
from .addresses import format_address
from .aging import AGING_BUCKETS, bucket_of  # noqa: F401  (one rule for the buckets; others import them from here)
from .aging import account_aging as _aging_of
from .dates import db_date, local_time, parse_date
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .money import format_cents, format_plain
from .search import account_flags
from .security import require
from .text import counted, safe_text

HIGH_PERCENT = 200  # usage at or over twice the 12-month average is "high"
LOW_PERCENT = 50  # at or under half of it is "low"
MAX_PAGE = 1000
MAX_SUBJECT = 80
MAX_TEXT = 4000


class Party(NamedTuple):
    name: str
    role: str
    phone: str


class Followup(NamedTuple):
    date: _dt.date
    subject: str


@dataclass(frozen=True)
class AccountSummary:
    number: str  # "0012345-5"
    account_class: str
    status: str
    customers: list[Party]
    service_address: str
    meter: str  # 'MTR-0042 5/8"' or ""
    balance_cents: int
    aging: dict[str, int]  # "current", "30", "60", "90+" -> cents; sums to the balance
    deposit_held_cents: int
    alerts: list[str]
    open_followups: list[Followup]
    account_id: int = 0
    flags: str = ""
    rate_code: str = ""
    cycle: str = ""
    opened_on: _dt.date | None = None


@dataclass(frozen=True)
class TxRow:
    posted_on: _dt.date
    kind: str
    description: str
    reference: str
    amount_cents: int
    running_balance_cents: int  # the balance right after this entry
    effective_on: _dt.date | None = None
    entry_id: int = 0
    posting_id: int = 0
    reverses_id: int | None = None
    reversed: bool = False  # a later entry reverses this one


# The ledger's references in at most 9 cells (the transactions pane at 80 columns): "bill:2081"
# cut to 8 read "bill:208" for every bill from 2080 to 2089.  Nine cells hold B and a bill id
# of 8 digits: a 1,000,000-account district passes 10,000,000 bills in its tenth month.
_REFERENCE_SHORT = {"bill": "B", "latefee": "LF", "payment": "P"}


def short_reference(reference: str, width: int = 9) -> str:
    """``bill:2081`` -> ``B2081``, ``latefee:2081`` -> ``LF2081``, ``payment:77`` -> ``P77``,
    ``receipt:R00022303`` -> ``R22303``, ``account:00013730`` (a transfer's other account)
    -> ``0001373-0``; anything else as it is, cut to ``width``.  The help of the account
    screen explains the letters."""
    kind, sep, rest = reference.partition(":")
    if sep and kind in _REFERENCE_SHORT and rest.isdigit():
        return (_REFERENCE_SHORT[kind] + rest)[:width]
    if sep and kind == "receipt" and rest[:1] == "R" and rest[1:].isdigit():
        return ("R" + rest[1:].lstrip("0"))[:width]
    if sep and kind == "receipt" and rest:
        return rest[:width]  # DM000002031, AP261128-00001: the number, not the word "receipt"
    if sep and kind == "account" and rest.isdigit():
        return format_account_number(rest)[:width]
    return reference[:width]


@dataclass(frozen=True)
class BillRow:
    bill_id: int
    bill_date: _dt.date
    period_start: _dt.date
    period_end: _dt.date
    due_date: _dt.date
    usage: int
    usage_unit: str
    estimated: bool
    kind: str
    total_cents: int
    previous_balance_cents: int
    status: str


@dataclass(frozen=True)
class BillLineRow:
    seq: int
    category: str
    description: str
    quantity: str
    rate: str
    amount_cents: int


@dataclass(frozen=True)
class ConsumptionRow:
    period: str  # "Oct 2026"
    read_on: _dt.date
    reading: int
    usage: int | None
    flag: str  # "", "high", "low", "zero", "estimated", or a read-check flag (rollover...)
    reason: str  # one sentence, "" when nothing is unusual
    estimated: bool
    meter_serial: str = ""


@dataclass(frozen=True)
class Consumption:
    rows: list[ConsumptionRow]  # newest first
    average_usage: Decimal  # over the 12 months before the newest reading
    unit: str


@dataclass(frozen=True)
class PaymentRow:
    posted_on: _dt.date
    amount_cents: int  # applied to this account (positive)
    receipt_number: str
    tenders: str  # "cash", "check 1234", "card 4242"
    channel: str
    status: str  # posted, voided, returned, reversed
    payer_name: str = ""
    posting_id: int = 0
    tender_kinds: tuple[str, ...] = ()  # each tender's kind ("cash", "check", ...), in receipt order


@dataclass(frozen=True)
class WorkOrderRow:
    work_order_id: int
    number: str
    kind: str
    status: str
    priority: str
    requested_on: _dt.date
    scheduled_on: _dt.date | None
    completed_on: _dt.date | None
    instructions: str
    result: str


@dataclass(frozen=True)
class ContactRow:
    contact_id: int
    created_at: _dt.datetime
    channel: str
    subject: str
    text: str
    user: str
    follow_up_on: _dt.date | None
    follow_up_done: _dt.datetime | None


def _account(account_id: int) -> Account:
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        raise NotFound(f"no account id {account_id}")
    return acct


def format_phone(digits: str) -> str:
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if len(digits) == 7:
        return f"{digits[:3]}-{digits[3:]}"
    return digits


# --- aging --------------------------------------------------------------------------------------

class AgingEntry(NamedTuple):
    entry_id: int
    amount_cents: int
    effective_on: _dt.date
    reverses_id: int | None = None


def age_entries(entries: list[AgingEntry], as_of: _dt.date) -> dict[str, int]:
    """What is owed by age: charges by effective date, credits applied oldest charge first.

    A reversal and the entry it reverses cancel each other (a reversed bill does not eat
    a payment).  A credit balance shows as a negative "current".  The buckets always sum to
    the sum of the entries."""
    present = {e.entry_id for e in entries}
    cancelled = {e.reverses_id for e in entries if e.reverses_id in present}
    live = [e for e in entries if e.entry_id not in cancelled and e.reverses_id not in cancelled]
    charges = sorted((e.effective_on, e.entry_id, e.amount_cents) for e in live if e.amount_cents > 0)
    credit = -sum(e.amount_cents for e in live if e.amount_cents < 0)
    out = dict.fromkeys(AGING_BUCKETS, 0)
    for effective_on, _id, amount in charges:
        applied = min(credit, amount)
        credit -= applied
        out[bucket_of(effective_on, as_of)] += amount - applied
    out["current"] -= credit
    return out


def account_aging(account_id: int, as_of: _dt.date | None = None) -> dict[str, int]:
    """The header's aging: ``ubtui.aging`` (the worklist and reports use the same)."""
    return _aging_of(account_id, as_of)


# --- summary ------------------------------------------------------------------------------------

def _parties(account_id: int, today: _dt.date) -> list[Party]:
    q = (AccountCustomer.select(AccountCustomer.role, Customer.id, Customer.display_name)
         .join(Customer)
         .where((AccountCustomer.account == account_id) & Customer.merged_into.is_null()
                & (AccountCustomer.end_date.is_null() | (AccountCustomer.end_date >= today)))
         .order_by(AccountCustomer.id))
    rows = list(q)
    phones: dict[int, str] = {}
    for p in (Phone.select(Phone.customer, Phone.digits)
              .where(Phone.customer.in_([r.customer.id for r in rows]))
              .order_by(Phone.is_primary.desc(), Phone.id)):
        phones.setdefault(p.customer_id, format_phone(p.digits))
    return [Party(r.customer.display_name, r.role, phones.get(r.customer.id, "")) for r in rows]


def _current_meter(premise_id: int) -> str:
    m = (Meter.select().where((Meter.premise == premise_id) & Meter.removed_on.is_null())
         .order_by(Meter.id.desc()).first())
    return f"{m.serial} {m.size}".strip() if m else ""


def alerts_for(acct: Account, aging: dict[str, int]) -> list[str]:
    out = []
    if acct.status == "disconnected":
        out.append("Disconnected")
    past_due = aging["30"] + aging["60"] + aging["90+"]
    if past_due > 0:
        out.append(f"Past due 30+ days: {format_cents(past_due)}"
                   + (f" ({format_cents(aging['90+'])} over 90)" if aging["90+"] > 0 else ""))
    if acct.balance_cents < 0:
        out.append(f"Credit balance: {format_cents(-acct.balance_cents)}")
    if acct.status in SERVICE_ENDED:
        out.append(acct.status.replace("_", " ").capitalize())
    elif acct.service_ends_on is not None:  # temporary service: its stop is ordered for the day
        out.append(f"Temporary service ends {db_date(acct.service_ends_on).isoformat()}")
    if acct.moved_to_account_id and acct.status not in SERVICE_ENDED:
        out.append("Moving: stop ordered, credit goes to the new account")
    if acct.do_not_disconnect:
        out.append("Do not disconnect")
    if acct.medical_certificate:
        out.append("Medical certificate on file")
    if acct.cash_only:
        out.append("Cash only")
    if acct.no_checks:
        out.append("No checks")
    if acct.autopay:
        out.append("Autopay")
    out += [f"Info: {code.strip()}" for code in (acct.info_codes or "").split(",") if code.strip()]
    return out


def open_followups(account_id: int) -> list[Followup]:
    q = (ContactLog.select(ContactLog.follow_up_on, ContactLog.subject)
         .where((ContactLog.account == account_id) & ContactLog.follow_up_on.is_null(False)
                & ContactLog.follow_up_done.is_null())
         .order_by(ContactLog.follow_up_on, ContactLog.id))
    return [Followup(c.follow_up_on, c.subject) for c in q]


def account_summary(user: User, account_id: int, *, as_of: _dt.date | None = None) -> AccountSummary:
    require(user, "account.view")
    today = as_of or clock.today()
    acct = _account(account_id)
    p = Premise.get_by_id(acct.premise_id)
    aging = account_aging(account_id, today)
    alerts = alerts_for(acct, aging)
    from .collections import account_alerts  # the plan and appeal, after the past-due line
    at = sum(1 for a in alerts if a.startswith(("Disconnected", "Past due")))
    alerts[at:at] = account_alerts(account_id, today)
    return AccountSummary(
        number=format_account_number(acct.number), account_class=acct.account_class, status=acct.status,
        customers=_parties(account_id, today), service_address=format_address(p.house_number, p.street, p.unit),
        meter=_current_meter(p.id), balance_cents=int(acct.balance_cents), aging=aging,
        deposit_held_cents=int(acct.deposit_held_cents), alerts=alerts,
        open_followups=open_followups(account_id), account_id=acct.id, flags=account_flags(acct),
        rate_code=acct.rate_code, cycle=acct.cycle, opened_on=acct.opened_on)


# --- history ------------------------------------------------------------------------------------

def _page(offset: int, limit: int) -> tuple[int, int]:
    if not isinstance(offset, int) or offset < 0:
        raise InputError("Offset", "must be 0 or more")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InputError("Limit", f"must be 1 to {MAX_PAGE}")
    return offset, limit


def transactions(user: User, account_id: int, offset: int = 0, limit: int = 100, *,
                 before_id: int | None = None) -> list[TxRow]:
    """Ledger entries newest first, each with the balance right after it.

    One statement (a window sum in posting order) computes the running balance, so each
    page is consistent with the entries even while payments are posted.  ``before_id``
    (the ``entry_id`` of the last row shown) pages on without repeating a row when new
    entries arrived since the first page, which an ``offset`` would."""
    require(user, "account.view")
    offset, limit = _page(offset, limit)
    _account(account_id)
    where = LedgerEntry.account == account_id
    if before_id is not None:
        # Entries after before_id do not enter the running sum of earlier ones.
        where &= LedgerEntry.id < before_id
    Later = LedgerEntry.alias("later")
    running = fn.SUM(LedgerEntry.amount_cents).over(order_by=[LedgerEntry.id])
    q = (LedgerEntry.select(LedgerEntry.id, LedgerEntry.posting, LedgerEntry.kind, LedgerEntry.description,
                            LedgerEntry.reference, LedgerEntry.amount_cents, LedgerEntry.effective_on,
                            LedgerEntry.posted_at, LedgerEntry.reverses, running.alias("running"),
                            Later.id.alias("reversed_by"))
         .join(Later, JOIN.LEFT_OUTER, on=(Later.reverses == LedgerEntry.id))
         .where(where)
         .order_by(LedgerEntry.id.desc()).offset(offset).limit(limit))
    entries = list(q.objects())
    receipts = _receipt_numbers({e.posting_id for e in entries if e.reference == "receipt"})
    return [TxRow(local_time(e.posted_at).date(), e.kind, e.description,
                  f"receipt:{receipts[e.posting_id]}" if e.posting_id in receipts else e.reference,
                  int(e.amount_cents), int(e.running), e.effective_on, e.id, e.posting_id, e.reverses_id,
                  e.reversed_by is not None)
            for e in entries]


def _receipt_numbers(posting_ids: set[int]) -> dict[int, str]:
    """posting id -> receipt number: a counter payment's entries are written before its
    receipt is numbered, so their reference says only "receipt"; the number is the payment's,
    and a void's or a return's reversal (which copies the reference) is its payment's too."""
    if not posting_ids:
        return {}
    ids = list(posting_ids)
    out = {p.posting_id: p.receipt_number for p in
           Payment.select(Payment.posting, Payment.receipt_number).where(of_postings(ids))}
    out.update({p.void_posting_id: p.receipt_number for p in
                Payment.select(Payment.void_posting, Payment.receipt_number).where(Payment.void_posting.in_(ids))})
    return out


def bills(user: User, account_id: int) -> list[BillRow]:
    """The account's bills, newest first."""
    require(user, "account.view")
    _account(account_id)
    q = Bill.select().where(Bill.account == account_id).order_by(Bill.bill_date.desc(), Bill.id.desc())
    return [BillRow(b.id, b.bill_date, b.period_start, b.period_end, b.due_date, b.usage, b.usage_unit,
                    b.estimated, b.kind, int(b.total_cents), int(b.previous_balance_cents), b.status) for b in q]


def bill_lines(user: User, bill_id: int) -> list[BillLineRow]:
    require(user, "account.view")
    if not Bill.select().where(Bill.id == bill_id).exists():
        raise NotFound(f"no bill {bill_id}")
    q = BillLine.select().where(BillLine.bill == bill_id).order_by(BillLine.seq, BillLine.id)
    return [BillLineRow(ln.seq, ln.category, ln.description, ln.quantity, ln.rate, int(ln.amount_cents)) for ln in q]


def _add_months(d: _dt.date, months: int) -> _dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return _dt.date(d.year + y, m + 1, min(d.day, 28))


def _num(d: Decimal) -> str:
    """``Decimal("10.0")`` -> ``10``, ``Decimal("10.5")`` -> ``10.5``."""
    s = f"{d:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _average(usages: list[int]) -> Decimal | None:
    if not usages:
        return None
    return (Decimal(sum(usages)) / len(usages)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def usage_flag(usage: int | None, estimated: bool, average: Decimal | None, unit: str,
               stored_flag: str = "", stored_reason: str = "") -> tuple[str, str]:
    """(flag, one-sentence reason) for a reading against the average of the 12 months before it."""
    pct = int((Decimal(usage * 100) / average).quantize(Decimal(1), ROUND_HALF_UP)) if (
        usage is not None and average) else None
    compare = (f"usage {usage} {unit} is {pct}% of the 12-month average {_num(average)} {unit}"
               if pct is not None and average is not None else "")
    if stored_flag:
        return stored_flag, (compare if stored_flag in ("high", "low") and compare else stored_reason or compare)
    if usage is not None and usage == 0 and average:
        return "zero", f"no usage; the 12-month average is {_num(average)} {unit}"
    if pct is not None and pct >= HIGH_PERCENT:
        return "high", compare
    if pct is not None and pct <= LOW_PERCENT:
        return "low", compare
    if estimated:
        return "estimated", "estimated: the meter was not read"
    return "", ""


def consumption(user: User, account_id: int, months: int = 24) -> Consumption:
    """Readings of every meter at the account's address over ``months``, newest first, flagged."""
    require(user, "account.view")
    if not isinstance(months, int) or not 1 <= months <= 240:
        raise InputError("Months", "must be 1 to 240")
    acct = _account(account_id)
    meters = {m.id: m for m in Meter.select().where(Meter.premise == acct.premise_id)}
    current = max(meters.values(), key=lambda m: (m.removed_on is None, m.id), default=None)
    unit = current.unit if current else "HCF"
    readings = list(MeterReading.select().where(MeterReading.meter.in_(list(meters)))
                    .order_by(MeterReading.read_on, MeterReading.id)) if meters else []
    if not readings:
        return Consumption([], Decimal(0), unit)
    newest = readings[-1].read_on
    since = _add_months(newest, -months)
    rows = []
    for i, r in enumerate(readings):
        if r.read_on <= since:
            continue
        year_before = r.read_on - _dt.timedelta(days=365)
        history = [h.usage for h in readings[:i]
                   if h.read_on > year_before and h.usage is not None and not h.estimated]
        flag, reason = usage_flag(r.usage, r.estimated, _average(history), unit, r.flag, r.flag_reason)
        rows.append(ConsumptionRow(r.read_on.strftime("%b %Y"), r.read_on, r.reading, r.usage, flag, reason,
                                   r.estimated, meters[r.meter_id].serial))
    # the average the newest reading's flag is judged against (the 12 months before it): the
    # screen shows both, and two different "12-month averages" side by side read as an error
    year = [h.usage for h in readings[:-1] if h.read_on > newest - _dt.timedelta(days=365)
            and h.usage is not None and not h.estimated]
    return Consumption(rows[::-1], _average(year) or Decimal(0), unit)


def payments(user: User, account_id: int) -> list[PaymentRow]:
    """Payments applied to the account, newest first (one row per receipt)."""
    require(user, "account.view")
    _account(account_id)
    Later = LedgerEntry.alias("later")
    q = (LedgerEntry.select(LedgerEntry.posting, LedgerEntry.amount_cents, LedgerEntry.posted_at,
                            Later.id.alias("reversed_by"))
         .join(Later, JOIN.LEFT_OUTER, on=(Later.reverses == LedgerEntry.id))
         .where((LedgerEntry.account == account_id) & (LedgerEntry.kind == "payment"))
         .order_by(LedgerEntry.id.desc()))
    grouped: dict[int, dict] = {}
    for e in q.objects():
        g = grouped.setdefault(e.posting_id, {"e": e, "amount": 0, "reversed": False})
        g["amount"] -= int(e.amount_cents)
        g["reversed"] |= e.reversed_by is not None
    # the receipts of those postings, read apart: a join on the posting id cannot use the
    # two indexes a payment is found through (``of_postings``)
    receipts = {p.posting_id: p for p in Payment.select(
        Payment.id, Payment.posting, Payment.receipt_number, Payment.channel, Payment.status, Payment.payer_name)
        .where(of_postings(list(grouped)))} if grouped else {}
    pay_ids = [p.id for p in receipts.values()]
    tenders: dict[int, list[str]] = {}
    kinds: dict[int, list[str]] = {}
    for t in Tender.select().where(Tender.payment.in_(pay_ids)).order_by(Tender.payment, Tender.seq) if pay_ids else []:
        ident = t.check_number or t.card_last4
        tenders.setdefault(t.payment_id, []).append(f"{t.kind.replace('_', ' ')} {ident}".strip())
        kinds.setdefault(t.payment_id, []).append(t.kind)
    out = []
    for posting_id, g in grouped.items():
        e, p = g["e"], receipts.get(posting_id)
        status = p.status if p else "posted"
        if status == "posted" and g["reversed"]:
            status = "reversed"
        out.append(PaymentRow(local_time(e.posted_at).date(), g["amount"], p.receipt_number if p else "",
                              ", ".join(tenders.get(p.id, [])) if p else "", p.channel if p else "", status,
                              p.payer_name if p else "", posting_id, tuple(kinds.get(p.id, ())) if p else ()))
    return out


def work_orders(user: User, account_id: int) -> list[WorkOrderRow]:
    """Work orders of the account, and of its address when they name no account; newest first."""
    require(user, "account.view")
    acct = _account(account_id)
    q = (WorkOrder.select()
         .where((WorkOrder.account == account_id)
                | (WorkOrder.account.is_null() & (WorkOrder.premise == acct.premise_id)))
         .order_by(WorkOrder.requested_on.desc(), WorkOrder.id.desc()))
    return [WorkOrderRow(w.id, w.number, w.kind, w.status, w.priority, w.requested_on, w.scheduled_on,
                         w.completed_on, w.instructions, w.result) for w in q]


def contacts(user: User, account_id: int) -> list[ContactRow]:
    """The contact log of the account, newest first."""
    require(user, "account.view")
    _account(account_id)
    q = (ContactLog.select(ContactLog, User.username).join(User)
         .where(ContactLog.account == account_id).order_by(ContactLog.id.desc()))
    return [ContactRow(c.id, local_time(c.created_at), c.channel, c.subject, c.text, c.user.username, c.follow_up_on,
                       c.follow_up_done) for c in q]


# --- the contact log ----------------------------------------------------------------------------

def _follow_up_date(value) -> _dt.date | None:
    if not isinstance(value, (str, _dt.date)) and value is not None:
        raise InputError("Follow-up", "must be a date")
    value = parse_date(value, "Follow-up")
    if value is None:
        return None
    if value < clock.today():
        raise InputError("Follow-up", f"{value.isoformat()} is in the past")
    return value


def add_contact(user: User, account_id: int, channel: str, subject: str, text: str,
                follow_up_on: _dt.date | str | None = None) -> ContactLog:
    """Log a conversation with the customer; ``follow_up_on`` puts it on the follow-up list."""
    require(user, "contact.add")
    channel = (channel or "").strip().lower()
    if channel not in CONTACT_CHANNELS:
        raise InputError("Channel", f"must be one of {', '.join(CONTACT_CHANNELS)}")
    subject = (subject or "").strip()
    if not subject:
        raise InputError("Subject", "must not be empty")
    if len(subject) > MAX_SUBJECT:
        raise InputError("Subject", f"at most {MAX_SUBJECT} characters")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise InputError("Text", f"at most {MAX_TEXT} characters")
    follow = _follow_up_date(follow_up_on)
    with transaction():
        _account(account_id)
        c = ContactLog.create(account=account_id, channel=channel, subject=subject, text=text,
                              follow_up_on=follow, user=user.id)
        audit.record(user, "contact.add", "contact", c.id, after=c)
    return c


def complete_followup(user: User, contact_id: int) -> ContactLog:
    require(user, "contact.add")
    with transaction():
        before = ContactLog.get_or_none(ContactLog.id == contact_id)
        if before is None:
            raise NotFound(f"no contact {contact_id}")
        if before.follow_up_on is None:
            raise Conflict(f"contact {contact_id} has no follow-up")
        n = (ContactLog.update(follow_up_done=utcnow())
             .where((ContactLog.id == contact_id) & ContactLog.follow_up_done.is_null()).execute())
        if n != 1:
            raise Conflict(f"the follow-up of contact {contact_id} is already done")
        after = ContactLog.get_by_id(contact_id)
        audit.record(user, "contact.followup_done", "contact", contact_id, before=before, after=after)
    return after


# --- exports ------------------------------------------------------------------------------------

EXPORT_KINDS = ("usage", "transactions")
EXPORT_FORMATS = ("csv", "pdf")


def _export_table(user: User, account_id: int, kind: str) -> tuple[list[str], list[list[str]]]:
    if kind == "usage":
        c = consumption(user, account_id, months=240)
        head = ["period", "read_on", "meter", "reading", "usage", "unit", "estimated", "flag", "reason"]
        rows = [[r.period, r.read_on.isoformat(), r.meter_serial, str(r.reading),
                 "" if r.usage is None else str(r.usage), c.unit, "yes" if r.estimated else "no", r.flag, r.reason]
                for r in c.rows]
        return head, rows
    head = ["posted", "effective", "kind", "description", "reference", "amount", "balance"]
    rows, offset = [], 0
    while True:
        page = transactions(user, account_id, offset=offset, limit=MAX_PAGE)
        rows += [[t.posted_on.isoformat(), t.effective_on.isoformat() if t.effective_on else "", t.kind,
                  t.description, t.reference, format_plain(t.amount_cents), format_plain(t.running_balance_cents)]
                 for t in page]
        if len(page) < MAX_PAGE:
            return head, rows
        offset += MAX_PAGE


def _write_pdf(path: Path, title: str, head: list[str], rows: list[list[str]]) -> None:
    from .pdf import new_pdf

    pdf = new_pdf("L", "Letter", mono=False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7)
    with pdf.table(text_align="LEFT", first_row_as_headings=True, line_height=4) as table:
        for r in [head] + rows:
            row = table.row()
            for cell in r:
                row.cell(cell)
    pdf.output(str(path))


def export_history(user: User, account_id: int, kind: str, fmt: str, path) -> Path:
    """Write the usage or transaction history as CSV (exact decimal money) or PDF; returns the path."""
    require(user, "account.view")
    if kind not in EXPORT_KINDS:
        raise InputError("Kind", f"must be one of {', '.join(EXPORT_KINDS)}")
    if fmt not in EXPORT_FORMATS:
        raise InputError("Format", f"must be one of {', '.join(EXPORT_FORMATS)}")
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("File", f"folder {path.parent} does not exist")
    acct = _account(account_id)
    head, rows = _export_table(user, account_id, kind)
    rows = [[safe_text(v) for v in row] for row in rows]  # stored text: no control characters in files
    try:
        if fmt == "csv":
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(head)
                w.writerows(rows)
        else:
            title = f"Account {format_account_number(acct.number)}: {kind} history ({counted(len(rows), 'row')})"
            _write_pdf(path, title, head, rows)
    except OSError as e:
        raise InputError("File", f"cannot write {path}: {e.strerror}") from None
    with transaction():
        audit.record(user, "account.export", "account", account_id, detail=f"{kind} {fmt} {path}")
    return path
