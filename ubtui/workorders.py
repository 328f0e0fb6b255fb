"""Field work orders and starting/stopping service.

Work orders cover turn-on/off, reread, leak investigation, meter test/repair, new installs,
meter changes, disconnects and reconnects.  Completing one changes the account status it
implies (turn-on -> active, disconnect -> disconnected, reconnect -> active, stop -> final
billed), each change audited.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from peewee import JOIN, Case, fn

from models import Account, AccountCustomer, Customer, Premise, ServiceDeposit, User, WorkOrder
from models.service import WORK_ORDER_KINDS

from . import audit, clock, fees, ledger
from .accounts import STATUS_BY_WORK_ORDER, format_account_number, open_account, set_status
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .ledger import EntrySpec
from .search import format_address
from .security import require

STATUS_AFTER = STATUS_BY_WORK_ORDER
PRIORITIES = ("low", "normal", "high", "emergency")


def _next_number() -> str:
    last = WorkOrder.select(fn.MAX(WorkOrder.id)).scalar() or 0
    return f"WO{last + 1:07d}"


def create_work_order(user: User, *, kind: str, account_id: int | None = None, premise_id: int | None = None,
                      instructions: str = "", scheduled_on: _dt.date | None = None, priority: str = "normal",
                      meter_id: int | None = None, as_of: _dt.date | None = None) -> WorkOrder:
    """A work order.  A disconnect needs a supervisor and an account on today's shut-off list
    (``collections.check_disconnect``): whatever the path, no disconnect without the notices."""
    require(user, "workorder.create")
    if kind not in WORK_ORDER_KINDS:
        raise InputError("Kind", f"must be one of {', '.join(WORK_ORDER_KINDS)}")
    if priority not in PRIORITIES:
        raise InputError("Priority", f"must be one of {', '.join(PRIORITIES)}")
    with transaction():
        if kind == "disconnect":
            from .collections import check_disconnect  # collections orders its disconnects through here
            check_disconnect(user, account_id, premise_id, as_of)
        if account_id is not None:
            acct = Account.get_or_none(Account.id == account_id)
            if acct is None:
                raise NotFound(f"no account id {account_id}")
            premise_id = premise_id or acct.premise_id
        if premise_id is None:
            raise InputError("Account", "a work order needs an account or a service address")
        dup = (WorkOrder.select().where((WorkOrder.premise == premise_id) & (WorkOrder.kind == kind)
                                         & (WorkOrder.status.in_(["open", "assigned"]))).first())
        if dup is not None:
            raise Conflict(f"work order {dup.number} ({kind.replace('_', ' ')}) is already open for this address")
        wo = WorkOrder.create(number=_next_number(), account=account_id, premise=premise_id, meter=meter_id,
                              kind=kind, priority=priority, requested_on=clock.today(),
                              scheduled_on=scheduled_on, instructions=instructions.strip(), created_by=user.id)
        audit.record(user, "workorder.create", "work_order", wo.id, after=wo)
    return wo


def _close_work_order(user: User, work_order_id: int, action: str, **changes) -> tuple[WorkOrder, WorkOrder]:
    """Inside a transaction: move an open work order to done/cancelled, audited."""
    before = WorkOrder.get_or_none(WorkOrder.id == work_order_id)
    if before is None:
        raise NotFound(f"no work order id {work_order_id}")
    if before.status in ("done", "cancelled"):
        raise Conflict(f"work order {before.number} is already {before.status}")
    WorkOrder.update(**changes).where(WorkOrder.id == work_order_id).execute()
    after = WorkOrder.get_by_id(work_order_id)
    audit.record(user, action, "work_order", work_order_id, before=before, after=after)
    return before, after


def complete_work_order(user: User, work_order_id: int, result: str, *,
                        completed_on: _dt.date | None = None) -> WorkOrder:
    require(user, "workorder.update")
    if not result or not result.strip():
        raise InputError("Result", "say what the field found or did")
    with transaction():
        _, after = _close_work_order(user, work_order_id, "workorder.complete", status="done",
                                     result=result.strip(), completed_on=completed_on or clock.today())
        if after.kind == "disconnect":
            from .collections import check_disconnect_completion
            check_disconnect_completion(after.account_id, after.completed_on)
        new_status = STATUS_AFTER.get(after.kind)
        if new_status and after.account_id:
            set_status(user, after.account_id, new_status, work_order=after)
    return after


def cancel_work_order(user: User, work_order_id: int, reason: str) -> WorkOrder:
    require(user, "workorder.update")
    if not reason or not reason.strip():
        raise InputError("Reason", "say why the work order is cancelled")
    with transaction():
        _, after = _close_work_order(user, work_order_id, "workorder.cancel", status="cancelled",
                                     result=f"Cancelled: {reason.strip()}")
    return after


@dataclass(frozen=True)
class StartedService:
    account: Account
    work_order: WorkOrder
    deposit_cents: int


def start_service(user: User, *, premise: Premise, customer: Customer, role: str = "tenant",
                  account_class: str = "residential", rate_code: str = "RES", cycle: str = "1",
                  turn_on: _dt.date | None = None, deposit_cents: int | None = None,
                  approver: User | None = None) -> StartedService:
    """Open a pending account, bill the service deposit and order the turn-on.

    The deposit is the fee schedule's for the class unless given; more than that needs a
    supervisor's ``approver`` (``ubtui.fees``).  One transaction: either all of it happens or
    none; a second submit finds the address already served and is refused."""
    require(user, "account.create")
    require(user, "workorder.create")
    scheduled = fees.deposit_for(account_class)
    deposit_cents = fees.check_scheduled(scheduled if deposit_cents is None else deposit_cents, scheduled,
                                         "Deposit", approver)
    with transaction():
        busy = (Account.select().where((Account.premise == premise.id)
                                       & Account.status.in_(["pending", "active"])).first())
        if busy is not None:
            raise Conflict(f"address already has service on account {format_account_number(busy.number)}; stop it first")
        acct = open_account(user, premise=premise, customers=[(customer, role)], account_class=account_class,
                            rate_code=rate_code, cycle=cycle, status="pending", opened_on=turn_on)
        if deposit_cents:
            ledger.write_posting(user, f"deposit:{acct.number}", "deposit", [EntrySpec(
                acct.id, "deposit", deposit_cents, "deposit", "Service deposit")])
            ServiceDeposit.create(account=acct, amount_cents=deposit_cents, received_on=clock.today(),
                                  status="held", note="billed at start of service")
            Account.update(deposit_held_cents=Account.deposit_held_cents + deposit_cents).where(
                Account.id == acct.id).execute()
        wo = create_work_order(user, kind="turn_on", account_id=acct.id, scheduled_on=turn_on,
                               instructions="Start service: read meter and turn on")
    return StartedService(Account.get_by_id(acct.id), wo, deposit_cents)


def stop_service(user: User, account_id: int, *, stop_on: _dt.date, forwarding: dict | None = None) -> WorkOrder:
    """Order the final read and turn-off; the final bill comes from the billing run."""
    require(user, "workorder.create")
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        raise NotFound(f"no account id {account_id}")
    if acct.status in ("closed", "final_billed"):
        raise Conflict(f"account {format_account_number(acct.number)} is already {acct.status.replace('_', ' ')}")
    note = "Stop service: final read and turn off"
    if forwarding:
        note += "; forwarding address: " + ", ".join(str(v) for v in forwarding.values() if v)
    return create_work_order(user, kind="turn_off", account_id=account_id, scheduled_on=stop_on, instructions=note)


def reconnect_candidates(user: User) -> list[Account]:
    """Disconnected accounts with nothing owed and no open reconnect order: restore service."""
    require(user, "account.view")
    open_reconnects = (WorkOrder.select(WorkOrder.account).where(
        (WorkOrder.kind == "reconnect") & WorkOrder.status.in_(["open", "assigned"])))
    return list(Account.select().where((Account.status == "disconnected") & (Account.balance_cents <= 0)
                                       & Account.id.not_in(open_reconnects)).order_by(Account.number))


def request_reconnect(user: User, account_id: int, *, fee_cents: int | None = None, after_hours: bool = False,
                      approver: User | None = None) -> WorkOrder:
    """Order the reconnect and charge the reconnect fee in one transaction.

    The fee is the schedule's (its after-hours variant when ``after_hours``) unless given
    (0 waives it); more than the schedule needs a supervisor's ``approver``.  A second
    request while the order is open is refused, so the fee is never charged twice."""
    require(user, "workorder.create")
    scheduled = fees.reconnect_fee(after_hours)
    fee_cents = fees.check_scheduled(scheduled if fee_cents is None else fee_cents, scheduled,
                                     "Reconnect fee", approver)
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        if acct.status != "disconnected":
            raise Conflict(f"account {format_account_number(acct.number)} is {acct.status}, not disconnected")
        wo = create_work_order(user, kind="reconnect", account_id=account_id, priority="high",
                               instructions="Payment received: restore service")
        if fee_cents:
            ledger.write_posting(user, f"reconnect-fee:{wo.number}", "fee", [EntrySpec(
                acct.id, "fee", fee_cents, "reconnect_fee", f"Reconnect fee ({wo.number})")])
    return wo


# --- read-only helpers for the screens ---------------------------------------------------------
@dataclass(frozen=True)
class OpenOrder:
    work_order_id: int
    number: str
    kind: str
    priority: str
    status: str
    account_id: int | None
    account_number: str
    address: str
    requested_on: _dt.date
    scheduled_on: _dt.date | None
    instructions: str


def open_work_orders(user: User, *, account_id: int | None = None, limit: int = 500) -> list[OpenOrder]:
    """Open and assigned work orders (of one account, or all), most urgent and oldest first."""
    require(user, "account.view")
    q = (WorkOrder.select(WorkOrder, Premise, Account)
         .join_from(WorkOrder, Premise, on=(WorkOrder.premise == Premise.id))
         .join_from(WorkOrder, Account, JOIN.LEFT_OUTER, on=(WorkOrder.account == Account.id))
         .where(WorkOrder.status.in_(["open", "assigned"])))
    if account_id is not None:
        q = q.where(WorkOrder.account == account_id)
    urgency = Case(WorkOrder.priority, [(p, i) for i, p in enumerate(reversed(PRIORITIES))], len(PRIORITIES))
    rows = []
    for w in q.order_by(urgency, WorkOrder.requested_on, WorkOrder.id).limit(limit):
        acct = w.account if w.account_id else None
        rows.append(OpenOrder(w.id, w.number, w.kind, w.priority, w.status, w.account_id,
                              format_account_number(acct.number) if acct else "",
                              format_address(w.premise.house_number, w.premise.street, w.premise.unit),
                              w.requested_on, w.scheduled_on, w.instructions))
    return rows


def service_parties(user: User, account_id: int) -> tuple[Premise, list[tuple[Customer, str]]]:
    """The premise of an account and its current customers with their roles (for start_service)."""
    require(user, "account.view")
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        raise NotFound(f"no account id {account_id}")
    links = (AccountCustomer.select(AccountCustomer, Customer).join(Customer)
             .where((AccountCustomer.account == account_id) & AccountCustomer.end_date.is_null())
             .order_by(AccountCustomer.id))
    return Premise.get_by_id(acct.premise_id), [(ac.customer, ac.role) for ac in links]
