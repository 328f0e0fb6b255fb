"""One customer of record: search, the payment screen's receipt, the printed bill, the
collection letters and the action forms name the same customer for an account with several
roles (issue #18: search showed the tenant, the payment screen and receipt the owner)."""
import datetime as dt

import pytest

from models import AccountCustomer, Bill
from ubtui import billing, billprint, clock, collections, drawer, payments, readings, receipts, search
from ubtui.accounts import create_customer, customer_of_record, customers_of_record, format_account_number
from ubtui.addresses import format_address, full_address
from ubtui.payments import AccountAmount, TakePayment, TenderIn
from ubtui.rates import demo_schedule

from .test_cashier import FLOAT

D = dt.date


def test_search_receipt_bill_and_letter_name_the_same_customer(system, clerk, make_account):
    a = make_account(last_name="Johnson", first_name="Ingrid", opened_on=D(2026, 1, 1))  # the owner
    tenant = create_customer(system, first_name="Elizabeth", last_name="García", phones=[("home", "555-019-0001")])
    AccountCustomer.create(account=a.id, customer=tenant, role="tenant", start_date=D(2026, 1, 1))
    m = readings.install_meter(system, a.premise_id, "COR-1", on=D(2026, 1, 1), reading=100)
    readings.enter_reading(system, m.id, D(2026, 2, 1), 112)
    billing.run_bills(system, cycle="1", period_end=D(2026, 2, 1), bill_date=D(2026, 2, 1), schedule=demo_schedule())
    bill = Bill.get(Bill.account == a.id)
    drawer.create_drawer(system, "D1")
    drawer.open_drawer(clerk, "D1", count=FLOAT)
    paid = payments.take_payment(clerk, TakePayment(idempotency_key="cor-1", accounts=[AccountAmount(account=a.number, amount="5")],
                                                   tenders=[TenderIn(kind="cash", amount="5")]))

    expected = "García, Elizabeth"  # billing > tenant > owner: the tenant, who uses the water
    assert customer_of_record(a.id).name == expected
    (hit,) = search.search_accounts(clerk, format_account_number(a.number))
    assert hit.name == expected
    assert payments.customer_name(a.id) == expected  # the payment screen's header
    assert receipts.receipt(clerk, paid.receipt_number, reprint=False).accounts[0].name == expected
    assert billprint.load(bill.id).customer == expected
    letter = collections.send_account_letter(clerk, a.id, "welcome", D(2026, 3, 1))
    assert expected in letter.text
    assert collections._billing_parties([a.id], D(2026, 3, 1))[a.id].name == expected
    assert customers_of_record([a.id, a.id])[a.id].name == expected  # the reports' bulk reader


def test_one_service_address_format():
    assert format_address("107", "Cedar Rd", "Apt 3") == "107 Cedar Rd Apt 3"  # never "#Apt 3"
    assert format_address("107", "Cedar Rd", "3") == "107 Cedar Rd #3"
    assert format_address("107", "Cedar Rd", "#3") == "107 Cedar Rd #3"
    assert format_address("107", "Cedar Rd", "") == "107 Cedar Rd"

    class P:
        house_number, street, unit, city, state, zip = "107", "Cedar Rd", "Apt 3", "Cedar Valley", "CA", "95000"
    assert full_address(P) == "107 Cedar Rd Apt 3, Cedar Valley, CA 95000"
    assert payments.service_address(P) == full_address(P)


def test_the_clock_can_be_set_for_the_core():
    with clock.frozen(D(2026, 3, 15)):
        assert clock.today() == D(2026, 3, 15) == drawer.business_today()
        assert clock.now().date() == D(2026, 3, 15)
    assert clock.today() == dt.date.today()


@pytest.mark.parametrize("day", [D(2019, 6, 1), D(2024, 6, 1), D(2026, 3, 15), D(2028, 1, 1)])
def test_the_worklist_query_names_the_customer_of_record(system, make_account, day):
    """The collections worklist reads every addressee in one statement (``_best_party``, SQL);
    it must name whom ``customer_of_record`` names, before, during and after each role."""
    from models import Account, Customer
    from ubtui import collections

    a = make_account("Owner", "Olga")  # owner from the account's opening
    for first, role, start, end in (("Tia", "tenant", D(2020, 1, 1), D(2025, 12, 31)),
                                    ("Bill", "billing", D(2027, 1, 1), None),
                                    ("Tom", "tenant", D(2026, 1, 1), None)):
        c = create_customer(system, first_name=first, last_name="Party")
        AccountCustomer.create(account=a.id, customer=c, role=role, start_date=start, end_date=end)
    AccountCustomer.update(start_date=D(2019, 1, 1)).where(AccountCustomer.role == "owner").execute()
    q = (Account.select(Customer.display_name).join(Customer, on=(Customer.id == collections._best_party(day)))
         .where(Account.id == a.id))
    expected = customer_of_record(Account.get_by_id(a.id), day)
    assert q.scalar() == expected.name
