"""The account actions that move money (returned payment, balance transfer, refund) typed in a
real pseudo-terminal (tests/ptykit.py), each form in one burst as a fast senior clerk types
it, with hostile text in the reasons; then what was posted is checked, to the cent."""
from __future__ import annotations

import re

import pytest

from models import LedgerEntry, Payment, Posting
from tests.ptykit import AppTerminal
from tests.screens.appkit import add_user
from tests.screens.test_actions import also_at, balance, charge, check_payment, new_account

pytestmark = pytest.mark.slow

MARKUP = "[/] [bold]x"


def said(text: str) -> re.Pattern:
    """A result line, wherever the status line wraps it."""
    return re.compile(r"\s+".join(re.escape(w) for w in text.split()))


def dashed(acct) -> str:
    return acct.number[:-1] + "-" + acct.number[-1]


def test_returned_payment_transfer_and_refund_each_typed_in_one_burst(sqlite_url):
    add_user("senior", "senior_clerk")
    acct, stranger = new_account(), new_account(last_name="Jones", house="14")
    mine = also_at(acct)  # the same customer's new address
    charge(acct, 8000, "b1")
    check_payment(acct, 8000, "R-CHK")
    check_payment(acct, 1500, "R-CASH", "cash")  # the bill paid, and $15.00 more
    with AppTerminal(sqlite_url) as t:
        t.sign_in("senior", "senior-demo-1")
        t.keys("f2", dashed(acct), "enter", "a", "a")
        t.wait_for("Account actions", timeout=60)
        # a cash receipt typed as returned: refused, nothing posted; then the check, with its fee
        t.keys("r", "R-CASH", "enter", f"NSF {MARKUP}", "enter", "y", "f9")
        t.wait_for(said("R-CASH was paid in cash: a bank cannot return it"), timeout=60)
        t.keys("ctrl+u", "R-CHK", "f9")
        t.wait_for(said("receipt R-CHK returned, fee $25.00 charged; balance now $90.00"), timeout=60)
        # $5.00 typed to a stranger's account: refused; then the customer's other account
        t.keys("b", "ctrl+u", dashed(stranger), "enter", "5", "enter", f"moved {MARKUP}", "f9")
        t.wait_for(said("To account: no customer of this account has ever been on that one"), timeout=60)
        t.keys("ctrl+u", dashed(mine), "f9")
        t.wait_for(said(f"$5.00 moved to {dashed(mine)}; balance now $85.00"), timeout=60)
        assert t.alive()
    assert Payment.get(Payment.receipt_number == "R-CHK").status == "returned"
    assert Payment.get(Payment.receipt_number == "R-CASH").status == "posted"
    assert (balance(acct), balance(mine), balance(stranger)) == (8000 - 1500 + 2500 - 500, 500, 0)
    assert [p.kind for p in Posting.select().where(Posting.kind.in_(["reversal", "fee", "transfer"]))
            .order_by(Posting.id)] == ["reversal", "fee", "transfer"]
    assert [e.description for e in LedgerEntry.select().where(LedgerEntry.kind == "transfer")
            .order_by(LedgerEntry.id)][0].endswith(f"moved {MARKUP}")  # the reason kept as typed


def test_refund_over_the_credit_then_the_credit_typed_in_one_burst(sqlite_url):
    add_user("senior", "senior_clerk")
    acct = new_account()
    check_payment(acct, 5000, "R-1")  # a credit of $50.00
    with AppTerminal(sqlite_url) as t:
        t.sign_in("senior", "senior-demo-1")
        t.keys("f2", dashed(acct), "enter", "a", "a", "f", "ctrl+u", "60", "enter", f"moved {MARKUP}", "f9")
        t.wait_for(said("Refund amount: $60.00 is more than the credit on the account ($50.00)"), timeout=60)
        t.keys("f9", "f9")  # the cursor is back on the amount: F9 twice posts nothing twice
        t.wait_for(said("Refund amount: $60.00"), timeout=60)
        t.keys("ctrl+u", "45.50", "f9", "f9")
        t.wait_for(said("refund $45.50 posted; balance now -$4.50"), timeout=60)
    assert [e.amount_cents for e in LedgerEntry.select().where(LedgerEntry.kind == "refund")] == [4550]
    assert balance(acct) == -450
