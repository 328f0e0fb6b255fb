"""Completing a work order with what the field found, the result carried into the account
(issue #14).  Above ``workorders`` (which closes the order) and ``proposals`` (which proposes
what bills should change): nothing in the core imports this module, so the results add no
import cycle.

* a reread records its read; below the read a posted bill was billed from, it proposes the
  rebill (``proposals.propose_rebill``);
* a meter test takes the percent the meter registered; outside the tolerance it proposes the
  adjustment of the months affected (``proposals.propose_meter_test``);
* a meter exchange records the removal read and the new meter's install read in the
  premise's meter history (``readings.change_meter``): the next bill bills both meters;
* a new install sets the meter at the address (``readings.install_meter``).

Any other kind closes as ``workorders.complete_work_order`` does.  Proposals are never posted
here: they wait for approval (``proposals.approve``).  Bad input names the form's field and
writes nothing (one transaction).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from models import Meter, User, WorkOrder

from . import clock, proposals
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .money import format_cents
from .readings import change_meter, enter_reading, install_meter, parse_reading
from .security import require
from .workorders import READ_KINDS, finish_work_order, premise_meter

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
    return Completion(after, proposal.id if proposal else None, set_meter.serial if set_meter else "", message)


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
    return install_meter(user, wo.premise_id, serial, on=done_on, reading=start, size=size or '5/8"')
