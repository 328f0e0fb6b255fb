"""How the account actions look at 80x24: the list and one form (the collections worklist: test_collections)."""
from __future__ import annotations

from textual.widgets import Input

from screens.accounts.actions import AccountActionsScreen
from tests.screens.appkit import add_user, make_app, settle, sign_in
from tests.screens.test_actions import charge, check_payment, new_account


def still(app) -> None:
    for box in app.screen.query(Input):
        box.cursor_blink = False


def actions_app(sqlite_url, press: tuple[str, ...] = ()):
    add_user("super", "supervisor")
    acct = new_account()
    charge(acct, 4000, "b1", days_ago=20)
    check_payment(acct, 6500, "R-7")  # a credit of 25.00
    app = make_app(sqlite_url)
    return app, actions_opener(app, acct.id, "super", press)


def actions_opener(app, account_id: int, user: str, press: tuple[str, ...] = ()):
    """The snapshot's ``run_before``: sign in, open the account's actions, press ``press``."""
    async def before(pilot) -> None:
        await sign_in(pilot, user)
        app.push_screen(AccountActionsScreen(account_id))
        await settle(pilot)
        await pilot.press(*press)
        await settle(pilot)
        still(app)
        await pilot.pause()

    return before


def test_actions_list(sqlite_url, snap_compare):
    app, before = actions_app(sqlite_url)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_refund_form_with_an_error(sqlite_url, snap_compare):
    app, before = actions_app(sqlite_url, ("f", *"1,00", "f9"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
