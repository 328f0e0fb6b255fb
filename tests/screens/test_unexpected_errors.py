"""No exception reaches a clerk as a traceback or closes the session (issue #13): a bug in a
key handler or in a database worker is shown on the status line, its traceback goes to the
log file in the data folder, and the app goes on answering keys."""
from __future__ import annotations

import pytest

from screens.accounts.search import SearchScreen
from screens.common.base import BaseScreen
from screens.shell.menu import MainMenuScreen
from tests.screens.appkit import add_user, burst, make_app, sign_in, text_of


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("UBTUI_DATA_DIR", str(folder))
    return folder


def status(app) -> str:
    return text_of(app.screen.query_one("#status"))


async def test_a_bug_in_a_key_handler_is_shown_logged_and_the_app_goes_on(sqlite_url, data_dir, monkeypatch):
    add_user("clerk")

    def broken_help(self):
        raise RuntimeError("help is broken today")

    monkeypatch.setattr(BaseScreen, "action_help", broken_help)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f1")
        assert app.is_running and isinstance(app.screen, MainMenuScreen)
        shown = status(app)
        assert shown.startswith("unexpected error (RuntimeError: help is broken today)"), shown
        assert str(data_dir / "ubtui-errors.log") in shown
        # the app (and the screen) still answer keys, in order
        await burst(pilot, "f2", *"kow")
        assert isinstance(app.screen, SearchScreen) and app.screen.query_one("#query").value == "kow"
        assert app._exception is not None  # tests still see the bug...
        app._exception = None  # ...this one was planted
    log = (data_dir / "ubtui-errors.log").read_text()
    assert "Traceback" in log and "help is broken today" in log and "broken_help" in log


async def test_a_bug_in_a_database_worker_is_shown_and_the_app_goes_on(sqlite_url, data_dir, monkeypatch):
    import ubtui.inquiry
    from screens.accounts.inquiry import InquiryScreen

    add_user("clerk")

    def broken(user, account_id, **kw):
        raise KeyError("no such index")

    monkeypatch.setattr(ubtui.inquiry, "account_summary", broken)  # the header's worker
    monkeypatch.setattr(ubtui.inquiry, "transactions", broken)  # the first pane's
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.push_screen(InquiryScreen(1))  # its header and pane load in workers, which fail
        await burst(pilot)
        assert app.is_running and isinstance(app.screen, InquiryScreen)
        assert status(app).startswith("unexpected error (KeyError: 'no such index')"), status(app)
        await burst(pilot, "f3")  # back to the menu: the screen stack still answers
        assert isinstance(app.screen, MainMenuScreen)
        app._exception = None
    assert "no such index" in (data_dir / "ubtui-errors.log").read_text()


async def test_status_lines_show_markup_as_text(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.show_error("Zzyzx [/] [@click=app.quit]x[/] \x1b[2J")  # a message quoting stored text
        await pilot.pause()
        assert status(app) == "Zzyzx [/] [@click=app.quit]x[/] \u241b[2J"
        assert app.is_running
