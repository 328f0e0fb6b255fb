"""Customer and account maintenance from the account's actions list (issue #19): each form
typed in one burst of real keys, at 80x24 (SQLite)."""
from __future__ import annotations

import datetime as dt

from models import Account, AccountCustomer, AuditLog, Customer, Email, Phone, Premise
from screens.accounts.actions import AccountActionsScreen
from screens.common.form import ActionForm
from tests.screens.appkit import TODAY, add_user, make_app, screen_text, settle, text_of
from tests.screens.test_actions import burst, new_account, open_actions, status
from ubtui.accounts import customer_of_record
from ubtui.search import search_accounts
from ubtui.security import get_user, system_user


def owner(acct) -> Customer:
    return AccountCustomer.get(AccountCustomer.account == acct.id).customer


async def test_clerk_changes_name_and_mailing_address_in_one_burst(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        assert "N  Name and mailing address" in screen_text(app)
        # one customer: the form starts on First name; ctrl+u clears a field, Enter moves on
        await burst(pilot, "n", *"Anabel", "enter", "ctrl+u", *"Rivera-Soto", "enter", *"PO Box 12", "enter",
                    "enter", *"Cedar Valley", "enter", *"ca", "enter", *"95000-1234", "enter")
        assert isinstance(app.screen, AccountActionsScreen), screen_text(app)
        assert "Rivera-Soto, Anabel: name and mailing address saved" in status(app)
    c = Customer.get_by_id(owner(acct).id)
    assert (c.display_name, c.mail_line1, c.mail_city, c.mail_state, c.mail_zip) == (
        "Rivera-Soto, Anabel", "PO Box 12", "Cedar Valley", "CA", "95000-1234")
    assert [h.account_id for h in search_accounts(get_user("clerk"), "rivera-soto")] == [acct.id]


async def test_a_bad_zip_is_named_and_nothing_is_written(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "n", "enter", "enter", *"PO Box 12", "enter", "enter", "enter", "enter", *"950", "f9")
        assert isinstance(app.screen, ActionForm)
        assert status(app) == "ZIP: '950' is not a ZIP code: 5 digits, or 5+4 (95000-1234)"
        assert app.focused.id == "f-zip"
        assert not AuditLog.select().where(AuditLog.action == "customer.update").exists()
        # typed straight on: the fix lands in the field that was named
        await burst(pilot, "ctrl+u", *"95000", "f9")
        assert isinstance(app.screen, AccountActionsScreen)
    assert Customer.get_by_id(owner(acct).id).mail_zip == "95000"
    assert AuditLog.select().where(AuditLog.action == "customer.update").count() == 1


async def test_phones_and_emails_by_keys(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "p", *"541 555 0199 mobile", "enter", *"555-010-0001", "enter", "enter",
                    *"Ana@Example.org", "f9")
        assert "Rivera, Ana: 2 phones, 1 e-mail saved" in status(app), screen_text(app)
        await burst(pilot, "p", "enter", *"123", "f9")
        assert status(app).startswith("Phone 2: '123': type the area code and number")
        assert app.focused.id == "f-phone2"
    cid = owner(acct).id
    assert [(p.kind, p.digits, p.is_primary) for p in Phone.select().where(Phone.customer == cid).order_by(Phone.id)] == [
        ("mobile", "5415550199", True), ("home", "5550100001", False)]
    assert [e.address for e in Email.select().where(Email.customer == cid)] == ["ana@example.org"]
    assert [h.account_id for h in search_accounts(get_user("clerk"), "(541) 555-0199")] == [acct.id]


async def test_language_and_contact_preferences_by_keys(sqlite_url):
    from ubtui import maintenance as mt

    add_user("clerk")
    acct = new_account()
    mt.set_emails(get_user("clerk"), owner(acct).id, ["ana@example.org"])
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        # codes, or the first letters of a choice: "te" is text, "em" email
        await burst(pilot, "l", *"es", "enter", *"te", "enter", *"em", "enter")
        assert "Rivera, Ana: language es, contact by text, bills by email" in status(app), screen_text(app)
        await burst(pilot, "l", *"xx", "f9")
        assert status(app).startswith("Language: must be one of en, es")
    c = Customer.get_by_id(owner(acct).id)
    assert (c.language, c.contact_by, c.bill_delivery) == ("es", "text", "email")


async def test_add_the_owner_and_end_the_tenant_by_keys(sqlite_url):
    """"The tenant moved out, bill the owner": add the owner from tomorrow, end the tenant today."""
    add_user("clerk")
    acct = new_account(last_name="Tenant", first_name="Tia")
    AccountCustomer.update(role="tenant").where(AccountCustomer.account == acct.id).execute()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "g", "enter", *"Landlord", "enter", *"Lou", "enter", *"5415550123", "enter",
                    "ctrl+u", *"owner", "enter", "ctrl+u", *"+1", "enter")
        assert "Landlord, Lou is owner from 2026-03-16" in status(app), screen_text(app)
        await burst(pilot, "e")
        assert "1: Tenant, Tia, tenant from" in screen_text(app) and "2: Landlord, Lou, owner from 2026-03-16" in \
            screen_text(app)  # the roles to end, numbered, without F4
        await burst(pilot, *"1", "enter", "enter")
        # the result says where the bills go from the day after: the one rule, customer_of_record
        assert "Tenant, Tia: tenant until 2026-03-15; bills go to Landlord, Lou from 2026-03-16" in status(app), \
            screen_text(app)
    assert customer_of_record(acct, TODAY).name == "Tenant, Tia"
    assert customer_of_record(acct, TODAY + dt.timedelta(days=1)).name == "Landlord, Lou"


async def test_add_my_wife_says_where_the_bills_go_and_forms_say_whose_details(sqlite_url):
    """"Add my wife to the account": a second customer; the forms about one customer say whose
    details they show, and follow the Customer field when it changes."""
    add_user("clerk")
    acct = new_account()  # Rivera, Ana, owner
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "g", "enter", *"Rivera", "enter", *"Luis", "enter", *"541 555 0166", "enter", "enter",
                    "enter")
        assert "Rivera, Luis is tenant from 2026-03-15; bills go to Rivera, Luis from 2026-03-15" in status(app), \
            screen_text(app)
        await burst(pilot, "p")
        assert "Changing: Rivera, Luis (tenant)" in screen_text(app)  # the customer of record first
        assert app.screen.query_one("#f-phone1").value == "(541) 555-0166 home"
        await burst(pilot, "ctrl+u", "1")
        assert "Changing: Rivera, Ana (owner)" in screen_text(app)
        assert app.screen.query_one("#f-phone1").value == "(555) 010-0001 home"
        await burst(pilot, "enter", "ctrl+u", *"541 555 0144 mobile", "f9")
        assert "Rivera, Ana: 1 phone, 0 e-mails saved" in status(app), screen_text(app)
        # Luis typed again as someone new: the Customer field names his record, and takes it
        await burst(pilot, "g", "enter", *"Rivera", "enter", *"luis", "enter", *"5415550166", "enter", "ctrl+u",
                    *"billing", "enter", "enter")
        luis = Customer.get(Customer.first_name == "Luis").id
        assert status(app) == (f"Customer: customer {luis} Rivera, Luis has the same name and phone: "
                               f"type {luis} here to add that one")
        assert app.focused.id == "f-customer"
        await burst(pilot, "ctrl+u", *str(luis), "f9")
        assert "Rivera, Luis is billing from 2026-03-15" in status(app), screen_text(app)
    assert Customer.select().where(Customer.first_name ** "luis").count() == 1
    ana = owner(acct).id
    assert [p.digits for p in Phone.select().where(Phone.customer == ana)] == ["5415550144"]


async def test_a_move_out_date_typed_wrong_is_moved_by_keys(sqlite_url):
    from ubtui import maintenance as mt

    add_user("clerk")
    acct = new_account()
    t = mt.add_role(get_user("clerk"), acct.id, "tenant", TODAY, new_customer=mt.NewCustomer("Tenant", "Tia"))
    mt.end_role(get_user("clerk"), acct.id, t.link_id, TODAY + dt.timedelta(days=30))
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "e")
        assert "2: Tenant, Tia, tenant from 2026-03-15 until 2026-04-14" in screen_text(app), screen_text(app)
        await burst(pilot, *"2", "enter", "ctrl+u", *"+9", "enter")
        assert "Tenant, Tia: tenant until 2026-03-24; bills go to Rivera, Ana from 2026-03-25" in status(app), \
            screen_text(app)
    assert AccountCustomer.get_by_id(t.link_id).end_date == TODAY + dt.timedelta(days=9)


async def test_codes_and_notes_with_f4(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "i", *"Dog", "f4", "down", "enter", "enter", *"Meter behind the side gate", "f9")
        assert "info codes and premise notes saved" in status(app), screen_text(app)
    a = Account.get_by_id(acct.id)
    assert a.info_codes == "dog,locked gate"
    assert Premise.get_by_id(a.premise_id).notes == "Meter behind the side gate"


async def test_a_clerk_has_no_flag_status_or_protection_forms(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        shown = screen_text(app)
        assert "Cash only" not in shown and "Protections" not in shown
        await burst(pilot, "k")
        await burst(pilot, "u")
        assert isinstance(app.screen, AccountActionsScreen)
    assert not Account.get_by_id(acct.id).cash_only


async def test_senior_sets_no_checks_with_a_reason(sqlite_url):
    add_user("senior", "senior_clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "senior")
        await burst(pilot, "v")
        await burst(pilot, "u")
        assert isinstance(app.screen, AccountActionsScreen)  # protections and status: supervisors
        await burst(pilot, "k", "enter", *"y", "enter", "f9")
        assert status(app) == "Reason: must not be empty"
        await burst(pilot, *"two returned checks", "enter")
        assert "no checks yes" in status(app), screen_text(app)
    assert Account.get_by_id(acct.id).no_checks
    row = AuditLog.select().where(AuditLog.action == "account.payment_flags").get()
    assert row.detail == "two returned checks"


async def test_supervisor_sets_protections_and_status(sqlite_url):
    add_user("super", "supervisor")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "super")
        await burst(pilot, "v", *"y", "enter", *"y", "enter", *"doctor's letter on file", "enter")
        assert "medical certificate yes, do not disconnect yes" in status(app), screen_text(app)
        await burst(pilot, "u", "ctrl+u", *"disc", "enter", *"meter pulled by field", "enter")
        assert "status disconnected" in status(app), screen_text(app)
    a = Account.get_by_id(acct.id)
    assert a.medical_certificate and a.do_not_disconnect and a.status == "disconnected"


async def test_merge_needs_a_supervisor_password(sqlite_url):
    add_user("clerk")
    add_user("super", "supervisor")
    a = new_account()
    b = new_account(house="14")
    keep, dup = owner(a).id, owner(b).id
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, b.id, "clerk")
        await burst(pilot, "m", "enter", "enter", *"clerk", "enter", *"clerk-demo-1", "enter")
        assert "cannot approve this" in status(app)
        assert Customer.get_by_id(dup).merged_into_id is None
        assert app.focused.id == "f-supervisor"  # typed on: the name is replaced, the password was cleared
        await burst(pilot, *"super", "enter", *"super-demo-1", "enter")
        assert f"customer {dup} merged into {keep}: 1 role," in status(app), screen_text(app)
    assert Customer.get_by_id(dup).merged_into_id == keep
    assert customer_of_record(b).customer_id == keep


async def test_changes_pane_shows_who_when_what(sqlite_url):
    from screens.accounts.inquiry import InquiryScreen
    from ubtui import maintenance as mt

    add_user("clerk")
    acct = new_account()
    mt.set_phones(get_user("clerk"), owner(acct).id, [("mobile", "541-555-0199")])
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        from tests.screens.appkit import sign_in
        await sign_in(pilot, "clerk")
        app.push_screen(InquiryScreen(acct.id))
        await settle(pilot)
        await burst(pilot, "7")
        shown = screen_text(app)
        assert "7 Changes" in shown
        assert "clerk" in shown and "Rivera, Ana: phones: (555) 010-0001 home -> (541)" in shown, shown
        assert " ".join(text_of(app.screen.query_one("#change-text")).split()) == (  # wrapped to the pane
            "customer.phones | Rivera, Ana: phones: (555) 010-0001 home -> (541) 555-0199 mobile")
    assert system_user()
