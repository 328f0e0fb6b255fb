"""How the search screen draws: typing in its box asks for no new layout of the screen; keys
typed ahead and their results come in one frame, held no longer than ANSWER_WAIT."""
from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager

from textual.geometry import Size

from screens.accounts.search import ANSWER_WAIT, QueryInput, SearchScreen
from screens.common.textual_internals import batch_count, record_layouts, send_from_terminal
from tests.screens.appkit import burst, demo_url, key_event, make_app, settle, sign_in, table_rows  # noqa: F401


@asynccontextmanager
async def on_search_screen(url: str):
    """(app, pilot) with the clerk signed in and the search screen open."""
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        yield app, pilot


async def test_typing_in_the_box_asks_for_no_layout(demo_url, monkeypatch):
    """Input keeps its virtual size in a reactive that lays the whole screen out again on
    every change; the search box sets it without a layout (and keeps it right)."""
    layouts: list[str] = []
    real = QueryInput.refresh

    def refresh(self, *regions, layout=False, **kw):
        if layout:
            layouts.append(self.value)
        return real(self, *regions, layout=layout, **kw)

    monkeypatch.setattr(QueryInput, "refresh", refresh)
    async with on_search_screen(demo_url) as (app, pilot):
        await burst(pilot, *"kowalski", "backspace")
        box = app.screen.query_one("#query")
        assert box.value == "kowalsk" and layouts == []
        assert box.virtual_size == Size(len("kowalsk") + 1, 1)  # text and cursor: its scrolling


def gated_search(monkeypatch, slow_text: str) -> threading.Event:
    """search_accounts waits for the returned event when asked for ``slow_text``."""
    import ubtui.search as search

    real = search.search_accounts
    gate = threading.Event()

    def gated(user, text, limit=50):
        if text == slow_text:
            gate.wait(5)
        return real(user, text, limit)

    monkeypatch.setattr(search, "search_accounts", gated)
    return gate


def type_ahead(pilot, *keys: str) -> None:
    """Send ``keys`` at once (they wait their turn in the app), without waiting for anything."""
    for key in keys:
        send_from_terminal(pilot.app, key_event(key))


async def test_keys_typed_ahead_are_held_until_their_answer(demo_url):
    async with on_search_screen(demo_url) as (app, pilot):
        await burst(pilot, *"kow")
        assert table_rows(app.screen.query_one("#results"))
        assert app.screen.frame_hold is None and batch_count(app) == 0


def record_started(monkeypatch) -> list[tuple[str, bool]]:
    """(text, whether its search was already under way) for each search worker that runs."""
    seen: list[tuple[str, bool]] = []
    real = SearchScreen.search_and_show

    async def search_and_show(self, text, started=None):
        seen.append((text, started is not None))
        await real(self, text, started)

    monkeypatch.setattr(SearchScreen, "search_and_show", search_and_show)
    return seen


async def test_a_key_typed_alone_starts_its_search_before_its_worker_runs(demo_url, monkeypatch):
    """Where searches wait on a server (``search_at_once``: PostgreSQL), the key's handler
    starts the search in the database thread (``App.db_now``): the worker, which runs a turn
    or more of the event loop later, finds it under way.  Keys typed ahead start none: the
    worker of the last one searches, the others are replaced."""
    seen = record_started(monkeypatch)
    monkeypatch.setattr(SearchScreen, "search_at_once", staticmethod(lambda: True))
    async with on_search_screen(demo_url) as (app, pilot):
        for key in "kow":
            await burst(pilot, key)
        assert seen == [("k", True), ("ko", True), ("kow", True)]
        assert app.screen.searched_for == "kow" and table_rows(app.screen.query_one("#results"))
        seen.clear()
        await burst(pilot, *"al")
        assert seen[-1] == ("kowal", True) and all(not started for _, started in seen[:-1])
        assert app.screen.searched_for == "kowal"


async def test_on_sqlite_the_worker_starts_the_search(demo_url, monkeypatch):
    """SQLite searches in the app's process: started before the key's echo is drawn it
    would only hold the echo up; its worker starts it, as before."""
    seen = record_started(monkeypatch)
    async with on_search_screen(demo_url) as (app, pilot):
        assert not SearchScreen.search_at_once()
        await burst(pilot, "k")
        assert seen == [("k", False)] and app.screen.searched_for == "k"


async def test_a_slow_search_holds_the_echo_no_longer_than_answer_wait(demo_url, monkeypatch):
    gate = gated_search(monkeypatch, "kow")
    async with on_search_screen(demo_url) as (app, pilot):
        type_ahead(pilot, *"kow")
        await asyncio.sleep(ANSWER_WAIT + 0.3)
        assert batch_count(app) == 0  # the echo is drawn while the search still runs
        assert app.screen.query_one("#query").value == "kow" and app.screen.searched_for != "kow"
        gate.set()
        await settle(pilot)
        assert app.screen.searched_for == "kow" and table_rows(app.screen.query_one("#results"))


async def test_leaving_the_screen_during_a_search_ends_the_hold(demo_url, monkeypatch):
    gate = gated_search(monkeypatch, "kow")
    async with on_search_screen(demo_url) as (app, pilot):
        type_ahead(pilot, *"kow", "f3")
        for _ in range(200):  # the gate stays shut: F3 must get through while the search runs
            if not isinstance(app.screen, SearchScreen) and batch_count(app) == 0:
                break
            await asyncio.sleep(0.05)
        assert not isinstance(app.screen, SearchScreen) and batch_count(app) == 0
        gate.set()
        await settle(pilot)



async def test_results_that_grow_past_the_screen_and_shrink_back_ask_for_no_layout(demo_url, monkeypatch):
    """A new row count changes only the table's own scrolling (its scrollbar is always there):
    no layout of the whole screen, the most costly part of drawing a keystroke's answer."""
    import dataclasses

    import ubtui.search as search

    real_search = search.search_accounts

    def search_accounts(user, text, limit=50, *a):  # "k": 30 accounts, "ko": 3, "kow": 1
        hits = real_search(user, "kow", limit)
        return [dataclasses.replace(hits[0], account_id=hits[0].account_id + i)
                for i in range({"k": 30, "ko": 3}.get(text, 1))]

    layouts: list[str] = []
    monkeypatch.setattr(search, "search_accounts", search_accounts)
    async with on_search_screen(demo_url) as (app, pilot):
        table = app.screen.query_one("#results")
        record_layouts(monkeypatch, layouts)
        counts = []
        for key in ("k", "o", "w", "backspace", "backspace", "backspace", "k"):
            await burst(pilot, key)
            counts.append(table.row_count)
        assert counts == [30, 3, 1, 3, 30, 0, 30] and table.scrollable_content_region.height < 30
        assert layouts == []
        assert table.show_vertical_scrollbar and table.vertical_scrollbar.window_virtual_size == 30 + 1  # and header


async def test_the_first_search_screen_keeps_what_is_alive_out_of_full_collections(demo_url, monkeypatch):
    """Once the search screen is drawn, the objects alive are left out of the garbage
    collector's passes (a full pass over them stalled a key 60-100 ms), once a process."""
    import gc

    from screens.app import UbtuiApp

    frozen: list[int] = []
    monkeypatch.setattr(UbtuiApp, "long_lived_kept", False)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    async with on_search_screen(demo_url) as (app, pilot):
        assert frozen == [1]
        await burst(pilot, "f3")
        await burst(pilot, "f2")
        assert isinstance(app.screen, SearchScreen) and frozen == [1]
