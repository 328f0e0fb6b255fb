"""New service from the keyboard (main menu N): customer, address and meter with their
duplicates offered first, service started at a vacant address, a move, a credit settled
after the final bill.  Pilot, SQLite; every form that writes is typed as one burst."""
from __future__ import annotations

import datetime as dt

from models import Account, AccountCustomer, AuditLog, Customer, Meter, Premise, WorkOrder
from screens.service.desk import DuplicateScreen, ServiceDeskScreen
from tests.screens.appkit import TODAY, add_user, make_app, screen_text, sign_in
from tests.screens.test_actions import burst, new_account, open_actions
from ubtui import ledger


def status(app) -> str:
    return app.screen.status_text()


async def open_desk(pilot, user: str = "senior") -> ServiceDeskScreen:
    await sign_in(pilot, user)
    await burst(pilot, "f10", "n")
    assert isinstance(pilot.app.screen, ServiceDeskScreen)
    return pilot.app.screen


async def test_a_vacant_address_served_in_one_sitting(sqlite_url):
    add_user("senior", "senior_clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await open_desk(pilot)
        assert "Customer: none yet" in screen_text(app)
        # C: a business customer, the whole form in one burst
        await burst(pilot, "c", *"Storage Co", "enter", "enter", "ctrl+u", *"bus", "enter", *"PO Box 9", "enter",
                    "enter", *"Reno", "enter", *"nv", "enter", *"89501", "enter", *"541-555-0101", "enter", "enter",
                    *"ops@storage.example", "enter", "f9")
        assert status(app) == "new customer 1: Storage Co"
        # P: the address, with a bad dwelling-units count first (named, nothing written)
        await burst(pilot, "p", *"400", "enter", *"Depot Rd", "enter", "enter", *"Reno", "enter", *"NV", "enter",
                    *"89501", "enter", *"001-222-33", "enter", *"02", "enter", *"17", "enter", "ctrl+u", *"0", "f9")
        assert status(app).startswith("Dwelling units:")
        assert app.screen.focused.id == "f-dwelling_units" and Premise.select().count() == 0
        await burst(pilot, "ctrl+u", *"2", "f9")
        assert status(app) == "new premise 1: 400 Depot Rd  Reno  parcel 001-222-33"
        assert "Address:  1  400 Depot Rd" in screen_text(app)
        # M: the meter at the address just made (filled in)
        await burst(pilot, "m", "enter", *"SN-400", "enter", "ctrl+u", *'1"', "enter", *"Neptune", "enter", "enter",
                    "enter", "enter", "enter", "ctrl+u", *"120", "f9")
        assert status(app) == f"meter SN-400 set at premise 1 on {TODAY}"
        # S: service for the customer at the address, commercial
        await burst(pilot, "s", "enter", "enter", "enter", "ctrl+u", *"comm", "f9")
        assert status(app).startswith("new account 0001001-7 for Storage Co; turn-on WO0000001, deposit $300.00")
        assert app.screen is desk
    p = Premise.get()
    assert (p.route, p.read_sequence, p.dwelling_units, p.parcel_number) == ("02", 17, 2, "001-222-33")
    m = Meter.get()
    assert (m.size, m.make, m.premise_id) == ('1"', "Neptune", p.id)
    c = Customer.get()
    assert (c.kind, c.mail_state, c.mail_line1) == ("business", "NV", "PO Box 9")
    acct = Account.get()
    assert (acct.account_class, acct.rate_code, acct.premise_id) == ("commercial", "COM", p.id)
    assert WorkOrder.get().kind == "turn_on"


async def test_duplicates_are_offered_before_anything_is_created(sqlite_url):
    add_user("senior", "senior_clerk")
    old = new_account()  # Rivera, Ana, 555-010-0001, 12 Oak Ave
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await open_desk(pilot)
        # the same name and phone: the one on file is listed; Enter uses it
        await burst(pilot, "c", *"rivera", "enter", *"ana", "enter", "enter", "enter", "enter", "enter", "enter",
                    "enter", *"(555) 010-0001", "f9")
        assert isinstance(app.screen, DuplicateScreen)
        assert "Use 1: Rivera, Ana  (555) 010-0001" in screen_text(app)
        await burst(pilot, "enter")
        assert app.screen is desk and status(app).startswith("using customer 1: Rivera, Ana")
        assert "Customer: 1  Rivera, Ana" in screen_text(app)
        # the same address: F3 goes back to the form, then "create anyway" is the last line
        await burst(pilot, "p", *"12", "enter", *"oak ave", "f9")
        assert isinstance(app.screen, DuplicateScreen)
        await burst(pilot, "f3")
        assert app.screen.TITLE_TEXT == "New service address" and Premise.select().count() == 1
        await burst(pilot, "f9", "down", "enter")
        assert app.screen is desk and status(app).startswith("new premise 2: 12 oak ave")
    assert Customer.select().count() == 1 and Premise.select().count() == 2
    assert old.id == 1


async def test_hostile_text_in_the_new_records_is_stored_as_text_and_shown_safely(sqlite_url):
    from models import Phone

    add_user("senior", "senior_clerk")
    # a record from an old import: ESC sequences, markup, an emoji, a full column
    stored = Customer.create(kind="person", first_name="", last_name="Evil", display_name="[red]\x1b[2J\U0001F6B0"
                             + "e" * 100, search_name="evil", mail_line1="[/]\x1b]0;pwned\x07")
    Phone.create(customer=stored, kind="home", digits="5550100999", is_primary=True)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await open_desk(pilot)
        name = "[/][bold]Nguyễn" + "y" * 40  # (an emoji cannot be typed through Pilot: the stored one below)
        await burst(pilot, "c", *name, "enter", "enter", "enter", *("[i]" * 26), "f9")
        assert status(app) == f"new customer 2: {name}"
        assert "Customer: 2  " + name in screen_text(app)
        await burst(pilot, "c", *"evil", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter",
                    *"555-010-0999", "f9")
        assert isinstance(app.screen, DuplicateScreen)
        shown = screen_text(app)
        # the record whole (wrapped, never cut): ESC and BEL visible, the markup not read
        assert "Use 1:" in shown and "[red]\u241b[2J" in shown and "[/]\u241b]0;pwned\u2407" in shown
        await burst(pilot, "enter")
        # the long name wraps (never cut): read without the spaces and line ends
        assert app.screen is desk and "Customer:1[red]\u241b[2J" in "".join(screen_text(app).split())
        street = "[b]Main[/b] St " + "[" * 40
        await burst(pilot, "p", *"12", "enter", *street, "enter", *"[/]", "f9")
        assert status(app) == f"new premise 1: 12 {street} [/]"
        assert f"Address:  1  12 {street}" in screen_text(app)
    assert Customer.get_by_id(2).last_name == name and Customer.get_by_id(2).mail_line1 == "[i]" * 26
    assert Customer.select().count() == 2 and Premise.get().street == street.strip()


async def test_a_move_from_the_account_forwards_the_credit_when_the_final_bill_posts(sqlite_url):
    from ubtui.accounts import create_premise
    from ubtui.readings import install_meter
    from ubtui.security import system_user

    add_user("senior", "senior_clerk")
    old = new_account()
    ledger.post(system_user(), "credit", "payment", [ledger.EntrySpec(old.id, "payment", -2500)])
    dest = create_premise(system_user(), house_number="77", street="Cedar Ct", city="Davis", state="CA", zip="95616")
    install_meter(system_user(), dest.id, "M-77", on=TODAY, reading=0)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, old.id)
        assert "H  Move: stop here" in screen_text(app)
        await burst(pilot, "h", *"77 cedar ct", "enter", "ctrl+u", *"+3", "enter", "enter", "enter", "enter",
                    *"+4", "f9")
        assert status(app).startswith("stop WO0000002 on 2026-03-18; new account 0001002-5 at 77 Cedar Ct; "
                                      "turn-on WO0000001, deposit $100.00 billed")
        # complete the stop: the final bill, then the credit moves to the new account
        await burst(pilot, "c", *"final read", "f9")
        assert status(app) == "work order WO0000002 done; nothing left to bill; credit $25.00 moved to 0001002-5"
    new = Account.get(Account.number == "00010025")
    assert Account.get_by_id(old.id).status == "final_billed" and ledger.account_balance(old.id) == 0
    assert ledger.account_balance(new.id) == 10000 - 2500
    assert AuditLog.select().where(AuditLog.action == "service.move").count() == 1
    assert dt.date(2026, 3, 19) == new.opened_on


async def test_a_move_s_new_address_is_found_with_f4_from_words_of_it(sqlite_url):
    """The clerk knows "77 cedar", not the premise number nor the address in full: F4 lists
    the premises it fits, saying where service is on, and the pick fills the field."""
    from screens.common.form import LookupScreen
    from ubtui.accounts import create_premise
    from ubtui.security import system_user

    add_user("senior", "senior_clerk")
    old = new_account()
    create_premise(system_user(), house_number="77", street="Cedar Ct", unit="B")
    target = create_premise(system_user(), house_number="77", street="Cedar Ct", city="Davis")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, old.id)
        await burst(pilot, "h", *"77 cedarzz", "f4")  # nothing fits: said, and the form stays
        assert status(app).startswith("New address: nothing matches '77 cedarzz'")
        await burst(pilot, "backspace", "backspace", "f4")
        assert isinstance(app.screen, LookupScreen)
        shown = screen_text(app)
        assert f"{target.id}  77 Cedar Ct, Davis: no service" in shown and "77 Cedar Ct #B: no service" in shown
        await burst(pilot, "enter")  # the first: by address, 77 Cedar Ct before its unit B
        assert app.screen.query_one("#f-premise").value == str(target.id)
        assert app.screen.focused.id == "f-stop_on"  # the pick moves on
        await burst(pilot, "shift+tab", *"77 cedar", "f9")  # not in full: named, nothing written
        assert status(app).startswith("New address: no premise '77 cedar'")
        await burst(pilot, "f4", "enter", "f9")  # F4, Enter and F9 typed ahead of the lookup
        assert status(app).startswith("stop WO"), status(app)
    assert Account.get(Account.premise == target.id).status == "pending"


async def test_start_service_finds_the_customer_and_the_address_with_f4(sqlite_url):
    """A customer on file and a vacant address, neither number known: words and F4 in each
    field, typed in one burst with the picks and F9."""
    from ubtui.accounts import create_customer, create_premise
    from ubtui.security import system_user

    add_user("senior", "senior_clerk")
    cust = create_customer(system_user(), first_name="Aiko", last_name="Nakamura")
    prem = create_premise(system_user(), house_number="540", street="Juniper Way")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(pilot)
        await burst(pilot, "s", *"naka", "enter", "f9")  # a name is not a number: said, nothing written
        assert status(app).startswith("Customer: 'naka' is not a customer number: F4 finds")
        await burst(pilot, "f4", "enter", *"540 junip", "f4", "enter", "f9")
        assert status(app).startswith("new account "), status(app)
    acct = Account.get(Account.premise == prem.id)
    assert AccountCustomer.get(AccountCustomer.account == acct.id).customer_id == cust.id


async def test_a_credit_after_the_final_bill_is_refunded_from_the_desk(sqlite_url):
    from models import Bill
    from ubtui.security import system_user

    add_user("senior", "senior_clerk")
    old = new_account(status="final_billed")
    Bill.create(account=old.id, period_start=TODAY - dt.timedelta(days=30), period_end=TODAY, bill_date=TODAY,
                due_date=TODAY + dt.timedelta(days=21), kind="final", total_cents=0)
    ledger.post(system_user(), "credit", "payment", [ledger.EntrySpec(old.id, "payment", -4150)])
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(pilot)
        # the account comes first in the F4 list and is filled in; transfer with no new account: named
        await burst(pilot, "r", "enter", "enter", "enter", *"moved away", "f9")
        assert status(app) == "To account: name the customer's new account"
        await burst(pilot, "f3", "r", "enter", "ctrl+u", *"ref", "enter", "enter", *"check mailed", "f9")
        assert status(app) == "refund of $41.50 posted"
    assert ledger.account_balance(old.id) == 0
    from models import LedgerEntry
    assert LedgerEntry.select().where((LedgerEntry.account == old.id) & (LedgerEntry.kind == "refund")).count() == 1


async def test_a_move_typed_at_the_desk_for_a_temporary_service(sqlite_url):
    from ubtui.accounts import create_premise
    from ubtui.readings import install_meter
    from ubtui.security import system_user

    add_user("super", "supervisor")
    old = new_account()
    hydrant = create_premise(system_user(), house_number="", street="Hydrant 7 at Mill Rd")
    install_meter(system_user(), hydrant.id, "HYD-7", on=TODAY, reading=0)  # the hydrant meter is set
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(pilot, "super")
        # account, new address, stop +0, construction without an end date: named, nothing written
        await burst(pilot, "v", *"0001001-7", "enter", *"2", "enter", "enter", *"constr", "f9")
        assert status(app).startswith("End date: construction service is temporary")
        assert Account.select().count() == 1
        # the cursor is on the end date; no deposit: the waiver with the supervisor's own password
        assert app.screen.focused.id == "f-ends_on"
        await burst(pilot, *"+90", "enter", "enter", *"0", "enter", *"city contract",
                    "enter", *"super", "enter", *"super-demo-1", "f9")
        assert status(app).startswith("stop WO0000003 on 2026-03-15; new account 0001002-5 at Hydrant 7 at Mill Rd; "
                                      "turn-on WO0000001, no deposit, stop WO0000002 on 2026-06-13")
    new = Account.get(Account.number == "00010025")
    assert (new.account_class, new.service_ends_on) == ("construction", dt.date(2026, 6, 13))
    assert Account.get_by_id(old.id).moved_to_account_id == new.id
    assert AuditLog.get(AuditLog.action == "deposit.waive").detail == "city contract"
