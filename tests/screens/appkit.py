"""Helpers for Pilot and snapshot tests of the app (not a test module)."""
from __future__ import annotations

import datetime as _dt

import pytest

from screens.app import UbtuiApp
from screens.common.base import BaseScreen
from screens.common.textual_internals import screen_strips, send_from_terminal

PASSWORDS = {"clerk": "clerk-demo-1", "senior": "senior-demo-1", "super": "super-demo-1"}
TODAY = _dt.date(2026, 3, 15)


def add_user(username: str, role: str = "clerk", full_name: str | None = None, password: str | None = None):
    from ubtui.errors import NotFound
    from ubtui.security import create_user, get_user, system_user
    try:
        return get_user(username)
    except NotFound:
        return create_user(system_user(), username, full_name or username.title() + " Demo", role,
                           password or PASSWORDS.get(username, username + "-pass-1"))


def make_app(url: str, **kw) -> UbtuiApp:
    kw.setdefault("today", lambda: TODAY)
    return UbtuiApp(url, **kw)


ROUNDS = 200  # settle gives up (and fails the test) after this many checks
SETTLE_SECONDS = 30.0  # and at least this long before settle gives up


async def settle(pilot, rounds: int = 2, seconds: float | None = None) -> None:
    """Let typed keys, workers (and the database thread under them) and what they start
    finish, then the screen repaint: done when ``rounds`` checks in a row find nothing running.
    Still busy after ``ROUNDS`` checks: the test fails (it used to go on quietly, unsettled)."""
    import time

    from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

    app = pilot.app
    quiet = 0
    seconds = SETTLE_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + seconds
    n = 0
    while n < ROUNDS or time.monotonic() < deadline:  # a loaded machine gets time, not just rounds
        n += 1
        if app.keys_pending:
            quiet = 0
            await pilot.pause(0.01)
            continue
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):  # a search replaced by a newer one
            pass
        await pilot.pause()
        running = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        quiet = 0 if running or app.keys_pending else quiet + 1
        if quiet >= rounds:
            return
    raise AssertionError(f"settle: the app was still busy after {n} rounds and {seconds} s "
                         f"(keys pending: {app.keys_pending}; workers: {list(app.workers)})")


def key_event(key: str):
    """The Key event a terminal sends for ``key`` (as Pilot builds it)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def burst(pilot, *keys: str, seconds: float | None = None) -> None:
    """Type ``keys`` as one burst, the way a fast typist or a paste of keys arrives (nothing
    waits between keys: the app must keep them in order), then settle (within ``seconds``:
    a thousand keys on a loaded machine need more than the default)."""
    for key in keys:
        send_from_terminal(pilot.app, key_event(key))
    await settle(pilot, seconds=seconds)


async def sign_in(pilot, username: str = "clerk", password: str | None = None) -> None:
    await settle(pilot)
    await burst(pilot, *username, "enter", *(password or PASSWORDS[username]), "enter")


def text_of(widget) -> str:
    """The plain text a Static/Label shows."""
    r = widget.render()
    return getattr(r, "plain", str(r))


def screen_text(app) -> str:
    """Everything on the terminal as plain text (what the clerk sees)."""
    from rich.console import Console

    console = Console(width=app.size.width, record=True, file=open("/dev/null", "w"), color_system=None)
    for line in screen_strips(app.screen):
        console.print(line.text, markup=False, highlight=False, soft_wrap=True)
    return console.export_text()


DEMO_ACCOUNTS = 20
DEMO_SEED = 7


@pytest.fixture
def demo_url(sqlite_url, tmp_path, monkeypatch):
    """A small demo district (deterministic: fixed seed and "today"), exports into tmp_path."""
    from ubtui.demo import build_demo

    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    build_demo(accounts=DEMO_ACCOUNTS, months=24, seed=DEMO_SEED, as_of=TODAY)
    return sqlite_url


def first_hit(text: str):
    from ubtui.search import search_accounts
    from ubtui.security import get_user

    return search_accounts(get_user("clerk"), text)[0]


def table_rows(table) -> list[list[str]]:
    """The cells of a DataTable as plain text."""
    out = []
    for row_key in table.rows:
        out.append([getattr(c, "plain", str(c)) for c in table.get_row(row_key)])
    return out


async def open_account(pilot, text: str) -> None:
    """From the main menu: F2, type ``text``, Enter (opens the only hit or the first)."""
    await burst(pilot, "f2", *text, "enter")
    from screens.accounts.inquiry import InquiryScreen
    if not isinstance(pilot.app.screen, InquiryScreen):
        await pilot.press("enter")
        await settle(pilot)


def screen_classes() -> list[type]:
    """Every Screen class of the app's packages (screens.*, the domain packages too), each
    module imported first; in a stable order (module, name).  The key and stylesheet checks
    walk them."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import screens

    for info in pkgutil.walk_packages(screens.__path__, "screens."):
        importlib.import_module(info.name)
    found: set[type] = set()
    todo = [Screen]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("screens."):
                found.add(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


class StandInScreen(BaseScreen):
    """Stands in for a screen another module registers (F7 and menu tests)."""

    TITLE_TEXT = "Stand-in"

    def __init__(self, account_id: int | None = None):
        super().__init__()
        self.account_id = account_id
