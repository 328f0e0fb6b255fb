"""Field work orders and starting/stopping service.

Work orders cover turn-on/off, reread, leak investigation, meter test/repair, new installs,
meter changes, disconnects and reconnects.  Completing one changes the account status it
implies (turn-on -> active, disconnect -> disconnected, reconnect -> active, stop -> final
billed), each change audited: that and the rest of a result (the read, the final bill, the
deposit), ordering a stop and checking a disconnect are in ``ubtui.fieldwork``, which sits
above this module and the domains a result reaches.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass

from peewee import JOIN, Case, fn

from models import Account, AccountCustomer, Customer, Premise, ServiceDeposit, User, WorkOrder
from models.customers import ACCOUNT_CLASSES
from models.meters import METER_SIZES
from models.service import WORK_ORDER_KINDS

from . import accounting, audit, clock, fees, ledger
from .accounts import STATUS_BY_WORK_ORDER, customer_of_record, format_account_number, open_account
from .db import transaction
from .errors import ApprovalNeeded, Conflict, InputError, NotFound, PermissionDenied
from .ledger import EntrySpec
from .money import format_cents
from .rates import active_schedule
from .search import format_address
from .security import has_permission, require
from .text import counted

STATUS_AFTER = STATUS_BY_WORK_ORDER
PRIORITIES = ("low", "normal", "high", "emergency")


def _next_number() -> str:
    last = WorkOrder.select(fn.MAX(WorkOrder.id)).scalar() or 0
    return f"WO{last + 1:07d}"


def create_work_order(user: User, *, kind: str, account_id: int | None = None, premise_id: int | None = None,
                      instructions: str = "", scheduled_on: _dt.date | None = None, priority: str = "normal",
                      meter_id: int | None = None, as_of: _dt.date | None = None,
                      disconnect_check: Callable[..., None] | None = None, meter_size: str = "") -> WorkOrder:
    """A work order.  A disconnect needs a supervisor and an account on today's shut-off list:
    ``disconnect_check(user, account_id, premise_id, as_of)`` (``collections.check_disconnect``,
    passed by ``fieldwork.create_work_order`` and ``collections.order_disconnects``) runs in the
    same transaction, and without it no disconnect is ordered: whatever the path, no
    disconnect without the notices.  ``meter_size``: the size a new install sets."""
    require(user, "workorder.create")
    if kind not in WORK_ORDER_KINDS:
        raise InputError("Kind", f"must be one of {', '.join(WORK_ORDER_KINDS)}")
    if priority not in PRIORITIES:
        raise InputError("Priority", f"must be one of {', '.join(PRIORITIES)}")
    with transaction():
        if kind == "disconnect":
            if disconnect_check is None:
                raise PermissionDenied("a disconnect is ordered from the shut-off list (collections), "
                                       "which checks the notices")
            disconnect_check(user, account_id, premise_id, as_of)
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
                              scheduled_on=scheduled_on, instructions=instructions.strip(), created_by=user.id,
                              meter_size=meter_size if kind == "new_install" else "")
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


def premise_meter(premise_id: int | None, meter_id: int | None):
    from models import Meter
    if meter_id is not None:
        return Meter.get_or_none(Meter.id == meter_id)
    return (Meter.select().where((Meter.premise == premise_id) & Meter.removed_on.is_null())
            .order_by(Meter.id.desc()).first())


# Completed with results that feed the account (``ubtui.fieldwork.complete_field_work``).
RESULT_KINDS = ("reread", "meter_test", "meter_change", "new_install")


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
    meter_size: str = ""  # an address without a meter: the size of the meter the new install sets
    install_cents: int = 0  # and the installation fee billed for it

    def ordered(self) -> str:
        """The order service starts with, for the counter: the turn-on, or the new install and its fee."""
        if self.meter_size:
            return (f"new install {self.work_order.number} ({self.meter_size} meter, installation fee "
                    f"{format_cents(self.install_cents)})")
        return f"turn-on {self.work_order.number}"


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
                  waiver: fees.Waiver | None = None, moving_from: int | None = None,
                  approver_username: str = "", approver_password: str = "",
                  premise_field: str = "Premise", meter_size: str | None = None,
                  install_fee_cents: int | None = None) -> StartedService:
    """Open a pending account, bill the service deposit and order the turn-on.

    Class, rate code and cycle must be the rate file's (the class's usual code when none is
    named).  The deposit is the fee schedule's for the class, higher for a customer with a
    returned payment or a disconnection in the schedule's last months (``fees.customer_deposit``),
    unless given; more than that needs a supervisor's approval (``approver_username`` and
    ``approver_password``, checked here, or ``approver``; audited as ``fee.override``), less a ``waiver`` (a reason
    and a supervisor's own password, audited as ``deposit.waive``).  Temporary service
    (construction) needs ``ends_on``, its last day: the stop is ordered for that day.  A
    customer owing on another account (but ``moving_from``, the account a move stops) is
    refused (``debt="refuse"``: collect it first) unless the debt is transferred to the new
    account (``debt="transfer"``), which a supervisor's ``approver`` must approve.  One
    billable account per premise: an address with a pending, active or disconnected account
    is refused (stop that one first), naming ``premise_field`` (the form's label of the
    address).  An address with no meter in service gets a new install instead of the
    turn-on: a ``meter_size`` meter (5/8" when not named) set and the water turned on, and the
    schedule's installation fee for that size billed (``fees.install_fee``; more than it, or
    ``install_fee_cents`` over it, needs the approval a deposit over the schedule needs); a
    size or fee named for an address that has a meter is refused.  One transaction: either
    all of it happens or none."""
    require(user, "account.create")
    require(user, "workorder.create")
    rate_code, cycle = check_rate(account_class, rate_code, cycle)
    if debt not in DEBT_CHOICES:
        raise InputError("Prior debt", f"must be one of {', '.join(DEBT_CHOICES)}")
    check_end_date(account_class, ends_on, turn_on or clock.today())
    scheduled, why = fees.customer_deposit(account_class, customer.id, turn_on)
    approver = fees.approver_of(approver, approver_username, approver_password)
    deposit_cents = fees.check_scheduled(scheduled if deposit_cents is None else deposit_cents, scheduled,
                                         "Deposit", approver)
    waived_by = fees.approve_waiver(waiver, deposit_cents, scheduled, "Deposit")  # before: a refusal is kept
    size, install_scheduled, install_cents = _install(premise, meter_size, install_fee_cents, approver)
    with transaction():
        busy = (Account.select().where((Account.premise == premise.id)
                                       & Account.status.in_(SERVING)).first())
        if busy is not None and busy.id != moving_from:
            raise InputError(premise_field, f"already has service on account {format_account_number(busy.number)} "
                                            f"({busy.status}); stop it first")
        owed = prior_debt(user, customer.id, besides=moving_from)
        total = sum(d.balance_cents for d in owed)
        if owed and debt == "refuse":
            raise Conflict(f"{customer.display_name} owes {format_cents(total)} on account "
                           f"{', '.join(d.number for d in owed)}: collect it first, or transfer it "
                           "to the new account with a supervisor's approval")
        if owed and approver is None:
            raise ApprovalNeeded(f"moving {format_cents(total)} of prior debt to the new account: "
                                 "a supervisor must approve", fees.APPROVE)
        if owed and approver is not None and not has_permission(approver, fees.APPROVE):
            raise PermissionDenied(f"moving {format_cents(total)} of prior debt to the new account: "
                                   f"{approver.username} ({approver.role}) cannot approve it; a supervisor must")
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
            fees.record_override(user, approver, "Deposit", deposit_cents, scheduled, "account", acct.id)
        if size:
            if install_cents:
                ledger.write_posting(user, f"install-fee:{acct.number}", "fee", [EntrySpec(
                    acct.id, "fee", install_cents, "install_fee", f"Meter installation fee ({size} meter)")])
                fees.record_override(user, approver, "Install fee", install_cents, install_scheduled, "account", acct.id)
            wo = create_work_order(user, kind="new_install", account_id=acct.id, scheduled_on=turn_on, meter_size=size,
                                   instructions=f"New service: set a {size} meter, record its serial and "
                                                "install read, and turn the water on")
        else:
            wo = create_work_order(user, kind="turn_on", account_id=acct.id, scheduled_on=turn_on,
                                   instructions="Start service: read meter and turn on")
        stop = None
        if ends_on is not None:
            stop = create_work_order(user, kind="turn_off", account_id=acct.id, scheduled_on=ends_on,
                                     instructions="Temporary service ends: final read, turn off, remove the meter")
    return StartedService(Account.get_by_id(acct.id), wo, deposit_cents, total, why, stop, size, install_cents)


def _install(premise: Premise, meter_size: str | None, fee_cents: int | None,
             approver: User | None) -> tuple[str, int, int]:
    """(meter size, the schedule's fee, the fee billed) of the new install service at
    ``premise`` needs; ("", 0, 0) when a meter is in service there (naming a size or a fee
    for it is refused: nothing to install)."""
    typed = (meter_size or "").strip()
    meter = premise_meter(premise.id, None)
    if meter is not None:
        if typed:
            raise InputError("Meter size", f"the address has meter {meter.serial} in service: nothing to install")
        if fee_cents is not None:
            raise InputError("Install fee", f"the address has meter {meter.serial} in service: nothing to install")
        return "", 0, 0
    size = typed or METER_SIZES[0]
    if size not in METER_SIZES:
        raise InputError("Meter size", f"{size[:12]!r} is not a meter size; one of {', '.join(METER_SIZES)}")
    scheduled = fees.install_fee(size)
    return size, scheduled, fees.check_scheduled(scheduled if fee_cents is None else fee_cents, scheduled,
                                                 "Install fee", approver)


def reconnect_candidates(user: User) -> list[Account]:
    """Disconnected accounts with nothing owed and no open reconnect order: restore service."""
    require(user, "account.view")
    open_reconnects = (WorkOrder.select(WorkOrder.account).where(
        (WorkOrder.kind == "reconnect") & WorkOrder.status.in_(["open", "assigned"])))
    return list(Account.select().where((Account.status == "disconnected") & (Account.balance_cents <= 0)
                                       & Account.id.not_in(open_reconnects)).order_by(Account.number))


def request_reconnect(user: User, account_id: int, *, fee_cents: int | None = None, after_hours: bool = False,
                      approver: User | None = None, approver_username: str = "",
                      approver_password: str = "") -> WorkOrder:
    """Order the reconnect and charge the reconnect fee in one transaction.

    The fee is the schedule's (its after-hours variant when ``after_hours``) unless given
    (0 waives it); more than the schedule needs a supervisor's approval (``approver_username``
    and ``approver_password``, checked here, or ``approver``), audited with who approved.  A second
    request while the order is open is refused, so the fee is never charged twice."""
    require(user, "workorder.create")
    scheduled = fees.reconnect_fee(after_hours)
    approver = fees.approver_of(approver, approver_username, approver_password)
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
            fees.record_override(user, approver, "Reconnect fee", fee_cents, scheduled, "work_order", wo.id)
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
        owed = int(Account.get_by_id(acct.id).balance_cents)
        out.append(Reconnect(acct.id, number, wo.number, fee,
                             f"{number}: reconnect ordered ({wo.number}), "
                             f"{'after-hours ' if late else ''}reconnect fee {format_cents(fee)} charged"
                             + (f"; {format_cents(owed)} now owed" if owed > 0 else "")))
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
    crew: str = ""
    route: str = ""
    due_on: _dt.date | None = None


ACTIVE = ("open", "assigned")
QUEUE_STATUSES = ("open", "assigned", "done", "cancelled")
FILTER_KEYS = ("kind", "status", "crew", "route", "date")


@dataclass(frozen=True)
class QueueFilter:
    """Which work orders the queue shows: empty is any (status: open and assigned)."""
    kind: str = ""
    status: str = ""  # one of QUEUE_STATUSES, "all", or "" (open and assigned)
    crew: str = ""
    route: str = ""
    on: _dt.date | None = None  # scheduled for that day

    def text(self) -> str:
        parts = [f"{k}:{v}" for k, v in (("kind", self.kind), ("status", self.status), ("crew", self.crew),
                                         ("route", self.route)) if v]
        if self.on:
            parts.append(f"date:{self.on.isoformat()}")
        return " ".join(parts)


def _one_of(word: str, allowed, what: str) -> str:
    w = word.strip().lower().replace(" ", "_")
    if w in allowed:
        return w
    hits = [a for a in allowed if a.startswith(w)]
    if len(hits) == 1:
        return hits[0]
    raise InputError("Filter", f"{what} {word[:20]!r} is not one of {', '.join(allowed)}")


def parse_queue_filter(text: str, today: _dt.date | None = None) -> QueueFilter:
    """The queue's filter line: ``kind:reread status:assigned crew:north_2 route:01 date:+1``
    (keys may be shortened to their first letter, kinds and statuses to their first letters;
    ``_`` stands for a space in a crew; a date is YYYY-MM-DD or +days).  A bad word is refused
    naming the field ``Filter``."""
    from .dates import parse_date
    found: dict[str, str] = {}
    for word in (text or "").split():
        key, sep, value = word.partition(":")
        if not sep or not value:
            raise InputError("Filter", f"{word[:24]!r}: write KEY:VALUE with KEY one of {', '.join(FILTER_KEYS)}")
        key = _one_of(key, FILTER_KEYS, "key")
        found[key] = value
    kind = _one_of(found["kind"], WORK_ORDER_KINDS, "kind") if "kind" in found else ""
    status = _one_of(found["status"], QUEUE_STATUSES + ("all",), "status") if "status" in found else ""
    on = parse_date(found["date"], "Filter", today=today or clock.today()) if "date" in found else None
    crew = found.get("crew", "").replace("_", " ").strip()[:MAX_CREW]
    return QueueFilter(kind, status, crew, found.get("route", "").strip()[:8], on)


@dataclass(frozen=True)
class Queue:
    rows: list[OpenOrder]
    counts: dict[str, int]  # by status, of every order the filter matches
    filter: QueueFilter

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        if not self.total:
            return "no work orders match"
        by = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        shown = f" (first {len(self.rows)} shown)" if len(self.rows) < self.total else ""
        return f"{counted(self.total, 'work order')}: {by}{shown}"


def work_order_queue(user: User, flt: QueueFilter | None = None, *, account_id: int | None = None,
                     limit: int = 500) -> Queue:
    """The dispatcher's queue: orders matching ``flt``, most urgent and oldest first, and how
    many there are in each status."""
    require(user, "account.view")
    flt = flt or QueueFilter()
    cond = [WorkOrder.id > 0]
    if flt.kind:
        cond.append(WorkOrder.kind == flt.kind)
    if flt.crew:
        cond.append(fn.LOWER(WorkOrder.crew) == flt.crew.lower())
    if flt.route:
        cond.append(Premise.route == flt.route)
    if flt.on:
        cond.append(WorkOrder.scheduled_on == flt.on)
    if account_id is not None:
        cond.append(WorkOrder.account == account_id)
    statuses = list(QUEUE_STATUSES) if flt.status == "all" else [flt.status] if flt.status else list(ACTIVE)
    cond.append(WorkOrder.status.in_(statuses))
    where = cond[0]
    for c in cond[1:]:
        where &= c
    counted = dict.fromkeys(statuses, 0)
    for status, n in (WorkOrder.select(WorkOrder.status, fn.COUNT(WorkOrder.id))
                      .join_from(WorkOrder, Premise, on=(WorkOrder.premise == Premise.id))
                      .where(where).group_by(WorkOrder.status).tuples()):
        counted[status] = n
    q = (WorkOrder.select(WorkOrder, Premise, Account)
         .join_from(WorkOrder, Premise, on=(WorkOrder.premise == Premise.id))
         .join_from(WorkOrder, Account, JOIN.LEFT_OUTER, on=(WorkOrder.account == Account.id))
         .where(where))
    urgency = Case(WorkOrder.priority, [(p, i) for i, p in enumerate(reversed(PRIORITIES))], len(PRIORITIES))
    rows = []
    for w in q.order_by(urgency, WorkOrder.requested_on, WorkOrder.id).limit(limit):
        acct = w.account if w.account_id else None
        rows.append(OpenOrder(w.id, w.number, w.kind, w.priority, w.status, w.account_id,
                              format_account_number(acct.number) if acct else "",
                              format_address(w.premise.house_number, w.premise.street, w.premise.unit),
                              w.requested_on, w.scheduled_on, w.instructions, w.crew, w.premise.route, w.due_on))
    return Queue(rows, counted, flt)


def open_work_orders(user: User, *, account_id: int | None = None, limit: int = 500) -> list[OpenOrder]:
    """Open and assigned work orders (of one account, or all), most urgent and oldest first."""
    return work_order_queue(user, account_id=account_id, limit=limit).rows


def known_crews(user: User) -> list[str]:
    """Crews with an open or assigned order (the filter line's F4 list)."""
    require(user, "account.view")
    return [c for (c,) in WorkOrder.select(WorkOrder.crew).where((WorkOrder.crew != "") & WorkOrder.status.in_(ACTIVE))
            .distinct().order_by(WorkOrder.crew).tuples()]


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
