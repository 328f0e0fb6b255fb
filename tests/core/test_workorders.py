import datetime as dt

import pytest

from models import Account, AuditLog, LedgerEntry, Meter, ServiceDeposit
from tests.core.collectkit import walk
from ubtui import fieldwork, ledger, readings, workorders
from ubtui.accounts import create_customer, create_premise
from ubtui.errors import ApprovalNeeded, Conflict, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.verify import verify_all


def test_start_service_opens_account_deposit_and_turn_on(clerk, system):
    cust = create_customer(system, first_name="Lee", last_name="Park", phones=[("mobile", "(555) 222-3333")])
    prem = create_premise(system, house_number="12", street="Oak Ave")
    readings.install_meter(system, prem.id, "M-12", on=dt.date(2026, 1, 1), reading=0)
    started = workorders.start_service(clerk, premise=prem, customer=cust, turn_on=dt.date(2026, 12, 1))
    assert started.work_order.kind == "turn_on" and started.install_cents == 0  # the meter is there
    acct = started.account
    assert acct.status == "pending" and acct.deposit_held_cents == 10000  # the schedule's residential deposit
    assert ledger.account_balance(acct.id) == 10000
    assert ServiceDeposit.get(ServiceDeposit.account == acct.id).status == "held"
    with pytest.raises(InputError, match="already has service") as e:
        workorders.start_service(clerk, premise=prem, customer=cust)
    assert e.value.field == "Premise"  # the address the clerk must change
    fieldwork.complete_work_order(clerk, started.work_order.id, "read 001234, turned on")
    assert Account.get_by_id(acct.id).status == "active"
    assert verify_all() == []



def test_service_at_an_address_without_a_meter_orders_the_install_and_bills_its_fee(clerk, supervisor, system):
    """A new address has no meter: the start orders a new install (not a turn-on, which the
    field could not do) and bills the schedule's installation fee for the size asked for;
    completing the install sets the meter and turns the water on."""
    cust = create_customer(system, first_name="Chidi", last_name="Okafor")
    prem = create_premise(system, house_number="812", street="Quarry Rd")
    before = (Account.select().count(), LedgerEntry.select().count())
    with pytest.raises(InputError, match='^Meter size: \'7/8"\' is not a meter size'):
        workorders.start_service(clerk, premise=prem, customer=cust, meter_size='7/8"')
    with pytest.raises(ApprovalNeeded, match=r"Install fee of \$2,000.00 is over the schedule's \$1,200.00"):
        workorders.start_service(clerk, premise=prem, customer=cust, meter_size='1"', install_fee_cents=200000)
    assert (Account.select().count(), LedgerEntry.select().count()) == before  # nothing written
    started = workorders.start_service(clerk, premise=prem, customer=cust, meter_size='1"',
                                       turn_on=dt.date(2026, 12, 1))
    acct, wo = started.account, started.work_order
    assert (wo.kind, started.meter_size, started.install_cents) == ("new_install", '1"', 120000)
    assert '1" meter' in wo.instructions
    fee = LedgerEntry.get((LedgerEntry.account == acct.id) & (LedgerEntry.category == "install_fee"))
    assert (fee.kind, fee.amount_cents, fee.description) == ("fee", 120000, 'Meter installation fee (1" meter)')
    assert ledger.account_balance(acct.id) == 120000 + started.deposit_cents
    with pytest.raises(Conflict, match="completed with its results"):
        fieldwork.complete_work_order(clerk, wo.id, "set")
    assert wo.meter_size == '1"'
    done = fieldwork.complete_field_work(clerk, wo.id, "meter set, water on", completed_on=dt.date(2026, 12, 2),
                                         serial="NI-812", install_reading="0")  # the size ordered
    assert done.message == f"meter NI-812 set; account {workorders.format_account_number(acct.number)} active: water on"
    assert Meter.get(Meter.serial == "NI-812").size == '1"'
    after = Account.get_by_id(acct.id)
    assert after.status == "active"
    assert Meter.get(Meter.serial == "NI-812").premise_id == prem.id
    assert verify_all() == []


def test_an_install_fee_over_the_schedule_is_approved_and_a_meter_present_installs_nothing(clerk, supervisor, system):
    cust = create_customer(system, first_name="Ada", last_name="Builder")
    prem = create_premise(system, house_number="9", street="Quarry Rd")
    started = workorders.start_service(clerk, premise=prem, customer=cust, install_fee_cents=70000,
                                       approver=supervisor)
    assert (started.meter_size, started.install_cents) == ('5/8"', 70000)  # the smallest, unless named
    row = AuditLog.get(AuditLog.action == "fee.override")
    assert "Install fee $700.00 over the schedule's $650.00" in row.detail and "super" in row.detail
    metered = create_premise(system, house_number="10", street="Quarry Rd")
    readings.install_meter(system, metered.id, "M-10", on=dt.date(2026, 1, 1), reading=0)
    for kw, field in (({"meter_size": '3/4"'}, "Meter size"), ({"install_fee_cents": 0}, "Install fee")):
        with pytest.raises(InputError, match=f"^{field}: the address has meter M-10 in service: nothing to install"):
            workorders.start_service(clerk, premise=metered, customer=cust, **kw)
    # the field sets another size than the one billed: the completion says so
    done = fieldwork.complete_field_work(clerk, started.work_order.id, "set", serial="NI-9", size='3/4"')
    assert done.message.startswith('meter NI-9 set (3/4"; the order billed the 5/8" meter\'s installation fee')

def test_work_order_rules(clerk, make_account):
    a = make_account()
    wo = workorders.create_work_order(clerk, kind="leak_investigation", account_id=a.id, instructions="hissing")
    assert wo.number.startswith("WO") and wo.status == "open"
    with pytest.raises(Conflict, match="already open"):
        workorders.create_work_order(clerk, kind="leak_investigation", account_id=a.id)
    with pytest.raises(InputError, match="Kind"):
        workorders.create_work_order(clerk, kind="paint_hydrant", account_id=a.id)
    with pytest.raises(InputError, match="Result"):
        fieldwork.complete_work_order(clerk, wo.id, "")
    workorders.cancel_work_order(clerk, wo.id, "customer found the leak")
    with pytest.raises(Conflict, match="already cancelled"):
        fieldwork.complete_work_order(clerk, wo.id, "x")


def test_disconnect_then_reconnect_after_payment(clerk, make_account, system, supervisor):
    a = make_account()
    walk(supervisor, a)  # every notice sent: on the shut-off list from 10/13
    with pytest.raises(PermissionDenied):  # a clerk may not order a disconnect
        fieldwork.create_work_order(clerk, kind="disconnect", account_id=a.id, as_of=dt.date(2026, 10, 13))
    with pytest.raises(PermissionDenied, match="ordered from the shut-off list"):  # no way round the notices
        workorders.create_work_order(supervisor, kind="disconnect", account_id=a.id, as_of=dt.date(2026, 10, 13))
    d = fieldwork.create_work_order(supervisor, kind="disconnect", account_id=a.id, as_of=dt.date(2026, 10, 13))
    fieldwork.complete_work_order(clerk, d.id, "locked off")
    ledger.post(system, "paid-up", "payment", [EntrySpec(a.id, "payment", -11500)])
    assert Account.get_by_id(a.id).status == "disconnected"
    assert [x.id for x in workorders.reconnect_candidates(clerk)] == [a.id]
    wo = workorders.request_reconnect(clerk, a.id, fee_cents=5000)
    assert ledger.account_balance(a.id) == 5000 and workorders.reconnect_candidates(clerk) == []
    with pytest.raises(Conflict):
        workorders.request_reconnect(clerk, a.id, fee_cents=5000)
    assert ledger.account_balance(a.id) == 5000
    fieldwork.complete_work_order(clerk, wo.id, "restored")
    assert Account.get_by_id(a.id).status == "active"


def test_stop_service_orders_final_read(clerk, make_account):
    a = make_account()
    wo = fieldwork.stop_service(clerk, a.id, stop_on=dt.date(2026, 12, 15), forwarding={"line1": "9 Elm"})
    assert wo.kind == "turn_off" and "9 Elm" in wo.instructions
    fieldwork.complete_work_order(clerk, wo.id, "final read 004411")
    assert Account.get_by_id(a.id).status == "final_billed"
    with pytest.raises(Conflict):
        fieldwork.stop_service(clerk, a.id, stop_on=dt.date(2026, 12, 16))
