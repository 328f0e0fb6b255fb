"""Voids: a same-day payment reversed exactly, with a supervisor's own credentials.

The reversal is a ledger posting of its own (``ledger.reverse``); the receipt is kept,
marked voided, and left out of every total (``ubtui.totals.counts_in_totals``).
"""
from __future__ import annotations

from dataclasses import dataclass

from models import DrawerSession, Payment, User

from . import audit, ledger
from .db import transaction
from .drawer import business_today
from .errors import Conflict, InputError, PermissionDenied
from .payments import find_payment
from .security import approve, has_permission, require


@dataclass
class VoidResult:
    payment_id: int
    receipt_number: str
    reversal_posting_id: int
    balances: dict[int, int]  # account id -> balance after the void


def void_payment(user: User, receipt: str | int, reason: str, approver_username: str,
                 approver_password: str) -> VoidResult:
    """Void a same-day payment with a supervisor's own credentials; reverses it exactly."""
    require(user, "payment.take")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("Reason", "say why the payment is voided")
    p = find_payment(receipt)
    if p.status == "voided":
        raise Conflict(f"receipt {p.receipt_number} is already voided")
    if p.status != "posted":
        raise Conflict(f"receipt {p.receipt_number} is {p.status}; it cannot be voided")
    if p.business_date != business_today():
        raise Conflict(f"receipt {p.receipt_number} was taken on {p.business_date}; only same-day payments are "
                       f"voided. Use returned payment handling")
    if p.session_id is not None:
        s = DrawerSession.get_by_id(p.session_id)
        if s.status != "open":
            raise Conflict(f"receipt {p.receipt_number}: drawer session {s.id} is already {s.status}, so its "
                           f"cash is counted. Use returned payment handling")
    approver = approve(approver_username, approver_password, "approve.void")
    if approver.id == user.id and not has_permission(user, "payment.void"):
        raise PermissionDenied("a supervisor must approve the void")
    with transaction():
        res = ledger.reverse(user, f"void:{p.id}", p.posting_id, f"void {p.receipt_number}: {reason}",
                             permission="payment.take", effective_on=p.business_date)
        n = (Payment.update(status="voided", void_posting=res.posting_id, voided_by=user.id,
                            void_approved_by=approver.id, void_reason=reason[:500])
             .where((Payment.id == p.id) & (Payment.status == "posted")).execute())
        if n != 1:
            raise Conflict(f"receipt {p.receipt_number} changed meanwhile; look again")
        audit.record(user, "payment.void", "payment", p.id, before={"status": "posted"},
                     after={"status": "voided", "reversal_posting": res.posting_id, "approved_by": approver.username},
                     detail=reason[:200])
    return VoidResult(p.id, p.receipt_number, res.posting_id, res.balances)
