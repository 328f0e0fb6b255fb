"""Take a payment with real keys: the common cash case, change due, double F9, alerts, bad input."""
from __future__ import annotations

from models import Payment, Tender
from screens.cash.payment import PaymentScreen
from tests.screens.appkit import TODAY, add_user, make_app, screen_text, settle, sign_in
from ubtui import drawer, ledger
from ubtui.accounts import create_customer, create_premise, format_account_number, open_account, set_payment_flags
from ubtui.security import system_user


def setup_counter(open_drawer: bool = True, balance: int = 4250, **flags):
    clerk = add_user("clerk")
    sysu = system_user()
    cust = create_customer(sysu, first_name="Ana", last_name="Muñoz")
    prem = create_premise(sysu, house_number="12", street="Oak Ave", city="Cedar Valley", state="CA", zip="95000")
    acct = open_account(sysu, premise=prem, customers=[(cust, "owner")], status=flags.pop("status", "active"))
    if flags:
        set_payment_flags(sysu, acct.id, reason="test", **flags)
    if balance:
        ledger.post(sysu, "chg1", "charge", [ledger.EntrySpec(acct.id, "charge", balance, "water", "water",
                                                              effective_on=TODAY)])
    drawer.create_drawer(sysu, "D1")
    if open_drawer:
        drawer.open_drawer(clerk, "D1", count={"20": 5}, business_date=TODAY)
    return acct


async def open_payment(pilot, acct=None):
    """Sign in, open the payment screen and (given an account) type its number and Enter."""
    await sign_in(pilot)
    pilot.app.push_screen(PaymentScreen())
    await settle(pilot)
    if acct is not None:
        await pilot.press(*acct.number, "enter")
        await settle(pilot)


async def test_common_cash_case_in_a_few_keys(sqlite_url):
    acct = setup_counter()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot)
        assert "Drawer D1 open" in screen_text(app)
        # digits, Enter, (balance offered) type the cash received, F9
        await pilot.press(*acct.number, "enter")
        await settle(pilot)
        assert "Muñoz, Ana" in screen_text(app) and "Balance $42.50" in screen_text(app)
        await pilot.press("enter", *"50", "f9")
        await settle(pilot)
        shown = screen_text(app)
        assert "Receipt R" in shown and f"{format_account_number(acct.number)} new balance $0.00" in shown
        assert "CHANGE DUE $7.50" in shown  # in plain text too: big digits are unreadable on a vt100
        assert app.screen.query_one("#pay-change").value == "$7.50"
        await pilot.press("f9", "enter", "ctrl+x")  # a double post does nothing
        await settle(pilot)
    assert Payment.select().count() == 1
    assert ledger.account_balance(acct.id) == 0
    p = Payment.get()
    assert (p.total_cents, p.change_cents) == (4250, 750)


async def test_check_tender_with_details_and_bad_check_number(sqlite_url):
    acct = setup_counter()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        await pilot.press("enter", "enter", "k", "enter")  # amount = balance, tendered = amount, check
        await settle(pilot)
        assert "Check number" in screen_text(app)
        await pilot.press("f9")
        await settle(pilot)
        assert "Check number: type the number printed on the check" in screen_text(app)
        assert Payment.select().count() == 0
        await pilot.press(*"1234", "enter", *"First Bank", "enter", *"Ana", "enter")
        await settle(pilot)
        assert "Receipt R" in screen_text(app)
    t = Tender.get()
    assert (t.kind, t.check_number, t.bank, t.amount_cents) == ("check", "1234", "First Bank", 4250)


async def test_cash_only_account_shows_the_stop_and_refuses_a_check(sqlite_url):
    acct = setup_counter(cash_only=True)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        await pilot.press("enter", "enter", "k")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "CASH ONLY" in screen_text(app)
        await pilot.press(*"55", "f9")
        await settle(pilot)
        assert "CASH ONLY" in app.screen.query_one("#status").render().plain
    assert Payment.select().count() == 0


async def test_split_tender_check_then_cash(sqlite_url):
    acct = setup_counter(balance=10000)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        await pilot.press("enter", *"60", "enter", "k", "enter", *"77", "f6")
        await settle(pilot)
        assert "Tenders: check $60.00 #77" in screen_text(app)
        await pilot.press(*"50", "f9")
        await settle(pilot)
        assert app.screen.query_one("#pay-change").value == "$10.00"
        # posted, the tenders line lists every tender the receipt took, the last one typed too
        assert "Tenders: check $60.00 #77, cash $50.00" in screen_text(app)
    assert sorted((t.kind, t.amount_cents) for t in Tender.select()) == [("cash", 5000), ("check", 6000)]


async def test_no_drawer_no_payment(sqlite_url):
    acct = setup_counter(open_drawer=False)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot)
        assert "No drawer open" in screen_text(app)
        await pilot.press(*acct.number, "enter")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert "no drawer is open" in screen_text(app)
    assert Payment.select().count() == 0


async def test_full_card_number_is_refused_and_not_kept(sqlite_url):
    acct = setup_counter()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        await pilot.press("enter", "enter", "d", "enter")
        await settle(pilot)
        box = app.screen.query_one("#pay-d0")
        assert box.max_length == 4  # the field cannot even hold a card number
        await pilot.press(*"4111111111111111")
        assert box.value == "4111"


def test_snapshot_payment_posted(snap_compare, sqlite_url):
    acct = setup_counter()

    async def run_before(pilot):
        await open_payment(pilot, acct)
        await pilot.press("enter", *"50", "f9")
        await settle(pilot)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


async def test_receipt_after_posting_shows_and_saves(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path))
    acct = setup_counter()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        await pilot.press("ctrl+e")  # nothing posted yet
        await settle(pilot)
        assert "post the payment first" in screen_text(app)
        await pilot.press("enter", "f9", "ctrl+e")
        await settle(pilot)
        shown = str(app.screen.query_one("#receipt-text").render())  # the whole receipt (it scrolls)
        assert "AMOUNT PAID" in shown and "Muñoz, Ana" in shown and "REPRINT" not in shown
        assert "Cedar Valley Water District" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        number = Payment.get().receipt_number
        assert (tmp_path / "receipts" / f"{number}.txt").read_text().count("AMOUNT PAID") == 1
        assert (tmp_path / "receipts" / f"{number}.pdf").exists()
        await pilot.press("p")  # no printer configured: the core says so
        await settle(pilot)
        assert "no receipt printer configured" in screen_text(app)
        await pilot.press("f3", "f6")  # back, then the next payment on a fresh form
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen) and app.screen.result is None
        assert app.screen.query_one("#pay-account").value == ""


async def test_one_check_pays_two_accounts(sqlite_url):
    first = setup_counter(balance=2000)
    sysu = system_user()
    cust = create_customer(sysu, first_name="Bo", last_name="Lee")
    prem = create_premise(sysu, house_number="14", street="Oak Ave")
    second = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="active")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, first)
        await pilot.press("ctrl+a")  # keeps 0001001-7 with its balance, $20.00
        await settle(pilot)
        assert "Accounts: 0001001-7 $20.00" in screen_text(app)
        await pilot.press(*second.number, "enter")
        await settle(pilot)
        await pilot.press(*"15", "enter", "enter", "k", "enter", *"900", "f9")
        await settle(pilot)
        shown = screen_text(app)
        assert "Receipt R" in shown  # each new balance says whose it is
        assert f"{format_account_number(first.number)} new balance $0.00" in shown
        assert f"{format_account_number(second.number)} new balance -$15.00" in shown
    p = Payment.get()
    assert p.total_cents == 3500 and [(t.kind, t.amount_cents, t.check_number) for t in p.tenders] == [("check", 3500, "900")]
    assert ledger.account_balance(first.id) == 0 and ledger.account_balance(second.id) == -1500


def test_snapshot_hard_stop_no_color(snap_compare, sqlite_url, monkeypatch):
    """Without colour the hard stop still stands out (reverse video), before anything is posted."""
    monkeypatch.setenv("NO_COLOR", "1")
    acct = setup_counter(cash_only=True)

    async def run_before(pilot):
        await open_payment(pilot, acct)
        await pilot.press("enter", "enter", "k", "enter")
        await settle(pilot)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


async def test_opened_for_an_account_starts_at_the_amount(sqlite_url):
    """F7 on an account screen opens this screen with the account (menu.KEY_TARGETS["pay"])."""
    from screens.shell.menu import KEY_TARGETS
    assert KEY_TARGETS["pay"] == "screens.cash.payment:PaymentScreen"
    acct = setup_counter()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.push_screen(PaymentScreen(account_id=acct.id))
        await settle(pilot)
        assert app.screen.query_one("#pay-account").value == format_account_number(acct.number)
        assert app.screen.focused.id == "pay-amount" and "Balance $42.50" in screen_text(app)
        await pilot.press("f9")
        await settle(pilot)
    assert Payment.get().total_cents == 4250


async def test_f7_opens_payment_entry_from_the_main_menu_and_not_twice(sqlite_url):
    from screens.cash.payment import PaymentScreen
    from tests.screens.appkit import add_user, make_app, settle, sign_in
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen)
        depth = len(app.screen_stack)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen) and len(app.screen_stack) == depth


async def test_paying_up_a_disconnected_account_tells_the_counter_the_reconnect_and_its_fee(sqlite_url):
    """The payment that meets the reconnect condition: the confirm step for a disconnected
    account, then the receipt area names the reconnect order and the fee now owed (typed in a
    burst); completing the order from the account's actions makes it active."""
    from models import Account, WorkOrder
    from tests.screens.appkit import burst, text_of
    from tests.screens.test_actions import burst as burst_settled
    from tests.screens.test_actions import open_actions, status
    from ubtui import config
    config.use_settings(config.Settings(fees=config.FeeSchedule(office_hours=(0, 24),
                                                                       office_weekdays=tuple(range(7)))))
    acct = setup_counter(status="disconnected")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        await burst(pilot, "enter", "f9", *"42.50", "f9")  # a disconnected account: re-type the amount
        await settle(pilot)
        shown = " ".join(text_of(app.screen.query_one("#pay-result")).split())
        wo = WorkOrder.get((WorkOrder.account == acct.id) & (WorkOrder.kind == "reconnect"))
        assert (f"{format_account_number(acct.number)}: reconnect ordered ({wo.number}), reconnect fee $50.00 "
                "charged; $50.00 now owed") in shown, shown
        app.pop_screen()
        await open_actions(pilot, acct.id, "clerk")
        await burst_settled(pilot, "c", *"service restored", "f9")
        assert status(app) == f"work order {wo.number} done; account {format_account_number(acct.number)} active: water on"
    assert Account.get_by_id(acct.id).status == "active" and ledger.account_balance(acct.id) == 5000


async def test_the_details_row_takes_the_fields_of_the_tender(sqlite_url):
    """The tender's detail fields (FieldGroups taking turns in one row): labels, lengths and
    the boxes shown follow the Tender field; a box the new tender does not use is emptied."""
    acct = setup_counter()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        s = app.screen

        def row() -> list[tuple[str, str]]:
            return [(str(s.query_one(f"#{b}-label").content), s.query_one(f"#{b}").value)
                    for b in ("pay-d0", "pay-d1", "pay-d2") if s.query_one(f"#{b}").display]

        assert not s.query_one("#pay-details").display and row() == []
        await pilot.press("enter", "enter", "k", "enter", *"77", "enter", *"Bank", "enter", *"Ana")
        await settle(pilot)
        assert row() == [("Check number", "77"), ("Bank", "Bank"), ("Name on check", "Ana")]
        assert s.focused.id == "pay-d2"
        s.query_one("#pay-kind").value = "D"
        await settle(pilot)
        assert row() == [("Card last 4", "77"), ("Auth code", "Bank")]
        assert s.query_one("#pay-d0").max_length == 4 and s.query_one("#pay-d2").value == ""
        s.query_one("#pay-kind").value = "C"
        await settle(pilot)
        assert not s.query_one("#pay-details").display and row() == []
        assert [s.query_one(f"#pay-d{i}").value for i in range(3)] == ["", "", ""]
    assert Payment.select().count() == 0  # Enter walked the details; it did not post
