"""The app shell: login, lockout, lock/unlock, idle lock, quit, keymap, palette, help."""
from __future__ import annotations

import time

from screens.accounts.search import SearchScreen
from screens.common.confirm import ConfirmScreen
from screens.common.help import HelpScreen
from screens.common.textual_internals import exiting, send_from_terminal
from screens.shell.lock import LockScreen
from screens.shell.login import LoginScreen
from screens.shell.menu import MainMenuScreen
from tests.screens.appkit import (
    add_user,
    burst,
    demo_url,  # noqa: F401
    make_app,
    screen_text,
    settle,
    sign_in,
    text_of,
)
from ubtui import config
from ubtui.config import Settings


async def test_wrong_password_says_so_and_right_one_opens_the_menu(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk", "not-the-password")
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app.screen.query_one("#login-error")) == "wrong user name or password"
        assert app.user is None
        # the password box was cleared and has the focus: type the right one
        await burst(pilot, *"clerk-demo-1", "enter")
        assert isinstance(app.screen, MainMenuScreen)
        assert app.user.username == "clerk"
        shown = screen_text(app)
        assert "Cedar Valley Water District" in shown and "Find an account" in shown
        assert "clerk (clerk)" in shown


async def test_empty_fields_name_the_field(sqlite_url):
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "enter")
        assert text_of(app.screen.query_one("#login-error")) == "User: type your user name"


async def test_repeated_failures_show_the_core_lockout_message(sqlite_url):
    config.use_settings(Settings(login_attempts=2, lockout_minutes=15))
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk", "bad-one-1")
        await burst(pilot, *"bad-two-2", "enter")
        assert "now locked for 15 min" in text_of(app.screen.query_one("#login-error"))
        await burst(pilot, *"clerk-demo-1", "enter")  # right password, but locked
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "is locked after failed logins" in text_of(app.screen.query_one("#login-error"))


async def test_ctrl_l_hides_the_screen_and_the_same_user_unlocks_back_to_it(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"Smith")
        assert isinstance(app.screen, SearchScreen)
        await burst(pilot, "ctrl+l")
        assert isinstance(app.screen, LockScreen)
        shown = screen_text(app)
        assert "Locked: Clerk Demo (clerk)" in shown and "Smith" not in shown
        await burst(pilot, "f2", "ctrl+p")  # nothing reachable while locked
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await burst(pilot, *"wrong-password", "enter")
        assert isinstance(app.screen, LockScreen)
        assert text_of(app.screen.query_one("#login-error")) == "wrong user name or password"
        await burst(pilot, *"clerk-demo-1", "enter")
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#query").value == "Smith"


async def test_another_user_signing_in_on_the_lock_drops_the_open_screens(sqlite_url):
    add_user("clerk")
    add_user("senior", "senior_clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"Smith", "ctrl+l")
        user_box = app.screen.query_one("#username")
        user_box.focus()
        user_box.value = ""
        await burst(pilot, *"senior", "tab", *"senior-demo-1", "enter")
        assert isinstance(app.screen, MainMenuScreen)
        assert app.user.username == "senior"
        assert not any(isinstance(s, SearchScreen) for s in app.screen_stack)


async def test_idle_time_locks_and_zero_turns_it_off(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url, config=Settings(idle_lock_minutes=15))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert not app.check_idle_lock(now=time.monotonic() + 14 * 60)
        assert app.check_idle_lock(now=time.monotonic() + 15 * 60 + 1)
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
    app = make_app(sqlite_url, config=Settings(idle_lock_minutes=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert not app.check_idle_lock(now=time.monotonic() + 600 * 60)


async def test_ctrl_q_asks_first(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "n")
        assert isinstance(app.screen, MainMenuScreen)
        await burst(pilot, "ctrl+q", "y")
        await pilot.pause()
    assert app.return_code == 0 and not exiting(app)
    assert not app.is_running


async def test_keymap_from_the_config_remaps_a_key(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url, config=Settings(keymap={"find": "f12,ctrl+y"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        assert isinstance(app.screen, MainMenuScreen)
        await burst(pilot, "ctrl+y")
        assert isinstance(app.screen, SearchScreen)
        await burst(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "F12 / Ctrl+Y" in keys and "F2 " not in keys


async def test_help_lists_the_keys_with_their_ctrl_alternatives(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "ctrl+g")
        keys = text_of(app.screen.query_one("#help-keys"))
        lines = {ln.split("  ")[-1].strip(): ln for ln in keys.splitlines()}
        assert lines["Find"].startswith("F2 / Ctrl+F ")
        assert lines["Back"].startswith("F3 / Ctrl+B ")
        assert lines["Lock"].startswith("Ctrl+L ")
        await burst(pilot, "escape")
        assert isinstance(app.screen, MainMenuScreen)


async def test_palette_runs_a_screen_action(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "ctrl+p")
        await burst(pilot, *"Find", "enter")
        assert isinstance(app.screen, SearchScreen)


async def test_menu_letter_opens_its_screen_and_back_returns(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "a")
        assert isinstance(app.screen, SearchScreen)
        await burst(pilot, "ctrl+b")
        assert isinstance(app.screen, MainMenuScreen)
        await burst(pilot, "ctrl+b")  # nothing under the menu
        await settle(pilot)
        assert isinstance(app.screen, MainMenuScreen)


async def test_ctrl_l_locks_from_a_dialog_too(demo_url):
    from screens.accounts.contact import ContactScreen
    from tests.screens.appkit import open_account

    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await open_account(pilot, "0001006-6")
        await burst(pilot, "f6", *"half typed")
        assert isinstance(app.screen, ContactScreen)
        await burst(pilot, "ctrl+l")
        assert isinstance(app.screen, LockScreen)
        assert "half typed" not in screen_text(app) and "Kowalski" not in screen_text(app)
        await burst(pilot, *"clerk-demo-1", "enter")
        assert isinstance(app.screen, ContactScreen)
        assert app.screen.query_one("#subject").value == "half typed"


async def test_held_keys_come_out_in_order_and_a_forgotten_hold_ends(sqlite_url):
    add_user("clerk")
    from tests.screens.appkit import key_event

    app = make_app(sqlite_url)
    app.HOLD_KEYS_MAX_SECONDS = 0.3
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        app.hold_keys()
        for ch in "smi":
            send_from_terminal(app, key_event(ch))
        await pilot.pause()
        assert app.screen.query_one("#query").value == "" and app.keys_pending  # held
        for _ in range(200):  # waits for the hold to end by itself (no release is ever called)
            if not app.keys_pending:
                break
            await pilot.pause(0.05)
        await settle(pilot)
        assert app.screen.query_one("#query").value == "smi"


async def test_a_demo_database_lists_its_sign_ins_on_the_login_screen(tmp_path):
    from ubtui.db import open_database

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    open_database(url)
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        hint = text_of(app.screen.query_one("#login-hint"))
        assert "clerk/clerk-demo-1" in hint and "super/super-demo-1" in hint
    other = make_app(f"sqlite:///{tmp_path / 'ubtui.db'}")
    async with other.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "demo" not in text_of(other.screen.query_one("#login-hint"))
