"""A customer moving (stop here, start there) as one flow, and the credit left after a final
bill: refunded, or transferred to the customer's new account.

``move_service`` orders the final read at the old address and starts service at the new one
in one transaction, carrying the customer (and their role) over; the old account remembers
the new one (``account.moved_to_account_id``).  When the turn-off is completed and the final
bill posts (``fieldwork.complete_work_order``), a credit left after the deposit moves to the
new account with ``accounting.transfer_balance`` (its permission and limits: a user who may
not transfer leaves the credit, listed by ``final_credits`` and settled by
``settle_final_credit``).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from models import Account, Bill, Premise, User, WorkOrder
from models.customers import SERVICE_ENDED

from . import accounting, audit, fees
from .accounts import customer_of_record, format_account_number, get_account
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .fieldwork import stop_service
from .ledger import PostingResult
from .security import require
from .workorders import StartedService, start_service


@dataclass(frozen=True)
class Moved:
    stop_order: WorkOrder  # the final read and turn-off at the old address
    started: StartedService  # the new account, its deposit and turn-on


def _premise_mail(premise: Premise) -> dict:
    street = " ".join(x for x in (premise.house_number, premise.street) if x)
    if premise.unit:
        street += f" #{premise.unit}" if not premise.unit.startswith("#") else f" {premise.unit}"
    return {k: v for k, v in {"line1": street, "city": premise.city, "state": premise.state,
                              "zip": premise.zip}.items() if v}


def move_service(user: User, account_id: int, *, premise: Premise, stop_on: _dt.date,
                 start_on: _dt.date | None = None, account_class: str | None = None, rate_code: str | None = None,
                 cycle: str | None = None, deposit_cents: int | None = None, approver: User | None = None,
                 debt: str = "refuse", ends_on: _dt.date | None = None, waiver: fees.Waiver | None = None,
                 forwarding: dict | None = None, approver_username: str = "",
                 approver_password: str = "", meter_size: str | None = None,
                 install_fee_cents: int | None = None) -> Moved:
    """Stop service on ``account_id`` on ``stop_on`` (final read order) and start it at
    ``premise`` on ``start_on`` (default: the stop date) for the same customer in the same
    role, in one transaction.  Class, rate code and cycle are the old account's unless given.
    The forwarding address (the final bill's) is ``forwarding``, or the new address.  The old
    account's balance is not prior debt here: its final bill settles it, and a credit left
    after the final bill and the deposit moves to the new account.  A new address without a
    meter gets a new install (``meter_size``, ``install_fee_cents``: as ``start_service``)."""
    require(user, "account.create")
    require(user, "workorder.create")
    if stop_on is None:
        raise InputError("Stop on", "type the last day at the old address")
    start_on = start_on or stop_on
    if start_on < stop_on - _dt.timedelta(days=60):
        raise InputError("Start on", f"{start_on} is long before the stop on {stop_on}")
    with transaction():
        old = Account.get_or_none(Account.id == account_id)
        if old is None:
            raise NotFound(f"no account id {account_id}")
        if old.premise_id == premise.id:
            raise InputError("New address", "is the address service stops at")
        if old.moved_to_account_id:
            raise Conflict(f"account {format_account_number(old.number)} has moved already")
        party = customer_of_record(old.id)
        if party is None:
            raise Conflict(f"account {format_account_number(old.number)} has no customer to move")
        from models import Customer
        customer = Customer.get_by_id(party.customer_id)
        klass = account_class or old.account_class
        started = start_service(user, premise=premise, customer=customer, role=party.role, account_class=klass,
                                rate_code=rate_code or (old.rate_code if klass == old.account_class else None),
                                cycle=cycle or old.cycle, turn_on=start_on, deposit_cents=deposit_cents,
                                approver=approver, debt=debt, ends_on=ends_on, waiver=waiver, moving_from=old.id,
                                approver_username=approver_username, approver_password=approver_password,
                                premise_field="New address", meter_size=meter_size,
                                install_fee_cents=install_fee_cents)
        stop = stop_service(user, old.id, stop_on=stop_on,
                            forwarding=forwarding if forwarding else _premise_mail(premise))
        Account.update(moved_to_account_id=started.account.id).where(Account.id == old.id).execute()
        audit.record(user, "service.move", "account", old.id, before={"moved_to_account_id": None},
                     after={"moved_to_account_id": started.account.id},
                     detail=f"moves to {format_account_number(started.account.number)} "
                            f"({stop.number} stop, {started.work_order.number} start)")
    return Moved(stop, started)


def _final_billed(acct: Account) -> None:
    if acct.status not in SERVICE_ENDED:
        raise Conflict(f"account {format_account_number(acct.number)} is {acct.status.replace('_', ' ')}: "
                       "its credit is settled after the final bill")
    if not Bill.select().where((Bill.account == acct.id) & (Bill.kind == "final")).exists():
        raise Conflict(f"account {format_account_number(acct.number)} has no final bill yet")


SETTLE_CHOICES = ("refund", "transfer")


@dataclass(frozen=True)
class Settled:
    how: str  # refund or transfer
    amount_cents: int
    to_number: str  # formatted number of the account a transfer went to ("" for a refund)
    posting: PostingResult


def settle_final_credit(user: User, account: str | int, how: str, *, reason: str,
                        to_account: str | int | None = None) -> Settled:
    """After the final bill: the whole credit of the account refunded (``refund_credit``: its
    permission and limits) or transferred (``transfer_balance``) to ``to_account``, by default
    the account the customer moved to."""
    if how not in SETTLE_CHOICES:
        raise InputError("Refund or transfer", f"must be one of {', '.join(SETTLE_CHOICES)}")
    acct = get_account(account)
    _final_billed(acct)
    credit = -int(acct.balance_cents)
    if credit <= 0:
        raise Conflict(f"account {format_account_number(acct.number)} has no credit to settle")
    if how == "refund":
        return Settled(how, credit, "", accounting.refund_credit(user, acct.id, credit, reason,
                                                                key=f"final-refund:{acct.number}"))
    if to_account in (None, ""):
        if not acct.moved_to_account_id:
            raise InputError("To account", "name the customer's new account")
        dest = Account.get_by_id(acct.moved_to_account_id)
    else:
        dest = get_account(to_account)
    if dest.status in SERVICE_ENDED:
        raise InputError("To account", f"{format_account_number(dest.number)} is {dest.status.replace('_', ' ')}")
    posting = accounting.transfer_balance(user, acct.id, dest.id, reason, key=f"final-transfer:{acct.number}")
    return Settled(how, credit, format_account_number(dest.number), posting)


@dataclass(frozen=True)
class FinalCredit:
    account_id: int
    number: str  # formatted
    credit_cents: int
    moved_to: str  # formatted number of the account moved to, or ""


def final_credits(user: User, limit: int = 500) -> list[FinalCredit]:
    """Final-billed and closed accounts left with a credit: to refund or transfer."""
    require(user, "account.view")
    q = (Account.select().where(Account.status.in_(SERVICE_ENDED) & (Account.balance_cents < 0))
         .order_by(Account.number).limit(limit))
    rows = list(q)
    moved = {a.id: a.number for a in Account.select(Account.id, Account.number).where(
        Account.id.in_([r.moved_to_account_id for r in rows if r.moved_to_account_id]))} if rows else {}
    return [FinalCredit(a.id, format_account_number(a.number), -int(a.balance_cents),
                        format_account_number(moved[a.moved_to_account_id]) if a.moved_to_account_id in moved else "")
            for a in rows]
