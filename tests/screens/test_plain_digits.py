"""Big digits on a plain terminal (issue #17): on a vt100 or the Linux console the change due's
big digits came out as "++++ + +-++-+" (their block glyphs turned into ASCII); there they are
not drawn, and the CHANGE DUE line says the amount in text."""
from __future__ import annotations

from textual.widgets import Digits

from tests.screens.appkit import make_app, screen_text, settle
from tests.screens.test_cash_payment import open_payment, setup_counter


async def posted_with_change(app, acct):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_payment(pilot)
        await pilot.press(*acct.number, "enter")
        await settle(pilot)
        await pilot.press("enter", *"50", "f9")
        await settle(pilot)
        return screen_text(app), app.screen.query_one("#pay-change", Digits).display


async def test_a_vt100_shows_the_change_as_text_without_big_digits(sqlite_url, monkeypatch):
    monkeypatch.setenv("TERM", "vt100")
    acct = setup_counter()
    shown, digits_shown = await posted_with_change(make_app(sqlite_url), acct)
    assert "CHANGE DUE $7.50" in shown and "+-+" not in shown
    assert digits_shown is False


async def test_a_full_terminal_keeps_the_big_digits(sqlite_url, monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    acct = setup_counter()
    shown, digits_shown = await posted_with_change(make_app(sqlite_url), acct)
    assert "CHANGE DUE $7.50" in shown and digits_shown is True
