"""An ``InputError`` puts the cursor in the field its stable key names, not its English label.

The core's error is replaced by one whose label says nothing the screen knows ("Xyz"), so only
its ``key`` can find the widget: the payment and drawer screens focus that widget, a numbered
key (``tender_2_amount``) finds its field, and a key of a field not on screen moves nothing."""
from __future__ import annotations

import pytest

from screens.cash.drawer import DrawerScreen
from tests.screens.appkit import TODAY, add_user, make_app, screen_text, settle, sign_in
from tests.screens.test_cash_payment import open_payment, setup_counter
from ubtui import drawer, payments
from ubtui.errors import InputError
from ubtui.security import system_user


def refusing(key: str):
    def refuse(*args, **kw):
        raise InputError("Xyz", "refused by the test", key=key)
    return refuse


@pytest.mark.parametrize(("key", "widget"), [
    ("amount_tendered", "pay-tendered"), ("tender", "pay-kind"), ("account", "pay-account"),
    ("tender_2_amount", "pay-tendered"), ("account_3_amount", "pay-amount"),
])
async def test_payment_focuses_the_field_the_key_names(sqlite_url, monkeypatch, key, widget):
    acct = setup_counter()
    monkeypatch.setattr(payments, "take_payment", refusing(key))
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot, acct)
        assert app.focused.id == "pay-amount"
        await pilot.press("f9")
        await settle(pilot)
        assert "Xyz: refused by the test" in screen_text(app)
        assert app.focused.id == widget


@pytest.mark.parametrize(("key", "widget"), [
    ("card_slips", "drw-card"), ("money_orders", "drw-mo"), ("check_2", "drw-checks"),
    ("20_bills", "den-2"), ("reason", "den-0"),  # the reason box is not on screen while counting
])
async def test_drawer_focuses_the_field_the_key_names(sqlite_url, monkeypatch, key, widget):
    clerk = add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    drawer.open_drawer(clerk, "D1", count={"20": 1}, business_date=TODAY)
    monkeypatch.setattr(drawer, "count_drawer", refusing(key))
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.push_screen(DrawerScreen())
        await settle(pilot)
        assert app.focused.id == "den-0"
        await pilot.press("f9")
        await settle(pilot)
        assert "Xyz: refused by the test" in screen_text(app)
        assert app.focused.id == widget
