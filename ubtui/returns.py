"""Returned payments (NSF, closed account, stop payment): the payment reversed exactly, the
returned-payment fee, no checks after repeated returns, and the returned-payment letter to each
account -- all in one transaction.  Above ``accounting`` and ``collections`` (it sends their
letter), so neither has to import the other.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from models import Account, LedgerEntry, Payment, Posting, Tender, User
from models.cashier import by_receipt, returned_since

from . import audit, clock, ledger
from .accounts import set_payment_flags
from .collections import account_letter
from .config import settings
from .errors import Conflict, InputError, NotFound
from .ledger import EntrySpec, PostingResult
from .money import format_cents
from .security import require
from .validators import check_reason

# What a bank or card processor can send back (NSF, closed account, stop payment, chargeback,
# a returned ACH debit); cash in the drawer never comes back.
RETURNABLE = frozenset({"check", "money_order", "card", "ach"})


def returnable(tender_kinds) -> bool:
    """A receipt paid with these tenders can be returned whole: none of them was cash (a
    receipt with no tender rows, an old import, is taken as electronic)."""
    return all(k in RETURNABLE for k in tender_kinds)


def _check_returnable(payment: Payment) -> None:
    """Refuse a receipt a bank cannot have returned: paid in cash, or partly in cash (the
    reversal is exact, so it would charge the customer again for the cash)."""
    tenders = list(Tender.select(Tender.kind, Tender.amount_cents).where(Tender.payment == payment.id))
    cash = sum(t.amount_cents for t in tenders if t.kind not in RETURNABLE)
    if not cash:
        return
    n = payment.receipt_number
    if cash == sum(t.amount_cents for t in tenders):
        raise InputError("Receipt", f"{n} was paid in cash: a bank cannot return it (a mistake is voided "
                                    f"the same day, or corrected by an adjustment)")
    raise InputError("Receipt", f"{n} was paid {format_cents(cash)} in cash too: returning it would charge "
                                f"the cash again; charge the returned part back as an adjustment")


@dataclass(frozen=True)
class ReturnedPayment:
    receipt_number: str
    reversal: PostingResult
    fee_cents: int
    no_checks_set: bool


def return_payment(user: User, receipt_number: str, reason: str, *, charge_fee: bool = True) -> ReturnedPayment:
    """A payment the bank returned (NSF, closed account, stop payment): reverse it exactly,
    charge the returned-payment fee, and after repeated returns refuse checks on the account."""
    require(user, "payment.return")
    reason = check_reason(reason)
    payment = Payment.get_or_none(by_receipt(receipt_number.strip()))
    if payment is None:
        raise NotFound(f"no receipt {receipt_number}")
    if payment.status != "posted":
        raise Conflict(f"receipt {payment.receipt_number} is already {payment.status}")
    _check_returnable(payment)
    cfg = settings()
    key = f"return:{payment.receipt_number}"

    def build() -> ReturnedPayment:
        entries = list(LedgerEntry.select().where(LedgerEntry.posting == payment.posting_id))
        specs = [EntrySpec(e.account_id, "reversal", -e.amount_cents, e.category,
                           f"Returned payment {payment.receipt_number}: {reason}"[:120],
                           f"receipt:{payment.receipt_number}", None, e.id) for e in entries]
        result = ledger.write_posting(user, key, "reversal", specs, memo=f"returned: {reason}")
        fee = cfg.nsf_fee_cents if charge_fee else 0
        account_ids = sorted({e.account_id for e in entries})
        if fee:
            ledger.write_posting(user, f"{key}:fee", "fee", [EntrySpec(
                account_ids[0], "fee", fee, "nsf_fee", f"Returned payment fee ({payment.receipt_number})")])
        n = Payment.update(status="returned", void_posting=result.posting_id, void_reason=reason).where(
            (Payment.id == payment.id) & (Payment.status == "posted")).execute()
        if n != 1:
            raise Conflict(f"receipt {payment.receipt_number} changed meanwhile; look again")
        audit.record(user, "payment.return", "payment", payment.id, before=payment,
                     after=Payment.get_by_id(payment.id), detail=reason)
        for account_id in account_ids:  # each account whose part of the payment came back
            returned = -sum(e.amount_cents for e in entries if e.account_id == account_id)
            account_letter(user, account_id, "returned_payment", amount_cents=returned,
                           fee_cents=fee if account_id == account_ids[0] else 0)
        set_flag = False
        was_check = Tender.select().where((Tender.payment == payment.id) & (Tender.kind == "check")).exists()
        if was_check:
            year_ago = clock.now() - _dt.timedelta(days=365)
            for account_id in account_ids:
                returns = returned_since([account_id], year_ago)
                acct = Account.get_by_id(account_id)
                if returns >= cfg.nsf_no_checks_after and not acct.no_checks:
                    set_payment_flags(user, account_id, no_checks=True,
                                      reason=f"{returns} returned payments in 12 months")
                    set_flag = True
        return ReturnedPayment(payment.receipt_number, result, fee, set_flag)

    def replay(posting: Posting) -> ReturnedPayment:
        fee = LedgerEntry.select(LedgerEntry.amount_cents).join(Posting).where(
            Posting.idempotency_key == f"{key}:fee").scalar() or 0
        return ReturnedPayment(payment.receipt_number, ledger.replay_posting(posting), fee, False)

    return ledger.idempotent(key, build, replay)
