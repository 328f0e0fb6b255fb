"""The one-off letters go out from their flows (issue #15): the returned-payment letter from
``returns.return_payment``, the welcome letter when the service starts (its turn-on order done), the
final-bill letter from completing the turn-off that posts the final bill.  Each once per
account and letter, in the customer's language, logged on the account's contact log.
Both backends."""
import datetime as dt

import pytest

from models import Account, CollectionNotice, ContactLog, Customer, ServiceDeposit
from tests.core.test_accounting import bill, check_payment
from ubtui import billing, fieldwork, ledger, readings, returns, workorders
from ubtui.accounts import create_customer, create_premise
from ubtui.errors import Conflict
from ubtui.ledger import EntrySpec
from ubtui.money import format_cents
from ubtui.rates import demo_schedule

D = dt.date


def letters_of(account_id, subject):
    return [c.text for c in ContactLog.select().where((ContactLog.account == account_id)
                                                      & (ContactLog.subject == subject)).order_by(ContactLog.id)]


def notices(account_id, step):
    return CollectionNotice.select().where((CollectionNotice.account == account_id)
                                           & (CollectionNotice.step == step)).count()


def test_a_returned_payment_sends_its_letter_once_to_each_account(senior, system, make_account):
    a, b = make_account(last_name="Ruiz"), make_account(last_name="Bao")
    Customer.update(language="es").where(Customer.last_name == "Ruiz").execute()
    bill(system, a, 8000, "b1")
    check_payment(system, [(a, 8000), (b, 1500)], "R-1")
    returns.return_payment(senior, "R-1", "NSF")
    got = letters_of(a.id, "Returned payment letter")
    assert len(got) == 1 and "(es)" in got[0]  # the customer's language
    assert f"balance {format_cents(8000 + 2500)}" in got[0]  # after the fee
    assert len(letters_of(b.id, "Returned payment letter")) == 1  # the other account on the check
    assert notices(a.id, "returned_payment") == notices(b.id, "returned_payment") == 1
    with pytest.raises(Conflict, match="already returned"):  # returned once: no second letter
        returns.return_payment(senior, "R-1", "NSF")
    assert len(letters_of(a.id, "Returned payment letter")) == 1


def test_start_of_service_sends_the_welcome_letter(clerk, system):
    cust = create_customer(system, first_name="Lan", last_name="Tran", language="vi")
    prem = create_premise(system, house_number="12", street="Oak Ave")
    readings.install_meter(system, prem.id, "M-12", on=D(2026, 1, 1), reading=0)
    started = workorders.start_service(clerk, premise=prem, customer=cust, deposit_cents=10000,
                                       turn_on=D(2026, 12, 1))
    acct = started.account
    assert letters_of(acct.id, "Welcome letter") == []  # ordered, not yet on
    fieldwork.complete_work_order(clerk, started.work_order.id, "turned on", completed_on=D(2026, 12, 1))
    fieldwork.complete_work_order(clerk, fieldwork.create_work_order(
        clerk, kind="turn_on", account_id=acct.id, scheduled_on=D(2026, 12, 2)).id, "on again",
        completed_on=D(2026, 12, 2))  # a later turn-on (a reconnection) sends no second one
    got = letters_of(acct.id, "Welcome letter")
    assert len(got) == 1 and "(vi)" in got[0]
    assert notices(acct.id, "welcome") == 1


def test_the_final_bill_sends_the_final_bill_letter_after_the_deposit(clerk, system, make_account):
    a = make_account(opened_on=D(2026, 1, 1))
    meter = readings.install_meter(system, a.premise_id, f"M-{a.id}", on=D(2026, 1, 1), reading=100)
    ledger.post(system, "dep", "deposit", [EntrySpec(a.id, "deposit", 10000, "deposit", "Service deposit")])
    ServiceDeposit.create(account=a.id, amount_cents=10000, received_on=D(2026, 1, 1), status="held")
    Account.update(deposit_held_cents=10000).where(Account.id == a.id).execute()
    ledger.post(system, "paid-dep", "payment", [EntrySpec(a.id, "payment", -10000)])
    readings.enter_reading(system, meter.id, D(2026, 1, 31), 110)
    billing.run_bills(system, cycle="1", period_end=D(2026, 1, 31), bill_date=D(2026, 1, 31), schedule=demo_schedule())
    assert letters_of(a.id, "Final bill letter") == []  # a stop order alone sends nothing
    wo = fieldwork.stop_service(clerk, a.id, stop_on=D(2026, 2, 15))
    assert letters_of(a.id, "Final bill letter") == []
    fieldwork.complete_work_order(clerk, wo.id, "final read, turned off", completed_on=D(2026, 2, 15),
                                   reading="000116")
    got = letters_of(a.id, "Final bill letter")
    assert len(got) == 1 and "(en)" in got[0]
    # the balance the letter states is the one left after the final bill and the deposit
    assert f"balance {format_cents(ledger.account_balance(a.id))}" in got[0]
    assert notices(a.id, "final_bill") == 1
