import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Account, AuditLog, LedgerEntry, Posting
from ubtui import ledger
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.verify import verify_all


def pay(user, acct, cents, key):
    return ledger.post(user, key, "payment", [EntrySpec(acct.id, "payment", -cents, description="Payment")])


def charge(user, acct, cents, key):
    return ledger.post(user, key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "Water")])


def test_posting_moves_balance_and_writes_audit(system, make_account):
    a = make_account()
    r = charge(system, a, 5000, "c1")
    assert r.created and r.balances == {a.id: 5000}
    pay(system, a, 1250, "p1")
    assert ledger.account_balance(a.id) == 3750 == ledger.computed_balance(a.id)
    rows = AuditLog.select().where(AuditLog.action.startswith("post."))
    assert [r.action for r in rows] == ["post.charge", "post.payment"]
    assert '"amount_cents": -1250' in rows[1].after


def test_same_key_posts_once_and_returns_the_first_result(clerk, make_account):
    a = make_account()
    first = pay(clerk, a, 1000, "receipt-42")
    again = pay(clerk, a, 1000, "receipt-42")
    different_amount = pay(clerk, a, 9999, "receipt-42")
    assert not again.created and again.posting_id == first.posting_id
    assert different_amount.entry_ids == first.entry_ids
    assert ledger.account_balance(a.id) == -1000
    assert Posting.select().count() == 1


def test_reversal_restores_balance_and_cannot_repeat(system, make_account):
    a = make_account()
    charge(system, a, 4000, "c")
    p = pay(system, a, 1500, "p")
    r = ledger.reverse(system, "rev-p", p.posting_id, "keyed on the wrong account")
    assert ledger.account_balance(a.id) == 4000
    rev = LedgerEntry.get_by_id(r.entry_ids[0])
    assert rev.kind == "reversal" and rev.reverses_id == p.entry_ids[0] and rev.amount_cents == 1500
    with pytest.raises(Conflict, match="already been reversed"):
        ledger.reverse(system, "rev-p-2", p.posting_id, "again")
    with pytest.raises(Conflict, match="itself a reversal"):
        ledger.reverse(system, "rev-rev", r.posting_id, "undo")
    assert ledger.reverse(system, "rev-p", p.posting_id, "retry").entry_ids == r.entry_ids
    assert verify_all() == []


def test_the_database_refuses_a_second_reversal_of_an_entry(system, make_account, db):
    """``reverses`` is UNIQUE where set (a partial index): a second reversal written straight to
    the table fails, while any number of entries reverse nothing."""
    a = make_account()
    c = charge(system, a, 100, "c")
    charge(system, a, 200, "c2")  # another NULL reverses_id is fine
    ledger.reverse(system, "r1", c.posting_id, "wrong")
    with pytest.raises(peewee.IntegrityError):
        with db.atomic():
            ledger.write_posting(system, "r2", "reversal", [EntrySpec(a.id, "reversal", -100, reverses_id=c.entry_ids[0])])
    assert ledger.account_balance(a.id) == 200


def test_a_key_already_posted_writes_nothing_inside_a_larger_transaction(system, make_account, db):
    a = make_account()
    charge(system, a, 100, "same")
    with pytest.raises(ledger.AlreadyPosted):
        with db.atomic():
            ledger.write_posting(system, "same", "charge", [EntrySpec(a.id, "charge", 999, "water")])
    assert ledger.account_balance(a.id) == 100 and Posting.select().count() == 1


def test_a_batch_of_postings_moves_every_balance_once_with_one_audit_row(system, make_account, db):
    a, b = make_account(), make_account()
    batch = [ledger.NewPosting(f"bill:{i}", "charge", [EntrySpec(acct.id, "charge", cents, "bill", "Water bill")])
             for i, (acct, cents) in enumerate([(a, 1000), (b, 250), (a, 75)])]
    with db.atomic():
        ids = ledger.write_postings(system, batch, action="post.charge")
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [Posting.get_by_id(i).idempotency_key for i in ids] == ["bill:0", "bill:1", "bill:2"]
    assert ledger.account_balance(a.id) == 1075 == ledger.computed_balance(a.id)
    assert ledger.account_balance(b.id) == 250 == ledger.computed_balance(b.id)
    rows = list(AuditLog.select().where(AuditLog.action == "post.charge"))
    assert len(rows) == 1 and rows[0].after.count('"key"') == 3
    # one key of the next batch is taken: the whole batch writes nothing
    again = [ledger.NewPosting("bill:new", "charge", [EntrySpec(b.id, "charge", 5, "bill")]), batch[1]]
    with pytest.raises(ledger.AlreadyPosted, match="bill:1"):
        with db.atomic():
            ledger.write_postings(system, again, action="post.charge")
    assert Posting.select().count() == 3 and ledger.account_balance(b.id) == 250
    with pytest.raises(InputError, match="Amount"):
        ledger.write_postings(system, [ledger.NewPosting("z", "charge", [EntrySpec(a.id, "charge", 0)])],
                              action="post.charge")
    assert verify_all() == []


def test_entries_are_append_only_in_the_database(system, make_account, db):
    a = make_account()
    r = charge(system, a, 100, "c")
    for stmt in (LedgerEntry.update(amount_cents=1).where(LedgerEntry.id == r.entry_ids[0]),
                 LedgerEntry.delete().where(LedgerEntry.id == r.entry_ids[0]),
                 Posting.update(memo="x"), AuditLog.delete()):
        with pytest.raises(peewee.DatabaseError, match="append-only"):
            with db.atomic():
                stmt.execute()
    assert ledger.computed_balance(a.id) == 100


def test_permission_is_checked_by_the_core(clerk, make_account):
    a = make_account()
    with pytest.raises(PermissionDenied, match="clerk1 \\(clerk\\) may not adjustment post"):
        ledger.post(clerk, "adj", "adjustment", [EntrySpec(a.id, "adjustment", -500)])
    assert Posting.select().count() == 0


def test_bad_postings_write_nothing(system, make_account):
    a = make_account()
    for entries, msg in (([], "no entries"), ([EntrySpec(a.id, "charge", 0)], "zero"),
                         ([EntrySpec(a.id, "charge", 1.5)], "integer cents"),
                         ([EntrySpec(a.id, "reversal", 5)], "must name")):
        with pytest.raises(InputError, match=msg):
            ledger.post(system, "bad", "charge", entries)
    with pytest.raises(Exception):  # noqa: B017  (the database's own error: differs by backend)
        ledger.post(system, "bad2", "charge", [EntrySpec(a.id, "charge", 5), EntrySpec(999999, "charge", 5)])
    assert Posting.select().count() == 0 and ledger.account_balance(a.id) == 0
    with pytest.raises(InputError, match="Idempotency key"):
        ledger.post(system, "", "charge", [EntrySpec(a.id, "charge", 5)])


def test_verify_names_a_tampered_balance(system, make_account, db):
    a = make_account()
    charge(system, a, 700, "c")
    Account.update(balance_cents=Account.balance_cents + 1).where(Account.id == a.id).execute()
    breaches = verify_all()
    assert len(breaches) == 1 and breaches[0].check == "balance" and a.number in breaches[0].message


ops = st.lists(st.tuples(st.sampled_from(["charge", "payment", "reverse", "replay"]),
                         st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=500_000)),
               min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
def test_balance_always_equals_sum_of_entries(system, make_account, backend, ops):
    accounts = [make_account() for _ in range(3)]
    expected = {a.id: ledger.account_balance(a.id) for a in accounts}
    done = []
    for i, (op, which, cents) in enumerate(ops):
        a = accounts[which]
        key = f"h-{len(Posting.select())}-{i}"
        if op == "charge":
            done.append((charge(system, a, cents, key), cents))
            expected[a.id] += cents
        elif op == "payment":
            done.append((pay(system, a, cents, key), -cents))
            expected[a.id] -= cents
        elif op == "replay" and done:
            res, _ = done[-1]
            assert not ledger.post(system, res.idempotency_key, "charge", [EntrySpec(a.id, "charge", 1)]).created
        elif op == "reverse" and done:
            res, amount = done.pop(0)
            ledger.reverse(system, key, res.posting_id, "test")
            expected[next(iter(res.balances))] -= amount
        for acct in accounts:
            assert ledger.account_balance(acct.id) == ledger.computed_balance(acct.id) == expected[acct.id]
    assert verify_all() == []


def test_entry_ids_follow_the_order_of_the_entries(system, make_account):
    a, b = make_account(), make_account()
    specs = [EntrySpec(b.id, "charge", 300, "water", "W"), EntrySpec(a.id, "charge", 200, "sewer", "S"),
             EntrySpec(b.id, "charge", 100, "service", "F")]
    r = ledger.post(system, "multi", "charge", specs)
    got = [LedgerEntry.get_by_id(i) for i in r.entry_ids]
    assert [(e.account_id, e.amount_cents, e.category) for e in got] == [(s.account_id, s.amount_cents, s.category)
                                                                         for s in specs]
    assert r.balances == {a.id: 200, b.id: 400}


def test_verify_names_a_tampered_category_sum(system, make_account, db):
    a = make_account()
    charge(system, a, 700, "c")
    pay(system, a, 200, "p")
    assert ledger.category_sums(a.id) == ledger.computed_category_sums(a.id) == {"water": (700, 0), "": (0, -200)}
    db.execute_sql("UPDATE ledger_category_sum SET credit_cents = credit_cents - 1 WHERE category = ''")
    db.execute_sql(f"INSERT INTO ledger_category_sum (account_id, category, debit_cents, credit_cents) "
                   f"VALUES ({a.id}, 'sewer', 5, 0)")
    breaches = verify_all()
    assert [b.check for b in breaches] == ["category", "category"], breaches
    assert "-201" in str(breaches[0]) and "'sewer'" in str(breaches[1])


sum_ops = st.lists(st.tuples(st.sampled_from(["charge", "payment", "batch", "reverse", "replay"]),
                             st.integers(min_value=0, max_value=2), st.sampled_from(["water", "sewer", "", "credit"]),
                             st.integers(min_value=1, max_value=500_000)),
                   min_size=1, max_size=20)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=sum_ops)
def test_category_sums_always_equal_the_entries(system, make_account, backend, db, ops):
    """The cached sums by category (issue #12: what a payment's allocation reads instead of
    the account's history) are those of the entries after every kind of posting: single,
    several accounts at once, a batch, a reversal, a replayed key."""
    accounts = [make_account() for _ in range(3)]
    done = []
    for i, (op, which, category, cents) in enumerate(ops):
        a, b = accounts[which], accounts[(which + 1) % 3]
        key = f"s-{len(Posting.select())}-{i}"
        if op == "charge":
            done.append(ledger.post(system, key, "charge", [EntrySpec(a.id, "charge", cents, category),
                                                            EntrySpec(b.id, "charge", cents // 2 + 1, "sewer")]))
        elif op == "payment":
            done.append(ledger.post(system, key, "payment", [EntrySpec(a.id, "payment", -cents, category),
                                                             EntrySpec(a.id, "payment", -1, "")]))
        elif op == "batch":
            with db.atomic():
                ledger.write_postings(system, [
                    ledger.NewPosting(key + "a", "charge", [EntrySpec(a.id, "charge", cents, category)]),
                    ledger.NewPosting(key + "b", "charge", [EntrySpec(a.id, "charge", 3, category),
                                                           EntrySpec(b.id, "adjustment", -2, category)])],
                    action="post.charge")
        elif op == "replay" and done:
            assert not ledger.post(system, done[-1].idempotency_key, "charge", [EntrySpec(a.id, "charge", 1)]).created
        elif op == "reverse" and done:
            ledger.reverse(system, key, done.pop(0).posting_id, "test")
        for acct in accounts:
            assert ledger.category_sums(acct.id) == ledger.computed_category_sums(acct.id)
            assert ledger.account_balance(acct.id) == ledger.computed_balance(acct.id)
    assert verify_all() == []


def test_new_keys_are_unique_fit_and_sort_in_the_order_they_were_made():
    """A form's key: later keys sort later (the unique index grows at its end), none repeats."""
    keys = [ledger.new_key("ui:pay:") for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    times = [k[len("ui:pay:"):-12] for k in keys]  # two keys of one nanosecond: either order
    assert times == sorted(times) and len(times[0]) == 16
    assert all(k.startswith("ui:pay:") and len(k) <= ledger.MAX_KEY for k in keys)
    assert ledger.check_key(keys[0]) == keys[0]


def test_lock_accounts_holds_the_rows_on_postgresql(system, make_account, db_url, backend):
    """Multi-account postings lock their accounts in id order before moving the balances
    (no deadlock between two of them).  ``lock_accounts`` is given the models' database,
    a proxy: it must still see PostgreSQL and take the row locks, so another session cannot
    lock those rows until the transaction ends."""
    if backend != "postgres":
        pytest.skip("row locks: PostgreSQL (SQLite's BEGIN IMMEDIATE lets one writer in)")
    import psycopg

    from models import database
    from ubtui.db import is_postgres
    assert is_postgres(Posting._meta.database)
    a, b = make_account(), make_account(last_name="Jones")
    with database.atomic():
        ledger.lock_accounts([a.id, b.id])
        with psycopg.connect(db_url, autocommit=True) as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT id FROM account WHERE id = %s FOR UPDATE NOWAIT", (b.id,))
