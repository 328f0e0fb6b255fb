"""``ubtui service ...`` and the duplicate checks of new customers and addresses (issue #14)."""
import pytest

from models import Account, Customer, Meter, Premise, WorkOrder
from ubtui.accounts import new_customer, new_premise
from ubtui.errors import Conflict, InputError


def test_new_customer_and_premise_are_refused_as_duplicates(clerk):
    c = new_customer(clerk, last_name="Okafor", first_name="Ben", phones=[("mobile", "541-555-0177")],
                     mail={"line1": "PO Box 9", "state": "or", "zip": "97201"})
    assert (c.display_name, c.mail_state) == ("Okafor, Ben", "OR")
    with pytest.raises(Conflict, match=f"customer {c.id} Okafor, Ben has the same name and phone"):
        new_customer(clerk, last_name="OKAFOR", first_name="ben", phones=[("home", "(541) 555-0177")])
    assert new_customer(clerk, last_name="Okafor", first_name="Ben", phones=[("home", "541-555-0177")],
                        allow_duplicate=True).id != c.id  # the clerk says it is another person
    with pytest.raises(InputError, match="ZIP"):
        new_customer(clerk, last_name="Ng", mail={"zip": "9"})
    p = new_premise(clerk, house_number="40", street="Depot Rd", route="02", read_sequence=7, dwelling_units=2)
    with pytest.raises(Conflict, match=f"premise {p.id} at 40 Depot Rd is on file"):
        new_premise(clerk, house_number="40", street="depot rd.")
    with pytest.raises(InputError, match="Dwelling units"):
        new_premise(clerk, house_number="41", street="Depot Rd", dwelling_units=0)
    assert Customer.select().count() == 2 and Premise.select().count() == 1


def test_cli_starts_service_at_a_vacant_address(db_url, db):
    from tests.core.test_cli import ubtui
    db.close()

    def run(*args):
        return ubtui("--database", db_url, "service", *args)

    r = run("new-customer", "--last", "Storage Co", "--business", "--phone", "work:541-555-0101")
    assert r.returncode == 0 and r.stdout.startswith("customer 1 Storage Co"), r.stderr
    r = run("new-customer", "--last", "Storage Co", "--business", "--phone", "work:541-555-0101")
    assert r.returncode == 2 and "same name and phone" in r.stderr
    r = run("new-premise", "--house", "400", "--street", "Depot Rd", "--route", "02", "--units", "x")
    assert r.returncode == 2 and r.stderr.strip() == "ubtui: Dwelling units: 'x' is not a whole number"
    assert run("new-premise", "--house", "400", "--street", "Depot Rd", "--route", "02").returncode == 0
    r = run("new-meter", "1", "--serial", "SN-400", "--on", "2026-01-05", "--read", "120", "--size", '1"')
    assert r.returncode == 0, r.stderr
    r = run("start", "--premise", "1", "--customer", "1", "--class", "commercial", "--rate", "NOPE")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: Rate code: 'NOPE' is not in the rate schedule")
    r = run("start", "--premise", "1", "--customer", "1", "--class", "commercial", "--turn-on", "2026-01-05")
    assert r.returncode == 0 and "(COM)" in r.stdout and "deposit $300.00" in r.stdout, r.stderr
    r = run("stop", "0001001-7", "--on", "2026-02-01", "--zip", "9")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: Forwarding street: must not be empty")
    r = run("stop", "0001001-7", "--on", "2026-02-01", "--line1", "1 Pine Rd", "--zip", "9")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: ZIP")
    from ubtui.db import open_database
    open_database(db_url, upgrade=False)
    acct = Account.get()
    assert (acct.account_class, acct.rate_code, acct.status) == ("commercial", "COM", "pending")
    assert Meter.get().serial == "SN-400" and WorkOrder.get().kind == "turn_on"



def test_cli_service_at_an_address_without_a_meter_orders_the_install(db_url, db):
    from tests.core.test_cli import ubtui
    db.close()

    def run(*args):
        return ubtui("--database", db_url, "service", *args)

    assert run("new-customer", "--last", "Okafor", "--first", "Chidi").returncode == 0
    assert run("new-premise", "--house", "812", "--street", "Quarry Rd").returncode == 0
    r = run("start", "--premise", "1", "--customer", "1", "--meter-size", "7/8")
    assert r.returncode == 2 and r.stderr == "ubtui: Meter size: '7/8' is not a meter size; one of " \
        '5/8", 3/4", 1", 1.5", 2", 3", 4", 6", 8"\n'
    r = run("start", "--premise", "1", "--customer", "1", "--meter-size", '3/4"', "--install-fee", "12.345")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: Install fee: '12.345' has more than two decimal places")
    r = run("start", "--premise", "1", "--customer", "1", "--meter-size", '3/4"')
    assert r.returncode == 0, r.stderr
    assert 'new install WO0000001 (3/4" meter, installation fee $800.00); deposit $100.00' in r.stdout
    from ubtui.db import open_database
    open_database(db_url, upgrade=False)
    assert (WorkOrder.get().kind, WorkOrder.get().meter_size) == ("new_install", '3/4"')

def test_cli_deposit_over_the_schedule_needs_a_supervisor_named_with_their_password(db_url, db, supervisor):
    import json

    from models import AuditLog
    from tests.core.test_cli import ubtui
    db.close()

    def run(*args, input=None):
        return ubtui("--database", db_url, "service", *args, input=input)

    assert run("new-customer", "--last", "Storage Co", "--business").returncode == 0
    assert run("new-premise", "--house", "400", "--street", "Depot Rd").returncode == 0
    start = ("start", "--premise", "1", "--customer", "1", "--class", "commercial", "--deposit", "450")
    r = run(*start)
    assert r.returncode == 2 and "Deposit of $450.00 is over the schedule's $300.00: a supervisor must approve" in r.stderr
    r = run(*start, "--approved-by", "super1")  # no terminal to ask on
    assert r.returncode == 2 and "--approver-password-stdin" in r.stderr
    r = run(*start, "--approved-by", "super1", "--approver-password-stdin", input="wrong\n")
    assert r.returncode == 2 and "wrong user name or password" in r.stderr
    r = run("start", "--premise", "1", "--customer", "1", "--transfer-debt")
    assert r.returncode == 2 and "--approved-by" in r.stderr
    r = run(*start, "--approved-by", "super1", "--approver-password-stdin", input="password-super1\n")
    assert r.returncode == 0 and "deposit $450.00" in r.stdout, r.stderr
    from ubtui.db import open_database
    open_database(db_url, upgrade=False)
    row = AuditLog.get(AuditLog.action == "fee.override")
    assert json.loads(row.after)["approved_by"] == "super1" and Account.get().deposit_held_cents == 45000


def test_cli_temporary_service_waiver_move_and_credit(db_url, db):
    from tests.core.test_cli import ubtui
    db.close()

    def run(*args, input=None):
        return ubtui("--database", db_url, "service", *args, input=input)

    assert ubtui("--database", db_url, "user", "add", "dana", "--name", "Dana Diaz", "--role", "supervisor",
                 "--password-stdin", input="s3cret-pass\n").returncode == 0
    assert run("new-customer", "--last", "Acme Builders", "--business").returncode == 0
    for house in ("1", "2", "3"):
        assert run("new-premise", "--house", house, "--street", "Depot Rd", "--city", "Reno", "--state", "NV",
                   "--zip", "89501").returncode == 0
    r = run("start", "--premise", "1", "--customer", "1", "--class", "construction", "--turn-on", "2026-01-05")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: End date: construction service is temporary"), r.stderr
    r = run("start", "--premise", "1", "--customer", "1", "--class", "construction", "--turn-on", "2026-01-05",
            "--ends", "2026-04-30", "--deposit", "0", "--waive-reason", "city contract", "--approved-by", "dana",
            "--approver-password-stdin", input="wrong\n")
    assert r.returncode == 2 and "password" in r.stderr.lower(), r.stderr
    r = run("start", "--premise", "1", "--customer", "1", "--class", "construction", "--turn-on", "2026-01-05",
            "--ends", "2026-04-30", "--deposit", "0", "--waive-reason", "city contract", "--approved-by", "dana",
            "--approver-password-stdin", input="s3cret-pass\n")
    assert r.returncode == 0 and "deposit $0.00" in r.stdout and "stop WO0000002 on 2026-04-30" in r.stdout, r.stderr
    r = run("move", "0001001-7", "--premise", "2", "--on", "2026-02-01", "--ends", "2026-05-31")
    assert r.returncode == 0 and "stop ordered: WO" in r.stdout and "new account 0001002-5" in r.stdout, r.stderr
    r = run("move", "0001001-7", "--premise", "3", "--on", "2026-02-01", "--ends", "2026-05-31")
    assert r.returncode == 2 and "moved already" in r.stderr
    r = run("settle-credit", "0001001-7", "--refund", "--reason", "done")
    assert r.returncode == 2 and "after the final bill" in r.stderr
    r = run("credits")
    assert r.returncode == 0 and "0 final-billed accounts with a credit" in r.stdout


def test_cli_changes_a_temporary_service_end_date(db_url, db):
    import datetime as dt

    from tests.core.test_cli import ubtui
    from ubtui import workorders
    from ubtui.accounts import create_customer, create_premise, format_account_number
    from ubtui.security import system_user
    today = dt.date.today()  # the command runs on the machine's day
    sysu = system_user()
    cust = create_customer(sysu, last_name="Acme Builders", kind="business")
    prem = create_premise(sysu, house_number="", street="Hydrant 14 at Depot Rd")
    started = workorders.start_service(sysu, premise=prem, customer=cust, account_class="construction",
                                       turn_on=today, ends_on=today + dt.timedelta(days=60))
    number = format_account_number(started.account.number)
    db.close()

    def run(*args):
        return ubtui("--database", db_url, "service", "end-date", number, *args)

    r = run("--on", "2020-01-01")
    assert r.returncode == 2 and r.stderr.strip() == "ubtui: End date: 2020-01-01 is past", r.stderr
    r = run("--on", "soon")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: End date:"), r.stderr
    new = today + dt.timedelta(days=120)
    r = run("--on", new.isoformat(), "--reason", "permit extended")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == (f"service ends {new} (was {today + dt.timedelta(days=60)}); "
                                f"stop {started.stop_order.number} on {new}")
    assert Account.get_by_id(started.account.id).service_ends_on == new
    assert WorkOrder.get_by_id(started.stop_order.id).scheduled_on == new
