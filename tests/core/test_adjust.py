"""Rebills from a corrected read, leak credits by policy, late fee batches, approvals."""
import datetime as dt

import pytest

from models import Bill, LedgerEntry, MeterReading
from ubtui import adjustments, billing, ledger, readings
from ubtui.config import Settings, use_settings
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.rates import calculate_bill, demo_schedule
from ubtui.security import approve
from ubtui.verify import verify_all

D = dt.date
S = demo_schedule()


@pytest.fixture
def history(system, make_account):
    """An account billed monthly: 12 HCF a month for three months, then a 40 HCF month."""
    a = make_account(opened_on=D(2026, 1, 1))
    m = readings.install_meter(system, a.premise_id, f"M-{a.id}", on=D(2026, 1, 1), reading=100)
    value = 100
    for i, used in enumerate((12, 12, 12, 40), 1):
        value += used
        on = D(2026, 1, 1) + dt.timedelta(days=30 * i)
        r = readings.enter_reading(system, m.id, on, value)
        if r.status == "exception":
            readings.accept_reading(system, r.id, "confirmed by phone")
        billing.run_bills(system, cycle="1", period_end=on, bill_date=on, schedule=S)
    a.meter = m
    a.bills = list(Bill.select().where(Bill.account == a.id).order_by(Bill.period_end))
    return a


def test_rebill_from_a_corrected_reading(system, history):
    last = history.bills[-1]  # 40 HCF, really a misread: 24
    read = MeterReading.get((MeterReading.meter == history.meter.id) & (MeterReading.read_on == last.period_end))
    before = ledger.account_balance(history.id)
    preview = adjustments.preview_rebill(last.id, reading_id=read.id, corrected_reading=read.reading - 16)
    assert (preview.old_usage, preview.new_usage, preview.new_bill_id) == (40, 24, None)
    assert Bill.get_by_id(last.id).status == "posted"  # a preview writes nothing
    r = adjustments.rebill(system, last.id, reading_id=read.id, corrected_reading=read.reading - 16,
                           reason="reader misread a 6 for an 8")
    new = Bill.get_by_id(r.new_bill_id)
    assert (new.kind, new.replaces_id, new.usage, new.period_start) == ("rebill", last.id, 24, last.period_start)
    assert Bill.get_by_id(last.id).status == "reversed"
    expect = calculate_bill(S, "RES", '5/8"', 24, last.period_start, last.period_end,
                            winter_average=None).total_cents
    assert r.new_total_cents == new.total_cents
    assert r.difference_cents == new.total_cents - last.total_cents < 0
    assert ledger.account_balance(history.id) == before + r.difference_cents
    assert MeterReading.get_by_id(read.id).status == "replaced"
    assert expect > 0
    with pytest.raises(Conflict, match="reversed"):
        adjustments.rebill(system, last.id, usage=20, reason="again")
    assert verify_all() == []


def test_rebill_credit_over_the_limit_needs_a_supervisor(senior, supervisor, history):
    use_settings(Settings(adjustment_approval_cents=1000))
    last = history.bills[-1]
    with pytest.raises(PermissionDenied, match="supervisor must approve"):
        adjustments.rebill(senior, last.id, usage=12, reason="misread")
    with pytest.raises(PermissionDenied, match="cannot approve"):
        adjustments.rebill(senior, last.id, usage=12, reason="misread", approver=senior)
    boss = approve("super1", "password-super1", "approve.adjustment")
    r = adjustments.rebill(senior, last.id, usage=12, reason="misread", approver=boss)
    assert r.difference_cents < -1000


def test_leak_credit_line_by_line_once_a_year(senior, history):
    last = history.bills[-1]
    calc = adjustments.leak_preview(last.id)
    # normal: 36 HCF over 90 days -> 12 in 30 days; 28 above normal, 50% = 14 units credited
    assert (calc.usage, calc.normal_usage, calc.excess, calc.credited_units) == (40, 12, 28, 14)
    water = [l for l in calc.lines if "Water tier" in l.description]
    # 40 -> 26 HCF: tier 3 (over 20) loses 14 units x 5.60
    assert [(l.amount_cents) for l in water] == [-7840]
    assert water[0].description == "Credit: Water tier 3 (over 20 HCF): 14 HCF x 5.60"
    assert any("Drought surcharge" in l.description for l in calc.lines)
    assert "Credit" in calc.text()
    with pytest.raises(InputError, match="Proof of repair"):
        adjustments.post_leak_adjustment(senior, last.id, proof=" ")
    before = ledger.account_balance(history.id)
    assert -calc.credit_cents <= 10000  # under the approval limit
    adjustments.post_leak_adjustment(senior, last.id, proof="plumber invoice 5521", today=D(2026, 5, 10))
    assert ledger.account_balance(history.id) == before + calc.credit_cents
    e = LedgerEntry.get(LedgerEntry.category == "leak")
    assert e.kind == "adjustment" and e.reference == f"bill:{last.id}"
    with pytest.raises(Conflict, match="one in 12 months"):
        adjustments.post_leak_adjustment(senior, history.bills[-2].id, proof="x", today=D(2026, 6, 1))


def test_no_leak_credit_without_usage_above_normal(senior, history):
    with pytest.raises(InputError, match="not above the normal"):
        adjustments.leak_preview(history.bills[-2].id)


def test_late_fees_batch_and_its_reversal(senior, history, make_account):
    paid_up = make_account(opened_on=D(2026, 1, 1))  # no bills: no fee
    balance = ledger.account_balance(history.id)
    last_due = history.bills[-1].due_date
    as_of = last_due + dt.timedelta(days=1)
    batch = adjustments.assess_late_fees(senior, as_of)
    assert [a for a, _ in batch.fees] == [history.id]
    fee = batch.fees[0][1]
    assert fee == max(500, round(balance * 0.015))
    assert adjustments.assess_late_fees(senior, as_of).fees == []  # the same batch again: nothing
    assert adjustments.assess_late_fees(senior, as_of + dt.timedelta(days=3)).fees == []  # that bill has its fee
    assert ledger.account_balance(history.id) == balance + fee
    assert adjustments.reverse_late_fees(senior, as_of.isoformat(), "ran before the payments were posted") == 1
    assert adjustments.reverse_late_fees(senior, as_of.isoformat(), "again") == 0
    assert ledger.account_balance(history.id) == balance
    assert ledger.account_balance(paid_up.id) == 0
    later = adjustments.assess_late_fees(senior, as_of + dt.timedelta(days=5))
    assert [a for a, _ in later.fees] == [history.id]  # reversed, so it may be charged again
    assert verify_all() == []


def test_clerks_cannot_adjust(clerk, history):
    with pytest.raises(PermissionDenied):
        adjustments.assess_late_fees(clerk, D(2026, 11, 1))
    with pytest.raises(PermissionDenied):
        adjustments.rebill(clerk, history.bills[-1].id, usage=1, reason="x")
