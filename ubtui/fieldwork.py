"""Work orders that reach into the account: ordering one (a disconnect only from the shut-off
list), completing one (the read the field took, the account's new status, a turn-off's closing
date, final bill and deposit, a disconnect checked against collections) and ordering a stop
of service (the forwarding address goes on the customer at once).

This module sits above ``workorders`` (the orders themselves) and the domains a result
touches (readings, billing, accounting, collections, maintenance): it calls down into them, and
none of them imports it, so ``workorders`` imports nothing above itself.
"""
from __future__ import annotations

import datetime as _dt

from models import Account, CollectionNotice, User, WorkOrder

from . import audit, clock
from .accounting import apply_held_deposit
from .accounts import customer_of_record, format_account_number, set_status
from .billing import post_final_bill
from .collections import account_letter, check_disconnect, check_disconnect_completion
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .maintenance import update_customer
from .readings import enter_reading
from .security import require
from .workorders import READ_KINDS, STATUS_AFTER, _close_work_order, _premise_meter
from .workorders import create_work_order as _create_work_order


def create_work_order(user: User, **order) -> WorkOrder:
    """``workorders.create_work_order`` with the disconnect check of collections: the way
    screens and the command line order any kind of work, a disconnect included."""
    return _create_work_order(user, disconnect_check=check_disconnect, **order)


def complete_work_order(user: User, work_order_id: int, result: str, *,
                        completed_on: _dt.date | None = None, reading=None) -> WorkOrder:
    """Close a work order with what the field found.  ``reading`` (a read the field took)
    is recorded as a meter reading of the premise's meter on the completion date.  A
    turn-off then closes the account on that date, posts its final bill at once (prorated
    by days, ``billing.post_final_bill``), applies any deposit held to it and sends the
    final-bill letter; the first turn-on of an account sends the welcome letter."""
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
            enter_reading(user, meter.id, done_on, reading, note=f"work order {wo.number}")
        _, after = _close_work_order(user, work_order_id, "workorder.complete", status="done",
                                     result=result.strip(), completed_on=done_on)
        if after.kind == "disconnect":
            check_disconnect_completion(after.account_id, after.completed_on)
        new_status = STATUS_AFTER.get(after.kind)
        if new_status and after.account_id:
            set_status(user, after.account_id, new_status, work_order=after)
        if after.kind == "turn_off" and after.account_id:
            _close_account(user, after)
        if after.kind == "turn_on" and after.account_id and not _welcomed(after.account_id):
            account_letter(user, after.account_id, "welcome")  # the service is on: once per account
    return after


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


FORWARDING_FIELDS = {"line1": "mail_line1", "line2": "mail_line2", "city": "mail_city", "state": "mail_state",
                     "zip": "mail_zip"}


def stop_service(user: User, account_id: int, *, stop_on: _dt.date, forwarding: dict | None = None) -> WorkOrder:
    """Order the final read and turn-off on ``stop_on``.  A forwarding address (keys line1,
    line2, city, state, zip) becomes the mailing address of the account's customer of
    record at once: the final bill goes there.  Completing the turn-off records the final
    read, sets the closing date, posts the final bill and applies the deposit."""
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
            party = customer_of_record(account_id)
            if party is None:
                raise Conflict(f"account {format_account_number(acct.number)} has no customer to forward mail to")
            update_customer(user, party.customer_id, **{FORWARDING_FIELDS[k]: v for k, v in forwarding.items()})
            note += "; forwarding address: " + ", ".join(str(v) for v in forwarding.values())
        return _create_work_order(user, kind="turn_off", account_id=account_id, scheduled_on=stop_on,
                                  instructions=note)
