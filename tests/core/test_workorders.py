import datetime as dt

import pytest

from models import Account, ServiceDeposit
from tests.core.collectkit import walk
from ubtui import fieldwork, ledger, workorders
from ubtui.accounts import create_customer, create_premise
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.verify import verify_all


def test_start_service_opens_account_deposit_and_turn_on(clerk, system):
    cust = create_customer(system, first_name="Lee", last_name="Park", phones=[("mobile", "(555) 222-3333")])
    prem = create_premise(system, house_number="12", street="Oak Ave")
    started = workorders.start_service(clerk, premise=prem, customer=cust, turn_on=dt.date(2026, 12, 1))
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
