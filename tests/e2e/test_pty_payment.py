"""Payments typed to the real app in a real terminal (tests/ptykit.py), each whole key
sequence in ONE write, at 80x24 under TERM=linux and NO_COLOR, the database slowed down:
what is posted is exactly what was typed, or nothing."""
from __future__ import annotations

import pytest

from models import Payment, Tender
from tests.ptykit import AppTerminal
from tests.screens.appkit import PASSWORDS
from tests.screens.test_cash_payment import setup_counter
from ubtui.accounts import format_account_number

pytestmark = pytest.mark.slow

SLOW = {"NO_COLOR": "1", "UBTUI_TEST_DB_DELAY_MS": "120"}  # every database call 120 ms


def posted() -> list[tuple[int, int]]:
    return [(p.total_cents, p.change_cents) for p in Payment.select().order_by(Payment.id)]


def terminal(url: str) -> AppTerminal:
    t = AppTerminal(url, term="linux", env=SLOW).start()
    t.sign_in("clerk", PASSWORDS["clerk"])
    return t


def test_the_issues_burst_posts_5_25(sqlite_url):
    acct = setup_counter(balance=13782)
    number = format_account_number(acct.number)
    t = terminal(sqlite_url)
    try:
        t.keys("f7", number, "enter", "5.25", "enter", "10", "f9")
        t.wait_for_all("CHANGE DUE $4.75", f"{number} new balance $132.57")
    finally:
        t.close()
    assert posted() == [(525, 475)]


def test_a_name_typed_for_the_account_lists_its_accounts_and_enter_picks(sqlite_url):
    """No bill in hand: the name, Enter (two accounts: the list), Down Enter, the amount, F9."""
    from ubtui import ledger
    from ubtui.accounts import create_customer, create_premise, open_account
    from ubtui.security import system_user

    setup_counter(balance=13782)
    sysu = system_user()
    other = open_account(sysu, premise=create_premise(sysu, house_number="9", street="Elm St"),
                         customers=[(create_customer(sysu, first_name="Luis", last_name="Muñoz"), "owner")])
    ledger.post(sysu, "chg2", "charge", [ledger.EntrySpec(other.id, "charge", 3000, "water", "water")])
    t = terminal(sqlite_url)
    try:
        t.keys("f7", "muñoz", "enter", "down", "enter", "7", "enter", "10", "f9")
        t.wait_for_all("CHANGE DUE $3.00", f"{format_account_number(other.number)} new balance $23.00")
    finally:
        t.close()
    assert posted() == [(700, 300)]
    assert ledger.account_balance(other.id) == 2300


def test_letters_in_the_amount_post_nothing_and_say_so(sqlite_url):
    acct = setup_counter(balance=13782)
    t = terminal(sqlite_url)
    try:
        t.keys("f7", acct.number, "enter", "abc", "enter", "f9", "ctrl+x")
        t.wait_for("Amount: 'abc' is not an amount")
        t.keys("backspace", "backspace", "backspace", "-5", "f9")
        t.wait_for("Amount: must not be negative")
        t.wait_idle()
    finally:
        t.close()
    assert posted() == []


def test_far_above_the_balance_posts_only_once_typed_again(sqlite_url):
    acct = setup_counter(balance=9169)
    t = terminal(sqlite_url)
    try:
        t.keys("f7", acct.number, "enter", "30000", "enter", "f9", "f9")
        t.wait_for("re-type the amount")
        t.wait_idle()
        assert posted() == []
        t.keys("30000", "f9")
        t.wait_for("CHANGE DUE $0.00")
    finally:
        t.close()
    assert posted() == [(3_000_000, 0)]


def test_split_tender_cash_then_card_in_one_burst(sqlite_url):
    acct = setup_counter(balance=9956)
    t = terminal(sqlite_url)
    try:
        t.keys("f7", acct.number, "enter", "enter", "50", "f6", "tab", "d", "enter", "4242", "enter", "AB12", "f9")
        t.wait_for("CHANGE DUE $0.00")
    finally:
        t.close()
    assert posted() == [(9956, 0)]
    assert sorted((x.kind, x.amount_cents) for x in Tender.select()) == [("card", 4956), ("cash", 5000)]
