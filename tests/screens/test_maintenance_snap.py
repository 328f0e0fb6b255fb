"""How the maintenance forms and the Changes pane look at 80x24."""
from __future__ import annotations

import pytest

from models import AccountCustomer
from tests.screens.appkit import add_user, make_app, settle, sign_in
from tests.screens.test_actions import new_account
from tests.screens.test_actions_snap import actions_opener
from ubtui import maintenance as mt
from ubtui.security import get_user


def maint_app(sqlite_url, press: tuple[str, ...], user: str = "super"):
    add_user("super", "supervisor")
    add_user("clerk")
    acct = new_account()
    cid = AccountCustomer.get(AccountCustomer.account == acct.id).customer_id
    mt.update_customer(get_user("clerk"), cid, mail_line1="PO Box 12", mail_city="Cedar Valley", mail_state="CA",
                       mail_zip="95000")
    mt.set_emails(get_user("clerk"), cid, ["ana@example.org"])
    new_account(house="14")  # the same Ana Rivera again, with the same phone: a duplicate
    app = make_app(sqlite_url)
    return app, actions_opener(app, acct.id, user, press)


@pytest.mark.parametrize("press", [
    ("n",), ("p",), ("l",), ("g",), ("e",), ("i",), ("m",), ("k",), ("v",), ("u",),
    ("n", "enter", "enter", "enter", "enter", "enter", "ctrl+u", *"XX", "f9"),
], ids=["name_address", "phones_emails", "preferences", "add_role", "end_role", "codes_notes", "merge", "payment_flags",
        "protections", "status", "bad_state"])
def test_maintenance_form(sqlite_url, snap_compare, press):
    app, before = maint_app(sqlite_url, press)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_actions_list_of_a_clerk(sqlite_url, snap_compare):
    app, before = maint_app(sqlite_url, (), user="clerk")
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_changes_pane(sqlite_url, snap_compare, monkeypatch):
    import datetime as dt

    from screens.accounts.inquiry import InquiryScreen
    from ubtui import audit
    from ubtui.accounts import set_protections

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(audit, "utcnow", lambda: dt.datetime(2026, 3, 14, 16, 5))  # the rows' time, fixed

    add_user("clerk")
    acct = new_account()
    cid = AccountCustomer.get(AccountCustomer.account == acct.id).customer_id
    clerk = get_user("clerk")
    mt.set_phones(clerk, cid, [("mobile", "541-555-0199"), ("home", "555-010-0001")])
    mt.update_customer(clerk, cid, mail_line1="PO Box 12", mail_zip="95000")
    from ubtui.security import system_user
    set_protections(system_user(), acct.id, medical_certificate=True, reason="doctor's letter [bold]received[/]")
    app = make_app(sqlite_url)

    async def before(pilot) -> None:
        await sign_in(pilot, "clerk")
        app.push_screen(InquiryScreen(acct.id))
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
