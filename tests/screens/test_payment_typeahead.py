"""The payment form typed to as bursts (all keys at once, as a fast typist or a paste sends
them), on a slow database too: exactly what was typed posts, or nothing does.

The keys go through the app's type-ahead machinery (``UbtuiApp.on_event``): a key typed while
the screen waits on the database (Enter on an account number) waits and lands in the field
that has the focus once the answer is in, whatever the database's speed."""
from __future__ import annotations

import asyncio
import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Payment, Tender
from tests.screens.appkit import burst, make_app, screen_text, settle, sign_in
from tests.screens.test_cash_payment import open_payment, setup_counter
from ubtui import ledger
from ubtui.accounts import format_account_number
from ubtui.errors import InputError
from ubtui.money import parse_amount
from ubtui.security import system_user

SLOW_DB = 0.15  # seconds each database call takes: far slower than the keys come


@contextlib.asynccontextmanager
async def payment_form(sqlite_url, **setup):
    """The payment screen at 80x24 with an account (``setup_counter(**setup)``) loaded."""
    acct = setup_counter(**setup)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        yield app, pilot, acct


def totals() -> list[int]:
    return [p.total_cents for p in Payment.select().order_by(Payment.id)]


@pytest.mark.parametrize("typed, cents", [("5.25", 525), ("12.03", 1203), ("7", 700)])
async def test_burst_from_the_menu_posts_what_was_typed_on_a_slow_database(sqlite_url, typed, cents):
    """The issue's burst: F7, account, Enter, amount, Enter, cash received, F9 -- one write."""
    acct = setup_counter(balance=13782)
    app = make_app(sqlite_url)
    app.db_delay = SLOW_DB
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f7", *format_account_number(acct.number), "enter", *typed, "enter", *"20", "f9")
        await settle(pilot)
        assert "CHANGE DUE" in screen_text(app)
    assert totals() == [cents]
    assert ledger.account_balance(acct.id) == 13782 - cents


async def test_keys_typed_while_the_account_loads_wait_for_it(sqlite_url):
    """Keys typed after Enter are held while the account loads (not typed into the account
    field), however slow the database."""
    acct = setup_counter(balance=9169)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot)
        app.db_delay = 0.6
        await burst(pilot, *acct.number, "enter", *"9", "tab", *"10")
        await settle(pilot)
        assert app.screen.query_one("#pay-account").value == format_account_number(acct.number)
        assert app.screen.query_one("#pay-amount").value == "9"
        assert app.screen.query_one("#pay-tendered").value == "10"


@pytest.mark.parametrize("typed, said", [
    ("abc", "Amount: 'abc' is not an amount"),
    ("-5", "Amount: must not be negative"),
    ("12.345", "Amount: '12.345' has more than two decimal places"),
    ("", "Amount: enter an amount"),
    ("2000000", "Amount: $2,000,000.00 is over the limit"),
])
async def test_a_wrong_amount_posts_nothing_and_names_the_amount(sqlite_url, typed, said):
    async with payment_form(sqlite_url) as (app, pilot, acct):
        keys = [*typed] if typed else ["backspace"]
        await burst(pilot, *keys)
        # the field shows exactly what was typed, and says at once what is wrong with it
        assert app.screen.query_one("#pay-amount").value == typed
        if typed:
            assert said in screen_text(app) and app.screen.query_one("#pay-amount").has_class("-invalid")
        await burst(pilot, "tab", "f9")
        assert said in screen_text(app)
        assert app.screen.focused.id == "pay-amount"  # not Tendered
        await burst(pilot, "f9", "enter", "f9")
        assert said in screen_text(app) and app.screen.focused.id == "pay-amount"
    assert totals() == []


async def test_a_wrong_amount_tendered_names_its_own_field(sqlite_url):
    async with payment_form(sqlite_url) as (app, pilot, acct):
        await burst(pilot, "enter", *"4x", "f9")
        assert "Amount tendered: '4x' is not an amount" in screen_text(app)
        assert app.screen.focused.id == "pay-tendered"
        await burst(pilot, "backspace", "f9")  # 4 < 42.50
        assert "Amount tendered: $4.00 is less than the payment $42.50" in screen_text(app)
        assert app.screen.focused.id == "pay-tendered"
    assert totals() == []


async def test_far_above_the_balance_needs_the_amount_typed_again(sqlite_url):
    """$30,000 cash on a $91.69 balance: the alert shows; F9 alone never posts it."""
    async with payment_form(sqlite_url, balance=9169) as (app, pilot, acct):
        await burst(pilot, *"30000", "enter")
        assert "far above the balance $91.69" in screen_text(app)
        await burst(pilot, "f9", "f9", "ctrl+x", "enter")
        assert totals() == []
        assert app.screen.focused.id == "pay-confirm"
        assert "Confirm amount" in screen_text(app)
        await burst(pilot, *"3000", "f9")  # not the same amount
        assert totals() == []
        assert "Confirm amount: re-type the amount, 30000.00" in screen_text(app)
        await burst(pilot, *["backspace"] * 4, *"30000", "f9")
        assert "Receipt R" in screen_text(app)
    assert totals() == [3_000_000]


async def test_over_the_configured_amount_needs_confirming(sqlite_url):
    from ubtui.config import Settings, use_settings

    use_settings(Settings(payment_confirm_over_cents=4000))
    async with payment_form(sqlite_url, balance=4250) as (app, pilot, acct):
        assert "is over $40.00" in screen_text(app)  # shown as the account loads
        await burst(pilot, "f9")
        assert totals() == [] and app.screen.focused.id == "pay-confirm"
        await burst(pilot, *"42.5", "f9")
    assert totals() == [4250]


async def test_cash_only_shows_on_load_and_the_stop_goes_with_the_check(sqlite_url):
    async with payment_form(sqlite_url, cash_only=True) as (app, pilot, acct):
        alerts = screen_text(app)
        assert "CASH ONLY" in alerts and "STOP" not in alerts  # before any check is picked
        await burst(pilot, "enter", "enter", "k")
        assert "STOP" in screen_text(app)
        await burst(pilot, "backspace", "c")
        assert "STOP" not in screen_text(app) and "CASH ONLY" in screen_text(app)
        await burst(pilot, "f9")  # cash only needs a confirmation too
        assert totals() == [] and app.screen.focused.id == "pay-confirm"
        await burst(pilot, *"42.50", "enter")
    assert totals() == [4250]


async def test_a_credit_balance_is_an_alert(sqlite_url):
    acct = setup_counter(balance=0)
    ledger.post(system_user(), "cr1", "adjustment",
                [ledger.EntrySpec(acct.id, "adjustment", -1250, "credit", "credit")])
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        assert "CREDIT of $12.50" in screen_text(app)


async def test_split_tender_cash_then_card_for_the_rest(sqlite_url):
    """F6 adds $50 cash; the card then pays what is still due ($49.56)."""
    async with payment_form(sqlite_url, balance=9956) as (app, pilot, acct):
        await burst(pilot, "enter", *"50", "f6")
        assert "49.56 still due" in screen_text(app)
        await burst(pilot, "tab", "d", "enter", *"4242", "enter", *"AB12", "f9")
        assert "Receipt R" in screen_text(app) and "CHANGE DUE $0.00" in screen_text(app)
    assert sorted((t.kind, t.amount_cents) for t in Tender.select()) == [("card", 4956), ("cash", 5000)]
    assert ledger.account_balance(acct.id) == 0


async def test_an_edited_account_number_is_not_paid_to_the_old_account(sqlite_url):
    async with payment_form(sqlite_url) as (app, pilot, acct):
        await burst(pilot, "shift+tab", *"12", "f9")
        assert "Account: press Enter to find" in screen_text(app)
    assert totals() == []


# --- any keys at all: the typed amount posts exactly, or nothing --------------------------
BALANCE = 4250
KEYS = st.lists(st.sampled_from([*"0123456789", *"0123456789", "a", "x", "-", "+", ".", ".", "$", ",",
                                 "enter", "tab", "f9", "backspace"]), max_size=14)


def parsed(text: str, optional: bool = False):
    """cents, None (empty, optional) or False (not an amount)."""
    if optional and not text.strip():
        return None
    try:
        return parse_amount(text, field="x", max_cents=99_999_99)
    except InputError:
        return False


def needs_confirming(cents: int) -> bool:
    return cents - BALANCE > max(10000, BALANCE) or cents > 100000


def model(keys: list[str]) -> tuple[list[str], int | None]:
    """What a clerk expects of ``keys`` typed into Amount (its balance selected): the keys
    that stay in Amount and Amount tendered (the rest are cut off: they would go to other
    fields), and the cents posted (None: nothing)."""
    text = {"amount": f"{BALANCE // 100}.{BALANCE % 100:02d}", "tendered": ""}
    selected = {"amount": True, "tendered": False}
    focus = "amount"

    def move(to: str) -> None:
        nonlocal focus
        if focus != to:
            focus = to
            selected[to] = bool(text[to])  # select on focus

    for n, k in enumerate(keys):
        if k == "backspace":
            text[focus] = "" if selected[focus] else text[focus][:-1]
            selected[focus] = False
        elif len(k) == 1:
            text[focus] = k if selected[focus] else text[focus] + k
            selected[focus] = False
        elif k == "tab" or (k == "enter" and parsed(text[focus], focus == "tendered") is not False):
            if focus == "tendered":
                return keys[:n], None  # on to the Tender field
            move("tendered")
        elif k == "f9":
            amount, tendered = parsed(text["amount"]), parsed(text["tendered"], True)
            if amount is False:
                move("amount")
            elif tendered is False or (tendered is not None and tendered < amount):
                move("tendered")
            elif needs_confirming(amount):
                return keys[:n + 1], None  # the Confirm amount field takes the next keys
            else:
                return keys[:n + 1], amount
    return keys, None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=KEYS)
def test_typed_keys_post_exactly_the_typed_amount_or_nothing(sqlite_url, keys):
    from models import Account
    acct = Account.select().first() or setup_counter(balance=BALANCE)  # one database for all examples
    balance = ledger.account_balance(acct.id)
    if balance != BALANCE:  # the last example paid some: owe the same again
        ledger.post(system_user(), f"top-up-{Payment.select().count()}-{balance}", "charge",
                    [ledger.EntrySpec(acct.id, "charge", BALANCE - balance, "water", "water")])
    typed, expected = model(keys)
    before = Payment.select().count()

    async def run() -> str:
        app = make_app(sqlite_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_payment(pilot, acct)
            shown = app.screen.query_one("#pay-account").value
            await burst(pilot, *typed)
            await settle(pilot)
            return shown

    shown = asyncio.run(run())
    new = list(Payment.select().order_by(Payment.id))[before:]
    if expected is None:
        assert new == [], (keys, typed)
    else:
        assert [p.total_cents for p in new] == [expected], (keys, typed)
        assert shown == format_account_number(acct.number)
        assert ledger.account_balance(acct.id) == BALANCE - expected


async def test_a_customer_without_the_bill_is_found_by_name_or_address_in_one_burst(sqlite_url):
    """No account number: the clerk types the name and Enter; one account takes it at once,
    several are listed (best first) and Enter picks.  Typed in one burst on a slow
    database, every key lands where it would have had the clerk waited."""
    from ubtui.accounts import create_customer, create_premise, open_account

    acct = setup_counter(balance=4250)
    sysu = system_user()
    cust = create_customer(sysu, first_name="Luis", last_name="Muñoz")
    other = open_account(sysu, premise=create_premise(sysu, house_number="9", street="Elm St"),
                         customers=[(cust, "owner")], status="active")
    ledger.post(sysu, "chg2", "charge", [ledger.EntrySpec(other.id, "charge", 3000, "water", "water")])
    app = make_app(sqlite_url)
    app.db_delay = SLOW_DB
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f7", *"12 oak", "enter", *"5.25", "enter", "f9")  # one account: taken
        await settle(pilot)
        assert "CHANGE DUE" in screen_text(app)
        await burst(pilot, "f6", *"zzyzx", "enter")  # nothing: said, naming the field
        await settle(pilot)
        assert app.screen.status_text().startswith("Account: no account matches 'zzyzx'")
        assert app.screen.focused.id == "pay-account"
        await burst(pilot, "ctrl+u", *"munoz", "enter", "down", "enter", *"7", "enter", "f9")  # two: the list
        await settle(pilot)
        assert "CHANGE DUE" in screen_text(app), screen_text(app)
    paid = [(p.total_cents, ledger.account_balance(a.id)) for p, a in zip(Payment.select().order_by(Payment.id),
                                                                           (acct, other))]
    assert paid == [(525, 4250 - 525), (700, 3000 - 700)]
