"""The demo district: invariants hold, counts, every class and status, determinism, users."""
import datetime as dt
import hashlib
import threading

import pytest
from peewee import fn

from models import (
    Account,
    AccountCustomer,
    AuditLog,
    AutopayEnrollment,
    Bill,
    BillLine,
    Customer,
    DrawerSession,
    LedgerEntry,
    MeterReading,
    Payment,
    Phone,
    Posting,
    Premise,
    User,
    WorkOrder,
    database,
)
from models.customers import ACCOUNT_CLASSES, ACCOUNT_STATUSES
from ubtui import autopay, demo
from ubtui.accounts import fold, normalize_account_number, premise_search_text
from ubtui.cli import main
from ubtui.db import open_database
from ubtui.errors import InputError, PermissionDenied
from ubtui.security import authenticate
from ubtui.verify import verify_all

AS_OF = dt.date(2026, 11, 15)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch):
    """Autopay bank numbers are encrypted: a key of this test, not a file in the data folder."""
    from cryptography.fernet import Fernet
    monkeypatch.setenv("UBTUI_SECRET_KEY", Fernet.generate_key().decode())


def clerk_user():
    return User.get(User.username == "clerk")


def fingerprint() -> str:
    """A digest of what a customer would see: numbers, names, balances, entries, readings."""
    h = hashlib.sha256()
    for q in (Account.select(Account.number, Account.status, Account.account_class, Account.balance_cents,
                             Account.info_codes, Account.opened_on).order_by(Account.id).tuples(),
              Customer.select(Customer.display_name, Customer.search_name).order_by(Customer.id).tuples(),
              Premise.select(Premise.search_address, Premise.parcel_number, Premise.route).order_by(Premise.id).tuples(),
              LedgerEntry.select(LedgerEntry.account, LedgerEntry.kind, LedgerEntry.amount_cents,
                                 LedgerEntry.effective_on).order_by(LedgerEntry.id).tuples(),
              MeterReading.select(MeterReading.reading, MeterReading.usage, MeterReading.flag)
              .order_by(MeterReading.id).tuples(),
              Payment.select(Payment.receipt_number, Payment.total_cents, Payment.change_cents, Payment.channel)
              .order_by(Payment.id).tuples()):
        for row in q:
            h.update(repr(tuple(str(v) for v in row)).encode())
    return h.hexdigest()


def test_demo_district_keeps_every_invariant_and_has_every_kind_of_account(db_url):
    assert not demo.has_data()
    stats = demo.build_demo(accounts=300, months=8, seed=11, as_of=AS_OF)
    assert demo.has_data()
    assert verify_all() == []
    assert Account.select().count() == stats.accounts == 300
    assert Payment.select().count() > 0 and Payment.select().where(Payment.id != Payment.posting).count() == 0
    assert {a.status for a in Account.select(Account.status)} == set(ACCOUNT_STATUSES)
    assert {a.account_class for a in Account.select(Account.account_class)} == set(ACCOUNT_CLASSES)
    # money: cached balances equal entries (verify), and the statuses mean something
    by_status = dict(Account.select(Account.status, fn.SUM(Account.balance_cents)).group_by(Account.status).tuples())
    assert by_status["closed"] == 0 and by_status["pending"] == 0
    assert by_status["disconnected"] > 0 and by_status["final_billed"] > 0
    assert Account.select().where((Account.status == "active") & (Account.balance_cents > 0)).count() > 10
    assert LedgerEntry.select().where(LedgerEntry.category == "late_fee").exists()
    assert Posting.select().where(~Posting.idempotency_key.startswith("demo:")).count() == 0
    # every bill's lines add up to its total and its charge entries
    bad = (Bill.select(Bill.id).join(BillLine).group_by(Bill.id, Bill.total_cents)
           .having(fn.SUM(BillLine.amount_cents) != Bill.total_cents))
    assert list(bad) == []
    bill = Bill.select().order_by(Bill.id).first()
    charged = (LedgerEntry.select(fn.SUM(LedgerEntry.amount_cents))
               .where(LedgerEntry.reference == f"bill:{bill.id}", LedgerEntry.kind == "charge").scalar())
    assert charged == bill.total_cents
    assert Bill.select().where(Bill.kind == "final").exists()
    # the bills are the rate schedule's: repricing one at its own usage (a rebill preview, the
    # leak calculator) gives the same lines and total, for every class and kind of bill
    from ubtui.adjustments import preview_rebill
    from ubtui.rates import demo_schedule
    sample = {}
    for b in Bill.select().join(Account).order_by(Bill.id):
        sample.setdefault((b.account.account_class, b.kind), b)
    assert len(sample) >= 6
    for b in sample.values():
        again = preview_rebill(b.id, usage=b.usage, schedule=demo_schedule())
        lines = [(l.description, l.amount_cents) for l in BillLine.select().where(BillLine.bill == b.id).order_by(BillLine.seq)]
        assert again.calc.total_cents == b.total_cents, (b.account.account_class, b.kind)
        assert [(l.description[:120], l.amount_cents) for l in again.calc.lines] == lines
    # readings: monthly for 8 months (+1 start read per meter), with exceptions to work
    assert MeterReading.select().where(MeterReading.usage.is_null()).count() == Premise.select().count()
    assert {r.flag for r in MeterReading.select(MeterReading.flag).distinct()} >= {"", "high", "low", "zero"}
    assert MeterReading.select().where(MeterReading.estimated == True).exists()  # noqa: E712
    # flags and codes, roles, work orders, drawers
    on_autopay = [a.id for a in Account.select(Account.id).where(Account.autopay == True)]  # noqa: E712
    assert on_autopay
    for account_id in on_autopay[:5]:  # enrolled, with a bank number only ubtui.autopay can read
        e = autopay.active_enrollment(clerk_user(), account_id)
        assert e is not None and e.bank_account.startswith("****") and autopay.routing_ok(e.routing_number)
        row = AutopayEnrollment.get(AutopayEnrollment.account == account_id)
        assert autopay.decrypt(row.bank_account_enc).endswith(row.bank_account_last4)
    assert AutopayEnrollment.select().count() == len(on_autopay)
    assert Account.select().where(Account.cash_only == True).exists()  # noqa: E712
    assert Account.select().where(Account.info_codes.contains("dog")).exists()
    assert {r.role for r in AccountCustomer.select(AccountCustomer.role).distinct()} >= {"owner", "tenant"}
    assert WorkOrder.select().where(WorkOrder.status == "open").exists()
    assert DrawerSession.select().where(DrawerSession.status == "closed").count() > 0
    assert Payment.select().where(Payment.session.is_null(False)).exists()
    # one audit row for the whole build
    rows = list(AuditLog.select().where(AuditLog.action == "demo.build"))
    assert len(rows) == 1 and '"accounts": 300' in rows[0].after


def test_search_columns_are_filled_the_way_the_core_fills_them(db_url):
    demo.build_demo(accounts=120, months=2, seed=5, as_of=AS_OF)
    for c in Customer.select():
        assert c.search_name == fold(f"{c.first_name} {c.last_name}")
    for p in Premise.select():
        assert p.search_address == premise_search_text(p.house_number, p.street, p.unit)
    assert all(ph.digits.isdigit() and len(ph.digits) == 10 for ph in Phone.select())
    for a in Account.select(Account.number):
        assert normalize_account_number(a.number) == a.number  # check digit is right
    names = {c.search_name for c in Customer.select(Customer.search_name)}
    assert any("munoz" in n for n in names) and any("nguyen" in n for n in names)
    assert Customer.select().where(Customer.last_name.contains("ñ")).exists()
    assert Customer.select().where(Customer.kind == "organization").exists()


def test_demo_users_sign_in_with_the_documented_passwords(db_url):
    demo.build_demo(accounts=10, months=1, seed=1, as_of=AS_OF)
    for username, _, role, password in demo.DEMO_USERS:
        assert authenticate(username, password).role == role


def test_same_seed_same_district_on_either_backend_and_another_seed_differs(db_url, tmp_path):
    demo.build_demo(accounts=80, months=6, seed=7, as_of=AS_OF)
    first = fingerprint()
    database.close()
    open_database(f"sqlite:///{tmp_path / 'again.db'}")
    demo.build_demo(accounts=80, months=6, seed=7, as_of=AS_OF)
    assert fingerprint() == first
    database.close()
    open_database(f"sqlite:///{tmp_path / 'other.db'}")
    demo.build_demo(accounts=80, months=6, seed=8, as_of=AS_OF)
    assert fingerprint() != first


def test_no_history_gives_opening_balances_and_a_second_build_adds_to_the_first(db_url):
    demo.build_demo(accounts=200, months=0, seed=2, as_of=AS_OF)
    assert Bill.select().count() == 0 and MeterReading.select().count() == 0
    assert LedgerEntry.select().where(LedgerEntry.category == "conversion").count() > 50
    demo.build_demo(accounts=50, months=3, seed=3, as_of=AS_OF)
    assert Account.select().count() == 250
    assert verify_all() == []
    assert User.select().where(User.username == "clerk").count() == 1
    # ids written explicitly must not collide with the ones the database hands out next
    from ubtui.accounts import create_customer
    from ubtui.security import system_user
    c = create_customer(system_user(), first_name="Ana", last_name="New", phones=[("home", "555-010-0000")])
    assert c.id == Customer.select(fn.MAX(Customer.id)).scalar()


def test_bad_sizes_and_non_admins_are_refused_before_anything_is_written(db_url, clerk):
    with pytest.raises(InputError, match="Accounts"):
        demo.build_demo(accounts=0)
    with pytest.raises(InputError, match="Months"):
        demo.build_demo(accounts=5, months=-1)
    with pytest.raises(InputError, match="Population"):
        demo.build_demo(accounts=5, population="martian")
    with pytest.raises(PermissionDenied):
        demo.build_demo(accounts=5, actor=clerk)
    assert not demo.has_data() and Posting.select().count() == 0


def test_a_census_population_names_people_by_language_and_streets_by_the_district(db_url):
    """The bench-only population: surnames with real frequencies (thousands, not sixty), a
    Spanish or Vietnamese speaker's from that language's names, a street per ~285 accounts."""
    import random

    from ubtui.demo_census import ACCOUNTS_PER_STREET, SUFFIXES_A_NAME, population
    demo.build_demo(accounts=900, months=2, seed=3, as_of=AS_OF, population="census")
    assert verify_all() == []
    people = list(Customer.select().where(Customer.kind == "person"))
    assert len({c.last_name for c in people}) > 300
    pop = population()
    for language, pool in (("es", pop.es_last), ("vi", pop.vi_last)):
        speakers = [c for c in people if c.language == language]
        assert speakers and all(c.last_name in pool.names for c in speakers), language
    assert Premise.select(Premise.street).distinct().count() == 30  # the fewest
    streets = pop.streets(random.Random(1), 1_000_000, demo.STREET_NAMES)
    assert len(set(streets)) == 1_000_000 // ACCOUNTS_PER_STREET
    bases = [s.rsplit(" ", 1)[0] for s in streets]
    assert max(bases.count(b) for b in set(bases)) == SUFFIXES_A_NAME
    assert {"3rd", "Oak"} <= set(bases)
    after = AuditLog.get(AuditLog.action == "demo.build").after
    assert "census" in str(after)


def test_a_census_population_without_faker_says_what_to_install(monkeypatch):
    import sys

    from ubtui import demo_census
    monkeypatch.setitem(sys.modules, "faker.providers.person.de_DE", None)
    with pytest.raises(InputError, match="Faker"):
        demo_census._person_provider("de_DE")


def test_cli_demo_builds_without_launching(db_url, capsys):
    assert main(["--database", db_url, "demo", "--accounts", "25", "--months", "2", "--no-launch"]) == 0
    assert "25 accounts" in capsys.readouterr().out
    assert main(["--database", db_url, "demo", "--no-launch"]) == 0  # already there: nothing added
    assert Account.select().count() == 25
    assert main(["--database", db_url, "verify"]) == 0


def test_a_failed_write_stops_the_build_with_the_error(db_url, monkeypatch):
    write = demo.BulkWriter._write

    def broken(self, model, rows):  # the drawer sessions go in; the first chunk of accounts fails
        if model is Account:
            assert threading.current_thread().name == "demo-writer"
            raise RuntimeError(f"disk full while writing {model.__name__}")
        write(self, model, rows)
    monkeypatch.setattr(demo.BulkWriter, "_write", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.build_demo(accounts=30, months=1, seed=1, as_of=AS_OF, chunk=10)
    assert not AuditLog.select().where(AuditLog.action == "demo.build").exists()


def test_the_demo_has_crews_with_a_day_of_orders_and_proposals_to_approve(db_url):
    """A new user opens the dispatcher's queue and R (proposals) on the demo and finds work:
    orders assigned to each crew for today and tomorrow, one waiting for a crew, and two field
    results (a reread below the billed read, a fast meter) proposed, not posted."""
    from models import AdjustmentProposal
    from ubtui import proposals, workorders
    demo.build_demo(accounts=60, months=4, seed=7, as_of=AS_OF)
    clerk = clerk_user()
    queue = workorders.work_order_queue(clerk, workorders.parse_queue_filter("", AS_OF))
    crews = {o.crew for o in queue.rows if o.status == "assigned"}
    assert set(demo.CREWS) <= crews
    for crew in demo.CREWS:
        today = workorders.work_order_queue(clerk, workorders.parse_queue_filter(
            f"crew:{crew.replace(' ', '_')} date:+0", AS_OF))
        assert today.rows, crew
    assert any(o.status == "open" and o.kind == "high_bill" for o in queue.rows)
    rows = proposals.list_proposals(clerk)
    assert sorted(r.kind for r in rows) == ["meter_test", "rebill"]
    assert all(r.amount_cents < 0 for r in rows)  # both give money back: the read was high, the meter fast
    assert AdjustmentProposal.select().where(AdjustmentProposal.status == "proposed").count() == 2
    assert verify_all() == []
    assert Posting.select().where(~Posting.idempotency_key.startswith("demo:")).count() == 0  # nothing posted


def test_a_postgresql_build_keeps_the_document_tables_analysed_as_it_grows(db_url, monkeypatch):
    """A 1,000,000-account PostgreSQL build slowed a hundredfold at about 78,000 accounts: the
    search-document statement of each batch was planned on tables without statistics.  The
    writer analyses them each time the accounts written double (SQLite plans without them)."""
    from ubtui import search
    from ubtui.db import is_postgres

    analysed: list[int] = []
    monkeypatch.setattr(demo.BulkWriter, "ANALYZE_FROM", 5)
    monkeypatch.setattr(search, "analyze_documents", lambda db: analysed.append(Account.select().count()))
    demo.build_demo(accounts=30, months=0, seed=4, as_of=AS_OF, chunk=10)
    assert analysed == ([10, 20] if is_postgres() else [])


def test_a_district_without_bills_is_not_walked_whole_for_the_proposals(db_url, monkeypatch):
    """The demo's two proposals need a billed read; with ``months=0`` there is none, and the
    search for one walked every account (minutes at 1,000,000).  It stops after a bound."""
    real = demo._metered_accounts
    looked: list[int] = []

    def counted(as_of):
        for item in real(as_of):
            looked.append(item[0].id)
            yield item
    monkeypatch.setattr(demo, "_metered_accounts", counted)
    monkeypatch.setattr(demo, "LOOK_FOR_RESULTS", 10)
    demo.build_demo(accounts=200, months=0, seed=5, as_of=AS_OF)
    assert len(looked) <= 11 < Account.select().where(Account.status == "active").count()
