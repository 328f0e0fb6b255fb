"""Limits on fees and deposits a person posts: the fee schedule is the ceiling.

``Settings.fees`` (the ``[fees]`` table of the config file) says what a reconnect costs (and
after hours) and what deposit each account class pays.  A clerk may charge the scheduled
amount or less (0 waives it); more needs a supervisor's approval (``ubtui.security.approve``
with ``approve.adjustment``, the same approval adjustments use), and nothing is ever posted
over ``Settings.max_amount_cents``, approved or not.

The functions that post a fee or deposit take the approving supervisor's user name and
password and check them here (``approver_of``: a wrong password counts towards that user's
lockout like any sign-in); without them an amount over the schedule is refused with
``ApprovalNeeded``, which the counter's forms answer by asking for them.  An approved amount
over the schedule writes its own audit row (``record_override``: what was charged, what the
schedule says, who approved).
"""
from __future__ import annotations

import calendar
import datetime as _dt
import unicodedata
from dataclasses import dataclass, field

from models import Account, AccountCustomer, User, WorkOrder
from models.cashier import returned_since

from . import audit, clock
from .config import settings
from .errors import ApprovalNeeded, InputError, PermissionDenied
from .money import format_cents
from .security import approve, has_permission
from .text import counted

APPROVE = "approve.adjustment"


def reconnect_fee(after_hours: bool = False) -> int:
    f = settings().fees
    return f.reconnect_after_hours_fee_cents if after_hours else f.reconnect_fee_cents


def after_hours(at: _dt.datetime | None = None) -> bool:
    """Whether ``at`` (local time; now when not given) is outside the schedule's office hours."""
    f = settings().fees
    opens, closes = f.office_hours
    at = at or clock.now()
    return not (opens <= at.hour < closes) or at.weekday() not in f.office_weekdays


def reconnects_at(balance_cents: int) -> bool:
    """Whether a disconnected account owing ``balance_cents`` after a payment is reconnected."""
    limit = settings().fees.reconnect_when_owing_cents
    return limit is not None and balance_cents <= limit


def deposit_for(account_class: str) -> int:
    f = settings().fees
    return f.deposit_cents.get(account_class, f.deposit_default_cents)


def install_fee(size: str) -> int:
    """The schedule's fee for setting a meter of ``size`` where there is none."""
    f = settings().fees
    return f.install_fee_cents.get(size, f.install_fee_default_cents)


def check_amount(amount_cents: int, field: str) -> int:
    """Any amount a function posts: an integer, not negative, not over ``max_amount_cents``."""
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool):
        raise InputError(field, "must be a whole number of cents")
    if amount_cents < 0:
        raise InputError(field, "must not be negative")
    limit = settings().max_amount_cents
    if amount_cents > limit:
        raise InputError(field, f"{format_cents(amount_cents)} is over the limit of {format_cents(limit)}")
    return amount_cents


def check_scheduled(amount_cents: int, scheduled_cents: int, field: str, approver: User | None) -> int:
    """``amount_cents`` against the schedule's ``scheduled_cents``: at or below it anyone with
    the function's permission may post it; above it a supervisor must have approved."""
    check_amount(amount_cents, field)
    if amount_cents <= scheduled_cents:
        return amount_cents
    what = f"{field} of {format_cents(amount_cents)} is over the schedule's {format_cents(scheduled_cents)}"
    if approver is None:
        raise ApprovalNeeded(f"{what}: a supervisor must approve", APPROVE)
    if not has_permission(approver, APPROVE):
        raise PermissionDenied(f"{what}: {approver.username} ({approver.role}) cannot approve it; a supervisor must")
    return amount_cents


def approver_of(approver: User | None, username: str = "", password: str = "") -> User | None:
    """The approving supervisor: checked by user name and password when they are given
    (``security.approve``: a wrong password is refused and counts towards the lockout),
    otherwise ``approver`` as the caller passed it (a signed-in supervisor, a batch)."""
    if username and username.strip():
        return approve(username, password, APPROVE)
    return approver


def record_override(user: User, approver: User | None, field: str, amount_cents: int, scheduled_cents: int,
                    entity: str, entity_id) -> None:
    """(Inside the posting's transaction) the audit row of an amount over the schedule."""
    if amount_cents <= scheduled_cents or approver is None:
        return
    audit.record(user, "fee.override", entity, entity_id,
                 after={"field": field, "amount_cents": amount_cents, "scheduled_cents": scheduled_cents,
                        "approved_by": approver.username},
                 detail=f"{field} {format_cents(amount_cents)} over the schedule's {format_cents(scheduled_cents)}, "
                        f"approved by {approver.username}")


# --- the deposit a customer pays: by class, more after returned payments or a disconnection --
def _months_back(day: _dt.date, months: int) -> _dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    return _dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def deposit_risk(customer_id: int, on: _dt.date | None = None) -> str:
    """Why the customer pays the higher deposit ("" when they do not): a returned payment or a
    disconnection on any account they have a role on, in the schedule's last
    ``deposit_risk_months`` months."""
    months = settings().fees.deposit_risk_months
    if months <= 0:
        return ""
    on = on or clock.today()
    since = _months_back(on, months)
    accounts = AccountCustomer.select(AccountCustomer.account).where(AccountCustomer.customer == customer_id)
    returned = returned_since(accounts, _dt.datetime.combine(since, _dt.time()))
    if returned:
        return f"{counted(returned, 'returned payment')} in {months} months"
    cut = (WorkOrder.select(WorkOrder.id).where((WorkOrder.kind == "disconnect") & (WorkOrder.status == "done")
                                                & (WorkOrder.completed_on >= since)
                                                & WorkOrder.account.in_(accounts)).exists()
           or Account.select(Account.id).where(Account.id.in_(accounts)
                                                 & (Account.status == "disconnected")).exists())
    return f"disconnected in the last {months} months" if cut else ""


def customer_deposit(account_class: str, customer_id: int | None, on: _dt.date | None = None) -> tuple[int, str]:
    """The schedule's deposit for this class and customer, and why it is higher ("" when not)."""
    base = deposit_for(account_class)
    why = deposit_risk(customer_id, on) if customer_id is not None else ""
    if not why:
        return base, ""
    return base * settings().fees.deposit_risk_percent // 100, why


MAX_WAIVER_REASON = 200


@dataclass(frozen=True)
class Waiver:
    """A deposit waived (all or part): why, and the supervisor who approves it at the terminal
    with their own user name and password."""

    reason: str
    username: str
    password: str = field(repr=False)


def approve_waiver(waiver: Waiver | None, amount_cents: int, scheduled_cents: int, field_name: str) -> User | None:
    """A deposit below the schedule needs a waiver: a reason and a supervisor's own password
    (``security.approve``: a wrong password counts toward the approver's lockout).  Returns
    the approver, or None when no waiver is needed."""
    if amount_cents >= scheduled_cents:
        return None
    what = f"{field_name} of {format_cents(amount_cents)} is under the schedule's {format_cents(scheduled_cents)}"
    if waiver is None:
        raise PermissionDenied(f"{what}: waiving it needs a reason and a supervisor's approval")
    reason = (waiver.reason or "").strip()
    if not reason:
        raise InputError("Waiver reason", "say why the deposit is waived")
    if len(reason) > MAX_WAIVER_REASON or any(unicodedata.category(c) in ("Cc", "Cf") for c in reason):
        raise InputError("Waiver reason", f"at most {MAX_WAIVER_REASON} characters, no control characters")
    if not (waiver.username or "").strip():
        raise InputError("Approved by", "a supervisor types their user name")
    if not waiver.password:
        raise InputError("Approver password", "the supervisor types their password")
    return approve(waiver.username.strip(), waiver.password, "approve.adjustment")
