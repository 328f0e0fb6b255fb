"""Collections of delinquent accounts: the worklist, letters, and shut-off orders.

Steps by age of the oldest unpaid charge (configurable): a reminder letter at 30 days, a
shut-off notice at 60 days (with the shut-off date), a disconnect work order at 90 days.
Accounts with a medical certificate or "do not disconnect" are never ordered off; they
appear on the list with the reason.  Each letter is also logged in the account's contact
log, so the counter sees it.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import NamedTuple
from pathlib import Path

from peewee import Case, fn

from models import Account, AccountCustomer, ContactLog, Customer, LedgerEntry, Premise, User, WorkOrder

from . import audit
from .accounts import format_account_number
from .config import settings
from .dates import db_date
from .db import transaction
from .errors import Conflict, InputError
from .money import format_cents
from .search import format_address
from .security import require
from .text import safe_text
from .workorders import create_work_order

STEPS = (("reminder", 30), ("shutoff_notice", 60), ("disconnect", 90))
LETTER_SUBJECTS = {"reminder": "Past-due reminder letter", "shutoff_notice": "Shut-off notice"}
NOTICE_DAYS = 10  # shut-off date on a notice: this many days after the letter
CHUNK = 500


@dataclass(frozen=True)
class Delinquent:
    account_id: int
    number: str
    name: str
    address: str
    mail_lines: tuple[str, ...]
    balance_cents: int
    aging: dict[str, int]
    past_due_cents: int
    step: str  # reminder, shutoff_notice, disconnect
    status: str = "active"  # the account's status (only active accounts are ordered off)
    exempt: str = ""  # why the account is never ordered off, if it is not
    open_disconnect: bool = False
    notes: list[str] = field(default_factory=list)


def _step_for(aging: dict[str, int]) -> str | None:
    if aging["90+"] > 0:
        return "disconnect"
    if aging["60"] > 0:
        return "shutoff_notice"
    if aging["30"] > 0:
        return "reminder"
    return None


def fill_newest_first(balance: int, charges: dict[str, int]) -> dict[str, int]:
    """Aging from the balance and the live charges per bucket.

    Credits pay the oldest charges first (``inquiry.age_entries``), so what is still owed is
    the newest ``balance`` cents of charges: fill the buckets from the newest back."""
    out = dict.fromkeys(("current", "30", "60", "90+"), 0)
    left = balance
    for bucket in ("current", "30", "60"):
        out[bucket] = max(0, min(left, charges.get(bucket, 0)))
        left -= out[bucket]
    out["90+"] = left
    return out


def _charges_by_bucket(as_of: _dt.date, min_balance: int) -> dict[int, tuple[int, dict[str, int]]]:
    """One grouped query: for each account owing at least ``min_balance``, its balance and
    its live charges (not reversed, not reversals) summed by age bucket."""
    d30, d60, d90 = (as_of - _dt.timedelta(days=n) for n in (30, 60, 90))
    E, R = LedgerEntry, LedgerEntry.alias("r")

    def total(cond):
        return fn.SUM(Case(None, [(cond, E.amount_cents)], 0))

    reversed_ = R.select(R.id).where(R.reverses == E.id)
    q = (E.select(E.account, Account.balance_cents, total(E.effective_on > d30), total((E.effective_on <= d30) & (E.effective_on > d60)),
                  total((E.effective_on <= d60) & (E.effective_on > d90)), total(E.effective_on <= d90))
         .join(Account, on=(Account.id == E.account))
         .where((Account.balance_cents >= min_balance) & Account.status.in_(["active", "disconnected", "final_billed"])
                & (E.amount_cents > 0) & E.reverses.is_null() & ~fn.EXISTS(reversed_))
         .group_by(E.account, Account.balance_cents).tuples())
    return {account_id: (int(balance), {"current": int(c or 0), "30": int(b30 or 0), "60": int(b60 or 0),
                                         "90+": int(b90 or 0)})
            for account_id, balance, c, b30, b60, b90 in q}


def delinquency_list(user: User, as_of: _dt.date | None = None, *, min_past_due_cents: int = 100) -> list[Delinquent]:
    """Accounts owing money 30+ days past, worst first.

    The aging of every account comes from one grouped query over the charges of accounts with
    a balance (not a row-by-row walk of every ledger), then the details of the delinquent ones."""
    require(user, "report.view")
    as_of = as_of or _dt.date.today()
    owing = _charges_by_bucket(as_of, min_past_due_cents)
    aged_all = {}
    for account_id, (balance, charges) in owing.items():
        aging = fill_newest_first(balance, charges)
        past = aging["30"] + aging["60"] + aging["90+"]
        if past >= min_past_due_cents and _step_for(aging):
            aged_all[account_id] = (aging, past)
    ids = sorted(aged_all)
    out: list[Delinquent] = []
    for start in range(0, len(ids), CHUNK):
        aged = {i: aged_all[i] for i in ids[start:start + CHUNK]}
        open_disc = {a for (a,) in WorkOrder.select(WorkOrder.account).where(
            WorkOrder.account.in_(list(aged)) & (WorkOrder.kind == "disconnect")
            & WorkOrder.status.in_(["open", "assigned"])).tuples()}
        rows = (Account.select(Account.id, Account.number, Account.balance_cents, Account.status,
                               Account.medical_certificate, Account.do_not_disconnect, Premise.house_number,
                               Premise.street, Premise.unit, Premise.city, Premise.state, Premise.zip)
                .join(Premise).where(Account.id.in_(list(aged))).tuples())
        billing = _billing_parties(list(aged))
        for (account_id, number, balance, status, medical, dnd, house, street, unit, city, state, zip_) in rows:
            aging, past = aged[account_id]
            cust = billing.get(account_id)
            exempt = "medical certificate" if medical else "do not disconnect" if dnd else ""
            address = format_address(house, street, unit)
            out.append(Delinquent(account_id, format_account_number(number), cust.name if cust else "", address,
                                  _mail_lines(cust, address, city, state, zip_), int(balance), aging, past,
                                  _step_for(aging), status, exempt, account_id in open_disc))
    out.sort(key=lambda d: (-d.aging["90+"], -d.aging["60"], -d.past_due_cents, d.number))
    return out


class _Party(NamedTuple):
    name: str
    line1: str
    line2: str
    city: str
    state: str
    zip: str


def _billing_parties(account_ids: list[int]) -> dict[int, _Party]:
    """Who gets the letter: the billing party, else the tenant, else the owner; current
    parties first, else (a final-billed account) the last ones it had, at their mailing address."""
    rank = {"billing": 0, "tenant": 1, "owner": 2}
    best: dict[int, tuple[tuple, _Party]] = {}
    q = (AccountCustomer.select(AccountCustomer.account, AccountCustomer.role, AccountCustomer.end_date,
                                Customer.display_name, Customer.mail_line1, Customer.mail_line2,
                                Customer.mail_city, Customer.mail_state, Customer.mail_zip)
         .join(Customer).where(AccountCustomer.account.in_(account_ids)).tuples())
    for account_id, role, end_date, *party in q:
        end_date = db_date(end_date)  # SQLite hands tuples back as stored text
        r = (end_date is not None, -(end_date.toordinal() if end_date else 0), rank.get(role, 9))
        if account_id not in best or r < best[account_id][0]:
            best[account_id] = (r, _Party(*party))
    return {k: v for k, (_, v) in best.items()}


def _mail_lines(cust: _Party | None, address: str, city: str, state: str, zip_: str) -> tuple[str, ...]:
    if cust is not None and cust.line1:
        where = f"{cust.city}, {cust.state} {cust.zip}".strip(", ")
        return tuple(x for x in (cust.name, cust.line1, cust.line2, where) if x)
    where = f"{city}, {state} {zip_}".strip(", ")
    return tuple(x for x in ((cust.name if cust else "Occupant"), address, where) if x)


def letter_text(d: Delinquent, kind: str, as_of: _dt.date) -> list[str]:
    district = settings().district
    lines = [district.name, district.address, district.phone, "", as_of.strftime("%B %d, %Y"), "",
             *d.mail_lines, "", f"Account {d.number}   Service address: {d.address}", ""]
    if kind == "reminder":
        lines += [f"Our records show {format_cents(d.past_due_cents)} past due on this account "
                  f"(balance {format_cents(d.balance_cents)}).",
                  "If you have already paid, thank you and please disregard this letter.",
                  f"Otherwise please pay or call us at {district.phone} to arrange a payment plan."]
    else:
        shutoff = as_of + _dt.timedelta(days=NOTICE_DAYS)
        lines += [f"SHUT-OFF NOTICE: {format_cents(d.past_due_cents)} is past due "
                  f"(balance {format_cents(d.balance_cents)}).",
                  f"Water service may be turned off on or after {shutoff.strftime('%B %d, %Y')} unless the past-due",
                  "amount is paid. A reconnect fee applies after a shut-off.",
                  "If someone in the home depends on medical equipment, call us: a medical",
                  f"certificate may postpone the shut-off. Questions: {district.phone}."]
    return [safe_text(line) for line in lines]


def send_letters(user: User, kind: str, path: str | Path, as_of: _dt.date | None = None) -> tuple[Path, int]:
    """A PDF with one letter a page for every account at this step; each letter is logged in
    the account's contact log.  Returns the path and the number of letters."""
    require(user, "collections.manage")
    if kind not in LETTER_SUBJECTS:
        raise InputError("Letter", f"must be one of {', '.join(LETTER_SUBJECTS)}")
    as_of = as_of or _dt.date.today()
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("File", f"folder {path.parent} does not exist")
    targets = [d for d in delinquency_list(user, as_of) if d.step == kind]
    from .pdf import new_pdf

    pdf = new_pdf("P", "Letter", mono=False)
    pdf.set_auto_page_break(True, margin=20)
    for d in targets:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in letter_text(d, kind, as_of):
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    if not targets:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.cell(0, 6, f"No accounts at the {kind.replace('_', ' ')} step on {as_of.isoformat()}.")
    try:
        pdf.output(str(path))
    except OSError as e:
        raise InputError("File", f"cannot write {path}: {e.strerror}") from None
    with transaction():
        for d in targets:
            ContactLog.create(account=d.account_id, channel="mail", subject=LETTER_SUBJECTS[kind],
                              text=f"Past due {format_cents(d.past_due_cents)}; balance {format_cents(d.balance_cents)}",
                              user=user.id)
        audit.record(user, f"collections.{kind}", "collections", as_of.isoformat(),
                     detail=f"{len(targets)} letters to {path}")
    return path, len(targets)


@dataclass(frozen=True)
class DisconnectRun:
    ordered: list[WorkOrder]
    skipped: list[tuple[str, str]]  # (account number, why)


def order_disconnects(user: User, as_of: _dt.date | None = None) -> DisconnectRun:
    """Disconnect work orders for active accounts 90+ days past due, except exempt ones and
    those with an open disconnect order already.  Each order is its own transaction: one that
    cannot be made (another order open at the address) is skipped with the reason."""
    require(user, "collections.manage")
    as_of = as_of or _dt.date.today()
    ordered, skipped = [], []
    for d in delinquency_list(user, as_of):
        if d.step != "disconnect" or d.exempt or d.open_disconnect or d.status != "active":
            continue
        try:
            ordered.append(create_work_order(user, kind="disconnect", account_id=d.account_id, scheduled_on=as_of,
                                             instructions=f"Non-payment: {format_cents(d.past_due_cents)} past due"))
        except Conflict as e:
            skipped.append((d.number, str(e)))
    return DisconnectRun(ordered, skipped)
