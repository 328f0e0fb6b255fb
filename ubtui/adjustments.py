"""Adjustments to bills: rebills from a corrected reading, leak credits, late fees.

* ``rebill``: corrects a read (the old read is kept, marked replaced), reverses the original
  bill's posting with ``ledger.reverse``, writes and posts the corrected bill, and returns
  both totals and the difference.
* ``leak_preview`` / ``post_leak_adjustment``: the district's leak policy (a percent of the
  usage above the account's normal usage, priced at the tiers that applied, at most once in
  N months, proof of repair noted), shown line by line before it is posted.
* ``assess_late_fees`` / ``reverse_late_fees``: a batch step keyed by its date, reversible.

Credits above ``Settings.adjustment_approval_cents`` need a supervisor's approval: pass the
``User`` that ``ubtui.security.approve`` returned.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from models import Account, Bill, LedgerEntry, Meter, MeterReading, Posting, User

from . import audit, clock, ledger
from .billing import PlannedBill, bill_posting_id, price, write_bill
from .config import settings
from .db import transaction
from .errors import Conflict, InputError, NotFound, PermissionDenied
from .ledger import EntrySpec
from .money import format_cents
from .rates import GALLONS, BillCalc, Schedule, active_schedule, cents, fmt_qty, fmt_rate
from .security import has_permission, require
from .text import counted

CREDIT_CATEGORIES = ("water", "sewer", "surcharge", "tax")


def check_approval(amount_cents: int, approver: User | None, what: str) -> None:
    """Credits above the configured amount need a supervisor (approve.adjustment)."""
    limit = settings().adjustment_approval_cents
    if abs(amount_cents) <= limit:
        return
    if approver is None:
        raise PermissionDenied(f"{what} of {format_cents(abs(amount_cents))} is over {format_cents(limit)}: "
                               "a supervisor must approve")
    if not has_permission(approver, "approve.adjustment"):
        raise PermissionDenied(f"{approver.username} ({approver.role}) cannot approve this; a supervisor must")


def _posted_bill(bill_id: int) -> Bill:
    bill = Bill.get_or_none(Bill.id == bill_id)
    if bill is None:
        raise NotFound(f"no bill {bill_id}")
    if bill.status != "posted":
        raise Conflict(f"bill {bill_id} is {bill.status}; work on the bill that replaced it")
    return bill


# --- rebills -----------------------------------------------------------------------------------
@dataclass
class RebillResult:
    original_bill_id: int
    new_bill_id: int | None
    old_usage: int
    new_usage: int
    old_total_cents: int
    new_total_cents: int
    calc: BillCalc

    @property
    def difference_cents(self) -> int:
        return self.new_total_cents - self.old_total_cents


def _corrected_usage(bill: Bill, reading: MeterReading, corrected: int) -> int:
    meter = Meter.get_by_id(reading.meter_id)
    if corrected >= 10 ** meter.dials:
        raise InputError("Corrected reading", f"{corrected:,} has more digits than the meter's {meter.dials} dials")
    if reading.usage is None:
        raise InputError("Reading", "the first read of a meter has no usage to correct")
    new_read_usage = reading.usage + (corrected - reading.reading) * meter.multiplier
    if new_read_usage < 0:
        raise InputError("Corrected reading", f"{corrected:,} is below the read before it")
    unit = bill.usage_unit
    delta = Decimal(new_read_usage - reading.usage) * GALLONS[meter.unit] / GALLONS[unit]
    return max(0, int((Decimal(bill.usage) + delta).quantize(Decimal(1), rounding=ROUND_FLOOR)))


def preview_rebill(bill_id: int, *, usage: int | None = None, reading_id: int | None = None,
                   corrected_reading: int | None = None, schedule: Schedule | None = None) -> RebillResult:
    """What the corrected bill would be; nothing is written."""
    schedule = schedule or active_schedule()
    bill = _posted_bill(bill_id)
    if reading_id is not None:
        reading = _bill_reading(bill, reading_id)
        usage = _corrected_usage(bill, reading, _int(corrected_reading, "Corrected reading"))
    if usage is None:
        raise InputError("Usage", "give the corrected usage or the corrected reading")
    usage = _int(usage, "Usage")
    calc = price(schedule, bill.account_id, bill.period_start, bill.period_end, usage, bill.kind)
    return RebillResult(bill.id, None, bill.usage, usage, bill.total_cents, calc.total_cents, calc)


def _int(value, field: str) -> int:
    try:
        v = int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        raise InputError(field, f"{value!r} is not a whole number") from None
    if v < 0:
        raise InputError(field, "must not be negative")
    return v


def _bill_reading(bill: Bill, reading_id: int) -> MeterReading:
    reading = MeterReading.get_or_none(MeterReading.id == reading_id)
    if reading is None:
        raise NotFound(f"no reading {reading_id}")
    acct = Account.get_by_id(bill.account_id)
    meter = Meter.get_by_id(reading.meter_id)
    if meter.premise_id != acct.premise_id or not (bill.period_start < reading.read_on <= bill.period_end):
        raise InputError("Reading", f"reading {reading_id} is not one of bill {bill.id}'s reads")
    return reading


def rebill(user: User, bill_id: int, *, reason: str, usage: int | None = None, reading_id: int | None = None,
           corrected_reading: int | None = None, approver: User | None = None,
           schedule: Schedule | None = None) -> RebillResult:
    """Reverse a bill and post it again from a corrected reading (or usage)."""
    require(user, "adjustment.post")
    if not (reason or "").strip():
        raise InputError("Reason", "say why the bill is corrected")
    schedule = schedule or active_schedule()
    with transaction():
        preview = preview_rebill(bill_id, usage=usage, reading_id=reading_id, corrected_reading=corrected_reading,
                                 schedule=schedule)
        if preview.difference_cents < 0:
            check_approval(preview.difference_cents, approver, "The rebill credit")
        bill = Bill.get_by_id(bill_id)
        if reading_id is not None:
            old = MeterReading.get_by_id(reading_id)
            value = _int(corrected_reading, "Corrected reading")
            meter = Meter.get_by_id(old.meter_id)
            MeterReading.update(status="replaced").where(MeterReading.id == old.id).execute()
            new = MeterReading.create(meter=old.meter_id, read_on=old.read_on, reading=value,
                                      usage=old.usage + (value - old.reading) * meter.multiplier, source="keyed",
                                      status="ok", user=user.id, note=f"corrects reading {old.id}: {reason.strip()}")
            audit.record(user, "reading.correct", "meter_reading", new.id, before=old, after=new)
            nxt = (MeterReading.select().where((MeterReading.meter == old.meter_id) & (MeterReading.read_on > old.read_on)
                                               & MeterReading.usage.is_null(False)
                                               & (MeterReading.status != "replaced"))
                   .order_by(MeterReading.read_on).first())
            if nxt is not None:  # the next read's usage was measured from the wrong register
                shift = (value - old.reading) * meter.multiplier
                MeterReading.update(usage=MeterReading.usage - shift).where(MeterReading.id == nxt.id).execute()
                audit.record(user, "reading.usage", "meter_reading", nxt.id, before=nxt,
                             after=MeterReading.get_by_id(nxt.id), detail=f"reading {old.id} corrected")
        posting_id = bill_posting_id(bill)
        if posting_id:
            ledger.reverse(user, f"rebill-rev:{bill.id}", posting_id, f"rebill of bill {bill.id}: {reason.strip()}")
        Bill.update(status="reversed").where(Bill.id == bill.id).execute()
        today = clock.today()
        plan = PlannedBill(bill.account_id, bill.kind, bill.period_start, bill.period_end, preview.new_usage,
                           False, preview.calc)
        new_id, _ = write_bill(user, plan, key=f"rebill:{bill.id}", bill_date=today,
                               due_date=today + (bill.due_date - bill.bill_date), previous_balance=ledger.account_balance(bill.account_id),
                               kind="rebill", replaces=bill.id)
        preview.new_bill_id = new_id
        audit.record(user, "bill.rebill", "bill", new_id,
                     after={"replaces": bill.id, "old_usage": preview.old_usage, "new_usage": preview.new_usage,
                            "old_total_cents": preview.old_total_cents, "new_total_cents": preview.new_total_cents,
                            "approved_by": approver.username if approver else None},
                     detail=reason.strip()[:200])
    return preview


# --- leak adjustments ----------------------------------------------------------------------------
@dataclass
class CreditLine:
    description: str
    amount_cents: int  # negative: a credit


@dataclass
class LeakCalc:
    bill_id: int
    account_id: int
    usage: int
    normal_usage: int
    excess: int
    credited_units: int
    percent: Decimal
    lines: list[CreditLine] = field(default_factory=list)
    last_leak_on: _dt.date | None = None
    through: int | None = None  # the second bill of a leak over two bills
    # how each computed amount was reached, a bill at a time (each line at most 58 characters)
    explain: list[str] = field(default_factory=list)

    @property
    def credit_cents(self) -> int:
        return sum(l.amount_cents for l in self.lines)

    def text(self) -> str:
        out = [f"Usage {self.usage}, normal {self.normal_usage}, above normal {self.excess}; "
               f"{fmt_qty(self.percent)}% credited = {self.credited_units} units"]
        out += [f"  {e}" for e in self.explain]
        out += [f"  {l.description[:56]:56} {format_cents(l.amount_cents):>12}" for l in self.lines]
        out.append(f"  {'Credit':56} {format_cents(self.credit_cents):>12}")
        return "\n".join(out)


def _last_leak_credit(account_id: int) -> _dt.date | None:
    q = (LedgerEntry.select(LedgerEntry.id, LedgerEntry.effective_on)
         .where((LedgerEntry.account == account_id) & (LedgerEntry.category == "leak")
                & (LedgerEntry.kind == "adjustment")).order_by(LedgerEntry.effective_on.desc()))
    for e in q:
        if not LedgerEntry.select().where(LedgerEntry.reverses == e.id).exists():
            return e.effective_on
    return None


@dataclass(frozen=True)
class Normal:
    """An account's normal usage for one bill and how it was reached (for the leak text)."""
    units: int
    how: str


def _half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def normal_usage(policy, bill: Bill, before: _dt.date) -> Normal:
    """The account's normal usage for ``bill``'s period by the policy's ``normal`` rule, from
    the bills read by ``before`` (the leak's first bill's start: a leak spanning two bills
    is measured against the same bills for both).  ``day_scaled_average`` and ``last_year``
    scale by billing days: a 28-day bill is measured against 28 days of the usage before
    (last year's 33-day bill of 24 units: 24 x 28 / 33 = 20.36 -> 20), rounded half up."""
    days = (bill.period_end - bill.period_start).days
    unit = bill.usage_unit
    actual = (Bill.select().where((Bill.account == bill.account_id) & (Bill.status == "posted")
                                  & (Bill.estimated == False) & (Bill.period_end <= before))  # noqa: E712
              .order_by(Bill.period_end.desc()))
    if policy.normal == "last_year":
        target = bill.period_end - _dt.timedelta(days=365)
        same = [b for b in actual.where(Bill.period_end.between(target - _dt.timedelta(days=20),
                                                                target + _dt.timedelta(days=20)))]
        if not same:
            raise InputError("Bill", f"the account has no actual bill of the same period last year (read near {target})")
        last = min(same, key=lambda b: abs((b.period_end - target).days))
        last_days = (last.period_end - last.period_start).days
        if last_days <= 0:
            raise InputError("Bill", f"last year's bill {last.id} covers no days")
        n = _half_up(Decimal(last.usage) * days / last_days)
        return Normal(n, f"last year's {last.usage} {unit} / {last_days} days x {days} days")
    earlier = list(actual.limit(policy.normal_bills))
    if not earlier:
        raise InputError("Bill", "the account has no earlier actual bills to show its normal usage")
    used = sum(b.usage for b in earlier)
    bills = counted(len(earlier), 'bill')
    if policy.normal == "average":
        return Normal(_half_up(Decimal(used) / len(earlier)), f"{used} {unit} / {bills} before")
    over = sum((b.period_end - b.period_start).days for b in earlier)
    if not over:
        raise InputError("Bill", "the account's earlier bills cover no days")
    return Normal(_half_up(Decimal(used) * days / over), f"{used} {unit} / {over} days ({bills}) x {days} days")


def _credit_lines(schedule: Schedule, bill: Bill, units: int, cats: tuple[str, ...], prefix: str) -> list[CreditLine]:
    """The bill priced at its usage less ``units``, line by line against the bill as priced."""
    full = price(schedule, bill.account_id, bill.period_start, bill.period_end, bill.usage, bill.kind)
    reduced = price(schedule, bill.account_id, bill.period_start, bill.period_end, bill.usage - units, bill.kind)
    after = {l.description: l for l in reduced.lines if l.category in cats}
    lines = []
    for l in (l for l in full.lines if l.category in cats):
        r = after.pop(l.description, None)
        diff = (r.amount_cents if r else 0) - l.amount_cents
        if not diff:
            continue
        if l.quantity is not None and l.unit != "$" and (r is None or r.rate == l.rate):
            less = l.quantity - ((r.quantity or 0) if r else 0)
            text = f"{l.description}: {fmt_qty(less)} {l.unit} x {fmt_rate(l.rate)}"
        elif l.unit == "$":
            text = f"{l.description} of ${(l.quantity or 0) - ((r.quantity or 0) if r else 0):,.2f} less"
        else:
            text = l.explain()
        lines.append(CreditLine(f"{prefix}Credit: {text}", diff))
    for r in after.values():
        lines.append(CreditLine(f"{prefix}Recharged: {r.explain()}", r.amount_cents))
    return lines


def leak_preview(bill_id: int, *, through: int | None = None, schedule: Schedule | None = None) -> LeakCalc:
    """The leak credit for a bill (or, when the policy allows a leak to span two bills, for
    ``bill_id`` and the next bill ``through``), line by line; nothing is written."""
    schedule = schedule or active_schedule()
    policy = schedule.policy.leak
    bill = _posted_bill(bill_id)
    bills = [bill]
    if through is not None:
        if policy.max_bills < 2:
            raise InputError("Second bill", "the district's leak policy credits one bill per leak")
        nxt = _posted_bill(through)
        following = (Bill.select().where((Bill.account == bill.account_id) & (Bill.status == "posted")
                                         & (Bill.period_start >= bill.period_end)).order_by(Bill.period_start).first())
        if nxt.account_id != bill.account_id or following is None or following.id != nxt.id:
            raise InputError("Second bill", f"bill {through} is not the bill after bill {bill_id} on the account")
        bills.append(nxt)
    cats = CREDIT_CATEGORIES if policy.include_sewer else tuple(c for c in CREDIT_CATEGORIES if c != "sewer")
    usage = normal = excess = units = 0
    lines: list[CreditLine] = []
    explain: list[str] = []
    pct = fmt_qty(policy.percent)
    for b in bills:
        b_normal = normal_usage(policy, b, bill.period_start)
        b_excess = b.usage - b_normal.units
        if b_excess <= 0:
            raise InputError("Bill", f"bill {b.id}: usage {b.usage} is not above the normal {b_normal.units}; "
                                     "no leak credit")
        exact = Decimal(b_excess) * policy.percent / 100
        b_units = int(exact.quantize(Decimal(1), rounding=ROUND_FLOOR))
        usage, normal, excess, units = usage + b.usage, normal + b_normal.units, excess + b_excess, units + b_units
        u = b.usage_unit
        explain += [f"Bill {b.id}: {b.period_start} to {b.period_end}, {b.usage} {u}",
                    f"  normal {b_normal.units} = {b_normal.how}",
                    f"  above normal {b.usage} - {b_normal.units} = {b_excess} {u}",
                    f"  {pct}% of {b_excess} = {fmt_qty(exact)}"
                    + (f", {b_units} whole" if exact != b_units else "") + f" {u} credited"]
        lines += _credit_lines(schedule, b, b_units, cats, f"Bill {b.id}: " if len(bills) > 1 else "")
    calc = LeakCalc(bill.id, bill.account_id, usage, normal, excess, units, policy.percent, lines,
                    _last_leak_credit(bill.account_id), through, explain)
    if policy.max_credit is not None and -calc.credit_cents > cents(policy.max_credit):
        calc.lines.append(CreditLine(f"Less: the policy credits at most {format_cents(cents(policy.max_credit))} a leak",
                                     -calc.credit_cents - cents(policy.max_credit)))
    return calc


def post_leak_adjustment(user: User, bill_id: int, *, proof: str, note: str = "", approver: User | None = None,
                         through: int | None = None, schedule: Schedule | None = None,
                         today: _dt.date | None = None) -> LeakCalc:
    require(user, "adjustment.post")
    schedule = schedule or active_schedule()
    policy = schedule.policy.leak
    today = today or clock.today()
    if policy.proof_required and not (proof or "").strip():
        raise InputError("Proof of repair", "note the proof of repair (plumber's invoice, receipt, photo)")
    with transaction():
        last = _last_leak_credit(_posted_bill(bill_id).account_id)
        if last and policy.once_in_months:
            months = (today.year - last.year) * 12 + today.month - last.month
            if months < policy.once_in_months:
                raise Conflict(f"a leak credit was given on {last}; the policy allows one in "
                               f"{policy.once_in_months} months")
        calc = leak_preview(bill_id, through=through, schedule=schedule)
        if calc.credit_cents >= 0:
            raise InputError("Bill", "the policy gives no credit for this bill")
        check_approval(calc.credit_cents, approver, "The leak credit")
        memo = f"leak credit on bill {bill_id}" + (f" and bill {through}" if through else "") + f"; proof: {proof.strip()}" + (f"; {note.strip()}" if note.strip() else "")
        ledger.post(user, f"leak:{bill_id}", "adjustment", [
            EntrySpec(calc.account_id, "adjustment", calc.credit_cents, "leak",
                      f"Leak adjustment, {calc.credited_units} units", f"bill:{bill_id}", today)], memo=memo)
        audit.record(user, "adjustment.leak", "bill", bill_id,
                     after={"credit_cents": calc.credit_cents, "units": calc.credited_units,
                            "lines": [(l.description, l.amount_cents) for l in calc.lines], "proof": proof.strip(),
                            "approved_by": approver.username if approver else None}, detail=memo[:200])
    return calc


# --- late fees ------------------------------------------------------------------------------------
@dataclass
class LateFeeBatch:
    batch: str
    fees: list[tuple[int, int]] = field(default_factory=list)  # (account id, cents)

    @property
    def total_cents(self) -> int:
        return sum(c for _, c in self.fees)


def _fee_for(past_due: int, policy) -> int:
    pct = (Decimal(past_due) * policy.percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(pct), int(policy.minimum * 100))


def assess_late_fees(user: User, as_of: _dt.date, *, schedule: Schedule | None = None) -> LateFeeBatch:
    """One late fee per overdue bill whose account still owes at least the threshold.

    The past-due amount is the balance less the bills not yet due.  The batch is keyed by
    its date: run it twice and the second run posts nothing."""
    require(user, "fee.batch")
    policy = (schedule or active_schedule()).policy.late_fee
    batch = as_of.isoformat()
    cutoff = as_of - _dt.timedelta(days=policy.grace_days)
    result = LateFeeBatch(batch)
    with transaction():
        overdue = (Bill.select(Bill.id, Bill.account, Bill.due_date)
                   .join(Account).where((Bill.status == "posted") & (Bill.due_date < cutoff) & (Bill.total_cents > 0)
                                        & (Account.balance_cents > 0))
                   .order_by(Bill.account, Bill.due_date.desc()))
        latest: dict[int, Bill] = {}
        for b in overdue:
            latest.setdefault(b.account_id, b)
        reversed_ids = LedgerEntry.select(LedgerEntry.reverses).where(LedgerEntry.reverses.is_null(False))
        # by account (the entries' index), not by reference: that column has no index, since
        # every payment would write one
        charged = {e.reference for e in LedgerEntry.select(LedgerEntry.reference).where(
            (LedgerEntry.category == "late_fee") & (LedgerEntry.kind == "fee")
            & LedgerEntry.account.in_(list(latest)) & LedgerEntry.reference.startswith("latefee:")
            & LedgerEntry.id.not_in(reversed_ids))}
        keys = {p.idempotency_key for p in Posting.select(Posting.idempotency_key).where(
            Posting.idempotency_key.startswith(f"latefee:{batch}:"))}
        for account_id, b in latest.items():
            if f"latefee:{b.id}" in charged or f"latefee:{batch}:{account_id}" in keys:
                continue
            not_due = Bill.select(Bill.total_cents).where((Bill.account == account_id) & (Bill.status == "posted")
                                                          & (Bill.due_date >= cutoff))
            balance = ledger.account_balance(account_id)
            past_due = balance - sum(x.total_cents for x in not_due)
            if past_due < int(policy.threshold * 100):
                continue
            fee = _fee_for(past_due, policy)
            r = ledger.write_posting(user, f"latefee:{batch}:{account_id}", "fee", [
                EntrySpec(account_id, "fee", fee, "late_fee", f"Late fee on {format_cents(past_due)} past due",
                          f"latefee:{b.id}", as_of)], memo=f"late fee batch {batch}")
            if r.created:
                result.fees.append((account_id, fee))
        audit.record(user, "fee.batch", "late_fee_batch", batch,
                     after={"fees": len(result.fees), "total_cents": result.total_cents})
    return result


def reverse_late_fees(user: User, batch: str, reason: str) -> int:
    """Reverse every fee of a batch (e.g. the run was on the wrong date).  Returns the count."""
    require(user, "fee.batch")
    if not (reason or "").strip():
        raise InputError("Reason", "say why the batch is reversed")
    n = 0
    with transaction():
        postings = list(Posting.select().where(Posting.idempotency_key.startswith(f"latefee:{batch}:")))
        if not postings:
            raise NotFound(f"no late fee batch {batch}")
        for p in postings:
            done = (LedgerEntry.select().join(Posting).where(Posting.id == p.id).where(
                LedgerEntry.id.in_(LedgerEntry.select(LedgerEntry.reverses).where(LedgerEntry.reverses.is_null(False)))
            ).exists())
            if done:
                continue
            ledger.reverse(user, f"rev-{p.idempotency_key}"[:80], p.id, reason, permission="fee.batch")
            n += 1
        audit.record(user, "fee.batch_reverse", "late_fee_batch", batch, after={"reversed": n}, detail=reason.strip())
    return n
