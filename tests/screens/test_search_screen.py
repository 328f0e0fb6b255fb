"""F2 search: results as you type, arrows + Enter open the inquiry, stale results dropped."""
from __future__ import annotations

import threading

from screens.accounts.inquiry import InquiryScreen
from screens.accounts.search import SearchScreen
from tests.screens.appkit import burst, demo_url, first_hit, make_app, settle, sign_in, table_rows, text_of  # noqa: F401


async def test_typing_a_name_lists_the_account_and_enter_opens_it(demo_url):
    hit = first_hit("Kowalski")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"kowalski")
        rows = table_rows(app.screen.query_one("#results"))
        assert [hit.number, hit.name, hit.address] == rows[0][:3]
        assert len(rows) > 1 and all(r[1].startswith("Kowalski, ") for r in rows)
        await burst(pilot, "enter", "enter")  # several: Enter moves into the list, Enter opens
        await settle(pilot)
        assert isinstance(app.screen, InquiryScreen) and app.screen.account_id == hit.account_id
        assert text_of(app.screen.query_one("#h-account")).startswith(hit.number)


async def test_account_number_without_dash_and_check_digit(demo_url):
    hit = first_hit("0001006-6")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "ctrl+f", *"1006", "enter")  # one hit: Enter opens it
        await settle(pilot)
        assert isinstance(app.screen, InquiryScreen) and app.screen.account_id == hit.account_id


async def test_arrows_pick_the_second_of_several(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"kow")
        screen = app.screen
        assert len(screen.hits) >= 2
        second = screen.hits[1]
        await burst(pilot, "down", "down", "enter")
        assert isinstance(app.screen, InquiryScreen) and app.screen.account_id == second.account_id
        await burst(pilot, "f3")  # back to the list, the text still there
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen) and app.screen.query_one("#query").value == "kow"


async def test_nothing_found_says_so_and_a_wrong_check_digit_names_the_field(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"zzqqxx")
        assert text_of(app.screen.query_one("#count")) == "no account matches 'zzqqxx'"
        assert table_rows(app.screen.query_one("#results")) == []
        await burst(pilot, *["backspace"] * 6, *"0001006-5")
        assert "check digit is wrong" in text_of(app.screen.query_one("#status"))


async def test_a_slow_answer_to_old_text_never_replaces_the_newer_one(demo_url, monkeypatch):
    """The first search is held in the database thread until the clerk has typed on."""
    import ubtui.search as search

    real = search.search_accounts
    gate = threading.Event()

    def slow_for_short_text(user, text, limit=50):
        if text == "kow":
            gate.wait(5)
        return real(user, text, limit)

    monkeypatch.setattr(search, "search_accounts", slow_for_short_text)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f2", *"kow")
        await pilot.pause()
        await pilot.press(*["backspace"] * 3, *"singh")
        await pilot.pause()
        gate.set()
        await settle(pilot)
        names = [r[1] for r in table_rows(app.screen.query_one("#results"))]
        assert names and all("Singh" in n for n in names)
        assert app.screen.searched_for == "singh"


async def test_a_burst_of_typed_keys_searches_the_whole_text_not_each_prefix(demo_url, monkeypatch):
    """Characters still waiting their turn replace the text: no query or redraw for prefixes."""
    import ubtui.search as search

    real = search.search_accounts
    searched: list[str] = []

    def recording(user, text, limit=50):
        searched.append(text)
        return real(user, text, limit)

    monkeypatch.setattr(search, "search_accounts", recording)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        searched.clear()
        await burst(pilot, *"kowalski")
        # keys still in the app's message queue (not yet in its type-ahead backlog) can let one
        # prefix through on a busy machine; without the wait every prefix is searched (8)
        assert searched[-1] == "kowalski" and len(searched) <= 3, searched
        assert table_rows(app.screen.query_one("#results"))[0][1].startswith("Kowalski, ")


def test_every_status_fits_its_column_whole():
    """The status column holds every status whole on one line ("disconnected", not "disconne"
    or "disconn")."""
    from models.customers import ACCOUNT_STATUSES
    from screens.accounts.search import COLUMNS
    width = next(c.width for c in COLUMNS if c.label == "Status")
    assert all(len(s.replace("_", " ")) <= width for s in ACCOUNT_STATUSES), ACCOUNT_STATUSES


def few_candidates(monkeypatch, page: int = 2, candidates: int = 3) -> None:
    """Pages of ``page`` accounts from ``candidates`` read: the 20-account demo caps a list."""
    import screens.accounts.search
    import ubtui.search
    monkeypatch.setattr(screens.accounts.search, "PAGE", page)
    monkeypatch.setattr(ubtui.search, "CANDIDATES", candidates)


async def test_a_capped_list_says_so_and_page_down_adds_the_next_page(demo_url, monkeypatch):
    from ubtui.search import search_accounts
    from ubtui.security import get_user
    every = [h.account_id for h in search_accounts(get_user("clerk"), "st")]
    assert len(every) == 5  # the demo's accounts on a street, avenue...: "st" starts a word
    few_candidates(monkeypatch)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"st")
        screen = app.screen
        count = text_of(screen.query_one("#count"))
        assert count.startswith("first 2 of about ") and count.endswith(": type more, PgDn for the next 2")
        assert len(table_rows(screen.query_one("#results"))) == 2
        await burst(pilot, "pagedown")  # from the box
        await settle(pilot)
        assert len(table_rows(screen.query_one("#results"))) == 4
        assert screen.query_one("#results").has_focus and screen.query_one("#results").cursor_row == 2
        await burst(pilot, "pagedown")  # the cursor is on the last rows: the rest
        await settle(pilot)
        assert sorted(h.account_id for h in screen.hits) == sorted(every)
        assert text_of(screen.query_one("#count")) == "5 accounts; Down and Enter to open"
        await burst(pilot, "up", "enter")
        assert isinstance(app.screen, InquiryScreen) and app.screen.account_id == screen.hits[3].account_id


async def test_a_list_longer_than_a_page_counts_the_rest(demo_url, monkeypatch):
    few_candidates(monkeypatch, page=2, candidates=200)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2", *"st")
        assert text_of(app.screen.query_one("#count")) == "first 2 of 5: PgDn for the next 2"


def test_a_capped_list_at_80x24(demo_url, snap_compare, monkeypatch):
    few_candidates(monkeypatch, page=4, candidates=4)

    async def run_before(pilot) -> None:
        await sign_in(pilot)
        await burst(pilot, "f2", *"st")

    assert snap_compare(make_app(demo_url), terminal_size=(80, 24), run_before=run_before)


def test_estimates_are_rounded_to_two_figures():
    from screens.accounts.search import about
    assert [about(n) for n in (7, 99, 123, 8317, 1_049_999)] == ["7", "99", "120", "8,300", "1,000,000"]


async def test_a_typed_change_reaches_the_screen_in_the_key_s_own_call(demo_url, monkeypatch):
    """The box hands its change to the screen's handler at once, not as a message through
    two queues (about a millisecond a key before the search could start): the handler has
    run before the key's handler returns, and it runs once per change."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        seen = []
        monkeypatch.setattr(screen, "run_search", lambda text, started=None: seen.append(text))
        box = screen.query_one("#query")
        box.insert_text_at_cursor("k")  # what the box does with a printable key
        assert seen == ["k"]  # no message loop has run since
        await settle(pilot)
        assert seen == ["k"]  # and no second call when the loop runs
