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


# --- the district's leak policy, as written in its rate file -------------------------------------
def with_leak_policy(**keys):
    from ubtui.rates import DEMO_RATES, parse_schedule
    text = DEMO_RATES.read_text()
    old = text[text.index("[policy.leak]"):text.index("[policy.late_fee]")]
    new = "[policy.leak]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()) + "\n"
    return parse_schedule(text.replace(old, new), "rates.toml").schedule


@pytest.fixture
def uneven(system, make_account):
    """Bills of 30, 30, 45 and 30 days: 12, 12, 18 HCF, then 40 and 30 HCF (a leak over two bills)."""
    a = make_account(opened_on=D(2026, 1, 1))
    m = readings.install_meter(system, a.premise_id, f"U-{a.id}", on=D(2026, 1, 1), reading=0)
    value = 0
    for on, used in ((D(2026, 1, 31), 12), (D(2026, 3, 2), 12), (D(2026, 4, 16), 18), (D(2026, 5, 16), 40),
                     (D(2026, 6, 15), 30)):
        value += used
        r = readings.enter_reading(system, m.id, on, value)
        if r.status == "exception":
            readings.accept_reading(system, r.id, "confirmed")
        billing.run_bills(system, cycle="1", period_end=on, bill_date=on, schedule=S)
    a.bills = list(Bill.select().where(Bill.account == a.id).order_by(Bill.period_end))
    return a


def test_leak_normal_usage_by_the_districts_rule(system, uneven):
    leak = uneven.bills[3]
    # day-scaled: 42 HCF over 105 days -> 12 in 30 days; 40 - 12 = 28, half = 14
    assert adjustments.leak_preview(leak.id, schedule=S).normal_usage == 12
    # a plain average of the three bills: 42 / 3 = 14; 26 above, half = 13
    avg = adjustments.leak_preview(leak.id, schedule=with_leak_policy(normal='"average"'))
    assert (avg.normal_usage, avg.excess, avg.credited_units) == (14, 26, 13)
    # the same period last year: a bill read 2025-05-18 (within 20 days of 2026-05-16), 33 days
    # long for 24 HCF; the leak bill has 30 days: 24 x 30 / 33 = 21.82 -> 22 normal
    last_year = with_leak_policy(normal='"last_year"', percent=100)
    with pytest.raises(InputError, match="no actual bill of the same period last year"):
        adjustments.leak_preview(leak.id, schedule=last_year)
    Bill.insert(account=uneven.id, period_start=D(2025, 4, 15), period_end=D(2025, 5, 18), bill_date=D(2025, 5, 18),
                due_date=D(2025, 6, 8), usage=24, kind="regular").execute()
    c = adjustments.leak_preview(leak.id, schedule=last_year)
    assert (c.normal_usage, c.excess, c.credited_units) == (22, 18, 18)
    assert c.text().startswith("Usage 40, normal 22, above normal 18; 100% credited = 18 units")
    assert "  normal 22 = last year's 24 HCF / 33 days x 30 days" in c.explain
    # a 28-day bill against the same 33 days: 24 x 28 / 33 = 20.36 -> 20
    short = Bill.get_by_id(leak.id)
    short.period_start = D(2026, 4, 18)
    assert adjustments.normal_usage(last_year.policy.leak, short, D(2026, 4, 18)).units == 20


def test_leak_text_explains_every_amount(system, uneven):
    leak = uneven.bills[3]
    c = adjustments.leak_preview(leak.id, schedule=S)
    # 12 + 12 + 18 = 42 HCF over 30 + 30 + 45 = 105 days, scaled to the leak bill's 30 days
    assert c.explain == [f"Bill {leak.id}: 2026-04-16 to 2026-05-16, 40 HCF",
                         "  normal 12 = 42 HCF / 105 days (3 bills) x 30 days",
                         "  above normal 40 - 12 = 28 HCF",
                         "  50% of 28 = 14 HCF credited"]
    avg = adjustments.leak_preview(uneven.bills[4].id, schedule=with_leak_policy(normal='"average"', percent=25))
    # 12 + 12 + 18 + 40 = 82 / 4 = 20.5 -> 21 (half up); 30 - 21 = 9; 25% of 9 = 2.25 -> 2 whole
    assert avg.explain[1:] == ["  normal 21 = 82 HCF / 4 bills before", "  above normal 30 - 21 = 9 HCF",
                               "  25% of 9 = 2.25, 2 whole HCF credited"]
    assert all(len(e) <= 58 for e in c.explain + avg.explain)


def test_leak_credit_cap_and_a_leak_over_two_bills(senior, supervisor, uneven):
    first, second = uneven.bills[3], uneven.bills[4]
    one = adjustments.leak_preview(first.id, schedule=S)
    assert "50% credited" in one.text() and "E+" not in one.text()
    capped = adjustments.leak_preview(first.id, schedule=with_leak_policy(max_credit=25.00))
    assert capped.credit_cents == -2500 and one.credit_cents < -2500
    assert capped.lines[-1].description == "Less: the policy credits at most $25.00 a leak"
    with pytest.raises(InputError, match="credits one bill per leak"):
        adjustments.leak_preview(first.id, through=second.id, schedule=S)
    two = with_leak_policy(max_bills=2)
    with pytest.raises(InputError, match="is not the bill after"):
        adjustments.leak_preview(uneven.bills[2].id, through=second.id, schedule=two)
    both = adjustments.leak_preview(first.id, through=second.id, schedule=two)
    # bill 5 is measured against the same bills as bill 4 (not the leak's own 40): normal 12,
    # 30 - 12 = 18 above, half = 9
    assert (both.usage, both.normal_usage, both.credited_units) == (70, 12 + 12, 14 + 9)
    assert both.credit_cents == one.credit_cents + sum(l.amount_cents for l in both.lines
                                                       if l.description.startswith(f"Bill {second.id}: "))
    boss = approve("super1", "password-super1", "approve.adjustment")
    adjustments.post_leak_adjustment(senior, first.id, through=second.id, proof="plumber", schedule=two,
                                     approver=boss, today=D(2026, 6, 20))
    e = LedgerEntry.get(LedgerEntry.category == "leak")
    assert e.amount_cents == both.credit_cents
