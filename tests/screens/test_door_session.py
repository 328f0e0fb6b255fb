"""The app behind a door: the door's user is fixed on the sign-in and lock screens, and a
hang-up lets the database work under way (a posting) finish before the app exits."""
from __future__ import annotations

import asyncio
import time

from screens.shell.lock import LockScreen
from screens.shell.menu import MainMenuScreen
from tests.screens.appkit import add_user, burst, make_app, settle


async def test_the_door_user_is_filled_in_and_cannot_be_changed(sqlite_url):
    add_user("clerk")
    add_user("super", "supervisor")
    app = make_app(sqlite_url, door_user="clerk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        username = app.screen.query_one("#username")
        assert username.value == "clerk" and username.disabled and app.screen.focused.id == "password"
        await burst(pilot, *"clerk-demo-1", "enter")
        assert isinstance(app.screen, MainMenuScreen) and app.user.username == "clerk"
        await burst(pilot, "ctrl+l")
        assert isinstance(app.screen, LockScreen) and app.screen.query_one("#username").disabled
        await burst(pilot, *"super-demo-1", "enter")  # another user's password does not open it
        assert isinstance(app.screen, LockScreen) and app.user.username == "clerk"


async def test_hang_up_finishes_the_posting_under_way_then_exits(sqlite_url):
    app = make_app(sqlite_url)
    done = []

    def posting():
        time.sleep(0.3)
        done.append("posted")

    exit_now = app.exit
    seen_at_exit = []

    def exit_(*args, **kw):
        seen_at_exit.append(list(done))
        exit_now(*args, **kw)

    app.exit = exit_
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        work = asyncio.ensure_future(app.db(posting))
        await asyncio.sleep(0.05)
        app.hang_up()
        await work
        await pilot.pause()
    assert seen_at_exit == [["posted"]] and app.return_code == 129


async def test_a_second_hang_up_is_ignored(sqlite_url):
    """SIGHUP, SIGTERM and the terminal check may each hang up: the app exits once (one
    exit, one exit deadline, which run_app cancels)."""
    app = make_app(sqlite_url)
    exits = []
    exit_now = app.exit

    def exit_(*args, **kw):
        exits.append(kw.get("return_code"))
        exit_now(*args, **kw)

    app.exit = exit_
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.hang_up()
        app.hang_up()
        await pilot.pause()
        await pilot.pause()
    assert exits == [129] and app.return_code == 129
