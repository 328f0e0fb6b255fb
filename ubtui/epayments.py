"""Electronic payments: the day's file from the card / e-check processor (web and phone
payments), posted in one go.

The file is CSV with a header naming at least ``account``, ``amount`` and ``reference`` (the
processor's transaction id); ``paid_on`` (YYYY-MM-DD or MM/DD/YYYY, default the business
day), ``method`` (card or ach, default card), ``payer`` and ``last4`` are read when present.
Every line is checked before anything is written, and a file with any wrong line posts
nothing: the error names the file's line ("payments.csv, line 7: amount '12.3.4' is not an
amount").  Each payment is posted with the idempotency key of its reference, so a file
imported twice (or two files that overlap) posts each payment once; the second import says
how many it found already posted.  A disconnected account paid to the fee schedule's
condition gets its reconnect ordered, as at the counter.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from models import Account, Payment, Posting, Tender, User

from . import audit, clock, ledger
from .accounts import format_account_number, normalize_account_number
from .config import settings
from .csvfile import data_lines, open_csv, past_date, quoted, read_text, refuse
from .db import transaction
from .errors import InputError
from .ledger import EntrySpec
from .money import format_cents, parse_amount
from .security import require
from .text import safe_text

COLUMNS = {
    "account": ("account", "account_number", "acct"),
    "amount": ("amount", "paid", "payment_amount"),
    "reference": ("reference", "transaction_id", "txn_id", "confirmation"),
    "paid_on": ("paid_on", "date", "payment_date"),
    "method": ("method", "type", "payment_type"),
    "payer": ("payer", "name", "payer_name"),
    "last4": ("last4", "card_last4", "last_4"),
}
METHODS = {"card": "card", "credit": "card", "debit": "card", "ach": "ach", "echeck": "ach", "e-check": "ach",
           "check": "ach"}
MAX_REFERENCE = 40
_REFERENCE = re.compile(r"[A-Za-z0-9_.:\-]+")


@dataclass(frozen=True)
class EPayment:
    line: int
    account: str  # as stored (8 digits)
    cents: int
    reference: str
    paid_on: _dt.date
    method: str
    payer: str
    last4: str


@dataclass
class EImport:
    posted: int = 0
    total_cents: int = 0
    already: int = 0  # lines whose reference was posted by an earlier import
    reconnects: list[str] = field(default_factory=list)


def parse_payment_file(text: str, source: str = "<file>", today: _dt.date | None = None) -> list[EPayment]:
    """The payments of a processor file; every problem collected with its line, and the whole
    file refused (InputError naming the first line) when there is any."""
    today = today or clock.today()
    reader, names, index = open_csv(text, source, COLUMNS, ("account", "amount", "reference"))
    rows: list[EPayment] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, values in data_lines(reader, source, len(names), errors):

        def cell(name: str, values=values) -> str:
            return values[index[name]].strip() if name in index else ""
        try:
            number = normalize_account_number(cell("account"))
        except InputError as e:
            errors.append(f"line {line}: account {quoted(cell('account'))}: {e.reason}")
            continue
        if number is None:
            errors.append(f"line {line}: account {quoted(cell('account'))} is not an account number")
            continue
        try:
            cents = parse_amount(cell("amount"), field="amount", max_cents=settings().max_amount_cents)
        except InputError as e:
            errors.append(f"line {line}: {e.field} {quoted(cell('amount'))}: {e.reason}")
            continue
        reference = cell("reference")
        if not _REFERENCE.fullmatch(reference) or len(reference) > MAX_REFERENCE:
            errors.append(f"line {line}: reference {quoted(reference, 50)} is not a transaction id "
                          f"(letters, digits and - _ . : only, at most {MAX_REFERENCE})")
            continue
        if reference in seen:
            errors.append(f"line {line}: reference {reference} is also on line {seen[reference]}")
            continue
        seen[reference] = line
        paid_on = past_date(cell("paid_on"), line, today, errors) if cell("paid_on") else today
        if paid_on is None:
            continue
        method = METHODS.get(cell("method").lower() or "card")
        if method is None:
            errors.append(f"line {line}: method {quoted(cell('method'))} is not card or ach")
            continue
        last4 = cell("last4")
        if last4 and not (last4.isdigit() and len(last4) == 4):
            errors.append(f"line {line}: last4 {quoted(last4)} is not the last 4 digits (never the "
                          "whole card number)")
            continue
        rows.append(EPayment(line, number, cents, reference, paid_on, method,
                             safe_text(cell("payer"))[:80], last4))
    if not rows and not errors:
        errors.append("line 2: no payments in the file")
    refuse(errors, source)
    return rows


def import_payments(user: User, path: str | Path | None = None, *, text: str | None = None) -> EImport:
    """Post a processor's payment file: all of it, or nothing (see the module doc)."""
    require(user, "payment.import")
    name, text = read_text(path, text, "payment")
    rows = parse_payment_file(text, name)
    out = EImport()
    business_date = clock.today()
    with transaction():
        accounts = {a.number: a for a in Account.select().where(Account.number.in_(list({r.account for r in rows})))}
        refuse([f"line {r.line}: no account {format_account_number(r.account)}"
                for r in rows if r.account not in accounts], name)
        taken = {k for (k,) in Posting.select(Posting.idempotency_key).where(
            Posting.idempotency_key.in_([f"epay:{r.reference}" for r in rows])).tuples()}
        paid: list[int] = []
        posted: list[list] = []
        for r in rows:
            key = f"epay:{r.reference}"
            if key in taken:
                out.already += 1
                continue
            acct = accounts[r.account]
            res = ledger.write_posting(user, key, "payment", [EntrySpec(
                acct.id, "payment", -r.cents, "", f"Payment ({'card' if r.method == 'card' else 'e-check'}, online)",
                f"epay:{r.reference}", r.paid_on)], memo=f"electronic payment {r.reference}", audited=False)
            receipt = f"EP{business_date:%y%m%d}-{res.posting_id}"[:20]
            pay = Payment.create(receipt_number=receipt, posting=res.posting_id, user=user.id,
                                 total_cents=r.cents, channel="online", payer_name=r.payer,
                                 business_date=business_date)
            Tender.create(payment=pay, seq=1, kind=r.method, amount_cents=r.cents, card_last4=r.last4,
                          auth_code=r.reference[:12])
            out.posted += 1
            out.total_cents += r.cents
            paid.append(acct.id)
            posted.append([r.line, r.reference, res.posting_id, r.account, r.cents])
        # one audit row for the file: each payment's line, reference, posting, account and cents
        audit.record(user, "payment.import", "payment_file", Path(name).name[-40:],
                     after={"posted": posted, "total_cents": out.total_cents, "already": out.already,
                            "lines": len(rows)},
                     detail=f"{out.posted} electronic payments, {format_cents(out.total_cents)}: {name}"[:500])
    if paid:
        from .workorders import reconnect_after_payment  # the payments stand whatever happens here
        out.reconnects = [r.message for r in reconnect_after_payment(user, sorted(set(paid)))]
    return out
