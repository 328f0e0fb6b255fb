"""Work orders that reach into the account: ordering one (a disconnect only from the shut-off
list), completing one (the read the field took, the account's new status, a turn-off's closing
date, final bill and deposit, a disconnect checked against collections) and ordering a stop
of service (the forwarding address goes on the customer at once); and the field results that
feed the account (``complete_field_work``): a reread's read and the rebill it proposes, a meter
test's adjustment proposal, a meter exchange's removal and install reads, a new install.
Proposals are never posted here: they wait for approval (``proposals.approve``).

This module sits above ``workorders`` (the orders themselves) and the domains a result
touches (readings, billing, accounting, collections, maintenance): it calls down into them, and
none of them imports it, so ``workorders`` imports nothing above itself.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from models import Account, CollectionNotice, Meter, ServiceDeposit, User, WorkOrder
from models.customers import SERVICE_ENDED

from . import accounting, audit, clock, proposals
from .accounting import apply_held_deposit
from .accounts import customer_of_record, format_account_number, set_status
from .billing import post_final_bill
from .collections import account_letter, check_disconnect, check_disconnect_completion
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .maintenance import update_customer
from .money import format_cents
from .readings import change_meter, enter_reading, install_meter, parse_reading
from .security import has_permission, require
from .workorders import READ_KINDS, RESULT_KINDS, STATUS_AFTER, _close_work_order, premise_meter, request_reconnect
from .workorders import create_work_order as _create_work_order


def create_work_order(user: User, **order) -> WorkOrder:
    """``workorders.create_work_order`` with the disconnect check of collections: the way
    screens and the command line order any kind of work, a disconnect included.  A turn-on,
    turn-off or reconnect is refused on an account whose status it cannot change (a final
    billed or closed account starts service anew; a disconnected one is reconnected, not
    turned on); a reconnect only when the account meets the reconnect condition, with its fee
    (``workorders.request_reconnect``)."""
    kind, account_id = order.get("kind"), order.get("account_id")
    if kind in STATUS_AFTER and kind != "disconnect" and account_id is not None:
        acct = Account.get_or_none(Account.id == account_id)
        if acct is not None:
            _check_status_change(acct, kind)
            if kind == "reconnect":
                from .fees import after_hours, reconnects_at
                if not reconnects_at(int(acct.balance_cents)):
                    raise Conflict(f"account {format_account_number(acct.number)} owes "
                                   f"{format_cents(int(acct.balance_cents))}: the reconnect is ordered when it is paid")
                return request_reconnect(user, account_id, after_hours=after_hours())
    return _create_work_order(user, disconnect_check=check_disconnect, **order)


def _check_status_change(acct: Account, kind: str) -> None:
    """A turn-on, turn-off or reconnect changes the account's status only from the statuses it
    is for: refused (naming why) otherwise, when it is ordered and again when it is completed."""
    number, status = format_account_number(acct.number), acct.status.replace("_", " ")
    if acct.status in SERVICE_ENDED:
        raise Conflict(f"account {number} is {status}: start service anew (a new account) instead of a "
                       f"{kind.replace('_', ' ')}")
    if kind == "turn_on" and acct.status == "disconnected":
        raise Conflict(f"account {number} is disconnected: a reconnect restores it, once it is paid")
    if kind == "reconnect" and acct.status != "disconnected":
        raise Conflict(f"account {number} is {status}, not disconnected: nothing to reconnect")


def complete_work_order(user: User, work_order_id: int, result: str, *,
                        completed_on: _dt.date | None = None, reading=None) -> WorkOrder:
    """Close a work order with what the field found.  ``reading`` (a read the field took)
    is recorded as a meter reading of the premise's meter on the completion date.  A
    turn-off then closes the account on that date, posts its final bill at once (prorated
    by days, ``billing.post_final_bill``), applies any deposit held to it and sends the
    final-bill letter; the first turn-on of an account sends the welcome letter.  A reread,
    a meter test, an exchange or a new install is completed by ``complete_field_work``,
    which carries its result into the account."""
    require(user, "workorder.update")
    with transaction():
        wo = WorkOrder.get_or_none(WorkOrder.id == work_order_id)
        if wo is None:
            raise NotFound(f"no work order id {work_order_id}")
        if wo.kind in RESULT_KINDS:
            raise Conflict(f"a {wo.kind.replace('_', ' ')} is completed with its results "
                           "(the work order queue's form, or ubtui workorder complete)")
        return finish_work_order(user, wo, result, completed_on=completed_on, reading=reading)


def finish_work_order(user: User, wo: WorkOrder, result: str, *, completed_on: _dt.date | None = None,
                      reading=None) -> WorkOrder:
    """(Inside the caller's transaction) record the read, close the order and do what its kind
    implies: the account's status, a turn-off's closing and final bill, the letters."""
    require(user, "workorder.update")
    if not result or not result.strip():
        raise InputError("Result", "say what the field found or did")
    if wo.status in ("done", "cancelled"):
        raise Conflict(f"work order {wo.number} is already {wo.status}")
    done_on = completed_on or clock.today()
    if wo.account_id and wo.kind in STATUS_AFTER and wo.kind != "disconnect":
        _check_status_change(Account.get_by_id(wo.account_id), wo.kind)
    if reading is not None and str(reading).strip() != "":
        if wo.kind not in READ_KINDS:
            raise InputError("Reading", f"a {wo.kind.replace('_', ' ')} order takes no meter read")
        meter = premise_meter(wo.premise_id, wo.meter_id)
        if meter is None:
            raise InputError("Reading", "the address has no meter in service to record it on")
        enter_reading(user, meter.id, done_on, reading, note=f"work order {wo.number}")
    _, after = _close_work_order(user, wo.id, "workorder.complete", status="done",
                                 result=result.strip(), completed_on=done_on)
    if after.kind == "disconnect":
        check_disconnect_completion(after.account_id, after.completed_on)
    new_status = STATUS_AFTER.get(after.kind)
    if new_status and after.account_id:
        set_status(user, after.account_id, new_status, work_order=after)
    if after.kind == "turn_off" and after.account_id:
        _close_account(user, after)
    starts = after.kind == "turn_on" or (after.kind == "new_install" and _pending(after.account_id))
    if starts and after.account_id:
        if after.kind == "new_install":  # the meter is set (complete_field_work): the water is on
            set_status(user, after.account_id, "active", work_order=after)
        if not _welcomed(after.account_id):
            account_letter(user, after.account_id, "welcome")  # the service is on: once per account
    return after


def _pending(account_id: int | None) -> bool:
    """Whether the account waits for its service to start (a new install on it starts it)."""
    return account_id is not None and Account.select().where(
        (Account.id == account_id) & (Account.status == "pending")).exists()


def _welcomed(account_id: int) -> bool:
    return CollectionNotice.select().where((CollectionNotice.account == account_id)
                                           & (CollectionNotice.step == "welcome")).exists()


def _close_account(user: User, wo: WorkOrder) -> None:
    """After a turn-off: the closing date, the final bill, then the deposit against it."""
    acct = Account.get_by_id(wo.account_id)
    before = acct.closed_on
    Account.update(closed_on=wo.completed_on).where(Account.id == acct.id).execute()
    audit.record(user, "account.close", "account", acct.id, before={"closed_on": before},
                 after={"closed_on": wo.completed_on}, detail=f"by work order {wo.number}")
    post_final_bill(user, acct.id, work_order=wo)
    if acct.deposit_held_cents:
        apply_held_deposit(user, acct.id, key=f"final-deposit:{acct.number}")
    account_letter(user, acct.id, "final_bill", deposit_cents=int(acct.deposit_held_cents or 0))
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
        if acct.status in SERVICE_ENDED:
            raise Conflict(f"account {format_account_number(acct.number)} is already {acct.status.replace('_', ' ')}")
        note = "Stop service: final read and turn off"
        if forwarding:
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



@dataclass(frozen=True)
class ServiceEnd:
    """A temporary service's new last day and its stop order, now on that day."""
    account: Account
    before: _dt.date
    stop_order: WorkOrder

    def line(self) -> str:
        return (f"service ends {self.account.service_ends_on} (was {self.before}); "
                f"stop {self.stop_order.number} on {self.stop_order.scheduled_on}")


def change_service_end(user: User, account_id: int, ends_on: _dt.date | None, *, reason: str = "",
                       today: _dt.date | None = None) -> ServiceEnd:
    """Move the last day of a temporary (construction, hydrant meter) service: the permit is
    extended or the job ends early.  The day must be after the turn-on, not past (``today``:
    the counter's business day) and within the class's limit; the stop ordered for the old
    day moves with it (one is ordered if none is open).  Account and order audited."""
    from .dates import db_date
    from .workorders import TEMPORARY_CLASSES, check_end_date
    require(user, "account.edit")
    require(user, "workorder.update")
    if ends_on is None:
        raise InputError("End date", "type the new last day of service")
    if ends_on < (today or clock.today()):
        raise InputError("End date", f"{ends_on} is past")
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        number = format_account_number(acct.number)
        if acct.account_class not in TEMPORARY_CLASSES or acct.service_ends_on is None:
            raise InputError("End date", f"account {number} is not temporary service: it has no end date")
        if acct.status in SERVICE_ENDED:
            raise Conflict(f"account {number} is already {acct.status.replace('_', ' ')}")
        before = db_date(acct.service_ends_on)
        if ends_on == before:
            raise InputError("End date", f"{ends_on} is already the last day")
        check_end_date(acct.account_class, ends_on, db_date(acct.opened_on) or (today or clock.today()))
        Account.update(service_ends_on=ends_on).where(Account.id == acct.id).execute()
        audit.record(user, "account.service_ends", "account", acct.id, before={"service_ends_on": before},
                     after={"service_ends_on": ends_on}, detail=reason.strip() or "end date changed")
        planned = (WorkOrder.select().where((WorkOrder.account == acct.id) & (WorkOrder.kind == "turn_off")
                                            & WorkOrder.status.in_(["open", "assigned"])).first())
        if planned is None:
            stop = create_work_order(user, kind="turn_off", account_id=acct.id, scheduled_on=ends_on,
                                     instructions="Temporary service ends: final read, turn off, remove the meter")
        else:
            changes = {"scheduled_on": ends_on}
            if planned.due_on is not None and db_date(planned.due_on) < ends_on:
                changes["due_on"] = ends_on
            WorkOrder.update(**changes).where(WorkOrder.id == planned.id).execute()
            stop = WorkOrder.get_by_id(planned.id)
            audit.record(user, "workorder.reschedule", "work_order", planned.id, before=planned, after=stop,
                         detail="temporary service end date changed")
    return ServiceEnd(Account.get_by_id(account_id), before, stop)

# --- results that feed the account (reread, meter test, exchange, new install) ---------------
# Results that set a meter (the completion forms ask for it).
METER_KINDS = ("meter_change", "new_install")
MAX_SERIAL = 24


@dataclass(frozen=True)
class Completion:
    """What completing a work order did: the order, and what its result fed into the account."""
    work_order: WorkOrder
    proposal_id: int | None = None  # a rebill or meter test adjustment waiting for approval
    meter_serial: str = ""  # the meter set (new install, exchange)
    message: str = ""  # one line for the counter

    def line(self) -> str:
        return f"work order {self.work_order.number} done" + (f"; {self.message}" if self.message else "")


def _given(value) -> bool:
    return value is not None and str(value).strip() != ""


def complete_field_work(user: User, work_order_id: int, result: str, *, completed_on: _dt.date | None = None,
                        reading=None, accuracy=None, serial: str | None = None, install_reading=None,
                        size: str | None = None) -> Completion:
    """Close a work order with what the field found, and feed the result into the account.

    ``reading``: the read the field took (a reread must have one; a meter exchange: the
    removal read).  ``accuracy``: a meter test's percent registered.  ``serial``,
    ``install_reading``, ``size``: the meter an exchange or a new install sets."""
    require(user, "workorder.update")
    if not result or not result.strip():
        raise InputError("Result", "say what the field found or did")
    has_read = _given(reading)
    with transaction():
        wo = WorkOrder.get_or_none(WorkOrder.id == work_order_id)
        if wo is None:
            raise NotFound(f"no work order id {work_order_id}")
        if wo.status in ("done", "cancelled"):
            raise Conflict(f"work order {wo.number} is already {wo.status}")
        done_on = completed_on or clock.today()
        what = wo.kind.replace("_", " ")
        if _given(accuracy) and wo.kind != "meter_test":
            raise InputError("Accuracy", f"a {what} order takes no test result")
        if _given(serial) and wo.kind not in METER_KINDS:
            raise InputError("New meter", f"a {what} order sets no meter")
        if has_read and wo.kind not in READ_KINDS and wo.kind != "meter_change":
            raise InputError("Reading", f"a {what} order takes no meter read")
        if wo.kind == "reread" and not has_read:
            raise InputError("Reading", "a reread records the read the field took")
        tested = proposals.parse_accuracy(accuracy) if wo.kind == "meter_test" else None
        meter = None
        if has_read or wo.kind in ("meter_test", "meter_change"):
            meter = premise_meter(wo.premise_id, wo.meter_id)
            if meter is None:
                field = ("Removal read" if wo.kind == "meter_change" else
                         "Accuracy" if wo.kind == "meter_test" and not has_read else "Reading")
                raise InputError(field, "the address has no meter in service")
        set_meter = _set_meter(user, wo, meter, done_on, reading, serial, install_reading, size) \
            if wo.kind in METER_KINDS else None
        read = None
        if has_read and meter is not None and wo.kind not in METER_KINDS:
            read = enter_reading(user, meter.id, done_on, reading, note=f"work order {wo.number}")
        started = wo.kind == "new_install" and _pending(wo.account_id)
        after = finish_work_order(user, wo, result, completed_on=done_on)
        proposal, message = None, ""
        if after.kind == "reread" and read is not None:
            proposal = proposals.propose_rebill(user, after, meter, read)
            message = (f"rebill proposed ({format_cents(int(proposal.amount_cents))}), waiting for approval"
                       if proposal else "reading recorded; the bill stands")
        elif tested is not None:
            proposal = proposals.propose_meter_test(user, after, meter, tested)
            if proposal:
                message = (f"meter registers {tested}%: adjustment of {format_cents(int(proposal.amount_cents))} "
                           "proposed, waiting for approval")
            else:
                message = f"meter registers {tested}%: " + (
                    "within tolerance" if proposals.within_tolerance(tested) else "no bill to adjust")
        elif set_meter is not None:
            message = f"meter {set_meter.serial} set"
            if wo.kind == "new_install" and wo.meter_size and set_meter.size != wo.meter_size:
                message += (f" ({set_meter.size}; the order billed the {wo.meter_size} meter's installation fee: "
                            "adjust it if it should be that size's)")
            if started:
                message += f"; account {format_account_number(Account.get_by_id(after.account_id).number)} active: water on"
        elif after.kind == "turn_off" and after.account_id:
            message = _final_line(after.account_id)
        elif after.kind in ("turn_on", "reconnect") and after.account_id:
            message = f"account {format_account_number(Account.get_by_id(after.account_id).number)} active: water on"
    return Completion(after, proposal.id if proposal else None, set_meter.serial if set_meter else "", message)


def _final_line(account_id: int) -> str:
    """What the counter is told after a turn-off: the final bill and what is left on the account."""
    from models import Bill
    acct = Account.get_by_id(account_id)
    bill = (Bill.select().where((Bill.account == account_id) & (Bill.kind == "final"))
            .order_by(Bill.id.desc()).first())
    parts = [f"final bill {format_cents(int(bill.total_cents))} posted" if bill else "nothing left to bill"]
    if acct.deposit_held_cents == 0 and ServiceDeposit.select().where(
            (ServiceDeposit.account == account_id) & (ServiceDeposit.status == "applied")).exists():
        parts.append("deposit applied")
    if acct.moved_to_account_id:
        from models import LedgerEntry, Posting
        moved = (LedgerEntry.select(LedgerEntry.amount_cents).join(Posting)
                 .where((Posting.idempotency_key == f"move-credit:{acct.number}")
                        & (LedgerEntry.account == account_id)).scalar())
        if moved:
            new = Account.get_by_id(acct.moved_to_account_id)
            parts.append(f"credit {format_cents(abs(int(moved)))} moved to {format_account_number(new.number)}")
    balance = int(acct.balance_cents)
    if balance < 0:
        parts.append(f"credit {format_cents(-balance)} left to refund or transfer")
    elif balance > 0:
        parts.append(f"{format_cents(balance)} owed")
    return "; ".join(parts)


def _set_meter(user: User, wo: WorkOrder, old, done_on: _dt.date, reading, serial, install_reading, size):
    """A new install or a meter exchange: validated here naming the form's fields."""
    serial = (serial or "").strip()
    if not serial:
        raise InputError("New meter", "type the serial number of the meter set")
    if len(serial) > MAX_SERIAL:
        raise InputError("New meter", f"{len(serial)} characters; at most {MAX_SERIAL}")
    start = parse_reading(install_reading if _given(install_reading) else 0, "Install read")
    size = (size or "").strip() or None
    if size is not None and len(size) > 8:
        raise InputError("Size", f"{size[:12]!r} is not a meter size (e.g. 5/8\", 1\")")
    if Meter.select().where(Meter.serial == serial).exists():
        raise InputError("New meter", f"meter {serial} is already on file")
    if wo.kind == "meter_change":
        if not _given(reading):
            raise InputError("Removal read", "type the read of the meter taken out")
        final = parse_reading(reading, "Removal read")
        return change_meter(user, old.id, done_on, final, new_serial=serial, new_reading=start, size=size)
    current = premise_meter(wo.premise_id, None)
    if current is not None:
        raise InputError("New meter", f"meter {current.serial} is in service here: complete a meter exchange instead")
    if _given(reading):
        raise InputError("Reading", "a new install takes the install read")
    return install_meter(user, wo.premise_id, serial, on=done_on, reading=start, size=size or wo.meter_size or '5/8"')
