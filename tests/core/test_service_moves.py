"""Issue #14 leftovers: new records with their duplicates named, temporary (construction)
service with an end date, the deposit schedule (higher after a returned payment or a
disconnection, waived with a reason and a supervisor's password), the credit after a final
bill, and a move (stop here, start there) as one flow.  Both backends."""
import datetime as dt

import pytest

from models import Account, AuditLog, Bill, Customer, Premise, ServiceDeposit, WorkOrder
from ubtui import billing, config, fees, fieldwork, ledger, moves, readings, returns, workorders
from ubtui.accounts import create_customer, create_premise, new_customer, new_premise
from ubtui.errors import AuthError, Conflict, DuplicateFound, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.rates import demo_schedule
from ubtui.verify import verify_all

D = dt.date
TODAY = D(2026, 3, 2)


def _waiver(reason="hardship: county program", user="super1", password="password-super1"):
    return fees.Waiver(reason, user, password)


def test_duplicates_are_named_with_their_records(clerk):
    c = new_customer(clerk, last_name="Nguyen", first_name="An", phones=[("mobile", "541-555-0100")])
    with pytest.raises(DuplicateFound) as e:
        new_customer(clerk, last_name="nguyen", first_name="AN", phones=[("home", "(541) 555-0100")])
    assert e.value.kind == "customer" and e.value.matches == [(c.id, "Nguyen, An  (541) 555-0100")]
    p = new_premise(clerk, house_number="12", street="Oak Ave", city="Cedar Valley", parcel_number="001-002-03")
    with pytest.raises(DuplicateFound) as e:
        new_premise(clerk, house_number="12", street="oak ave.")
    assert e.value.matches == [(p.id, "12 Oak Ave  Cedar Valley  parcel 001-002-03")]
    assert (Customer.select().count(), Premise.select().count()) == (1, 1)


@pytest.mark.parametrize("field,kw", [
    ("Last name", {"last_name": " "}),
    ("First name", {"first_name": "x" * 41}),
    ("Mailing street", {"mail": {"line1": "1 Main\x1b[31m"}}),
    ("State", {"mail": {"state": "California"}}),
    ("ZIP", {"mail": {"zip": "9500"}}),
    ("E-mail", {"emails": ["not-an-address"]}),
    ("Language", {"language": "klingon"}),
    ("Phone", {"phones": [("home", "55")]}),
])
def test_bad_customer_input_names_the_field_and_writes_nothing(clerk, field, kw):
    args = {"last_name": "Ortiz", "first_name": "Ana", **kw}
    with pytest.raises(InputError) as e:
        new_customer(clerk, **args)
    assert e.value.field == field
    assert Customer.select().count() == 0 and AuditLog.select().where(AuditLog.entity == "customer").count() == 0


def test_temporary_service_needs_an_end_date_and_orders_its_stop(clerk, system):
    cust = create_customer(system, last_name="Acme Builders", kind="business")
    prem = create_premise(system, house_number="", street="Hydrant 14 at Depot Rd")
    with pytest.raises(InputError, match="End date: construction service is temporary"):
        workorders.start_service(clerk, premise=prem, customer=cust, account_class="construction", turn_on=TODAY)
    with pytest.raises(InputError, match="End date: .* is not after the turn-on"):
        workorders.start_service(clerk, premise=prem, customer=cust, account_class="construction", turn_on=TODAY,
                                 ends_on=TODAY)
    with pytest.raises(InputError, match="End date: only temporary service"):
        workorders.start_service(clerk, premise=prem, customer=cust, turn_on=TODAY, ends_on=D(2026, 6, 30))
    assert Account.select().count() == 0 and WorkOrder.select().count() == 0
    started = workorders.start_service(clerk, premise=prem, customer=cust, account_class="construction",
                                       turn_on=TODAY, ends_on=D(2026, 6, 30))
    acct = Account.get_by_id(started.account.id)
    assert (acct.account_class, acct.rate_code, acct.service_ends_on) == ("construction", "CON", D(2026, 6, 30))
    stop = started.stop_order
    assert (stop.kind, stop.scheduled_on, stop.status) == ("turn_off", D(2026, 6, 30), "open")
    assert [o.number for o in workorders.open_work_orders(clerk, account_id=acct.id)] == [
        started.work_order.number, stop.number]
    from ubtui.inquiry import account_summary
    assert "Temporary service ends 2026-06-30" in account_summary(clerk, acct.id, as_of=TODAY).alerts
    assert started.deposit_cents == 50000  # the schedule's construction deposit


def _returned_check(system, clerk, account):
    from ubtui import drawer, payments
    from ubtui.payments import AccountAmount, TakePayment, TenderIn
    drawer.create_drawer(system, "D1", "Front counter")
    drawer.open_drawer(clerk, "D1", count={"20": 5}, workstation="ws1")
    r = payments.take_payment(clerk, TakePayment(
        idempotency_key="pay-1", accounts=[AccountAmount(account=account.number, amount="40.00")],
        tenders=[TenderIn(kind="check", amount="40.00", check_number="101")]))
    returns.return_payment(system, r.receipt_number, "NSF")


def test_deposit_is_higher_after_a_returned_payment_or_a_disconnection(clerk, system, make_account):
    config.use_settings(config.Settings(fees=config.FeeSchedule(deposit_risk_months=12, deposit_risk_percent=250)))
    old = make_account(last_name="Risky")
    cust = Customer.get(Customer.last_name == "Risky")
    assert fees.customer_deposit("residential", cust.id) == (10000, "")
    _returned_check(system, clerk, old)
    assert fees.customer_deposit("residential", cust.id) == (25000, "1 returned payment in 12 months")
    Account.update(status="final_billed").where(Account.id == old.id).execute()
    ledger.post(system, "settle", "payment", [EntrySpec(old.id, "payment", -ledger.account_balance(old.id))])
    started = workorders.start_service(clerk, premise=create_premise(system, house_number="3", street="Fir St"),
                                       customer=cust)
    assert (started.deposit_cents, started.deposit_why) == (25000, "1 returned payment in 12 months")
    other = make_account(last_name="Cutoff")
    WorkOrder.create(number="WO9", account=other.id, premise=other.premise_id, kind="disconnect", status="done",
                     requested_on=dt.date.today(), completed_on=dt.date.today(), created_by=system.id)
    cutoff = Customer.get(Customer.last_name == "Cutoff")
    assert fees.customer_deposit("commercial", cutoff.id) == (75000, "disconnected in the last 12 months")
    config.use_settings(config.Settings(fees=config.FeeSchedule(deposit_risk_months=0)))
    assert fees.customer_deposit("commercial", cutoff.id) == (30000, "")


def test_a_waived_deposit_needs_a_reason_and_a_supervisors_password(clerk, senior, supervisor, system):
    cust = create_customer(system, first_name="Lee", last_name="Park")
    prem = create_premise(system, house_number="12", street="Oak Ave")
    readings.install_meter(system, prem.id, "M-OAK", on=D(2026, 1, 1), reading=0)  # no install fee

    def start(**kw):
        return workorders.start_service(clerk, premise=prem, customer=cust, deposit_cents=0, **kw)

    with pytest.raises(PermissionDenied, match="waiving it needs a reason and a supervisor's approval"):
        start()
    with pytest.raises(InputError, match="Waiver reason"):
        start(waiver=_waiver(reason=" "))
    with pytest.raises(AuthError):
        start(waiver=_waiver(password="wrong"))
    with pytest.raises(PermissionDenied, match="cannot approve"):
        start(waiver=_waiver(user="senior1", password="password-senior1"))
    assert Account.select().count() == 0 and ServiceDeposit.select().count() == 0
    started = start(waiver=_waiver())
    assert started.deposit_cents == 0 and ledger.account_balance(started.account.id) == 0
    row = AuditLog.get(AuditLog.action == "deposit.waive")
    assert row.user_id == clerk.id and str(row.entity_id) == str(started.account.id)
    assert row.detail == "hardship: county program" and "super1" in row.after and "10000" in row.after


def _final_billed_with_credit(system, clerk, make_account, mover=True):
    a = make_account(opened_on=D(2026, 1, 1))
    a.meter = readings.install_meter(system, a.premise_id, f"M-{a.id}", on=D(2026, 1, 1), reading=100)
    ledger.post(system, f"dep{a.id}", "deposit", [EntrySpec(a.id, "deposit", 10000, "deposit", "Service deposit")])
    ServiceDeposit.create(account=a.id, amount_cents=10000, received_on=D(2026, 1, 1), status="held")
    Account.update(deposit_held_cents=10000).where(Account.id == a.id).execute()
    ledger.post(system, f"paid{a.id}", "payment", [EntrySpec(a.id, "payment", -10000)])
    return a


def test_a_move_stops_here_starts_there_and_forwards_the_credit(clerk, senior, system, make_account):
    a = _final_billed_with_credit(system, clerk, make_account)
    cust = Customer.get_by_id(a.parties.get().customer_id)
    dest = create_premise(system, house_number="77", street="Cedar Ct", city="Davis", state="CA", zip="95616")
    readings.install_meter(system, dest.id, "M-77", on=D(2026, 1, 1), reading=0)
    with pytest.raises(InputError, match="New address"):
        moves.move_service(clerk, a.id, premise=Premise.get_by_id(a.premise_id), stop_on=D(2026, 2, 15))
    moved = moves.move_service(clerk, a.id, premise=dest, stop_on=D(2026, 2, 15), start_on=D(2026, 2, 16))
    new = Account.get_by_id(moved.started.account.id)
    assert (new.premise_id, new.status, new.account_class, new.rate_code, new.cycle) == (
        dest.id, "pending", "residential", "RES", "1")
    assert new.parties.get().customer_id == cust.id and new.parties.get().role == "owner"
    old = Account.get_by_id(a.id)
    assert old.moved_to_account_id == new.id and old.status == "active"  # until the final read
    assert (moved.stop_order.kind, moved.stop_order.scheduled_on) == ("turn_off", D(2026, 2, 15))
    cust = Customer.get_by_id(cust.id)
    assert (cust.mail_line1, cust.mail_city, cust.mail_zip) == ("77 Cedar Ct", "Davis", "95616")  # the final bill's
    with pytest.raises(Conflict, match="moved already"):
        moves.move_service(clerk, a.id, premise=dest, stop_on=D(2026, 2, 15))
    # the final read: the final bill posts, the deposit pays it, the credit left moves (a senior may transfer)
    fieldwork.complete_work_order(senior, moved.stop_order.id, "final read", completed_on=D(2026, 2, 15),
                                   reading="104")
    final = Bill.get((Bill.account == a.id) & (Bill.kind == "final"))
    assert ledger.account_balance(a.id) == 0
    deposit = new.deposit_held_cents
    assert ledger.account_balance(new.id) == deposit + final.total_cents - 10000
    assert AuditLog.get(AuditLog.action == "service.move").detail.startswith("moves to")
    assert verify_all() == []


def test_a_clerk_completing_the_move_leaves_the_credit_to_settle(clerk, senior, system, make_account):
    a = _final_billed_with_credit(system, clerk, make_account)
    dest = create_premise(system, house_number="78", street="Cedar Ct")
    readings.install_meter(system, dest.id, "M-78", on=D(2026, 1, 1), reading=0)
    moved = moves.move_service(clerk, a.id, premise=dest, stop_on=D(2026, 2, 15))
    with pytest.raises(Conflict, match="after the final bill"):
        moves.settle_final_credit(senior, a.id, "refund", reason="moved")
    fieldwork.complete_work_order(clerk, moved.stop_order.id, "final read", completed_on=D(2026, 2, 15),
                                   reading="101")
    credit = -ledger.account_balance(a.id)
    assert credit > 0 and AuditLog.select().where(AuditLog.action == "service.move_credit_left").count() == 1
    assert [(c.number, c.credit_cents) for c in moves.final_credits(clerk)] == [
        (moves.format_account_number(Account.get_by_id(a.id).number), credit)]
    with pytest.raises(PermissionDenied):
        moves.settle_final_credit(clerk, a.id, "transfer", reason="moved")
    with pytest.raises(InputError, match="Refund or transfer"):
        moves.settle_final_credit(senior, a.id, "keep", reason="moved")
    moves.settle_final_credit(senior, a.id, "transfer", reason="credit to the new address")
    assert ledger.account_balance(a.id) == 0
    assert ledger.account_balance(moved.started.account.id) == moved.started.deposit_cents - credit
    with pytest.raises(Conflict, match="no credit"):
        moves.settle_final_credit(senior, a.id, "refund", reason="again")
    assert verify_all() == []


def test_a_credit_after_the_final_bill_is_refunded(clerk, senior, system, make_account):
    a = _final_billed_with_credit(system, clerk, make_account)
    wo = fieldwork.stop_service(clerk, a.id, stop_on=D(2026, 2, 15))
    fieldwork.complete_work_order(clerk, wo.id, "final read", completed_on=D(2026, 2, 15), reading="101")
    credit = -ledger.account_balance(a.id)
    with pytest.raises(InputError, match="To account"):
        moves.settle_final_credit(senior, a.id, "transfer", reason="no new account")
    with pytest.raises(InputError, match="Reason"):
        moves.settle_final_credit(senior, a.id, "refund", reason=" ")
    moves.settle_final_credit(senior, a.id, "refund", reason="check mailed")
    assert ledger.account_balance(a.id) == 0 and credit > 0
    with pytest.raises(Conflict, match="no credit"):  # a second press refunds nothing
        moves.settle_final_credit(senior, a.id, "refund", reason="check mailed")
    from models import LedgerEntry
    assert LedgerEntry.select().where((LedgerEntry.account == a.id) & (LedgerEntry.kind == "refund")).count() == 1
    assert verify_all() == []


def test_a_move_with_bad_input_writes_nothing(clerk, system, make_account):
    a = make_account()
    dest = create_premise(system, house_number="9", street="Pine Rd")
    busy = make_account()  # an address with service on
    before = (Account.select().count(), WorkOrder.select().count(), AuditLog.select().count())
    with pytest.raises(InputError, match="ZIP"):
        moves.move_service(clerk, a.id, premise=dest, stop_on=D(2026, 2, 15), forwarding={"line1": "1 A St", "zip": "x"})
    with pytest.raises(InputError, match="Rate code"):
        moves.move_service(clerk, a.id, premise=dest, stop_on=D(2026, 2, 15), account_class="commercial",
                           rate_code="NOPE")
    with pytest.raises(InputError, match="End date"):
        moves.move_service(clerk, a.id, premise=dest, stop_on=D(2026, 2, 15), account_class="construction")
    with pytest.raises(InputError, match="^New address: already has service on account ") as e:
        moves.move_service(clerk, a.id, premise=Premise.get_by_id(busy.premise_id), stop_on=D(2026, 2, 15))
    assert e.value.key == "new_address"  # the Move form's field of that label
    assert (Account.select().count(), WorkOrder.select().count(), AuditLog.select().count()) == before
    assert Account.get_by_id(a.id).moved_to_account_id is None
    assert billing  # the module the final bill comes from (imported for the fixtures' schedule)
    assert demo_schedule()


def test_stopping_a_temporary_service_early_moves_its_planned_stop(clerk, system):
    cust = create_customer(system, last_name="Acme Builders", kind="business")
    prem = create_premise(system, house_number="", street="Hydrant 15 at Depot Rd")
    started = workorders.start_service(clerk, premise=prem, customer=cust, account_class="construction",
                                       turn_on=TODAY, ends_on=D(2026, 6, 30))
    wo = fieldwork.stop_service(clerk, started.account.id, stop_on=D(2026, 5, 1))
    assert wo.id == started.stop_order.id and wo.scheduled_on == D(2026, 5, 1)
    assert WorkOrder.select().where(WorkOrder.kind == "turn_off").count() == 1


@pytest.mark.parametrize("field,kw", [
    ("Serial", {"serial": " "}),
    ("Serial", {"serial": "S" * 25}),
    ("Make", {"make": "Bad\x1b[2J"}),
    ("Size", {"size": "7/9"}),
    ("Unit", {"unit": "litres"}),
    ("Dials", {"dials": 2}),
    ("Multiplier", {"multiplier": 0}),
    ("Installed on", {"on": None}),
    ("Reading", {"reading": "12a"}),
    ("Premise", {"premise": 999}),
])
def test_a_new_meter_names_the_bad_field_and_writes_nothing(clerk, system, field, kw):
    from models import Meter, MeterReading
    from ubtui.readings import new_meter
    prem = create_premise(system, house_number="5", street="Elm St")
    args = {"serial": "SN-1", "on": TODAY, "reading": "120", "size": '1"', "make": "Neptune", **kw}
    with pytest.raises(InputError) as e:
        new_meter(clerk, args.pop("premise", prem.id), **args)
    assert e.value.field == field
    assert Meter.select().count() == 0 and MeterReading.select().count() == 0


def test_a_new_meter_with_its_make_and_one_meter_an_address(clerk, system):
    from models import Meter
    from ubtui.readings import new_meter
    prem = create_premise(system, house_number="5", street="Elm St")
    m = new_meter(clerk, prem.id, serial="SN-1", on=TODAY, reading="120", size='1"', make="Neptune", dials=5,
                  unit="gal", multiplier=10)
    assert (m.make, m.size, m.dials, m.unit, m.multiplier, m.installed_on) == ("Neptune", '1"', 5, "GAL", 10, TODAY)
    with pytest.raises(Conflict, match="in service"):
        new_meter(clerk, prem.id, serial="SN-2", on=TODAY)
    other = create_premise(system, house_number="6", street="Elm St")
    with pytest.raises(InputError, match="Serial: meter SN-1 is on file"):
        new_meter(clerk, other.id, serial="SN-1", on=TODAY)
    assert Meter.select().count() == 1
    assert AuditLog.select().where(AuditLog.action == "meter.edit").count() == 1


@pytest.mark.parametrize("field,kw", [
    ("Street", {"street": " "}),
    ("House number", {"house_number": "1" * 11}),
    ("Unit", {"unit": "A\x1b"}),
    ("City", {"city": "c" * 41}),
    ("State", {"state": "Cal"}),
    ("ZIP", {"zip": "95"}),
    ("Parcel", {"parcel_number": "p" * 21}),
    ("Route", {"route": "r" * 9}),
    ("Read sequence", {"read_sequence": -1}),
    ("Dwelling units", {"dwelling_units": 1000}),
])
def test_bad_premise_input_names_the_field_and_writes_nothing(clerk, field, kw):
    args = {"house_number": "12", "street": "Oak Ave", **kw}
    with pytest.raises(InputError) as e:
        new_premise(clerk, **args)
    assert e.value.field == field
    assert Premise.select().count() == 0 and AuditLog.select().where(AuditLog.entity == "premise").count() == 0


def _temporary(clerk, system):
    cust = create_customer(system, last_name="Acme Builders", kind="business")
    prem = create_premise(system, house_number="", street="Hydrant 14 at Depot Rd")
    return workorders.start_service(clerk, premise=prem, customer=cust, account_class="construction",
                                    turn_on=TODAY, ends_on=D(2026, 6, 30))


def test_a_temporary_service_end_date_moves_with_its_stop(clerk, system):
    started = _temporary(clerk, system)
    acct, stop = started.account, started.stop_order
    workorders.assign_work_order(clerk, stop.id, crew="North 2", scheduled_on=D(2026, 6, 30),
                                 due_on=D(2026, 6, 30), today=TODAY)
    done = fieldwork.change_service_end(clerk, acct.id, D(2026, 9, 15), reason="permit extended", today=TODAY)
    assert (done.before, done.account.service_ends_on) == (D(2026, 6, 30), D(2026, 9, 15))
    after = WorkOrder.get_by_id(stop.id)
    assert (after.scheduled_on, after.due_on, after.status, after.crew) == (
        D(2026, 9, 15), D(2026, 9, 15), "assigned", "North 2")
    assert done.line() == f"service ends 2026-09-15 (was 2026-06-30); stop {stop.number} on 2026-09-15"
    row = (AuditLog.select().where((AuditLog.action == "account.service_ends") & (AuditLog.entity_id == acct.id))
           .order_by(AuditLog.id.desc()).first())
    assert (row.user_id, row.detail) == (clerk.id, "permit extended")
    assert "2026-06-30" in row.before and "2026-09-15" in row.after
    assert AuditLog.select().where((AuditLog.action == "workorder.reschedule")
                                   & (AuditLog.entity_id == stop.id)).count() == 1
    # the stop cancelled meanwhile: a new one is ordered for the new day
    workorders.cancel_work_order(clerk, stop.id, "crew sick")
    again = fieldwork.change_service_end(clerk, acct.id, D(2026, 8, 1), today=TODAY)
    assert again.stop_order.id != stop.id and (again.stop_order.kind, again.stop_order.scheduled_on) == (
        "turn_off", D(2026, 8, 1))


@pytest.mark.parametrize("day,message", [
    (None, "End date: type the new last day"),
    (D(2026, 3, 1), "End date: 2026-03-01 is past"),
    (D(2026, 6, 30), "End date: 2026-06-30 is already the last day"),
    (D(2030, 1, 1), "End date: 2030-01-01 is more than three years after the turn-on"),
])
def test_a_bad_end_date_names_the_field_and_writes_nothing(clerk, system, day, message):
    started = _temporary(clerk, system)
    audits = AuditLog.select().count()
    with pytest.raises(InputError, match=message):
        fieldwork.change_service_end(clerk, started.account.id, day, today=TODAY)
    assert Account.get_by_id(started.account.id).service_ends_on == D(2026, 6, 30)
    assert WorkOrder.get_by_id(started.stop_order.id).scheduled_on == D(2026, 6, 30)
    assert AuditLog.select().count() == audits


def test_only_temporary_service_has_an_end_date_to_change(clerk, system, make_account):
    acct = make_account()
    with pytest.raises(InputError, match="End date: account .* is not temporary service"):
        fieldwork.change_service_end(clerk, acct.id, D(2026, 9, 1), today=TODAY)
    assert Account.get_by_id(acct.id).service_ends_on is None


def test_changing_an_end_date_needs_the_permission(clerk, system):
    from models import User
    started = _temporary(clerk, system)
    User.update(active=False).where(User.id == clerk.id).execute()
    with pytest.raises(PermissionDenied):
        fieldwork.change_service_end(User.get_by_id(clerk.id), started.account.id, D(2026, 9, 1), today=TODAY)
    assert Account.get_by_id(started.account.id).service_ends_on == D(2026, 6, 30)
