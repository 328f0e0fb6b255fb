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

import datetime as _dt

from models import User

from . import audit, clock
from .config import settings
from .errors import ApprovalNeeded, InputError, PermissionDenied
from .money import format_cents
from .security import approve, has_permission

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
