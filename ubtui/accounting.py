"""Account corrections after the day of payment: refunds of credit balances, balance
transfers between accounts, deposits applied, and write-offs (returned payments: ``returns``).

All of them are ledger postings with idempotency keys; none edits an entry.
"""
from __future__ import annotations

from dataclasses import dataclass

from models import Account, AccountCustomer, Bill, Premise, ServiceDeposit, User
from models.customers import SERVICE_ENDED

from . import audit, clock, ledger
from .accounts import format_account_number
from .addresses import format_address
from .db import is_postgres
from .errors import Conflict, InputError, NotFound
from .fees import check_amount
from .ledger import EntrySpec, PostingResult
from .money import format_cents
from .security import has_permission, require
from .validators import check_reason


def refund_credit(user: User, account_id: int, amount_cents: int, reason: str, *, key: str) -> PostingResult:
    """Refund (part of) a credit balance; the refund can never exceed the credit."""
    require(user, "refund.issue")
    reason = check_reason(reason)
    if amount_cents <= 0:
        raise InputError("Refund amount", "must be more than zero")
    check_amount(amount_cents, "Refund amount")

    def build() -> PostingResult:
        balance = _locked_balance(account_id)
        if -balance < amount_cents:
            raise InputError("Refund amount", f"{format_cents(amount_cents)} is more than the credit on the account "
                                                f"({format_cents(max(0, -balance))})")
        return ledger.write_posting(user, key, "refund", [EntrySpec(account_id, "refund", amount_cents, "refund",
                                                                    f"Refund: {reason}"[:120])], memo=reason)

    return ledger.idempotent(key, build, ledger.replay_posting)


def transfer_balance(user: User, from_account_id: int, to_account_id: int, reason: str, *, key: str,
                     amount_cents: int | None = None) -> PostingResult:
    """Move a balance (owed or credit) from one account to another, e.g. a final bill to the
    customer's new account.  Both entries are in one posting, so money is never lost or doubled.
    Between accounts that have never shared a customer (a mistyped number moves one customer's
    debt onto a stranger's bill) only with ``balance.transfer_any`` (a supervisor)."""
    require(user, "balance.transfer")
    reason = check_reason(reason)
    if from_account_id == to_account_id:
        raise InputError("To account", "must differ from the from account")
    if not has_permission(user, "balance.transfer_any") and not _share_a_customer(from_account_id, to_account_id):
        raise InputError("To account", "no customer of this account has ever been on that one: a transfer "
                                       "between different customers' accounts needs a supervisor")
    if amount_cents is not None:
        check_amount(abs(amount_cents), "Transfer amount")

    def build() -> PostingResult:
        balance = _locked_balance(from_account_id)
        _locked_balance(to_account_id)
        amount = balance if amount_cents is None else amount_cents
        if amount == 0:
            raise Conflict("nothing to transfer: the balance is zero")
        if abs(amount) > abs(balance) or (amount > 0) != (balance > 0):
            raise Conflict("the transfer must not exceed the balance or change its sign")
        src = Account.get_by_id(from_account_id)
        dst = Account.get_by_id(to_account_id)
        return ledger.write_posting(user, key, "transfer", [
            EntrySpec(from_account_id, "transfer", -amount, "transfer", f"Transfer to {format_account_number(dst.number)}: {reason}"[:120],
                      f"account:{dst.number}"),
            EntrySpec(to_account_id, "transfer", amount, "transfer", f"Transfer from {format_account_number(src.number)}: {reason}"[:120],
                      f"account:{src.number}"),
        ], memo=reason)

    return ledger.idempotent(key, build, ledger.replay_posting)


def _share_a_customer(a: int, b: int) -> bool:
    """Some customer is or was on both accounts (any role, ended or not)."""
    on_a = AccountCustomer.select(AccountCustomer.customer).where(AccountCustomer.account == a)
    return AccountCustomer.select().where((AccountCustomer.account == b)
                                          & AccountCustomer.customer.in_(on_a)).exists()


def write_off(user: User, account_id: int, reason: str, *, key: str) -> PostingResult:
    """Write off what a closed or final-billed account still owes (uncollectible)."""
    require(user, "writeoff.post")
    reason = check_reason(reason)

    def build() -> PostingResult:
        balance = _locked_balance(account_id)
        acct = Account.get_by_id(account_id)
        if acct.status not in SERVICE_ENDED:
            raise Conflict(f"account {format_account_number(acct.number)} is {acct.status}; only final-billed or closed accounts are written off")
        if balance <= 0:
            raise Conflict("nothing is owed on the account")
        return ledger.write_posting(user, key, "write_off", [EntrySpec(account_id, "write_off", -balance, "write_off",
                                                                       f"Write-off: {reason}"[:120])], memo=reason)

    return ledger.idempotent(key, build, ledger.replay_posting)


def _locked_balance(account_id: int) -> int:
    """The balance, with the account row locked until commit on PostgreSQL (SQLite's
    BEGIN IMMEDIATE already holds the write lock)."""
    q = Account.select(Account.balance_cents).where(Account.id == account_id)
    if is_postgres():
        q = q.for_update()
    row = q.first()
    if row is None:
        raise NotFound(f"no account id {account_id}")
    return int(row.balance_cents)


def apply_deposit(user: User, account_id: int, *, key: str) -> PostingResult:
    """Apply the service deposit held on an account to what it owes (typically at the final
    bill); any excess leaves a credit for ``refund_credit``.  The deposit stops being held.
    Only after the account's final bill: the deposit secures that bill."""
    require(user, "adjustment.post")
    return apply_held_deposit(user, account_id, key=key)


def apply_held_deposit(user: User, account_id: int, *, key: str) -> PostingResult:
    """``apply_deposit`` without its permission check: for the caller that checked its own
    (completing the turn-off applies the deposit after posting the final bill)."""

    def build() -> PostingResult:
        _locked_balance(account_id)
        if not Bill.select().where((Bill.account == account_id) & (Bill.kind == "final")
                                   & (Bill.status == "posted")).exists():
            raise Conflict("the account has no final bill yet: the deposit is applied after the final bill")
        held = list(ServiceDeposit.select().where((ServiceDeposit.account == account_id)
                                                  & (ServiceDeposit.status == "held")))
        amount = sum(d.amount_cents for d in held)
        if amount == 0:
            raise Conflict("no deposit is held on the account")
        result = ledger.write_posting(user, key, "deposit", [EntrySpec(
            account_id, "deposit", -amount, "deposit", "Deposit applied to account")])
        ServiceDeposit.update(status="applied", released_on=clock.today()).where(
            ServiceDeposit.id.in_([d.id for d in held])).execute()
        before = Account.get_by_id(account_id)
        Account.update(deposit_held_cents=Account.deposit_held_cents - amount).where(Account.id == account_id).execute()
        audit.record(user, "deposit.apply", "account", account_id, before=before, after=Account.get_by_id(account_id))
        return result

    return ledger.idempotent(key, build, ledger.replay_posting)


# --- read-only helper for the screens ----------------------------------------------------------
@dataclass(frozen=True)
class RelatedAccount:
    account_id: int
    number: str  # formatted, "0001234-5"
    address: str
    status: str
    balance_cents: int


def related_accounts(user: User, account_id: int) -> list[RelatedAccount]:
    """Other accounts of this account's current customers (where a balance is usually moved),
    open ones first."""
    require(user, "account.view")
    customers = (AccountCustomer.select(AccountCustomer.customer)
                 .where((AccountCustomer.account == account_id) & AccountCustomer.end_date.is_null()))
    q = (Account.select(Account, Premise).join(Premise)
         .where(Account.id.in_(AccountCustomer.select(AccountCustomer.account)
                               .where(AccountCustomer.customer.in_(customers)))
                & (Account.id != account_id))
         .order_by(Account.status.in_(SERVICE_ENDED), Account.number))
    return [RelatedAccount(a.id, format_account_number(a.number),
                           format_address(a.premise.house_number, a.premise.street, a.premise.unit),
                           a.status, int(a.balance_cents)) for a in q]
