"""Receipt numbers (#12): a counter receipt's is "R" and its posting's id and is found through
the posting; every other number is kept unique by the partial receipt-number index."""
import peewee
import pytest

from models import Payment, database
from models.cashier import by_receipt, receipt_for_posting
from ubtui import ledger, payments, returns
from ubtui.errors import InputError
from ubtui.ledger import EntrySpec

from .test_cashier import drawer, pay  # noqa: F401  (drawer: a fixture)


def _posted_payment(user, account, number: str) -> Payment:
    res = ledger.post(user, f"pay:{number}", "payment", [EntrySpec(account.id, "payment", -100, "", "Payment")])
    return Payment.create(receipt_number=number, posting=res.posting_id, user=user.id, total_cents=100, channel="mail")


def test_counter_receipt_is_its_posting_and_found_every_way(drawer, clerk, make_account):  # noqa: F811
    a = make_account()
    r = pay(clerk, a, "5")
    p = Payment.get_by_id(r.payment_id)
    assert r.receipt_number == receipt_for_posting(p.posting_id)
    digits = str(p.posting_id)
    for typed in (r.receipt_number, r.receipt_number.lower(), digits, "R" + digits, f" {digits} "):
        assert payments.find_payment(typed).id == p.id, typed
    with pytest.raises(InputError, match="no receipt"):
        payments.find_payment("R" + "9" * 8)
    with pytest.raises(InputError, match="no receipt"):
        payments.find_payment("١٢")  # digits, but not 0-9


def test_other_numbers_stay_unique_and_are_found(system, make_account):
    a = make_account()
    for number in ("AP261207-00001", "DM000000042", "R-1", "R1234567", "R0000001X"):
        p = _posted_payment(system, a, number)
        assert Payment.get(by_receipt(number)).id == p.id, number
        with pytest.raises(peewee.IntegrityError), database.atomic():
            _posted_payment(system, a, number)  # the same number on another payment
    assert returns.return_payment(system, "R-1", "NSF").receipt_number == "R-1"
    assert Payment.get(by_receipt("R-1")).status == "returned"


def test_a_counter_receipt_writes_no_receipt_index_entry(drawer, clerk, make_account, backend):  # noqa: F811
    """The point of the rule: nothing of a counter payment goes into that index (on SQLite,
    the index's B-tree does not grow; on PostgreSQL, the index holds none of its rows)."""
    a = make_account()
    for i in range(3):
        pay(clerk, a, "1", key=f"k{i}")
    if backend == "sqlite":  # the index's entries, counted in its B-tree's leaves
        cells = database.execute_sql("SELECT COALESCE(SUM(ncell), 0) FROM dbstat "
                                     "WHERE name = 'payment_receipt_number' AND pagetype = 'leaf'").fetchone()[0]
        assert cells == 0
    sql = database.execute_sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'payment_receipt_number'" if backend == "postgres" else
        "SELECT sql FROM sqlite_master WHERE name = 'payment_receipt_number'").fetchone()[0]
    assert "WHERE" in sql.upper() and "substr" in sql.lower()
