"""The helpers later migrations use do their work once: on an old database, not a new one."""
import importlib

from peewee import CharField, IntegerField, Model
from playhouse.migrate import SchemaMigrator

from ubtui.migrations import add_column_if_missing, column_names, create_tables_if_missing


def full_unique_index(db, table: str, name: str, column: str) -> None:
    """Put index ``name`` back as an older database has it: UNIQUE over all of ``column``."""
    db.execute_sql(f'DROP INDEX "{name}"')
    db.execute_sql(f'CREATE UNIQUE INDEX "{name}" ON "{table}" ("{column}")')


def is_partial_unique(db, table: str, name: str, column: str) -> bool:
    """Index ``name`` is UNIQUE over ``column`` with a WHERE (what the migration makes it)."""
    index = {i.name: i for i in db.get_indexes(table)}[name]
    return index.unique and index.columns == [column] and "WHERE" in index.sql.upper()


def test_add_column_only_where_missing(db):
    db.execute_sql('CREATE TABLE "old_thing" ("id" INTEGER PRIMARY KEY, "name" VARCHAR(10))')
    migrator = SchemaMigrator.from_database(db)
    assert add_column_if_missing(migrator, db, "old_thing", "note", CharField(max_length=20, default=""))
    assert not add_column_if_missing(migrator, db, "old_thing", "note", CharField(max_length=20, default=""))
    assert "note" in column_names(db, "old_thing")


def test_create_tables_only_where_missing(db):
    class NewThing(Model):
        n = IntegerField()

        class Meta:
            database = db
            table_name = "new_thing"

    assert create_tables_if_missing(db, [NewThing]) == ["new_thing"]
    assert create_tables_if_missing(db, [NewThing]) == []


def test_lean_indexes_migration_turns_an_old_schema_into_the_models(db):
    """0003 on a database built before it: the full UNIQUE index on reverses_id becomes partial
    (NULLs cost no index write), unused indexes go; run twice it changes nothing more."""
    lean = importlib.import_module("ubtui.migrations.0003_lean_indexes")
    full_unique_index(db, "ledger_entry", "ledger_entry_reverses_id", "reverses_id")
    db.execute_sql('CREATE INDEX "audit_log_action" ON "audit_log" ("action")')
    for _ in range(2):
        lean.up(None, db)
        assert "audit_log_action" not in {i.name for i in db.get_indexes("audit_log")}
        assert is_partial_unique(db, "ledger_entry", "ledger_entry_reverses_id", "reverses_id")


def test_payment_index_migration_dates_receipts_by_their_session(db, clerk, system, make_account):
    """0004 on an older database: the four indexes go, and a receipt written without a
    business date (the old demo builder) gets its session's, which of_session relies on."""
    from models import DrawerSession, Payment
    from ubtui import drawer, payments
    from ubtui.payments import AccountAmount, TakePayment, TenderIn
    mig = importlib.import_module("ubtui.migrations.0004_fewer_payment_index_writes")
    drawer.create_drawer(system, "D1")
    opened = drawer.open_drawer(clerk, "D1", count={"20": 5})
    a = make_account()
    r = payments.take_payment(clerk, TakePayment(idempotency_key="m4", accounts=[AccountAmount(account=a.number, amount="5")],
                                                tenders=[TenderIn(kind="cash", amount="5")]))
    Payment.update(business_date=None).where(Payment.id == r.payment_id).execute()
    db.execute_sql('CREATE INDEX "payment_session_id" ON "payment" ("session_id")')
    db.execute_sql('CREATE INDEX "audit_log_at" ON "audit_log" ("at")')
    for _ in range(2):
        mig.up(None, db)
        assert Payment.get_by_id(r.payment_id).business_date == DrawerSession.get_by_id(opened.session_id).business_date
        names = {i.name for i in db.get_indexes("payment") + db.get_indexes("audit_log")}
        assert "payment_session_id" not in names and "audit_log_at" not in names


def test_covering_entries_migration_replaces_the_account_index(db):
    """0005 then 0006 on an older database: (account_id, id) becomes (account_id, id,
    amount_cents, category), then with effective_on; run twice they change nothing more."""
    m5 = importlib.import_module("ubtui.migrations.0005_covering_account_entries")
    m6 = importlib.import_module("ubtui.migrations.0006_drawer_terminal_entry_dates")
    db.execute_sql(f'DROP INDEX "{m6.NEW}"')
    db.execute_sql(f'CREATE INDEX "{m5.OLD}" ON "ledger_entry" ("account_id", "id")')
    for _ in range(2):
        m5.up(None, db)
        names = {i.name: i for i in db.get_indexes("ledger_entry")}
        assert m5.OLD not in names
        assert names[m5.NEW].columns == ["account_id", "id", "amount_cents", "category"]
        m6.up(None, db)  # the terminal column is there already (0001 built it)
        names = {i.name: i for i in db.get_indexes("ledger_entry")}
        assert m6.OLD not in names
        assert names[m6.NEW].columns == ["account_id", "id", "amount_cents", "category", "effective_on"]


def test_category_sums_migration_fills_the_sums_from_the_entries(db, system, make_account):
    """0017 on a database from before it: the table of category sums and the debits index
    are made, and every account's sums are those of its entries (run twice: the same)."""
    from ubtui import ledger
    from ubtui.ledger import EntrySpec
    from ubtui.verify import verify_all
    mig = importlib.import_module("ubtui.migrations.0017_category_sums")
    a, b = make_account(), make_account()
    ledger.post(system, "c1", "charge", [EntrySpec(a.id, "charge", 900, "water"), EntrySpec(b.id, "charge", 50, "")])
    ledger.post(system, "p1", "payment", [EntrySpec(a.id, "payment", -300, "water"), EntrySpec(a.id, "payment", -5)])
    db.execute_sql('DROP TABLE "ledger_category_sum"')
    db.execute_sql('DROP INDEX "ledger_entry_debits_by_date"')
    for _ in range(2):
        mig.up(None, db)
        assert ledger.category_sums(a.id) == {"water": (900, -300), "": (0, -5)}
        assert ledger.category_sums(b.id) == {"": (50, 0)}
        assert {i.name: i for i in db.get_indexes("ledger_entry")}["ledger_entry_debits_by_date"].columns == [
            "account_id", "effective_on", "id", "amount_cents", "category", "kind"]
        assert verify_all() == []


def test_receipt_number_migration_makes_the_index_partial_or_refuses(db, system, make_account):
    """0025 on an older database: the full UNIQUE receipt-number index becomes partial (the
    counter receipts, "R" and their posting's id, are left to the posting's index); an "R"
    number that is not its posting's would be lost to every lookup, so it refuses instead."""
    import peewee
    import pytest

    from models import Payment
    from models.cashier import by_receipt
    from ubtui import ledger
    from ubtui.ledger import EntrySpec
    mig = importlib.import_module("ubtui.migrations.0025_counter_receipts_by_posting")
    a = make_account()

    def payment(number, key):
        res = ledger.post(system, key, "payment", [EntrySpec(a.id, "payment", -100, "", "Payment")])
        return Payment.create(receipt_number=number or f"R{res.posting_id:08d}", posting=res.posting_id,
                              user=system.id, total_cents=100)

    counter, legacy = payment(None, "p1"), payment("DM000000007", "p2")
    full_unique_index(db, "payment", "payment_receipt_number", "receipt_number")
    for _ in range(2):
        mig.up(None, db)
        assert is_partial_unique(db, "payment", "payment_receipt_number", "receipt_number")
        assert Payment.get(by_receipt(counter.receipt_number)).id == counter.id
        assert Payment.get(by_receipt("DM000000007")).id == legacy.id
    stray = payment("R00000001", "p3")  # "R" and digits, but posting 1 is not its posting
    assert stray.posting_id != 1
    with pytest.raises(peewee.IntegrityError, match="R00000001"):
        mig.up(None, db)


def test_tenders_keyed_by_payment_migration_numbers_each_receipts_tenders(db, system, make_account):
    """0026 on an older database: the tender table (rowid id, payment-id index) becomes keyed
    by (payment_id, seq), seq numbering each receipt's tenders in the order they were written;
    no tender is lost; run twice it changes nothing more."""
    from playhouse.schema_diff import diff_models

    from models import Payment, Tender
    from ubtui import ledger
    from ubtui.db import is_postgres
    from ubtui.ledger import EntrySpec
    mig = importlib.import_module("ubtui.migrations.0026_tenders_keyed_by_payment")
    a = make_account()

    def payment(key, cents):
        res = ledger.post(system, key, "payment", [EntrySpec(a.id, "payment", -cents, "", "Payment")])
        return Payment.create(receipt_number=f"R{res.posting_id:08d}", posting=res.posting_id, user=system.id,
                              total_cents=cents)

    two, one = payment("p1", 5000), payment("p2", 700)
    db.execute_sql('DROP TABLE "tender"')
    db.execute_sql(f'CREATE TABLE "tender" ("id" {"SERIAL" if is_postgres(db) else "INTEGER"} NOT NULL PRIMARY KEY, '
                   '"payment_id" INTEGER NOT NULL REFERENCES "payment" ("id") ON DELETE RESTRICT, '
                   '"kind" VARCHAR(12) NOT NULL, "amount_cents" BIGINT NOT NULL, "check_number" VARCHAR(12) NOT NULL, '
                   '"bank" VARCHAR(40) NOT NULL, "check_name" VARCHAR(80) NOT NULL, "card_last4" VARCHAR(4) NOT NULL, '
                   '"auth_code" VARCHAR(12) NOT NULL)')
    db.execute_sql('CREATE INDEX "tender_payment_id" ON "tender" ("payment_id")')
    # ids interleaved across the receipts: seq follows id within each receipt
    for tid, pid, kind, cents, number in ((1, two.id, "check", 3000, "1234"), (2, one.id, "card", 700, ""),
                                          (3, two.id, "cash", 2000, "")):
        db.execute_sql('INSERT INTO "tender" ("id", "payment_id", "kind", "amount_cents", "check_number", "bank", '
                       '"check_name", "card_last4", "auth_code") VALUES (%s, %s, %s, %s, %s, \'\', \'\', \'\', \'\')'
                       .replace("%s", "%s" if is_postgres(db) else "?"), (tid, pid, kind, cents, number))
    for _ in range(2):
        mig.up(None, db)
        rows = list(Tender.select(Tender.payment, Tender.seq, Tender.kind, Tender.amount_cents, Tender.check_number)
                    .order_by(Tender.payment, Tender.seq).tuples())
        assert rows == [(two.id, 1, "check", 3000, "1234"), (two.id, 2, "cash", 2000, ""), (one.id, 1, "card", 700, "")]
        assert "tender_payment_id" not in {i.name for i in db.get_indexes("tender")}
        assert db.get_primary_keys("tender") == ["payment_id", "seq"]
        diff = diff_models(db, [Tender])
        assert not (diff.add_columns or diff.drop_columns or diff.add_indexes), diff
    if not is_postgres(db):
        sql = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'tender'").fetchone()[0]
        assert sql.startswith('CREATE TABLE "tender"') and sql.endswith("WITHOUT ROWID")
    Tender.create(payment=one, seq=2, kind="cash", amount_cents=5)  # the key takes the next line


def test_search_documents_get_a_fine_sample_on_postgresql(db):
    """0027: the planner's sample of the search documents is big enough to tell a rare word
    from a common one (PostgreSQL; SQLite's FTS5 has no such choice)."""
    import peewee
    import pytest
    if not isinstance(db, peewee.PostgresqlDatabase):
        pytest.skip("PostgreSQL's planner statistics")
    target = db.execute_sql("SELECT attstattarget FROM pg_attribute WHERE attrelid = 'account_search'::regclass "
                            "AND attname = 'doc'").fetchone()[0]
    assert target == 1000


def test_payment_id_migration_keeps_old_payments_found_and_refuses_ids_ahead(db, system, make_account):
    """0028 on an older database: the full UNIQUE posting-id index becomes partial (the old
    payments, whose ids are not their postings', stay in it and unique); they are found by their
    postings as before, a new payment takes its posting's id; a payment id above every posting's
    (which a new payment could collide with) is refused, naming its receipt."""
    import peewee
    import pytest

    from models import Payment
    from models.cashier import of_postings
    from ubtui import ledger
    from ubtui.ledger import EntrySpec
    mig = importlib.import_module("ubtui.migrations.0028_payment_id_is_its_posting")
    a = make_account()

    def posting(key):
        return ledger.post(system, key, "payment", [EntrySpec(a.id, "payment", -100, "", "Payment")]).posting_id

    for i in range(3):
        posting(f"other{i}")
    old = Payment.create(id=1, receipt_number="DM000000001", posting=posting("p1"), user=system.id, total_cents=100)
    full_unique_index(db, "payment", "payment_posting_id", "posting_id")
    for _ in range(2):
        mig.up(None, db)
        assert is_partial_unique(db, "payment", "payment_posting_id", "posting_id")
        assert Payment.get(of_postings(old.posting_id)).id == 1
    new = Payment.create(receipt_number="DM000000002", posting=posting("p2"), user=system.id, total_cents=100)
    assert new.id == new.posting_id and Payment.get(of_postings(new.posting_id)).id == new.id
    with pytest.raises(peewee.IntegrityError), db.atomic():  # the old payment's posting stays unique
        Payment.create(id=2, receipt_number="DM000000003", posting=old.posting_id, user=system.id, total_cents=1)
    Payment.create(id=new.id + 50, receipt_number="DM000000050", posting=posting("p3"), user=system.id,
                   total_cents=100)
    with pytest.raises(peewee.IntegrityError, match="DM000000050"):
        mig.up(None, db)
