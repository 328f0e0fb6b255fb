"""Account actions: Pilot tests pressing real keys through the forms (SQLite)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from cryptography.fernet import Fernet

from models import Account, AutopayEnrollment, Customer, LedgerEntry, Payment, Posting, Tender, WorkOrder
from screens.accounts.actions import AccountActionsScreen
from screens.accounts.autopay import AutopayEnrolScreen
from screens.accounts.money import RefundScreen, ReturnedPaymentScreen
from screens.common.form import LookupScreen
from screens.service.actions import NewWorkOrderScreen
from tests.screens import appkit
from tests.screens.appkit import TODAY, add_user, make_app, screen_text, settle, sign_in, text_of
from ubtui import ledger
from ubtui.ledger import EntrySpec
from ubtui.security import system_user


def new_account(last_name: str = "Rivera", first_name: str = "Ana", house: str = "12", street: str = "Oak Ave",
                status: str = "active") -> Account:
    from ubtui.accounts import create_customer, create_premise, open_account

    sysu = system_user()
    cust = create_customer(sysu, first_name=first_name, last_name=last_name, phones=[("home", "555-010-0001")])
    prem = create_premise(sysu, house_number=house, street=street, city="Cedar Valley", state="CA", zip="95000")
    return open_account(sysu, premise=prem, customers=[(cust, "owner")], status=status, opened_on=TODAY)


def metered(acct: Account) -> Account:
    """``acct`` with a meter in service at its address (service started there again is a
    turn-on, not a new install)."""
    from ubtui.readings import install_meter
    install_meter(system_user(), acct.premise_id, f"MTR-{acct.id}", on=TODAY, reading=0)
    return acct


def also_at(acct: Account, house: str = "99", street: str = "Elm St") -> Account:
    """A new account at another address whose owner is ``acct``'s customer (where a transfer goes)."""
    from models import AccountCustomer

    other = new_account(house=house, street=street)
    AccountCustomer.create(account=other.id, customer=AccountCustomer.get(AccountCustomer.account == acct.id).customer_id,
                           role="owner")
    return other


def charge(acct: Account, cents: int, key: str, days_ago: int = 0) -> None:
    ledger.post(system_user(), key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "Water",
                                                         effective_on=TODAY - dt.timedelta(days=days_ago))])


def check_payment(acct: Account, cents: int, receipt: str, kind: str = "check") -> Payment:
    """A posted check payment (or of another ``kind``) as the cashier records it."""
    res = ledger.post(system_user(), f"pay:{receipt}", "payment", [EntrySpec(acct.id, "payment", -cents, "", "Payment")])
    p = Payment.create(receipt_number=receipt, posting=res.posting_id, user=system_user().id, total_cents=cents)
    Tender.create(payment=p, seq=1, kind=kind, amount_cents=cents, check_number="1001" if kind == "check" else "")
    return p


async def burst(pilot, *keys: str) -> None:
    """appkit's burst, then wait (up to 20 s on a loaded machine) until every typed key has been
    handled and no worker runs, so a post is never half-way when the test looks."""
    await appkit.burst(pilot, *keys)
    for _ in range(2000):
        if not pilot.app.keys_pending and not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.pause(0.01)
    await settle(pilot)


async def open_actions(pilot, account_id: int, user: str = "senior") -> AccountActionsScreen:
    await sign_in(pilot, user)
    screen = AccountActionsScreen(account_id)
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def status(app) -> str:
    return text_of(app.screen.query_one("#status"))


def balance(acct: Account) -> int:
    return Account.get_by_id(acct.id).balance_cents


async def test_new_work_order_by_keys(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        shown = screen_text(app)
        assert "W  New work order" in shown and "Rivera, Ana" in shown
        assert "Refund" not in shown and "Write off" not in shown  # a clerk may not: not listed
        await burst(pilot, "f", "o")  # ...and their letters do nothing
        assert isinstance(app.screen, AccountActionsScreen)
        await burst(pilot, "w")
        assert isinstance(app.screen, NewWorkOrderScreen)
        await burst(pilot, "f4")  # the list of kinds
        assert isinstance(app.screen, LookupScreen)
        await burst(pilot, "escape")
        # typed ahead in one burst: a double F9 posts once, and the W typed after it waits for
        # the post and then opens a fresh form from the list
        await burst(pilot, *"leak", "enter", *"high", "enter", *"+2", "enter", *"Water in the yard", "f9", "f9", "w")
        assert isinstance(app.screen, NewWorkOrderScreen) and app.screen.query_one("#f-kind").value == ""
        await burst(pilot, "f3")
        assert isinstance(app.screen, AccountActionsScreen), status(app)
        assert "Open work orders: 1" in screen_text(app)
    wo = WorkOrder.get()  # exactly one
    assert (wo.kind, wo.priority, wo.scheduled_on, wo.instructions, wo.account_id) == (
        "leak_investigation", "high", TODAY + dt.timedelta(days=2), "Water in the yard", acct.id)


async def test_work_order_bad_kind_is_refused_then_a_prefix_posts(sqlite_url):
    add_user("clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id, "clerk")
        await burst(pilot, "w", *"zzz", "f9")
        assert isinstance(app.screen, NewWorkOrderScreen)
        assert status(app).startswith("Kind: must be one of turn_on")
        assert app.screen.focused.id == "f-kind"
        assert WorkOrder.select().count() == 0
        await burst(pilot, "end", "ctrl+u", *"rer", "f9")  # a prefix is enough
        assert status(app) == "work order WO0000001 (reread, normal) created"
    assert [(w.kind, w.account_id) for w in WorkOrder.select()] == [("reread", acct.id)]


async def test_returned_payment_picked_from_the_list(sqlite_url):
    add_user("senior", "senior_clerk")
    acct = new_account()
    charge(acct, 8000, "b1")
    check_payment(acct, 8000, "R-1")
    charge(acct, 5000, "b2")
    check_payment(acct, 1234, "R-CASH", "cash")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id)
        await burst(pilot, "r")
        assert isinstance(app.screen, ReturnedPaymentScreen)
        await burst(pilot, *"R-CASH", "enter", "enter", "enter")  # typed anyway: refused, nothing posted
        assert status(app).startswith("Receipt: R-CASH was paid in cash: a bank cannot return it")
        assert app.screen.focused.id == "f-receipt"
        await burst(pilot, "ctrl+u")
        # the field's hint says what F4 lists; the generic "F4 lists the choices." is not added twice
        assert text_of(app.screen.query_one("#form-hint")) == "The receipt number; F4 lists this account's."
        await burst(pilot, "f4")
        assert "R-1" in screen_text(app) and "$80.00" in screen_text(app)
        assert "$12.34" not in screen_text(app)  # R-CASH: cash never comes back from a bank, not offered
        await burst(pilot, "enter")  # picks R-1 and moves on to the reason (NSF)
        assert app.screen.query_one("#f-receipt").value == "R-1"
        await burst(pilot, "enter", "enter")  # reason NSF, fee Y: Enter on the last field posts
        assert isinstance(app.screen, AccountActionsScreen)
        assert status(app) == "receipt R-1 returned, fee $25.00 charged; balance now $142.66"
        assert "Balance $142.66" in screen_text(app)
    assert Payment.get(Payment.receipt_number == "R-1").status == "returned"
    assert Payment.get(Payment.receipt_number == "R-CASH").status == "posted"
    assert balance(acct) == 8000 + 5000 + 2500 - 1234


async def test_transfer_to_a_stranger_is_refused_then_the_customer_s_other_account_takes_it(sqlite_url):
    from screens.accounts.money import TransferScreen
    from ubtui.accounts import format_account_number

    add_user("senior", "senior_clerk")
    old, stranger = new_account(), new_account(last_name="Jones", house="14")
    mine = also_at(old)  # the same customer's new address
    charge(old, 4321, "b1")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, old.id)
        await burst(pilot, "b")
        assert isinstance(app.screen, TransferScreen)
        assert app.screen.query_one("#f-to").value == format_account_number(mine.number)  # the customer's other account
        await burst(pilot, "ctrl+u", *stranger.number, "enter", *"10", "enter", *"typo [/]", "f9")
        assert status(app).startswith("To account: no customer of this account has ever been on that one")
        assert app.screen.focused.id == "f-to"
        assert balance(stranger) == 0 and balance(old) == 4321
        await burst(pilot, "ctrl+u", *mine.number, "f9")  # the rest of the form as typed: $10.00 of it
        assert isinstance(app.screen, AccountActionsScreen), status(app)
        assert status(app).startswith("$10.00 moved to ")
    assert (balance(old), balance(mine), balance(stranger)) == (4321 - 1000, 1000, 0)
    assert Posting.select().where(Posting.kind == "transfer").count() == 1


async def test_refund_bad_amount_posts_nothing_then_a_good_one_posts_once(sqlite_url):
    add_user("senior", "senior_clerk")
    acct = new_account()
    check_payment(acct, 5000, "R-2")  # a credit of 50.00
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id)
        await burst(pilot, "f")
        assert isinstance(app.screen, RefundScreen)
        assert "Credit on the account: $50.00" in screen_text(app)
        assert app.screen.query_one("#f-amount").value == "50.00"
        await burst(pilot, *"12.345", "enter", *"moved away", "f9")
        assert isinstance(app.screen, RefundScreen)
        assert status(app) == "Refund amount: '12.345' has more than two decimal places"
        assert app.screen.focused.id == "f-amount"
        assert Posting.select().where(Posting.kind == "refund").count() == 0
        await burst(pilot, "end", "ctrl+u", *"60", "f9")  # more than the credit: the core refuses
        assert status(app) == "Refund amount: $60.00 is more than the credit on the account ($50.00)"
        assert app.screen.focused.id == "f-amount"
        await burst(pilot, "end", "ctrl+u", *"$20", "f9", "f9")
        assert isinstance(app.screen, AccountActionsScreen)
        assert status(app) == "refund $20.00 posted; balance now -$30.00"
    refunds = list(LedgerEntry.select().where(LedgerEntry.kind == "refund"))
    assert [e.amount_cents for e in refunds] == [2000]
    assert balance(acct) == -3000


@pytest.fixture
def senior_and_account(sqlite_url, monkeypatch):
    """A senior clerk, an account, and a Fernet key in the environment (no key file written)."""
    monkeypatch.setenv("UBTUI_SECRET_KEY", Fernet.generate_key().decode())
    add_user("senior", "senior_clerk")
    return new_account()


async def test_autopay_enrol_shows_only_the_last_four(sqlite_url, senior_and_account):
    acct = senior_and_account
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id)
        await burst(pilot, "A")  # as the list shows it (the lower case works as well)
        assert isinstance(app.screen, AutopayEnrolScreen)
        assert app.screen.query_one("#f-holder").value == "Rivera, Ana"
        await burst(pilot, "enter", *"011000015", "enter", *"123456789")
        assert "123456789" not in screen_text(app) and "6789" not in screen_text(app)  # masked while typed
        await burst(pilot, "enter", "f4", "down", "enter")  # type picked from the list: savings
        assert isinstance(app.screen, AutopayEnrolScreen)  # a pick on the last field does not post
        assert app.screen.query_one("#f-type").value == "savings" and AutopayEnrollment.select().count() == 0
        await burst(pilot, "enter")  # Enter on the last field posts
        assert isinstance(app.screen, AccountActionsScreen), status(app)
        assert status(app) == "autopay on: savings ****6789 at 011000015 for Rivera, Ana"
        shown = screen_text(app)
        assert "Autopay savings ****6789" in shown and "A  Autopay: cancel" in shown
        assert "Write off" not in shown  # supervisors only: not listed for a senior clerk
        assert "12345" not in shown
        await burst(pilot, "a", *"customer asked", "f9")  # A again cancels
        assert status(app) == "autopay cancelled (savings ****6789)"
    e = AutopayEnrollment.get()
    assert (e.bank_account_last4, e.bank_account_type, e.status) == ("6789", "savings", "cancelled")
    assert "123456789" not in e.bank_account_enc


async def test_autopay_bad_routing_number_names_the_field(sqlite_url, senior_and_account):
    acct = senior_and_account
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id)
        await burst(pilot, "a", "enter", *"011000016", "enter", *"123456789", "f9")
        assert status(app).startswith("Routing number: must be 9 digits with a valid check digit")
        assert app.screen.focused.id == "f-routing"
    assert AutopayEnrollment.select().count() == 0


async def test_work_orders_menu_completes_a_turn_on(sqlite_url):
    from screens.service.actions import CompleteWorkOrderScreen
    from screens.service.workorders import WorkOrdersScreen
    from ubtui import workorders

    add_user("clerk")
    acct = new_account(status="pending")
    workorders.create_work_order(system_user(), kind="meter_test", account_id=acct.id)
    turn_on = workorders.create_work_order(system_user(), kind="turn_on", account_id=acct.id, priority="high")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk")
        await burst(pilot, "w")
        assert isinstance(app.screen, WorkOrdersScreen)
        assert text_of(app.screen.query_one("#orders-count")) == "2 work orders: 2 open"
        await burst(pilot, "enter")  # the high-priority turn-on is first
        assert isinstance(app.screen, CompleteWorkOrderScreen)
        assert app.screen.query_one("#f-order").value == turn_on.number
        await burst(pilot, "enter", "f9")  # no result typed
        assert status(app) == "Result: say what the field found or did"
        await burst(pilot, *"read 00012, water on", "f9")
        assert isinstance(app.screen, WorkOrdersScreen)
        number = f"{acct.number[:7]}-{acct.number[7:]}"
        assert status(app) == f"work order {turn_on.number} done; account {number} active: water on"
        assert text_of(app.screen.query_one("#orders-count")) == "1 work order: 1 open"
    assert Account.get_by_id(acct.id).status == "active"
    assert WorkOrder.get_by_id(turn_on.id).completed_on == TODAY


async def test_start_service_refuses_prior_debt_then_moves_it_with_a_supervisor(sqlite_url):
    from ubtui.accounts import format_account_number

    add_user("super", "supervisor")
    old = metered(new_account(status="final_billed"))
    charge(old, 4321, "final")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, old.id, "super")
        assert "O  Write off" in screen_text(app)
        # customer 1, tenant, commercial, no such rate code: refused naming the field
        await burst(pilot, "s", "enter", "enter", "ctrl+u", *"comm", "enter", *"XYZ", "f9")
        assert status(app).startswith("Rate code: 'XYZ' is not in the rate schedule")
        await burst(pilot, "ctrl+u", "f9")  # the class's usual code; the customer owes on the old account
        assert "owes $43.21" in status(app)
        assert Account.select().count() == 1
        # cycle, turn-on, no end date, no meter size (the meter is there), a deposit under the
        # schedule: a waiver is needed
        await burst(pilot, "enter", "enter", "enter", "enter", "enter", *"50", "enter", "ctrl+u", *"tr", "f9")
        assert status(app).startswith("Deposit of $50.00 is under the schedule's $300.00: waiving it needs")
        assert Account.select().count() == 1
        await burst(pilot, "enter", *"new business program", "enter", *"super", "enter", *"super-demo-1", "f9")
        new = Account.select().where(Account.id != old.id).get()
        number = format_account_number(new.number)
        assert re.fullmatch(rf"new account {number} for Rivera, Ana; turn-on WO\d+, deposit \$50.00 billed, "
                            r"\$43.21 prior debt moved", status(app))
    assert (balance(old), balance(new)) == (0, 4321 + 5000)
    assert (new.status, new.account_class, new.rate_code) == ("pending", "commercial", "COM")
    assert WorkOrder.get(WorkOrder.account == new.id).kind == "turn_on"


async def test_a_deposit_over_the_schedule_asks_for_a_supervisors_password(sqlite_url):
    """A senior clerk types a deposit over the fee schedule ($300.00 for commercial): F9 asks for
    a supervisor's user name and password; cancelled or refused, nothing is posted; approved,
    the deposit is billed and the audit names who approved.  The last try is one burst: the keys
    typed after F9 go to the dialog."""
    from models import AuditLog
    from screens.common.form import ApprovalScreen

    add_user("senior", "senior_clerk")
    add_user("super", "supervisor")
    old = metered(new_account(status="final_billed"))
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, old.id, "senior")
        await burst(pilot, "s", "enter", "enter", "ctrl+u", *"comm", "enter", "enter", "enter", "enter", "enter", "enter",
                    *"450", "f9")
        assert isinstance(app.screen, ApprovalScreen)
        assert "Deposit of $450.00 is over the schedule's $300.00" in screen_text(app)
        await burst(pilot, "escape")
        assert status(app) == "not posted: no approval" and Account.select().count() == 1
        await burst(pilot, "f9", *"super", "enter", *"wrong-password", "enter")
        assert not isinstance(app.screen, ApprovalScreen)
        assert status(app) == "wrong user name or password" and Account.select().count() == 1
        await burst(pilot, "f9", *"senior", "enter", *"senior-demo-1", "enter")  # not a supervisor
        assert "cannot approve" in status(app) and Account.select().count() == 1
        await burst(pilot, "f9", *"super", "enter", *"super-demo-1", "enter")
        assert re.search(r"deposit \$450.00 billed", status(app)), status(app)
    new = Account.select().where(Account.id != old.id).get()
    assert balance(new) == 45000 and new.deposit_held_cents == 45000
    row = AuditLog.get(AuditLog.action == "fee.override")
    assert row.entity_id == str(new.id) and '"approved_by": "super"' in row.after


async def test_stop_service_cancel_an_order_and_apply_the_deposit(sqlite_url):
    from ubtui import clock, workorders
    from ubtui.accounts import create_customer, create_premise
    from ubtui.readings import install_meter

    add_user("senior", "senior_clerk")
    sysu = system_user()
    with clock.frozen(TODAY):  # the app's day (make_app), so the orders are dated as the screen's
        prem = create_premise(sysu, house_number="9", street="Elm St")
        install_meter(sysu, prem.id, "M-9", on=TODAY, reading=0)
        started = workorders.start_service(sysu, premise=prem, customer=create_customer(sysu, first_name="Lee",
                                                                                        last_name="Park"))
    acct = started.account
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id)
        assert "Deposit held $100.00" in screen_text(app)
        await burst(pilot, "t", "ctrl+u", *"+5", "enter", *"1 Pine Rd", "enter", *"Davis", "enter", *"CA", "enter",
                    *"95616", "enter")
        assert status(app) == "stop ordered: WO0000002 turn off on 2026-03-20"
        assert "Open work orders: 2" in screen_text(app)
        await burst(pilot, "x", "f4", "down", "enter")  # the second open order: the turn-off
        assert app.screen.query_one("#f-order").value == "WO0000002"
        await burst(pilot, *"customer stays", "f9")
        assert status(app) == "work order WO0000002 cancelled"
        await burst(pilot, "d", "f9")  # no final bill yet: the deposit secures it
        assert status(app) == "the account has no final bill yet: the deposit is applied after the final bill"
    stop = WorkOrder.get(WorkOrder.number == "WO0000002")
    assert stop.status == "cancelled" and "forwarding address: 1 Pine Rd, Davis, CA, 95616" in stop.instructions
    assert WorkOrder.get(WorkOrder.number == "WO0000001").status == "open"
    lee = Customer.get(Customer.last_name == "Park")
    assert (lee.mail_line1, lee.mail_city, lee.mail_state, lee.mail_zip) == ("1 Pine Rd", "Davis", "CA", "95616")
    assert balance(acct) == 10000


async def test_a_final_billed_account_marks_and_refuses_what_needs_service(sqlite_url, senior_and_account):
    """Stop, move, autopay enrolment and a new end date need service: on a final-billed
    account the list says so and the letter explains, without a form to fill in first."""
    acct = senior_and_account
    Account.update(status="final_billed").where(Account.id == acct.id).execute()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_actions(pilot, acct.id)
        await burst(pilot)
        shown = screen_text(app)
        for line in ("T  Stop service: none to stop", "H  Move: no service to move", "A  Autopay: needs open account",
                     "S  Start service at this address"):  # a new customer may start
            assert line in shown, shown
        assert "\u2026" not in shown  # every line whole at 80 columns
        for key, why in (("t", "there is no service to stop"), ("h", "there is no service to move"),
                         ("a", "autopay needs an open account")):
            await burst(pilot, key)
            assert app.screen is screen, key
            assert status(app).startswith(f"{screen.ctx.number} is final billed: {why}")
        await burst(pilot, "f")  # what a final-billed account is for still opens
        assert isinstance(app.screen, RefundScreen)
    assert WorkOrder.select().count() == 0 and AutopayEnrollment.select().count() == 0
