"""Receipt numbers (#12): a counter receipt's is "R" and its posting's id and is found through
the posting; every other number is kept unique by the partial receipt-number index."""
import peewee
import pytest

from models import Payment, Tender, database
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


# --- a payment's id is its posting's (migration 0028) -----------------------------------------
def test_every_writer_gives_a_payment_its_postings_id(drawer, clerk, system, make_account):  # noqa: F811
    a = make_account()
    ledger.post(system, "bill", "charge", [EntrySpec(a.id, "charge", 5000, "water", "Water")])  # ids apart
    counter = Payment.get_by_id(pay(clerk, a, "5").payment_id)
    other = _posted_payment(system, a, "AP261207-00001")  # Payment.create: autopay, imports
    assert (counter.id, other.id) == (counter.posting_id, other.posting_id)
    assert Payment.select().where(Payment.id != Payment.posting).count() == 0


def test_a_counter_payment_writes_no_posting_index_entry(drawer, clerk, make_account, backend):  # noqa: F811
    """The point of the rule: the posting-id index holds only payments numbered the old way."""
    a = make_account()
    for i in range(3):
        pay(clerk, a, "1", key=f"k{i}")
    if backend == "sqlite":
        cells = database.execute_sql("SELECT COALESCE(SUM(ncell), 0) FROM dbstat "
                                     "WHERE name = 'payment_posting_id' AND pagetype = 'leaf'").fetchone()[0]
        assert cells == 0
    else:
        database.execute_sql("ANALYZE payment")
        tuples = database.execute_sql("SELECT reltuples FROM pg_class WHERE relname = 'payment_posting_id'"
                                      ).fetchone()[0]
        assert tuples <= 0  # PostgreSQL says -1 (never counted) or 0 for an empty index


def _old_payment(user, account, pid: int, number: str) -> Payment:
    """A payment numbered before 0028: its own id, not its posting's."""
    res = ledger.post(user, f"old:{number}", "payment", [EntrySpec(account.id, "payment", -100, "", "Payment")])
    assert pid != res.posting_id
    p = Payment.create(id=pid, receipt_number=number, posting=res.posting_id, user=user.id, total_cents=100,
                       channel="mail")
    Tender.create(payment=p, seq=1, kind="check", amount_cents=100)
    return p


def test_payments_numbered_either_way_are_found_by_their_postings(drawer, clerk, system, supervisor,
                                                                  make_account):  # noqa: F811
    from models.cashier import of_postings, returned_since
    from ubtui import inquiry

    a = make_account()
    bills = [ledger.post(system, f"b{i}", "charge", [EntrySpec(a.id, "charge", 1000, "water", "Water")]).posting_id
             for i in range(3)]
    # an old payment whose own id is the id of a bill's posting: never that posting's payment
    old = _old_payment(system, a, bills[0], "DM000000001")
    new = Payment.get_by_id(pay(clerk, a, "2").payment_id)
    assert list(Payment.select().where(of_postings(bills[0]))) == []
    assert [p.id for p in Payment.select().where(of_postings(old.posting_id))] == [old.id]
    assert [p.id for p in Payment.select().where(of_postings(new.posting_id))] == [new.id]
    assert sorted(p.id for p in Payment.select().where(of_postings([old.posting_id, new.posting_id, *bills]))) \
        == sorted([old.id, new.id])
    assert payments.find_payment(new.receipt_number).id == new.id
    assert payments.find_payment("DM000000001").id == old.id
    rows = inquiry.payments(clerk, a.id)
    assert {(r.receipt_number, r.amount_cents) for r in rows} == {("DM000000001", 100), (new.receipt_number, 200)}
    assert [r.reference for r in inquiry.transactions(clerk, a.id) if r.posting_id == new.posting_id] \
        == [f"receipt:{new.receipt_number}"]
    returns.return_payment(system, "DM000000001", "NSF")
    voided = Payment.get_by_id(pay(clerk, a, "3", key="k2").payment_id)
    from ubtui import voids
    voids.void_payment(clerk, voided.receipt_number, "customer changed mind", "super1", "password-super1")
    # the void's reversal copies the entries' reference ("receipt"): it names its receipt too
    assert {r.reference for r in inquiry.transactions(clerk, a.id)
            if r.posting_id == Payment.get_by_id(voided.id).void_posting_id} == {f"receipt:{voided.receipt_number}"}
    from ubtui.verify import check_payments
    assert check_payments() == []
    twin = Payment.create(id=bills[1], receipt_number="DM000000009", posting=new.posting_id, user=system.id,
                          total_cents=200, status="voided", void_posting=bills[2])  # around both rules
    Tender.create(payment=twin, seq=1, kind="cash", amount_cents=200)
    assert [b.message for b in check_payments()] == [f"posting {new.posting_id} has more than one payment"]
    import datetime as _dt
    assert returned_since([a.id], _dt.datetime(2000, 1, 1)) == 1


def test_payments_are_read_through_an_index_on_either_backend(drawer, clerk, make_account, backend):  # noqa: F811
    """``of_postings`` and ``by_receipt``: each arm through its index; never a scan of the table."""
    from models.cashier import of_postings
    a = make_account()
    r = pay(clerk, a, "1")
    for term in (of_postings(r.payment_id), of_postings([r.payment_id, 5]), by_receipt(r.receipt_number)):
        sql, params = Payment.select().where(term).sql()
        if backend == "sqlite":
            plan = " | ".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "SCAN payment" not in plan and "payment_posting_id" in plan, plan
        else:
            with database.atomic():
                database.execute_sql("SET LOCAL enable_seqscan = off")
                plan = " | ".join(row[0] for row in database.execute_sql("EXPLAIN " + sql, params))
            assert "Seq Scan" not in plan and "payment_posting_id" in plan and "payment_pkey" in plan, plan
