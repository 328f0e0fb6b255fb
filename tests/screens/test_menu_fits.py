"""The main menu at 80x24 lists every entry a user may open, none scrolled out of sight (the
supervisor's 14th entry, Reports, was below the box: nothing on screen said it was there)."""
from __future__ import annotations

from textual.widgets import OptionList

from screens.shell.menu import MainMenuScreen, entries_for
from tests.screens.appkit import add_user, make_app, screen_text, settle, sign_in


async def test_every_entry_of_the_fullest_menu_is_on_screen_at_80x24(sqlite_url):
    add_user("ada", role="admin")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "ada", "ada-pass-1")
        await settle(pilot)
        assert isinstance(app.screen, MainMenuScreen)
        menu = app.screen.query_one("#menu", OptionList)
        shown = screen_text(app)
        entries = entries_for(app.user)
        assert len(entries) >= 14
        for e in entries:
            assert f"{e.key.upper()}  {e.label}" in shown
        assert menu.max_scroll_y == 0
