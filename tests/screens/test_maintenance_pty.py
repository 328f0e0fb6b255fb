"""A maintenance form typed in a real pseudo-terminal (tests/ptykit.py): from the login to the
saved phone number in one burst of keys, as a fast clerk types it."""
from __future__ import annotations

import pytest

from models import AccountCustomer, Phone
from tests.ptykit import AppTerminal
from tests.screens.appkit import add_user
from tests.screens.test_actions import new_account

pytestmark = pytest.mark.slow


def test_find_account_open_phones_form_and_save_in_one_burst(sqlite_url):
    add_user("clerk")
    acct = new_account()
    number = acct.number[:-1] + "-" + acct.number[-1]
    cid = AccountCustomer.get(AccountCustomer.account == acct.id).customer_id
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        # find the account, its actions, the phones form, a new primary number, post: one write
        t.keys("f2", number, "enter", "a", "a", "p", "541 555 0199 mobile", "enter", "555-010-0001", "f9")
        shown = t.wait_for("2 phone(s), 0 e-mail(s) saved", timeout=60)
        assert "Account actions" in shown
    assert [(p.kind, p.digits, p.is_primary) for p in Phone.select().where(Phone.customer == cid).order_by(Phone.id)] == [
        ("mobile", "5415550199", True), ("home", "5550100001", False)]
