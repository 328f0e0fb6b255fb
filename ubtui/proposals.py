"""Field results proposed to the account (issue #14), approved or rejected by someone who may
post adjustments, under the adjustment approval rules (``adjustments.check_approval``).

* A reread whose register is below the read a posted bill was billed from shows that read was
  too high: ``propose_rebill`` keeps the rebill of that bill from the reread's register
  (``adjustments.preview_rebill``), line by line.  An estimated bill, or a reread at or above
  the billed read, proposes nothing: the next bill bills from the reread.
* A meter test outside the tolerance (``[meter_test]`` of the config) proposes an adjustment
  of the usage charges (water tiers, metered sewer) of the bills of the months affected: each
  line's amount times ``(100 - registered) / registered``, one line a bill line.
* ``approve`` posts it (the rebill, or the adjustment by category) with its own idempotency
  key; ``reject`` keeps it with the reason.  Nothing about a proposal is ever deleted.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from models import AdjustmentProposal, Bill, BillLine, Meter, MeterReading, User, WorkOrder

from . import audit, clock, ledger
from .accounts import format_account_number
from .adjustments import check_approval, preview_rebill
from .config import settings
from .db import transaction
from .errors import Conflict, InputError, NotFound
from .ledger import EntrySpec
from .money import format_cents
from .readings import GOOD
from .security import require

MAX_ACCURACY = Decimal(200)


# --- meter tests ---------------------------------------------------------------------------
def parse_accuracy(text, field: str = "Accuracy") -> Decimal:
    """The percent of the test water the meter registered (``98.5``; ``%`` allowed)."""
    t = str(text if text is not None else "").strip().rstrip("%").strip()
    if not t:
        raise InputError(field, "type the percent the meter registered in the test, e.g. 98.5")
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise InputError(field, f"{t[:20]!r} is not a percent, e.g. 98.5") from None
    if not value.is_finite() or value <= 0 or value > MAX_ACCURACY:
        raise InputError(field, f"{t[:20]} is not a percent a meter registers (above 0, at most 200)")
    if value != value.quantize(Decimal("0.01")):
        raise InputError(field, "at most two decimals, e.g. 98.25")
    return value


def within_tolerance(accuracy: Decimal) -> bool:
    return abs(accuracy - 100) <= settings().meter_test.tolerance_percent


def usage_line(line: BillLine) -> bool:
    """A charge that grows with the water the meter registered (the meter test adjusts these)."""
    if line.category == "water":
        return line.description.startswith("Water tier")
    return line.category == "sewer" and line.description.startswith("Sewer usage (") and "metered" in line.description


@dataclass
class TestLine:
    bill_id: int
    description: str
    amount_cents: int  # as billed
    adjustment_cents: int
    category: str


@dataclass
class MeterTestCalc:
    account_id: int
    accuracy: Decimal
    since: _dt.date
    lines: list[TestLine] = field(default_factory=list)

    @property
    def bills(self) -> list[int]:
        return sorted({l.bill_id for l in self.lines})

    @property
    def total_cents(self) -> int:
        return sum(l.adjustment_cents for l in self.lines)

    def text(self) -> str:
        error = self.accuracy - 100
        how = "fast" if error > 0 else "slow"
        out = [f"Meter registered {self.accuracy}% ({abs(error)}% {how}); usage charges of the bills "
               f"since {self.since} x (100 - {self.accuracy}) / {self.accuracy}"]
        out += [f"  Bill {l.bill_id}: {l.description[:40]:40} {format_cents(l.amount_cents):>10} "
                f"{format_cents(l.adjustment_cents):>10}" for l in self.lines]
        out.append(f"  {'Adjustment':60} {format_cents(self.total_cents):>10}")
        return "\n".join(out)


def meter_test_preview(account_id: int, meter: Meter, accuracy: Decimal, tested_on: _dt.date) -> MeterTestCalc:
    """The adjustment a test result makes to the account's bills; nothing is written.  The
    bills affected are those read in the ``months`` before the test, since the meter was set
    and since its last test (a passed test says the bills before it were right)."""
    policy = settings().meter_test
    since = max(d for d in (_months_before(tested_on, policy.months), meter.installed_on) if d)
    earlier = (WorkOrder.select(WorkOrder.completed_on)
               .where((WorkOrder.kind == "meter_test") & (WorkOrder.status == "done")
                      & (WorkOrder.premise == meter.premise_id) & (WorkOrder.completed_on < tested_on))
               .order_by(WorkOrder.completed_on.desc()).first())
    if earlier is not None and earlier.completed_on > since:
        since = earlier.completed_on
    bills = (Bill.select(Bill.id).where((Bill.account == account_id) & (Bill.status == "posted")
                                        & (Bill.period_end > since) & (Bill.period_start < tested_on))
             .order_by(Bill.period_end, Bill.id))
    return _test_lines(MeterTestCalc(account_id, accuracy, since), [b.id for b in bills])


def _months_before(day: _dt.date, n: int) -> _dt.date:
    years, month = divmod(day.month - 1 - n, 12)
    return _dt.date(day.year + years, month + 1, min(day.day, 28))


def _test_lines(calc: MeterTestCalc, bill_ids: list[int]) -> MeterTestCalc:
    """Each usage charge of ``bill_ids`` times the test's error: one line a bill line."""
    factor = (100 - calc.accuracy) / calc.accuracy
    for bill_id in bill_ids:
        for line in BillLine.select().where(BillLine.bill == bill_id).order_by(BillLine.seq):
            if not usage_line(line) or not line.amount_cents:
                continue
            adj = int((Decimal(line.amount_cents) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            if adj:
                calc.lines.append(TestLine(bill_id, line.description, int(line.amount_cents), adj, line.category))
    return calc


# --- proposing (inside the work order's completion) ----------------------------------------
def _explain_rebill(preview, reading: MeterReading, corrected: int, wo: WorkOrder) -> str:
    out = [f"Bill {preview.original_bill_id}: read {reading.reading:,} on {reading.read_on} is above the "
           f"reread of {corrected:,} ({wo.number} on {wo.completed_on}); billed from {corrected:,} instead",
           f"  Usage {preview.old_usage} -> {preview.new_usage}; total {format_cents(preview.old_total_cents)} -> "
           f"{format_cents(preview.new_total_cents)}; difference {format_cents(preview.difference_cents)}"]
    out += [f"  {l.explain()[:60]:60} {format_cents(l.amount_cents):>10}" for l in preview.calc.lines]
    return "\n".join(out)


def propose_rebill(user: User, wo: WorkOrder, meter: Meter, reread: MeterReading) -> AdjustmentProposal | None:
    """(In the completion's transaction) the rebill a reread shows, or None when the billed
    read stands."""
    if wo.account_id is None:
        return None
    bill = (Bill.select().where((Bill.account == wo.account_id) & (Bill.status == "posted")
                                & (Bill.period_end < reread.read_on))
            .order_by(Bill.period_end.desc(), Bill.id.desc()).first())
    if bill is None or bill.estimated:
        return None
    billed = (MeterReading.select().where((MeterReading.meter == meter.id) & MeterReading.status.in_(GOOD)
                                          & MeterReading.usage.is_null(False)
                                          & (MeterReading.read_on > bill.period_start)
                                          & (MeterReading.read_on <= bill.period_end))
              .order_by(MeterReading.read_on.desc(), MeterReading.id.desc()).first())
    if billed is None or reread.reading >= billed.reading:
        return None
    preview = preview_rebill(bill.id, reading_id=billed.id, corrected_reading=reread.reading)
    if not preview.difference_cents:
        return None  # the corrected read bills the same
    p = AdjustmentProposal.create(account=wo.account_id, work_order=wo.id, kind="rebill", bill=bill.id,
                                  reading=billed.id, corrected_reading=reread.reading,
                                  amount_cents=preview.difference_cents,
                                  explanation=_explain_rebill(preview, billed, reread.reading, wo), created_by=user.id)
    audit.record(user, "adjustment.propose", "adjustment_proposal", p.id, after=p,
                 detail=f"rebill of bill {bill.id} from {wo.number}")
    return p


def propose_meter_test(user: User, wo: WorkOrder, meter: Meter, accuracy: Decimal) -> AdjustmentProposal | None:
    """(In the completion's transaction) the adjustment a failed test shows, or None when the
    meter is within tolerance or no bill is affected."""
    if wo.account_id is None or within_tolerance(accuracy):
        return None
    calc = meter_test_preview(wo.account_id, meter, accuracy, wo.completed_on)
    if not calc.lines:
        return None
    p = AdjustmentProposal.create(account=wo.account_id, work_order=wo.id, kind="meter_test", percent=str(accuracy),
                                  bills=",".join(str(b) for b in calc.bills)[:200], amount_cents=calc.total_cents,
                                  explanation=calc.text(), created_by=user.id)
    audit.record(user, "adjustment.propose", "adjustment_proposal", p.id, after=p,
                 detail=f"meter test {wo.number}: {accuracy}% registered")
    return p


# --- deciding --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalRow:
    proposal_id: int
    account_id: int
    account_number: str
    kind: str
    work_order: str
    amount_cents: int
    status: str
    explanation: str
    done_on: _dt.date  # the work order's completion


def list_proposals(user: User, *, status: str | None = "proposed", account_id: int | None = None) -> list[ProposalRow]:
    require(user, "account.view")
    from models import Account
    q = (AdjustmentProposal.select(AdjustmentProposal, Account.number, WorkOrder.number, WorkOrder.completed_on)
         .join_from(AdjustmentProposal, Account)
         .join_from(AdjustmentProposal, WorkOrder, on=(AdjustmentProposal.work_order == WorkOrder.id))
         .order_by(AdjustmentProposal.id))
    if status:
        q = q.where(AdjustmentProposal.status == status)
    if account_id is not None:
        q = q.where(AdjustmentProposal.account == account_id)
    return [ProposalRow(p.id, p.account_id, format_account_number(p.account.number), p.kind, p.work_order.number,
                        int(p.amount_cents), p.status, p.explanation, p.work_order.completed_on) for p in q]


def _open(proposal_id: int) -> AdjustmentProposal:
    p = AdjustmentProposal.get_or_none(AdjustmentProposal.id == proposal_id)
    if p is None:
        raise NotFound(f"no proposal {proposal_id}")
    if p.status != "proposed":
        raise Conflict(f"proposal {proposal_id} is already {p.status}")
    return p


def approve(user: User, proposal_id: int, *, approver: User | None = None, note: str = "") -> AdjustmentProposal:
    """Post a proposal: the rebill, or the meter test adjustment (by category), once."""
    require(user, "adjustment.post")
    with transaction():
        p = _open(proposal_id)
        wo = WorkOrder.get_by_id(p.work_order_id)
        if p.kind == "rebill":
            from .adjustments import rebill
            rebill(user, p.bill_id, reason=f"reread {wo.number}", reading_id=p.reading_id,
                   corrected_reading=p.corrected_reading, approver=approver)
            _settle_reread(user, p)
        else:
            check_approval(int(p.amount_cents), approver, "The meter test adjustment")
            by_category: dict[str, int] = {}
            for bill_id in (int(b) for b in p.bills.split(",") if b):
                bill = Bill.get_by_id(bill_id)
                if bill.status != "posted":
                    raise Conflict(f"bill {bill_id} was replaced since the test; propose again from that bill")
            calc = _recalc(p, wo)
            for l in calc.lines:
                by_category[l.category] = by_category.get(l.category, 0) + l.adjustment_cents
            specs = [EntrySpec(p.account_id, "adjustment", cents, cat,
                               f"Meter test {wo.number}: {p.percent}% registered", f"proposal:{p.id}", clock.today())
                     for cat, cents in sorted(by_category.items()) if cents]
            if specs:
                ledger.post(user, f"metertest:{p.id}", "adjustment", specs,
                            memo=f"meter test {wo.number} on {wo.completed_on}: {p.percent}% registered")
        AdjustmentProposal.update(status="approved", decided_by=user.id, decided_at=_now(),
                                  decision_note=(note or "").strip()).where(AdjustmentProposal.id == p.id).execute()
        after = AdjustmentProposal.get_by_id(p.id)
        audit.record(user, "adjustment.approve", "adjustment_proposal", p.id, before=p, after=after,
                     detail=f"approved by {approver.username}" if approver else "")
    return after


def _recalc(p: AdjustmentProposal, wo: WorkOrder) -> MeterTestCalc:
    """The proposal's lines again from its bills (as proposed: the same bills, the same percent)."""
    return _test_lines(MeterTestCalc(p.account_id, Decimal(p.percent), wo.completed_on),
                       [int(b) for b in p.bills.split(",") if b])


def _settle_reread(user: User, p: AdjustmentProposal) -> None:
    """After the rebill: the reread, held as an exception (below the wrong read), is the
    meter's register again: a good read with the usage the rebill left it."""
    wo = WorkOrder.get_by_id(p.work_order_id)
    row = (MeterReading.select().where((MeterReading.read_on == wo.completed_on) & (MeterReading.status == "exception")
                                       & (MeterReading.meter == MeterReading.get_by_id(p.reading_id).meter_id))
           .first())
    if row is None or (row.usage or 0) < 0:
        return
    MeterReading.update(status="ok", flag="", flag_reason="").where(MeterReading.id == row.id).execute()
    audit.record(user, "reading.settle", "meter_reading", row.id, before=row, after=MeterReading.get_by_id(row.id),
                 detail=f"reread {wo.number} after proposal {p.id}")


def reject(user: User, proposal_id: int, reason: str) -> AdjustmentProposal:
    require(user, "adjustment.post")
    if not (reason or "").strip():
        raise InputError("Reason", "say why the proposal is rejected")
    with transaction():
        p = _open(proposal_id)
        AdjustmentProposal.update(status="rejected", decided_by=user.id, decided_at=_now(),
                                  decision_note=reason.strip()).where(AdjustmentProposal.id == p.id).execute()
        after = AdjustmentProposal.get_by_id(p.id)
        audit.record(user, "adjustment.reject", "adjustment_proposal", p.id, before=p, after=after, detail=reason.strip()[:200])
    return after


def _now() -> _dt.datetime:
    from models import utcnow
    return utcnow()
