"""Customer and account maintenance (issue #19) and the account's flags and status (issue
#15): each change has its own permission, names the bad field, is audited, and the search
finds the new details at once.  Both backends."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import Account, AccountCustomer, AuditLog, Customer, Email, Phone, Premise
from ubtui import maintenance as mt
from ubtui.accounts import customer_of_record, set_info_codes, set_payment_flags, set_protections, set_status
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.search import search_accounts

D = dt.date


def owner_of(acct) -> int:
    return AccountCustomer.get(AccountCustomer.account == acct.id).customer_id


def audit_count() -> int:
    return AuditLog.select().count()


# --- issue #15: flags and status, each with its own permission -----------------------------------
@pytest.mark.parametrize("change", [
    lambda u, a: set_payment_flags(u, a, no_checks=False, reason="asked nicely"),
    lambda u, a: set_payment_flags(u, a, cash_only=True, reason="bad checks"),
    lambda u, a: set_protections(u, a, medical_certificate=True, reason="certificate received"),
    lambda u, a: set_protections(u, a, do_not_disconnect=True, reason="hospital"),
    lambda u, a: set_status(u, a, "disconnected", reason="field"),
], ids=["no_checks", "cash_only", "medical", "dnd", "status"])
def test_a_clerk_is_refused_each_flag_and_status(clerk, system, make_account, change):
    a = make_account()
    set_payment_flags(system, a.id, no_checks=True, reason="two returned checks")
    before, rows = Account.get_by_id(a.id), audit_count()
    with pytest.raises(PermissionDenied):
        change(clerk, a.id)
    after = Account.get_by_id(a.id)
    assert (after.no_checks, after.cash_only, after.medical_certificate, after.do_not_disconnect, after.status) == (
        before.no_checks, before.cash_only, before.medical_certificate, before.do_not_disconnect, before.status)
    assert audit_count() == rows


def test_senior_sets_payment_flags_with_a_reason_but_not_protections(senior, make_account):
    a = make_account()
    with pytest.raises(InputError, match="^Reason: "):
        set_payment_flags(senior, a.id, cash_only=True, reason="  ")
    assert not Account.get_by_id(a.id).cash_only
    set_payment_flags(senior, a.id, cash_only=True, reason="three NSF checks")
    row = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert (row.action, row.detail) == ("account.payment_flags", "three NSF checks")
    assert '"cash_only": false' in row.before and '"cash_only": true' in row.after
    with pytest.raises(PermissionDenied):
        set_protections(senior, a.id, medical_certificate=True, reason="x")
    with pytest.raises(PermissionDenied):
        set_status(senior, a.id, "closed", reason="x")


def test_supervisor_sets_protections_and_status(supervisor, make_account):
    a = make_account()
    set_protections(supervisor, a.id, medical_certificate=True, do_not_disconnect=True, reason="doctor's letter")
    set_status(supervisor, a.id, "disconnected", reason="field report")
    acct = Account.get_by_id(a.id)
    assert acct.medical_certificate and acct.do_not_disconnect and acct.status == "disconnected"
    with pytest.raises(InputError, match="^Status: "):
        set_status(supervisor, a.id, "asleep", reason="x")
    with pytest.raises(InputError, match="^Reason: "):
        set_status(supervisor, a.id, "active", reason="")


def test_a_clerk_completing_a_work_order_sets_only_its_status(clerk, make_account):
    from ubtui import fieldwork, workorders
    a = make_account(status="pending")
    wo = workorders.create_work_order(clerk, kind="turn_on", account_id=a.id)
    fieldwork.complete_work_order(clerk, wo.id, "meter on")
    assert Account.get_by_id(a.id).status == "active"
    row = AuditLog.select().where(AuditLog.action == "account.status").first()
    assert row.detail == f"by work order {wo.number}"
    from models import WorkOrder
    with pytest.raises(Conflict):  # a work order cannot be shown to set another status
        set_status(clerk, a.id, "closed", work_order=WorkOrder.get_by_id(wo.id))


def test_info_codes_by_a_clerk_are_tidied_and_audited(clerk, make_account):
    a = make_account()
    set_info_codes(clerk, a.id, "Dog,  locked   gate, dog,")
    assert Account.get_by_id(a.id).info_codes == "dog,locked gate"
    with pytest.raises(InputError, match="^Info codes: "):
        set_info_codes(clerk, a.id, "x" * 31)
    with pytest.raises(InputError, match="^Info codes: .*control"):
        set_info_codes(clerk, a.id, "dog\x1b[31m")
    assert Account.get_by_id(a.id).info_codes == "dog,locked gate"


# --- the customer of record ----------------------------------------------------------------------
def test_customer_of_record_follows_roles_and_dates(clerk, make_account):
    a = make_account(last_name="Owner", opened_on=D(2025, 1, 1))
    owner = owner_of(a)
    AccountCustomer.update(start_date=D(2025, 1, 1)).where(AccountCustomer.account == a.id).execute()
    assert customer_of_record(a, D(2026, 1, 1)).customer_id == owner
    tenant = mt.add_role(clerk, a.id, "tenant", D(2026, 2, 1), new_customer=mt.NewCustomer("Tenant", "Tia"))
    assert customer_of_record(a, D(2026, 1, 31)).customer_id == owner  # not yet
    assert customer_of_record(a.id, D(2026, 2, 1)).customer_id == tenant.customer_id  # tenant before owner
    billing = mt.add_role(clerk, a.id, "billing", D(2026, 3, 1), new_customer=mt.NewCustomer("Payer", "Pia"))
    assert customer_of_record(a, D(2026, 3, 1)).customer_id == billing.customer_id  # billing first
    mt.end_role(clerk, a.id, billing.link_id, D(2026, 3, 31))
    assert customer_of_record(a, D(2026, 3, 31)).customer_id == billing.customer_id  # its last day
    assert customer_of_record(a, D(2026, 4, 1)).customer_id == tenant.customer_id
    mt.end_role(clerk, a.id, tenant.link_id, D(2026, 5, 31))  # the tenant moved out: bill the owner
    assert customer_of_record(a, D(2026, 6, 1)).customer_id == owner


def test_an_account_keeps_a_customer_and_roles_can_come_back(clerk, make_account):
    a = make_account(opened_on=D(2025, 1, 1))
    only = AccountCustomer.get(AccountCustomer.account == a.id)
    with pytest.raises(Conflict, match="no customer after"):
        mt.end_role(clerk, a.id, only.id, D(2026, 5, 1))
    t = mt.add_role(clerk, a.id, "tenant", D(2026, 1, 1), new_customer=mt.NewCustomer("Back", "Bo"))
    with pytest.raises(Conflict, match="already the tenant"):
        mt.add_role(clerk, a.id, "tenant", D(2026, 2, 1), customer_id=t.customer_id)
    mt.end_role(clerk, a.id, t.link_id, D(2026, 1, 31))
    again = mt.add_role(clerk, a.id, "tenant", D(2026, 9, 1), customer_id=t.customer_id)  # moved back in
    assert customer_of_record(a, D(2026, 9, 1)).link_id == again.link_id
    with pytest.raises(InputError, match="^Last day: "):
        mt.end_role(clerk, a.id, again.link_id, D(2026, 8, 1))
    with pytest.raises(InputError, match="^Role: "):
        mt.add_role(clerk, a.id, "lodger", D(2026, 9, 1), customer_id=t.customer_id)
    with pytest.raises(InputError, match="^Phone: "):
        mt.add_role(clerk, a.id, "billing", D(2026, 9, 1), new_customer=mt.NewCustomer("New", phone="555-12"))
    # someone on file, typed again as new: the Customer field names the record to use, nothing written
    mt.set_phones(clerk, t.customer_id, [("mobile", "541-555-0122")])
    rows = audit_count()
    with pytest.raises(InputError, match=f"^Customer: customer {t.customer_id} Back, Bo has the same name and phone"):
        mt.add_role(clerk, a.id, "billing", D(2026, 9, 1), new_customer=mt.NewCustomer("back", "BO", phone="5415550122"))
    assert audit_count() == rows and Customer.select().where(Customer.last_name == "back").count() == 0


def test_an_end_date_not_passed_yet_can_be_moved(clerk, make_account):
    from ubtui import clock

    today = clock.today()
    a = make_account(opened_on=today - dt.timedelta(days=400))
    t = mt.add_role(clerk, a.id, "tenant", today - dt.timedelta(days=100), new_customer=mt.NewCustomer("Mover", "Mo"))
    mt.end_role(clerk, a.id, t.link_id, today + dt.timedelta(days=30))  # "moving out next month"
    moved = mt.end_role(clerk, a.id, t.link_id, today + dt.timedelta(days=9))  # "no, on the 9th"
    assert moved.end_date == today + dt.timedelta(days=9)
    assert AccountCustomer.get_by_id(t.link_id).end_date == today + dt.timedelta(days=9)
    row = AuditLog.select().where(AuditLog.action == "account.role_end").order_by(AuditLog.id.desc()).get()
    assert str(today + dt.timedelta(days=30)) in row.before and str(today + dt.timedelta(days=9)) in row.after
    assert customer_of_record(a, today + dt.timedelta(days=10)).customer_id == owner_of(a)
    mt.end_role(clerk, a.id, t.link_id, today - dt.timedelta(days=1))  # moved out yesterday, in fact
    with pytest.raises(Conflict, match="already ended"):  # a last day passed stays
        mt.end_role(clerk, a.id, t.link_id, today + dt.timedelta(days=5))


# --- a customer's details ------------------------------------------------------------------------
@pytest.mark.parametrize("changes, field", [
    ({"mail_zip": "9500"}, "ZIP"), ({"mail_zip": "95000-12"}, "ZIP"), ({"mail_state": "XX"}, "State"),
    ({"last_name": " "}, "Last name"), ({"mail_line1": "PO Box 1\x07"}, "Mail line 1"),
    ({"language": "klingon"}, "Language"), ({"contact_by": "pigeon"}, "Contact by"),
    ({"bill_delivery": "email"}, "Bills by"), ({"first_name": "x" * 41}, "First name"),
])
def test_customer_fields_are_checked_and_named(clerk, make_account, changes, field):
    c = owner_of(make_account())
    rows = audit_count()
    with pytest.raises(InputError) as e:
        mt.update_customer(clerk, c, **changes)
    assert e.value.field == field
    assert audit_count() == rows


@pytest.mark.parametrize("phones, field", [
    ([("home", "541-555-0100"), ("mobile", "555-0199")], "Phone 2"),
    ([("pager", "541-555-0100")], "Phone 1"),
    ([("home", "541-555-0100"), ("work", "1 (541) 555-0100")], "Phone 2"),
])
def test_phones_are_checked_and_named(clerk, make_account, phones, field):
    c = owner_of(make_account())
    with pytest.raises(InputError) as e:
        mt.set_phones(clerk, c, phones)
    assert e.value.field == field
    assert len(Phone.select().where(Phone.customer == c)) == 1


def test_emails_are_checked_and_named(clerk, make_account):
    c = owner_of(make_account())
    for bad in ("pat", "pat@", "pat@example", "pat smith@example.com", "a@b.c"):
        with pytest.raises(InputError, match="^E-mail 2: "):
            mt.set_emails(clerk, c, ["pat@example.com", bad])
    assert not Email.select().where(Email.customer == c).exists()


def test_new_details_are_found_by_search_at_once(clerk, make_account):
    a = make_account(last_name="Smith", first_name="Pat")
    c = owner_of(a)
    mt.update_customer(clerk, c, last_name="Kowalczyk", first_name="Patricia", mail_line1="PO Box 12",
                       mail_city="Cedar Valley", mail_state="ca", mail_zip="95000-1234", language="es",
                       contact_by="text")
    assert [h.account_id for h in search_accounts(clerk, "kowalcz")] == [a.id]
    assert search_accounts(clerk, "smith") == []
    cust = Customer.get_by_id(c)
    assert (cust.display_name, cust.mail_state, cust.language) == ("Kowalczyk, Patricia", "CA", "es")
    mt.set_phones(clerk, c, [("mobile", "(541) 555-0199"), ("home", "541.555.0100")])
    assert [h.account_id for h in search_accounts(clerk, "541-555-0199")] == [a.id]
    assert [h.account_id for h in search_accounts(clerk, "5550100")] == [a.id]
    assert [(p.kind, p.primary) for p in mt.customer_details(clerk, c).phones] == [("mobile", True), ("home", False)]
    mt.set_emails(clerk, c, ["Pat.K@Example.org"])
    assert [h.account_id for h in search_accounts(clerk, "pat.k@example.org")] == [a.id]
    mt.update_customer(clerk, c, bill_delivery="email")
    assert Customer.get_by_id(c).bill_delivery == "email"


def ids(clerk, text: str) -> list[int]:
    return [h.account_id for h in search_accounts(clerk, text)]


def test_search_follows_every_change_and_forgets_the_old_value(clerk, supervisor, make_account):
    """Each change is found at once by what it set, and no longer by what it replaced (the
    account documents of migration 0009 and the phone/e-mail indexes, on both backends)."""
    a = make_account(last_name="Quimby", first_name="Ora", street="Alder Way")
    other = make_account(last_name="Unrelated", street="Birch Ln")
    c = owner_of(a)
    old_phone = Phone.get(Phone.customer == c).digits
    assert ids(clerk, "quimby") == [a.id] and ids(clerk, old_phone) == [a.id]
    mt.update_customer(clerk, c, last_name="Zeffirelli")  # a name
    assert ids(clerk, "zeffirelli") == [a.id] and ids(clerk, "quimby") == []
    mt.update_customer(clerk, c, mail_line1="PO Box 4471")  # a mailing address
    assert ids(clerk, "po box 4471") == [a.id]
    mt.update_customer(clerk, c, mail_line1="PO Box 8820")
    assert ids(clerk, "box 8820") == [a.id] and ids(clerk, "box 4471") == []
    mt.set_phones(clerk, c, [("mobile", "541-555-0177")])  # a phone, the old one dropped
    assert ids(clerk, "541-555-0177") == [a.id] and ids(clerk, "5550177") == [a.id]
    assert ids(clerk, old_phone) == [] and ids(clerk, old_phone[-7:]) == []
    mt.set_emails(clerk, c, ["ora@example.org"])  # an e-mail, then another
    mt.set_emails(clerk, c, ["ora.z@example.org"])
    assert ids(clerk, "ora.z@example.org") == [a.id] and ids(clerk, "ora@example.org") == []
    # a customer added to the account is found on it; a merged record's details follow the survivor
    wife = mt.add_role(clerk, a.id, "tenant", D(2026, 1, 1), new_customer=mt.NewCustomer("Zeffirelli", "Mae",
                                                                                          phone="541-555-0188"))
    assert ids(clerk, "mae zeffirelli") == [a.id] and ids(clerk, "541-555-0188") == [a.id]
    twin = mt.add_role(clerk, other.id, "billing", D(2026, 1, 1),
                       new_customer=mt.NewCustomer("Zeffirelli", "Mae", phone="541-555-0199"))
    mt.set_phones(clerk, twin.customer_id, [("home", "541-555-0199"), ("mobile", "541-555-0188")])
    mt.merge_customers(clerk, wife.customer_id, twin.customer_id, approver=supervisor)
    assert sorted(ids(clerk, "541-555-0199")) == sorted([a.id, other.id])  # the survivor's, on both accounts


def test_changes_history_says_who_when_what(clerk, supervisor, make_account):
    a = make_account(last_name="Smith")
    c = owner_of(a)
    mt.update_customer(clerk, c, mail_line1="PO Box 9")
    mt.set_phones(clerk, c, [("mobile", "541-555-0199")])
    mt.set_premise_notes(clerk, a.id, "Meter behind the garage")
    set_protections(supervisor, a.id, do_not_disconnect=True, reason="oxygen machine")
    rows = mt.account_changes(clerk, a.id)
    assert [r.action for r in rows[:4]] == ["account.protections", "premise.notes", "customer.phones",
                                            "customer.update"]
    assert rows[0].user == "super1" and rows[0].detail == "oxygen machine"
    assert rows[0].what == "do not disconnect: no -> yes"
    # a customer's row names the customer (an account may have several)
    assert rows[2].what == "Smith, Pat: phones: (555) 010-0001 home -> (541) 555-0199 mobile"
    assert rows[3].what == "Smith, Pat: mail line 1: (none) -> PO Box 9" and rows[3].user == "clerk1"
    t = mt.add_role(clerk, a.id, "tenant", D(2026, 2, 1), new_customer=mt.NewCustomer("Tenant", "Tia"))
    mt.end_role(clerk, a.id, t.link_id, D(2026, 5, 31))
    assert [r.what for r in mt.account_changes(clerk, a.id)[:3]] == [
        "Tenant, Tia: tenant until 2026-05-31", "Tenant, Tia added as tenant from 2026-02-01",
        "customer added: Tenant, Tia"]
    assert Premise.get_by_id(a.premise_id).notes == "Meter behind the garage"
    other = make_account(last_name="Other")
    assert {r.action for r in mt.account_changes(clerk, other.id)} == {"account.create", "customer.create",
                                                                        "premise.create"}


def test_duplicates_are_found_and_merged_with_a_supervisor(clerk, supervisor, make_account):
    a = make_account(last_name="Rivera", first_name="Ana")
    b = make_account(last_name="Rivera", first_name="Ana")
    c = make_account(last_name="Rivera", first_name="Ana")  # another Ana Rivera: nothing in common
    keep, dup = owner_of(a), owner_of(b)
    mt.set_phones(clerk, dup, [("mobile", "541-555-0142"), ("home", Phone.get(Phone.customer == keep).digits)])
    mt.set_emails(clerk, dup, ["ana@example.org"])
    mt.update_customer(clerk, dup, mail_line1="PO Box 7", mail_city="Cedar Valley", mail_state="CA", mail_zip="95000")
    found = mt.find_duplicates(clerk)
    assert [(d.keep_id, d.merge_id) for d in found] == [(keep, dup)]
    assert found[0].shared.startswith("phone ")
    assert [(d.keep_id, d.merge_id) for d in mt.find_duplicates(clerk, account_id=b.id)] == [(keep, dup)]
    assert mt.find_duplicates(clerk, account_id=c.id) == []
    with pytest.raises(PermissionDenied):
        mt.merge_customers(clerk, keep, dup, approver=clerk)
    r = mt.merge_customers(clerk, keep, dup, approver=supervisor)
    assert (r.roles_moved, r.phones_moved, r.emails_moved) == (1, 1, 1)
    assert customer_of_record(b).customer_id == keep
    kept = mt.customer_details(clerk, keep)
    assert [p.primary for p in kept.phones] == [True, False] and kept.emails == ["ana@example.org"]
    assert kept.mail_line1 == "PO Box 7"
    gone = Customer.get_by_id(dup)  # marked, not deleted
    assert gone.merged_into_id == keep
    assert Phone.select().where(Phone.customer == dup).count() == 1  # the number the survivor had already
    assert mt.find_duplicates(clerk) == []
    with pytest.raises(Conflict, match="merged into"):
        mt.update_customer(clerk, dup, mail_line1="x")
    history = mt.account_changes(clerk, b.id)
    assert "approved by super1" in [r.detail for r in history]
    assert [r.what for r in history[:2]] == [
        f"merged into customer {keep}",
        f"Rivera, Ana: customer {dup} (Rivera, Ana) merged into this record: 1 role, 1 phone, 1 e-mail moved"]


def test_a_role_the_survivor_holds_stays_with_the_merged_record(clerk, supervisor, make_account):
    a = make_account(last_name="Lee", first_name="Kim")
    keep = owner_of(a)
    twin = mt.add_role(clerk, a.id, "owner", AccountCustomer.get(AccountCustomer.customer == keep).start_date,
                       new_customer=mt.NewCustomer("Lee", "Kim", phone=Phone.get(Phone.customer == keep).digits),
                       allow_duplicate=True)
    r = mt.merge_customers(clerk, keep, twin.customer_id, approver=supervisor)
    assert (r.roles_moved, r.roles_kept) == (0, 1)
    assert AccountCustomer.get_by_id(twin.link_id).customer_id == twin.customer_id  # nothing deleted
    assert customer_of_record(a).customer_id == keep
    from ubtui import inquiry
    assert [p.name for p in inquiry.account_summary(clerk, a.id).customers] == ["Lee, Kim"]  # once


# --- the command line ----------------------------------------------------------------------------
def test_cli_maintains_customers_and_accounts(db_url, make_account, db):
    from tests.core.test_cli import ubtui
    a = make_account(last_name="Rivera", first_name="Ana")
    b = make_account(last_name="Rivera", first_name="Ana")
    keep, dup = owner_of(a), owner_of(b)
    number = a.number
    db.close()

    def run(*args):
        return ubtui("--database", db_url, *args)

    r = run("customer", "edit", str(keep), "--zip", "950")
    assert r.returncode == 2 and r.stderr.strip() == "ubtui: ZIP: '950' is not a ZIP code: 5 digits, or 5+4 (95000-1234)"
    r = run("customer", "edit", str(keep), "--line1", "PO Box 5", "--state", "or", "--zip", "97201")
    assert r.returncode == 0, r.stderr
    r = run("customer", "phones", str(keep), "mobile:541-555-0142", "home:555-010-0001")
    assert r.returncode == 0 and "2 phones" in r.stdout, r.stderr
    r = run("customer", "phones", str(keep), "mobile:541-555")
    assert r.returncode == 2 and r.stderr.startswith("ubtui: Phone 1: ")
    assert run("customer", "emails", str(keep), "ana@example.org").returncode == 0
    r = run("customer", "add-role", number, "--role", "tenant", "--from", "2026-01-01", "--last", "Okafor",
            "--first", "Ben", "--phone", "541-555-0177")
    assert r.returncode == 0 and "Okafor, Ben is tenant from 2026-01-01" in r.stdout, r.stderr
    r = run("customer", "add-role", number, "--role", "billing", "--from", "2026-01-01", "--last", "Okafor",
            "--first", "Ben", "--phone", "541-555-0177")
    assert r.returncode == 2 and "has the same name and phone" in r.stderr, r.stderr
    okafor = Customer.get(Customer.last_name == "Okafor").id
    from ubtui import clock
    for days in (30, 10):  # "moving out next month"; "no, on the 10th": a last day not passed moves
        day = clock.today() + dt.timedelta(days=days)
        r = run("customer", "end-role", number, "--customer", str(okafor), "--role", "tenant", "--last-day", str(day))
        assert r.returncode == 0 and f"Okafor, Ben: tenant until {day}" in r.stdout, r.stderr
    shown = run("customer", "show", number).stdout
    assert "* customer" in shown and "Okafor, Ben (tenant" in shown and "(541) 555-0142 mobile" in shown
    assert "PO Box 5, OR, 97201" in shown
    r = run("account", "flags", number, "--no-checks", "yes", "--reason", "two returned checks")
    assert r.returncode == 0 and "no checks: yes" in r.stdout, r.stderr
    assert run("account", "status", number, "asleep", "--reason", "x").stderr.startswith("ubtui: Status: ")
    assert run("account", "info-codes", number, "Dog, locked gate").stdout.strip() == "info codes: dog,locked gate"
    assert run("customer", "duplicates").stdout.startswith("0 pairs")
    assert run("customer", "phones", str(dup), "work:541-555-0142").returncode == 0
    dups = run("customer", "duplicates").stdout
    assert dups.startswith(f"{keep}\t{dup}\tRivera, Ana\tphone (541) 555-0142")
    r = run("customer", "merge", str(keep), str(dup))
    assert r.returncode == 0 and "1 role," in r.stdout, r.stderr
    changes = run("customer", "changes", number).stdout
    assert "\taccount.payment_flags\tno checks: no -> yes (two returned checks)" in changes
    assert "customer.merge" in changes and "\tsystem\t" in changes


def test_migration_0011_brings_an_old_database_to_the_models(db):
    """0011 on a database built before it: the new columns, the role index per start date and
    the audit indexes appear; run twice it changes nothing more."""
    import importlib

    from playhouse.migrate import SchemaMigrator
    mig = importlib.import_module("ubtui.migrations.0011_customer_maintenance")
    migrator = SchemaMigrator.from_database(db)
    db.execute_sql(f'DROP INDEX "{mig.NEW_PARTY_INDEX}"')
    db.execute_sql(f'CREATE UNIQUE INDEX "{mig.OLD_PARTY_INDEX}" ON "account_customer" ("account_id", "customer_id", "role")')
    for entity in mig.AUDIT_ENTITIES:
        db.execute_sql(f'DROP INDEX "audit_log_{entity}_rows"')
    db.execute_sql('DROP INDEX IF EXISTS "customer_merged_into_id"')
    from ubtui.db import is_postgres
    # SQLite cannot drop a column a foreign key names: there the FK column stays
    for column in ("contact_by", "bill_delivery") + (("merged_into_id",) if is_postgres(db) else ()):
        if is_postgres(db):
            migrator.migrate(migrator.drop_column("customer", column))
        else:  # SQLite's own DROP COLUMN: the migrator's copy-and-rename trips the search triggers
            db.execute_sql(f'ALTER TABLE "customer" DROP COLUMN "{column}"')
    for _ in range(2):
        mig.up(migrator, db)
        assert {"contact_by", "bill_delivery", "merged_into_id"} <= {c.name for c in db.get_columns("customer")}
        names = {i.name: i for i in db.get_indexes("account_customer") + db.get_indexes("audit_log")}
        assert mig.OLD_PARTY_INDEX not in names
        assert names[mig.NEW_PARTY_INDEX].unique
        assert all(f"audit_log_{e}_rows" in names for e in mig.AUDIT_ENTITIES)
    from playhouse.schema_diff import diff_models

    from models import ALL_MODELS
    diff = diff_models(db, ALL_MODELS)
    assert not (diff.add_columns or diff.add_indexes or diff.drop_columns), diff


@given(st.text(alphabet="abc ,XY-", max_size=60))
def test_info_codes_are_tidy_whatever_is_typed(text):
    from ubtui.accounts import parse_info_codes
    try:
        codes = parse_info_codes(text)
    except InputError as e:
        assert e.field == "Info codes"
        return
    parts = codes.split(",") if codes else []
    assert len(parts) == len(set(parts)) and all(p == p.strip().lower() and p for p in parts)
    assert parse_info_codes(codes) == codes  # typed again, unchanged
