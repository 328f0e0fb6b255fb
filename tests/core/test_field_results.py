"""Field results feed the account (issue #14): a reread proposes the corrected bill, a meter
test outside tolerance proposes an adjustment of the months affected, a meter exchange puts
both reads in the meter history and the next bill bills both meters, a new install sets the
meter.  Proposals post only when approved, under the adjustment approval rules."""
import datetime as dt
from decimal import Decimal

import pytest

from models import AdjustmentProposal, AuditLog, Bill, LedgerEntry, Meter, MeterReading, WorkOrder
from tests.core.test_adjust import history as billed  # noqa: F401 - the fixture: 12, 12, 12 and 40 HCF
from ubtui import billing, config, fieldwork, ledger, proposals, readings, workorders
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.verify import verify_all

D = dt.date


def _entries(account_id):
    return LedgerEntry.select().where(LedgerEntry.account == account_id).count()


def test_a_reread_below_the_billed_read_proposes_the_rebill_and_posts_nothing(clerk, senior, billed):
    last = billed.bills[-1]
    wo = workorders.create_work_order(clerk, kind="reread", account_id=billed.id, meter_id=billed.meter.id)
    before, entries = ledger.account_balance(billed.id), _entries(billed.id)
    with pytest.raises(InputError, match="Reading"):
        fieldwork.complete_field_work(clerk, wo.id, "reread at the meter", completed_on=D(2026, 5, 5))
    done = fieldwork.complete_field_work(clerk, wo.id, "reread: the register shows 160",
                                          completed_on=D(2026, 5, 5), reading="160")
    assert done.proposal_id is not None and "rebill proposed" in done.message
    reread = MeterReading.get((MeterReading.meter == billed.meter.id) & (MeterReading.read_on == D(2026, 5, 5)))
    assert reread.reading == 160 and reread.status == "exception"  # below the misread: held
    p = AdjustmentProposal.get_by_id(done.proposal_id)
    assert (p.kind, p.bill_id, p.corrected_reading, p.status) == ("rebill", last.id, 160, "proposed")
    assert p.amount_cents < 0 and f"Bill {last.id}" in p.explanation and "Usage 40 -> 24" in p.explanation
    # proposed, not posted
    assert ledger.account_balance(billed.id) == before and _entries(billed.id) == entries
    assert Bill.get_by_id(last.id).status == "posted"
    with pytest.raises(PermissionDenied):
        proposals.approve(clerk, p.id)
    proposals.approve(senior, p.id, note="checked the photo")
    assert Bill.get_by_id(last.id).status == "reversed"
    new = Bill.get(Bill.replaces == last.id)
    assert new.usage == 24 and ledger.account_balance(billed.id) == before + p.amount_cents
    assert MeterReading.get_by_id(reread.id).status == "ok"
    assert AdjustmentProposal.get_by_id(p.id).status == "approved"
    with pytest.raises(Conflict, match="already approved"):
        proposals.approve(senior, p.id)
    assert [r.action for r in AuditLog.select().where(AuditLog.entity == "adjustment_proposal")] == [
        "adjustment.propose", "adjustment.approve"]
    assert verify_all() == []


def test_a_reread_at_or_above_the_billed_read_records_it_and_proposes_nothing(clerk, billed):
    wo = workorders.create_work_order(clerk, kind="reread", account_id=billed.id)
    done = fieldwork.complete_field_work(clerk, wo.id, "read ok", completed_on=D(2026, 5, 5), reading="182")
    assert done.proposal_id is None and "the bill stands" in done.message
    assert AdjustmentProposal.select().count() == 0


def test_a_rebill_credit_over_the_limit_needs_a_supervisor_and_a_rejection_keeps_the_reason(clerk, senior,
                                                                                            supervisor, billed):
    config.use_settings(config.Settings(adjustment_approval_cents=100))
    wo = workorders.create_work_order(clerk, kind="reread", account_id=billed.id)
    done = fieldwork.complete_field_work(clerk, wo.id, "reread", completed_on=D(2026, 5, 5), reading="150")
    with pytest.raises(PermissionDenied, match="supervisor"):
        proposals.approve(senior, done.proposal_id)
    assert AdjustmentProposal.get_by_id(done.proposal_id).status == "proposed"
    with pytest.raises(InputError, match="Reason"):
        proposals.reject(senior, done.proposal_id, " ")
    proposals.reject(senior, done.proposal_id, "customer's own valve <b>\x1b[2J</b>")
    p = AdjustmentProposal.get_by_id(done.proposal_id)
    assert p.status == "rejected" and "\x1b[2J" in p.decision_note
    assert Bill.get_by_id(billed.bills[-1].id).status == "posted"


def test_a_fast_meter_test_proposes_the_usage_charges_of_the_months_affected(clerk, senior, billed):
    wo = workorders.create_work_order(clerk, kind="meter_test", account_id=billed.id)
    with pytest.raises(InputError, match="Accuracy"):
        fieldwork.complete_field_work(clerk, wo.id, "bench test", completed_on=D(2026, 5, 5))
    for bad in ("fast", "0", "250", "101.123"):
        with pytest.raises(InputError, match="Accuracy"):
            fieldwork.complete_field_work(clerk, wo.id, "bench test", completed_on=D(2026, 5, 5), accuracy=bad)
    assert WorkOrder.get_by_id(wo.id).status == "open"
    done = fieldwork.complete_field_work(clerk, wo.id, "bench test: 104%", completed_on=D(2026, 5, 5),
                                          accuracy="104")
    p = AdjustmentProposal.get_by_id(done.proposal_id)
    calc = proposals.meter_test_preview(billed.id, billed.meter, Decimal(104), D(2026, 5, 5))
    assert p.kind == "meter_test" and p.percent == "104" and p.amount_cents == calc.total_cents < 0
    assert [int(b) for b in p.bills.split(",")] == [b.id for b in billed.bills]  # all four within 6 months
    water = [l for b in billed.bills for l in b.lines if l.description.startswith("Water tier")]
    assert len([l for l in calc.lines if l.category == "water"]) == len(water)
    for line in calc.lines:  # each usage charge times (100 - 104) / 104, rounded
        assert line.adjustment_cents == round(line.amount_cents * -4 / 104)
        assert f"Bill {line.bill_id}: {line.description[:20]}" in p.explanation
    assert "(100 - 104) / 104" in p.explanation
    before = ledger.account_balance(billed.id)
    proposals.approve(senior, p.id)
    assert ledger.account_balance(billed.id) == before + p.amount_cents
    assert verify_all() == []


def test_a_meter_test_within_tolerance_or_by_months_proposes_what_the_policy_says(clerk, billed):
    wo = workorders.create_work_order(clerk, kind="meter_test", account_id=billed.id)
    done = fieldwork.complete_field_work(clerk, wo.id, "bench test", completed_on=D(2026, 5, 5), accuracy="98.5")
    assert done.proposal_id is None and "within tolerance" in done.message
    wo = workorders.create_work_order(clerk, kind="meter_test", account_id=billed.id)
    done = fieldwork.complete_field_work(clerk, wo.id, "slow", completed_on=D(2026, 5, 20), accuracy="90")
    # the test passed on 5/5 says the bills before it were right: none is read after it
    assert done.proposal_id is None and "no bill to adjust" in done.message


def test_a_slow_meter_test_back_bills_the_months_since_it_was_set(clerk, billed):
    config.use_settings(config.Settings(meter_test=config.MeterTestPolicy(months=2)))
    wo = workorders.create_work_order(clerk, kind="meter_test", account_id=billed.id)
    done = fieldwork.complete_field_work(clerk, wo.id, "slow", completed_on=D(2026, 5, 5), accuracy="95")
    p = AdjustmentProposal.get_by_id(done.proposal_id)
    assert [int(b) for b in p.bills.split(",")] == [b.id for b in billed.bills[-2:]]  # periods ending after 3/5
    assert p.amount_cents > 0 and "5% slow" in p.explanation


def test_a_meter_exchange_records_both_reads_and_the_next_bill_bills_both_meters(clerk, system, billed):
    wo = workorders.create_work_order(clerk, kind="meter_change", account_id=billed.id)
    with pytest.raises(InputError, match="New meter"):
        fieldwork.complete_field_work(clerk, wo.id, "exchanged", completed_on=D(2026, 5, 10), reading="200")
    with pytest.raises(InputError, match="Removal read"):
        fieldwork.complete_field_work(clerk, wo.id, "exchanged", completed_on=D(2026, 5, 10), serial="N-1")
    with pytest.raises(InputError, match="Install read"):
        fieldwork.complete_field_work(clerk, wo.id, "exchanged", completed_on=D(2026, 5, 10), reading="200",
                                       serial="N-1", install_reading="x")
    with pytest.raises(InputError, match="New meter"):
        fieldwork.complete_field_work(clerk, wo.id, "exchanged", completed_on=D(2026, 5, 10), reading="200",
                                       serial=billed.meter.serial)
    assert Meter.select().count() == 1 and WorkOrder.get_by_id(wo.id).status == "open"
    done = fieldwork.complete_field_work(clerk, wo.id, "exchanged", completed_on=D(2026, 5, 10), reading="200",
                                          serial="N-1", install_reading="5")
    assert done.meter_serial == "N-1"
    old = Meter.get_by_id(billed.meter.id)
    new = Meter.get(Meter.serial == "N-1")
    assert old.removed_on == D(2026, 5, 10) and new.premise_id == old.premise_id
    history = [(r.meter_id, r.read_on, r.reading) for r in MeterReading.select().where(
        MeterReading.read_on == D(2026, 5, 10)).order_by(MeterReading.id)]
    assert history == [(old.id, D(2026, 5, 10), 200), (new.id, D(2026, 5, 10), 5)]
    readings.enter_reading(system, new.id, D(2026, 5, 31), 11)
    billing.run_bills(system, cycle="1", period_end=D(2026, 5, 31), bill_date=D(2026, 5, 31))
    bill = Bill.select().where(Bill.account == billed.id).order_by(Bill.period_end.desc()).first()
    assert bill.period_end == D(2026, 5, 31) and bill.usage == (200 - 176) + (11 - 5)
    assert verify_all() == []


def test_a_new_install_sets_the_meter_at_the_address(clerk, system, make_account):
    a = make_account()
    wo = workorders.create_work_order(clerk, kind="new_install", account_id=a.id)
    with pytest.raises(InputError, match="Reading"):
        fieldwork.complete_field_work(clerk, wo.id, "set", reading="3", serial="NEW-1")
    with pytest.raises(InputError, match="Size"):
        fieldwork.complete_field_work(clerk, wo.id, "set", serial="NEW-1", size="enormous!")
    done = fieldwork.complete_field_work(clerk, wo.id, "set 5/8 meter", serial="NEW-1", install_reading="3")
    m = Meter.get(Meter.serial == "NEW-1")
    assert m.premise_id == a.premise_id and done.message == "meter NEW-1 set"
    assert MeterReading.get(MeterReading.meter == m.id).reading == 3
    wo2 = workorders.create_work_order(clerk, kind="new_install", account_id=a.id)
    with pytest.raises(InputError, match="meter exchange"):
        fieldwork.complete_field_work(clerk, wo2.id, "set", serial="NEW-2")
    door = workorders.create_work_order(clerk, kind="door_tag", account_id=a.id)
    with pytest.raises(InputError, match="New meter"):
        fieldwork.complete_field_work(clerk, door.id, "tag", serial="NEW-3")
    with pytest.raises(InputError, match="Accuracy"):
        fieldwork.complete_field_work(clerk, door.id, "tag", accuracy="100")
