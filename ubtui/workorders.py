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
from models.customers import ACCOUNT_CLASSES
from models.service import WORK_ORDER_KINDS

from . import accounting, audit, clock, fees, ledger
from .accounts import STATUS_BY_WORK_ORDER, customer_of_record, format_account_number, open_account, set_status
from .db import transaction
from .errors import Conflict, InputError, NotFound, PermissionDenied
from .ledger import EntrySpec
from .money import format_cents
from .rates import active_schedule
from .search import format_address
from .security import has_permission, require

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


# Completing one of these kinds may record the meter read the field took.
READ_KINDS = ("turn_on", "turn_off", "reread", "reconnect", "disconnect", "meter_test", "high_bill",
              "low_pressure", "leak_investigation")


def _premise_meter(premise_id: int | None, meter_id: int | None):
    from models import Meter
    if meter_id is not None:
        return Meter.get_or_none(Meter.id == meter_id)
    return (Meter.select().where((Meter.premise == premise_id) & Meter.removed_on.is_null())
            .order_by(Meter.id.desc()).first())


def complete_work_order(user: User, work_order_id: int, result: str, *,
                        completed_on: _dt.date | None = None, reading=None) -> WorkOrder:
    """Close a work order with what the field found.  ``reading`` (a read the field took)
    is recorded as a meter reading of the premise's meter on the completion date.  A
    turn-off then closes the account on that date, posts its final bill at once (prorated
    by days, ``billing.post_final_bill``) and applies any deposit held to it."""
    require(user, "workorder.update")
    if not result or not result.strip():
        raise InputError("Result", "say what the field found or did")
    has_read = reading is not None and str(reading).strip() != ""
    with transaction():
        wo = WorkOrder.get_or_none(WorkOrder.id == work_order_id)
        if wo is None:
            raise NotFound(f"no work order id {work_order_id}")
        done_on = completed_on or clock.today()
        if has_read:
            if wo.kind not in READ_KINDS:
                raise InputError("Reading", f"a {wo.kind.replace('_', ' ')} order takes no meter read")
            meter = _premise_meter(wo.premise_id, wo.meter_id)
            if meter is None:
                raise InputError("Reading", "the address has no meter in service to record it on")
            from .readings import enter_reading
            enter_reading(user, meter.id, done_on, reading, note=f"work order {wo.number}")
        _, after = _close_work_order(user, work_order_id, "workorder.complete", status="done",
                                     result=result.strip(), completed_on=done_on)
        if after.kind == "disconnect":
            from .collections import check_disconnect_completion
            check_disconnect_completion(after.account_id, after.completed_on)
        new_status = STATUS_AFTER.get(after.kind)
        if new_status and after.account_id:
            set_status(user, after.account_id, new_status, work_order=after)
        if after.kind == "turn_off" and after.account_id:
            _close_account(user, after)
    return after


def _close_account(user: User, wo: WorkOrder) -> None:
    """After a turn-off: the closing date, the final bill, then the deposit against it."""
    from .accounting import apply_held_deposit
    from .billing import post_final_bill
    acct = Account.get_by_id(wo.account_id)
    before = acct.closed_on
    Account.update(closed_on=wo.completed_on).where(Account.id == acct.id).execute()
    audit.record(user, "account.close", "account", acct.id, before={"closed_on": before},
                 after={"closed_on": wo.completed_on}, detail=f"by work order {wo.number}")
    post_final_bill(user, acct.id, work_order=wo)
    if acct.deposit_held_cents:
        apply_held_deposit(user, acct.id, key=f"final-deposit:{acct.number}")
    if acct.moved_to_account_id:
        _forward_final_credit(user, acct.id)


def _forward_final_credit(user: User, account_id: int) -> None:
    """(Inside the turn-off's transaction, after the final bill and the deposit) a credit left
    on a moved account goes to the account it moved to (``accounting.transfer_balance``: its
    permission).  A user who may not transfer balances leaves it, audited; ``ubtui.moves``
    lists such credits (``final_credits``) and settles them (``settle_final_credit``)."""
    acct = Account.get_by_id(account_id)
    if int(acct.balance_cents) >= 0:
        return
    if not has_permission(user, "balance.transfer"):
        audit.record(user, "service.move_credit_left", "account", acct.id,
                     detail="credit not forwarded: the user completing the turn-off may not transfer balances")
        return
    accounting.transfer_balance(user, acct.id, acct.moved_to_account_id, "credit after the final bill (moved)",
                                key=f"move-credit:{acct.number}")


MAX_CREW = 24


def assign_work_order(user: User, work_order_id: int, *, crew: str, scheduled_on: _dt.date,
                      due_on: _dt.date | None = None, priority: str | None = None,
                      today: _dt.date | None = None) -> WorkOrder:
    """Give an open order to a crew for a day (the dispatcher); assigning again reschedules it.
    The day must not be past (``today``: the counter's business day), nor after the due date;
    every change audited."""
    require(user, "workorder.update")
    from .accounts import clean_text
    crew = clean_text(crew, "Crew", MAX_CREW, required=True)
    if scheduled_on is None:
        raise InputError("Scheduled", "type the day the crew goes")
    if scheduled_on < (today or clock.today()):
        raise InputError("Scheduled", f"{scheduled_on} is past")
    if priority is not None and priority not in PRIORITIES:
        raise InputError("Priority", f"must be one of {', '.join(PRIORITIES)}")
    with transaction():
        before = WorkOrder.get_or_none(WorkOrder.id == work_order_id)
        if before is None:
            raise NotFound(f"no work order id {work_order_id}")
        if before.status not in ("open", "assigned"):
            raise Conflict(f"work order {before.number} is already {before.status}")
        due = due_on if due_on is not None else before.due_on
        if due is not None and scheduled_on > due:
            raise InputError("Scheduled", f"{scheduled_on} is after the due date {due}")
        changes = {"crew": crew, "scheduled_on": scheduled_on, "due_on": due, "status": "assigned"}
        if priority is not None:
            changes["priority"] = priority
        WorkOrder.update(**changes).where(WorkOrder.id == work_order_id).execute()
        after = WorkOrder.get_by_id(work_order_id)
        action = "workorder.reschedule" if before.status == "assigned" else "workorder.assign"
        audit.record(user, action, "work_order", work_order_id, before=before, after=after)
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
    transferred_cents: int = 0  # the customer's prior debt moved onto the new account
    deposit_why: str = ""  # why the schedule's deposit is the higher one ("" when it is not)
    stop_order: WorkOrder | None = None  # temporary service: its stop, ordered for the end date


# The rate code a class starts on when the clerk names none (each must be in the rate file).
DEFAULT_RATE_CODES = {"residential": "RES", "commercial": "COM", "irrigation": "IRR", "construction": "CON"}
# An account in one of these statuses is the premise's billable account: no second one.
SERVING = ("pending", "active", "disconnected")
DEBT_CHOICES = ("refuse", "transfer")
# Classes of temporary service: an end date is required, and the stop is ordered for it.
TEMPORARY_CLASSES = ("construction",)
MAX_TEMPORARY_DAYS = 3 * 366


def check_rate(account_class: str, rate_code: str | None, cycle: str) -> tuple[str, str]:
    """Class, rate code and cycle as the rate file in force knows them: an unknown class,
    rate code or cycle is refused naming the field.  Returns (rate code, cycle)."""
    if account_class not in ACCOUNT_CLASSES:
        raise InputError("Class", f"must be one of {', '.join(ACCOUNT_CLASSES)}")
    code = (rate_code or DEFAULT_RATE_CODES.get(account_class, "")).strip().upper()
    schedule = active_schedule()
    codes = schedule.rate_codes()
    if code not in codes:
        raise InputError("Rate code", f"{code!r} is not in the rate schedule ({', '.join(codes)})")
    cycle = str(cycle or "").strip()
    if not cycle:
        raise InputError("Cycle", "name the billing cycle")
    schedule.cycle_months(cycle)  # InputError("Cycle", ...) when the schedule does not list it
    return code, cycle


def check_end_date(account_class: str, ends_on: _dt.date | None, starts_on: _dt.date) -> None:
    """Temporary service (construction, hydrant meter) ends on a date after it starts; other
    classes have none."""
    if account_class in TEMPORARY_CLASSES:
        if ends_on is None:
            raise InputError("End date", f"{account_class} service is temporary: type the last day of service")
        if ends_on <= starts_on:
            raise InputError("End date", f"{ends_on} is not after the turn-on {starts_on}")
        if (ends_on - starts_on).days > MAX_TEMPORARY_DAYS:
            raise InputError("End date", f"{ends_on} is more than three years after the turn-on")
    elif ends_on is not None:
        raise InputError("End date", f"only temporary service ({', '.join(TEMPORARY_CLASSES)}) has an end date")


@dataclass(frozen=True)
class Debt:
    account_id: int
    number: str  # formatted
    status: str
    balance_cents: int


def prior_debt(user: User, customer_id: int, *, besides: int | None = None) -> list[Debt]:
    """What the customer owes on any account they have had a role on (any status), but the
    account ``besides`` (a move: the account being stopped is final billed, not moved)."""
    require(user, "account.view")
    q = (Account.select(Account.id, Account.number, Account.status, Account.balance_cents)
         .where(Account.id.in_(AccountCustomer.select(AccountCustomer.account)
                               .where(AccountCustomer.customer == customer_id))
                & (Account.balance_cents > 0)).order_by(Account.number))
    if besides is not None:
        q = q.where(Account.id != besides)
    return [Debt(a.id, format_account_number(a.number), a.status, int(a.balance_cents)) for a in q]


def start_service(user: User, *, premise: Premise, customer: Customer, role: str = "tenant",
                  account_class: str = "residential", rate_code: str | None = None, cycle: str = "1",
                  turn_on: _dt.date | None = None, deposit_cents: int | None = None,
                  approver: User | None = None, debt: str = "refuse", ends_on: _dt.date | None = None,
                  waiver: fees.Waiver | None = None, moving_from: int | None = None) -> StartedService:
    """Open a pending account, bill the service deposit and order the turn-on.

    Class, rate code and cycle must be the rate file's (the class's usual code when none is
    named).  The deposit is the fee schedule's for the class, higher for a customer with a
    returned payment or a disconnection in the schedule's last months (``fees.customer_deposit``),
    unless given; more than that needs a supervisor's ``approver``, less a ``waiver`` (a reason
    and a supervisor's own password, audited as ``deposit.waive``).  Temporary service
    (construction) needs ``ends_on``, its last day: the stop is ordered for that day.  A
    customer owing on another account (but ``moving_from``, the account a move stops) is
    refused (``debt="refuse"``: collect it first) unless the debt is transferred to the new
    account (``debt="transfer"``), which a supervisor's ``approver`` must approve.  One
    billable account per premise: an address with a pending, active or disconnected account
    is refused (stop that one first).  One transaction: either all of it happens or none."""
    require(user, "account.create")
    require(user, "workorder.create")
    rate_code, cycle = check_rate(account_class, rate_code, cycle)
    if debt not in DEBT_CHOICES:
        raise InputError("Prior debt", f"must be one of {', '.join(DEBT_CHOICES)}")
    check_end_date(account_class, ends_on, turn_on or clock.today())
    scheduled, why = fees.customer_deposit(account_class, customer.id, turn_on)
    deposit_cents = fees.check_scheduled(scheduled if deposit_cents is None else deposit_cents, scheduled,
                                         "Deposit", approver)
    waived_by = fees.approve_waiver(waiver, deposit_cents, scheduled, "Deposit")  # before: a refusal is kept
    with transaction():
        busy = (Account.select().where((Account.premise == premise.id)
                                       & Account.status.in_(SERVING)).first())
        if busy is not None and busy.id != moving_from:
            raise Conflict(f"address already has service on account {format_account_number(busy.number)} "
                           f"({busy.status}); stop it first")
        owed = prior_debt(user, customer.id, besides=moving_from)
        total = sum(d.balance_cents for d in owed)
        if owed and debt == "refuse":
            raise Conflict(f"{customer.display_name} owes {format_cents(total)} on account "
                           f"{', '.join(d.number for d in owed)}: collect it first, or transfer it "
                           "to the new account with a supervisor's approval")
        if owed and (approver is None or not has_permission(approver, "approve.adjustment")):
            raise PermissionDenied(f"moving {format_cents(total)} of prior debt to the new account: "
                                   "a supervisor must approve")
        acct = open_account(user, premise=premise, customers=[(customer, role)], account_class=account_class,
                            rate_code=rate_code, cycle=cycle, status="pending", opened_on=turn_on)
        if ends_on is not None:
            Account.update(service_ends_on=ends_on).where(Account.id == acct.id).execute()
            audit.record(user, "account.service_ends", "account", acct.id, before={"service_ends_on": None},
                         after={"service_ends_on": ends_on}, detail="temporary service")
        for d in owed:
            accounting.transfer_balance(approver, d.account_id, acct.id, "prior debt at start of service",
                                        key=f"start-debt:{acct.number}:{d.account_id}")
        if waived_by is not None:
            audit.record(user, "deposit.waive", "account", acct.id,
                         after={"scheduled_cents": scheduled, "deposit_cents": deposit_cents,
                                "approved_by": waived_by.username},
                         detail=waiver.reason.strip() if waiver else None)
        if deposit_cents:
            ledger.write_posting(user, f"deposit:{acct.number}", "deposit", [EntrySpec(
                acct.id, "deposit", deposit_cents, "deposit", "Service deposit")])
            ServiceDeposit.create(account=acct, amount_cents=deposit_cents, received_on=clock.today(),
                                  status="held", note="billed at start of service" + (f" ({why})" if why else ""))
            Account.update(deposit_held_cents=Account.deposit_held_cents + deposit_cents).where(
                Account.id == acct.id).execute()
        wo = create_work_order(user, kind="turn_on", account_id=acct.id, scheduled_on=turn_on,
                               instructions="Start service: read meter and turn on")
        stop = None
        if ends_on is not None:
            stop = create_work_order(user, kind="turn_off", account_id=acct.id, scheduled_on=ends_on,
                                     instructions="Temporary service ends: final read, turn off, remove the meter")
    return StartedService(Account.get_by_id(acct.id), wo, deposit_cents, total, why, stop)


FORWARDING_FIELDS = {"line1": "mail_line1", "line2": "mail_line2", "city": "mail_city", "state": "mail_state",
                     "zip": "mail_zip"}


def stop_service(user: User, account_id: int, *, stop_on: _dt.date, forwarding: dict | None = None) -> WorkOrder:
    """Order the final read and turn-off on ``stop_on``.  A forwarding address (keys line1,
    line2, city, state, zip) becomes the mailing address of the account's customer of
    record at once: the final bill goes there.  Completing the turn-off records the final
    read, sets the closing date, posts the final bill and applies the deposit.  A stop already
    ordered (a temporary service's, for its end date) is moved to ``stop_on``."""
    require(user, "workorder.create")
    forwarding = {k: v for k, v in (forwarding or {}).items() if v not in (None, "")}
    bad = sorted(set(forwarding) - set(FORWARDING_FIELDS))
    if bad:
        raise InputError("Forwarding address", f"{bad[0]!r} is not part of an address")
    if forwarding and not str(forwarding.get("line1", "")).strip():
        raise InputError("Forwarding street", "must not be empty when a forwarding address is given")
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        if acct.status in ("closed", "final_billed"):
            raise Conflict(f"account {format_account_number(acct.number)} is already {acct.status.replace('_', ' ')}")
        note = "Stop service: final read and turn off"
        if forwarding:
            from .maintenance import update_customer
            party = customer_of_record(account_id)
            if party is None:
                raise Conflict(f"account {format_account_number(acct.number)} has no customer to forward mail to")
            update_customer(user, party.customer_id, **{FORWARDING_FIELDS[k]: v for k, v in forwarding.items()})
            note += "; forwarding address: " + ", ".join(str(v) for v in forwarding.values())
        planned = (WorkOrder.select().where((WorkOrder.account == account_id) & (WorkOrder.kind == "turn_off")
                                            & WorkOrder.status.in_(["open", "assigned"])).first())
        if planned is not None:  # a temporary service's stop, ordered at its start: now on this day
            WorkOrder.update(scheduled_on=stop_on, instructions=f"{planned.instructions}\n{note}".strip()).where(
                WorkOrder.id == planned.id).execute()
            after = WorkOrder.get_by_id(planned.id)
            audit.record(user, "workorder.reschedule", "work_order", planned.id, before=planned, after=after,
                         detail="stop service")
            return after
        return create_work_order(user, kind="turn_off", account_id=account_id, scheduled_on=stop_on,
                                 instructions=note)


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


@dataclass(frozen=True)
class Reconnect:
    account_id: int
    account_number: str  # formatted
    work_order: str  # its number, or "" when not ordered
    fee_cents: int
    message: str  # what the counter is told


def reconnect_after_payment(user: User, account_ids, *, at: _dt.datetime | None = None) -> list[Reconnect]:
    """After a payment: each disconnected account among ``account_ids`` that now meets the
    fee schedule's reconnect condition (``reconnect_when_owing_cents``) gets its reconnect
    order and the reconnect fee (the after-hours fee outside ``office_hours``).  An account
    with a reconnect already ordered is left as it is."""
    require(user, "workorder.create")
    out = []
    late = fees.after_hours(at)
    for acct in Account.select().where(Account.id.in_(list(account_ids)) & (Account.status == "disconnected")):
        number = format_account_number(acct.number)
        if not fees.reconnects_at(int(acct.balance_cents)):
            out.append(Reconnect(acct.id, number, "", 0, f"{number} is still disconnected: "
                                 f"{format_cents(int(acct.balance_cents))} owed before the reconnect"))
            continue
        try:
            wo = request_reconnect(user, acct.id, after_hours=late)
        except Conflict as e:
            out.append(Reconnect(acct.id, number, "", 0, f"{number}: {e}"))
            continue
        fee = fees.reconnect_fee(late)
        out.append(Reconnect(acct.id, number, wo.number, fee,
                             f"{number}: reconnect ordered ({wo.number}), "
                             f"{'after-hours ' if late else ''}reconnect fee {format_cents(fee)} charged"))
    return out


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
    parties = [(ac.customer, ac.role) for ac in links]
    if not parties:  # a closed account: its roles have ended; its customer of record remains
        party = customer_of_record(account_id)
        if party is not None:
            parties = [(Customer.get_by_id(party.customer_id), party.role)]
    return Premise.get_by_id(acct.premise_id), parties
