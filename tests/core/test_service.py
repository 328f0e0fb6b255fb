"""Start and stop service end to end (issue #14): one billable account per premise and meter,
the final bill of one account at the turn-off, the deposit after it, the forwarding address,
class/rate/cycle from the rate file, the customer's prior debt."""
import datetime as dt

import pytest

from models import Account, AccountCustomer, AuditLog, Bill, Customer, MeterReading, ServiceDeposit
from ubtui import billing, fieldwork, ledger, readings, workorders
from ubtui.accounts import create_customer, create_premise, format_account_number, open_account, set_status
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.rates import demo_schedule
from ubtui.verify import verify_all

D = dt.date


def _customer(acct):
    return Customer.get_by_id(AccountCustomer.get(AccountCustomer.account == acct.id).customer_id)


def _served(system, make_account, opened=D(2026, 1, 1)):
    a = make_account(opened_on=opened)
    a.meter = readings.install_meter(system, a.premise_id, f"M-{a.id}", on=opened, reading=100)
    return a


def test_a_disconnected_account_and_the_next_one_never_bill_the_same_reads(system, supervisor, make_account):
    old = _served(system, make_account)
    readings.enter_reading(system, old.meter.id, D(2026, 1, 31), 110)
    billing.run_bills(system, cycle="1", period_end=D(2026, 1, 31), bill_date=D(2026, 1, 31), schedule=demo_schedule())
    set_status(supervisor, old.id, "disconnected", reason="shut off for non-payment")
    cust = _customer(old)
    # the data as it was before: a new account at the same address beside the disconnected one
    new = open_account(system, premise=old.premise, customers=[(cust, "tenant")], opened_on=D(2026, 2, 10),
                       status="active")
    readings.enter_reading(system, old.meter.id, D(2026, 2, 28), 115)  # 5 HCF after the new account began
    billing.run_bills(system, cycle="1", period_end=D(2026, 2, 28), bill_date=D(2026, 2, 28), schedule=demo_schedule())
    old_bills = list(Bill.select().where(Bill.account == old.id).order_by(Bill.period_end))
    new_bill = Bill.get(Bill.account == new.id)
    assert new_bill.usage == 5 and new_bill.period_start == D(2026, 2, 10)
    # the old account ends where the new one began: a final bill without the 5 HCF read after
    # (no read up to the handover: estimated), and no bill after it
    assert old_bills[-1].kind == "final" and old_bills[-1].period_end == D(2026, 2, 10)
    assert old_bills[-1].estimated
    assert verify_all() == []


def test_start_service_is_refused_beside_a_disconnected_account(clerk, supervisor, system, make_account):
    old = make_account()
    set_status(supervisor, old.id, "disconnected", reason="shut off")
    cust = create_customer(system, first_name="New", last_name="Tenant")
    with pytest.raises(InputError, match="^Premise: already has service on account .* [(]disconnected[)]"):
        workorders.start_service(clerk, premise=old.premise, customer=cust)
    assert Account.select().count() == 1


def test_stop_service_end_to_end(clerk, system, make_account):
    a = _served(system, make_account)
    ledger.post(system, "dep", "deposit", [EntrySpec(a.id, "deposit", 10000, "deposit", "Service deposit")])
    ServiceDeposit.create(account=a.id, amount_cents=10000, received_on=D(2026, 1, 1), status="held")
    Account.update(deposit_held_cents=10000).where(Account.id == a.id).execute()
    ledger.post(system, "paid-dep", "payment", [EntrySpec(a.id, "payment", -10000)])
    readings.enter_reading(system, a.meter.id, D(2026, 1, 31), 110)
    billing.run_bills(system, cycle="1", period_end=D(2026, 1, 31), bill_date=D(2026, 1, 31), schedule=demo_schedule())
    ledger.post(system, "paid-jan", "payment", [EntrySpec(a.id, "payment", -ledger.account_balance(a.id))])
    wo = fieldwork.stop_service(clerk, a.id, stop_on=D(2026, 2, 15),
                                 forwarding={"line1": "9 Elm St", "city": "Reno", "state": "NV", "zip": "89501"})
    owner = _customer(a)
    assert (owner.mail_line1, owner.mail_city, owner.mail_state, owner.mail_zip) == ("9 Elm St", "Reno", "NV", "89501")
    assert Bill.select().where(Bill.account == a.id).count() == 1  # nothing billed before the turn-off
    done = fieldwork.complete_field_work(clerk, wo.id, "final read, turned off", completed_on=D(2026, 2, 15),
                                         reading="000116")
    acct = Account.get_by_id(a.id)
    assert acct.status == "final_billed" and acct.closed_on == D(2026, 2, 15)
    read = MeterReading.get((MeterReading.meter == a.meter.id) & (MeterReading.read_on == D(2026, 2, 15)))
    assert read.reading == 116 and read.usage == 6
    final = Bill.get((Bill.account == a.id) & (Bill.kind == "final"))
    assert (final.period_start, final.period_end, final.usage, final.estimated) == (D(2026, 1, 31), D(2026, 2, 15), 6, False)
    expect = billing.price(demo_schedule(), a.id, D(2026, 1, 31), D(2026, 2, 15), 6, "final")
    assert final.total_cents == expect.total_cents  # the one pricing path, prorated by days
    # the deposit applied after the final bill: the credit left is the deposit less the bill
    assert acct.deposit_held_cents == 0
    assert ServiceDeposit.get(ServiceDeposit.account == a.id).status == "applied"
    assert ledger.account_balance(a.id) == final.total_cents - 10000
    from ubtui.money import format_cents
    assert done.line() == (f"work order {wo.number} done; final bill {format_cents(final.total_cents)} posted; "
                           f"deposit applied; credit {format_cents(10000 - final.total_cents)} left to refund or transfer")
    assert AuditLog.select().where(AuditLog.action == "bill.final").count() == 1
    # the account has left billing: a later run bills it nothing
    readings.enter_reading(system, a.meter.id, D(2026, 2, 28), 130)
    r = billing.run_bills(system, cycle="1", period_end=D(2026, 2, 28), bill_date=D(2026, 2, 28), schedule=demo_schedule())
    assert r.billed == 0 and Bill.select().where(Bill.account == a.id).count() == 2
    assert verify_all() == []


def test_bad_forwarding_address_writes_nothing(clerk, make_account):
    a = make_account()
    with pytest.raises(InputError, match="ZIP"):
        fieldwork.stop_service(clerk, a.id, stop_on=D(2026, 2, 15), forwarding={"line1": "9 Elm", "zip": "8950x"})
    assert Account.get_by_id(a.id).work_orders.count() == 0
    assert Customer.select().where(Customer.mail_line1 == "9 Elm").count() == 0


def test_start_service_takes_class_rate_and_cycle_from_the_rate_file(clerk, system):
    cust = create_customer(system, first_name="Store", last_name="Keeper")
    prem = create_premise(system, house_number="400", street="Depot Rd")
    with pytest.raises(InputError, match="Rate code"):
        workorders.start_service(clerk, premise=prem, customer=cust, account_class="commercial", rate_code="XYZ")
    with pytest.raises(InputError, match="Cycle"):
        workorders.start_service(clerk, premise=prem, customer=cust, account_class="commercial", cycle="9")
    with pytest.raises(InputError, match="Class"):
        workorders.start_service(clerk, premise=prem, customer=cust, account_class="storage")
    assert Account.select().count() == 0
    started = workorders.start_service(clerk, premise=prem, customer=cust, account_class="commercial")
    assert (started.account.account_class, started.account.rate_code) == ("commercial", "COM")
    assert started.deposit_cents == 30000  # the fee schedule's commercial deposit


def test_prior_debt_is_refused_or_transferred_with_approval(clerk, supervisor, system, make_account):
    old = make_account(last_name="Debtor")
    ledger.post(system, "owed", "charge", [EntrySpec(old.id, "charge", 142920, "water", "Water")])
    cust = _customer(old)
    prem = create_premise(system, house_number="5", street="New Rd")
    readings.install_meter(system, prem.id, "M-5", on=dt.date(2026, 1, 1), reading=0)
    with pytest.raises(Conflict, match=r"owes \$1,429.20"):
        workorders.start_service(clerk, premise=prem, customer=cust)
    with pytest.raises(PermissionDenied, match="supervisor"):
        workorders.start_service(clerk, premise=prem, customer=cust, debt="transfer")
    assert Account.select().count() == 1
    started = workorders.start_service(clerk, premise=prem, customer=cust, debt="transfer", approver=supervisor)
    assert started.transferred_cents == 142920
    assert ledger.account_balance(old.id) == 0
    assert ledger.account_balance(started.account.id) == 142920 + started.deposit_cents
    assert verify_all() == []


def test_new_work_order_kinds(clerk, make_account):
    a = make_account()
    for kind in ("low_pressure", "high_bill", "door_tag"):
        assert workorders.create_work_order(clerk, kind=kind, account_id=a.id).kind == kind


def test_a_reread_records_the_reading(clerk, system, make_account):
    a = _served(system, make_account)
    wo = workorders.create_work_order(clerk, kind="reread", account_id=a.id)
    with pytest.raises(Conflict, match="completed with its results"):  # the reread's result feeds the account
        fieldwork.complete_work_order(clerk, wo.id, "reread at the meter", completed_on=D(2026, 1, 20), reading="107")
    from ubtui.fieldwork import complete_field_work
    complete_field_work(clerk, wo.id, "reread at the meter", completed_on=D(2026, 1, 20), reading="107")
    assert MeterReading.get((MeterReading.meter == a.meter.id) & (MeterReading.read_on == D(2026, 1, 20))).reading == 107
    wo2 = workorders.create_work_order(clerk, kind="door_tag", account_id=a.id)
    with pytest.raises(InputError, match="Reading"):
        fieldwork.complete_work_order(clerk, wo2.id, "tag left", reading="108")


def _pay_at_counter(system, clerk, account, amount: str):
    from ubtui import drawer, payments
    from ubtui.payments import AccountAmount, TakePayment, TenderIn
    drawer.create_drawer(system, "D1", "Front counter")
    drawer.open_drawer(clerk, "D1", count={"20": 5}, workstation="ws1")
    return payments.take_payment(clerk, TakePayment(
        idempotency_key="pay-1", accounts=[AccountAmount(account=account.number, amount=amount)],
        tenders=[TenderIn(kind="cash", amount=amount)], confirmed=["disconnected"]))


def test_a_payment_clearing_a_disconnected_account_orders_the_reconnect_and_charges_the_fee(clerk, system,
                                                                                             make_account):
    from models import WorkOrder
    from ubtui import config
    config.use_settings(config.Settings(fees=config.FeeSchedule(office_hours=(0, 24),
                                                                       office_weekdays=tuple(range(7)))))
    a = make_account(status="disconnected")
    ledger.post(system, "owed", "charge", [EntrySpec(a.id, "charge", 11500, "water", "Water")])
    r = _pay_at_counter(system, clerk, a, "115.00")
    wo = WorkOrder.get((WorkOrder.account == a.id) & (WorkOrder.kind == "reconnect"))
    assert r.reconnects == [f"{format_account_number(a.number)}: reconnect ordered ({wo.number}), "
                            "reconnect fee $50.00 charged; $50.00 now owed"]  # the counter collects it too
    assert wo.status == "open" and ledger.account_balance(a.id) == 5000  # the schedule's reconnect fee
    fieldwork.complete_work_order(clerk, wo.id, "restored")
    assert Account.get_by_id(a.id).status == "active"
    assert verify_all() == []


def test_a_payment_short_of_the_condition_orders_nothing_and_says_so(clerk, system, make_account):
    from models import WorkOrder
    a = make_account(status="disconnected")
    ledger.post(system, "owed", "charge", [EntrySpec(a.id, "charge", 11500, "water", "Water")])
    r = _pay_at_counter(system, clerk, a, "15.00")
    assert "still disconnected" in r.reconnects[0] and "$100.00" in r.reconnects[0]
    assert WorkOrder.select().count() == 0 and ledger.account_balance(a.id) == 10000


def test_reconnect_after_hours_charges_the_after_hours_fee(clerk, make_account):
    a = make_account(status="disconnected")
    late = workorders.reconnect_after_payment(clerk, [a.id], at=dt.datetime(2026, 12, 2, 20, 30))  # a Wednesday
    assert late[0].fee_cents == 15000 and "after-hours" in late[0].message
    assert ledger.account_balance(a.id) == 15000
    again = workorders.reconnect_after_payment(clerk, [a.id], at=dt.datetime(2026, 12, 2, 10, 0))
    assert again[0].work_order == "" and ledger.account_balance(a.id) == 15000  # never charged twice


def test_dispatch_assigns_schedules_and_reschedules_a_work_order(clerk, make_account):
    from models import WorkOrder
    a = make_account()
    wo = workorders.create_work_order(clerk, kind="low_pressure", account_id=a.id)
    today = dt.date.today()
    with pytest.raises(InputError, match="Crew"):
        workorders.assign_work_order(clerk, wo.id, crew=" ", scheduled_on=today)
    with pytest.raises(InputError, match="Scheduled"):
        workorders.assign_work_order(clerk, wo.id, crew="North 2", scheduled_on=today - dt.timedelta(days=1))
    with pytest.raises(InputError, match="after the due date"):
        workorders.assign_work_order(clerk, wo.id, crew="North 2", scheduled_on=today + dt.timedelta(days=5),
                                     due_on=today + dt.timedelta(days=2))
    assert WorkOrder.get_by_id(wo.id).status == "open"
    w = workorders.assign_work_order(clerk, wo.id, crew="North 2", scheduled_on=today, due_on=today + dt.timedelta(days=2),
                                     priority="high")
    assert (w.status, w.crew, w.scheduled_on, w.priority) == ("assigned", "North 2", today, "high")
    w = workorders.assign_work_order(clerk, wo.id, crew="South 1", scheduled_on=today + dt.timedelta(days=1))
    assert (w.crew, w.due_on) == ("South 1", today + dt.timedelta(days=2))
    assert [r.action for r in AuditLog.select().where(AuditLog.entity == "work_order").order_by(AuditLog.id)] == [
        "workorder.create", "workorder.assign", "workorder.reschedule"]
    fieldwork.complete_work_order(clerk, wo.id, "pressure regulator reset")
    with pytest.raises(Conflict, match="already done"):
        workorders.assign_work_order(clerk, wo.id, crew="North 2", scheduled_on=today)


def test_turn_on_turn_off_and_reconnect_change_status_only_from_the_statuses_they_are_for(clerk, system,
                                                                                        make_account):
    """Ordered or completed: a turn-on of a disconnected or final-billed account, a reconnect
    of an active one or of one still owing, are refused naming why, and nothing changes; a
    reconnect of a paid-up disconnected account is ordered with its fee."""
    from models import WorkOrder
    from ubtui import config
    config.use_settings(config.Settings(fees=config.FeeSchedule(office_hours=(0, 24),
                                                                       office_weekdays=tuple(range(7)))))
    cut = make_account(status="disconnected")
    gone = make_account(status="final_billed")
    on = make_account()
    with pytest.raises(Conflict, match="is disconnected: a reconnect restores it"):
        fieldwork.create_work_order(clerk, kind="turn_on", account_id=cut.id)
    with pytest.raises(Conflict, match="is final billed: start service anew"):
        fieldwork.create_work_order(clerk, kind="turn_on", account_id=gone.id)
    with pytest.raises(Conflict, match="is active, not disconnected"):
        fieldwork.create_work_order(clerk, kind="reconnect", account_id=on.id)
    ledger.post(system, "owed", "charge", [EntrySpec(cut.id, "charge", 11500, "water", "Water")])
    with pytest.raises(Conflict, match=r"owes \$115.00: the reconnect is ordered when it is paid"):
        fieldwork.create_work_order(clerk, kind="reconnect", account_id=cut.id)
    assert WorkOrder.select().count() == 0
    # an order made before the status changed is refused at completion
    turn_on = workorders.create_work_order(clerk, kind="turn_on", account_id=cut.id)
    with pytest.raises(Conflict, match="is disconnected"):
        fieldwork.complete_field_work(clerk, turn_on.id, "water on")
    assert Account.get_by_id(cut.id).status == "disconnected" and WorkOrder.get_by_id(turn_on.id).status == "open"
    ledger.post(system, "paid", "payment", [EntrySpec(cut.id, "payment", -11500)])
    wo = fieldwork.create_work_order(clerk, kind="reconnect", account_id=cut.id)
    assert (wo.kind, ledger.account_balance(cut.id)) == ("reconnect", 5000)  # the schedule's fee
    done = fieldwork.complete_field_work(clerk, wo.id, "restored")
    assert Account.get_by_id(cut.id).status == "active"
    assert done.message == f"account {format_account_number(cut.number)} active: water on"  # the counter is told
