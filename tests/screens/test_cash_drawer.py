"""The drawer screen with real keys: open with a counted float, blind count, close with a reason."""
from __future__ import annotations

from models import Deposit, DrawerMovement, DrawerSession
from screens.cash.drawer import DrawerScreen
from tests.screens.appkit import TODAY, add_user, make_app, screen_text, settle, sign_in
from ubtui import drawer
from ubtui.security import system_user


async def open_drawer_screen(pilot):
    await sign_in(pilot)
    pilot.app.push_screen(DrawerScreen())
    await settle(pilot)


async def test_open_count_blind_and_close(sqlite_url):
    add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_drawer_screen(pilot)
        assert "Open a drawer (D1)" in screen_text(app)
        # drawer code, Enter, then counts: $100 x0, $50 x0, $20 x5, $10 x4 -> $140
        await pilot.press(*"d1", "enter", "enter", "enter", "5", "enter", "4", "f9")
        await settle(pilot)
        assert "drawer D1 opened with $140.00" in screen_text(app)
        assert "Ctrl+D Drop" in screen_text(app) and "Paid out" not in screen_text(app)  # a clerk pays nothing out
        assert "Blind count" in screen_text(app) and "expected" not in screen_text(app)
        # the count starts empty, not with the float just typed
        assert [app.screen.query_one(f"#den-{i}").value for i in range(len(drawer.DENOMINATIONS))] == \
            [""] * len(drawer.DENOMINATIONS)
        # a drop of $20 through ctrl+d
        await pilot.press("ctrl+d", *"20", "enter", *"safe", "enter")
        await settle(pilot)
        assert "drop of $20.00 recorded" in screen_text(app)
        # blind count: $20 x5, $10 x1 = $110 -> expected $120: $10 short
        await pilot.press("enter", "enter", "5", "enter", "1", "f9")
        await settle(pilot)
        shown = screen_text(app)
        assert "Cash             $110.00            $120.00   SHORT $10.00" in shown
        assert "Drop" not in shown  # counted: the core takes no drop now, and the footer offers none
        await pilot.press("f9")  # no reason given
        await settle(pilot)
        assert "Reason: the drawer is -$10.00 over/short; say why" in screen_text(app)
        assert DrawerSession.get().status == "counted"
        # beyond the $5 limit: a supervisor signs
        add_user("super", "supervisor")
        await pilot.press(*"miscount", "enter", "enter", *"super", "enter", *"super-demo-1", "enter")
        await settle(pilot)
        assert "DEPOSIT SLIP" in screen_text(app)
        # closed: the close form's instructions and the drawer's keys are gone
        assert "F9 closes the drawer" not in screen_text(app) and "Ctrl+D" not in screen_text(app)
    s = DrawerSession.get()
    assert (s.status, s.over_short_cents, s.expected_cash_cents) == ("closed", -1000, 12000)
    assert Deposit.select().count() == 1 and DrawerMovement.get().amount_cents == 2000


async def test_bad_count_names_the_denomination(sqlite_url):
    clerk = add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    drawer.open_drawer(clerk, "D1", count={"20": 1}, business_date=TODAY)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_drawer_screen(pilot)
        for _ in range(13):  # past the denominations to the checks
            await pilot.press("enter")
        await pilot.press(*"12.345", "f9")
        await settle(pilot)
        assert "Check 1: '12.345' has more than two decimal places" in screen_text(app)
        assert app.screen.focused.id == "drw-checks"
    assert DrawerSession.get().status == "open"


def snap_of_d1(snap_compare, url: str, twenties: int, *keys: str) -> bool:
    """The drawer screen of a clerk whose D1 opened with ``twenties`` $20 bills, after ``keys``."""
    clerk = add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    drawer.open_drawer(clerk, "D1", count={"20": twenties}, business_date=TODAY)

    async def run_before(pilot):
        await open_drawer_screen(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return snap_compare(make_app(url), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_blind_count(snap_compare, sqlite_url):
    assert snap_of_d1(snap_compare, sqlite_url, 1, "enter", "enter", "3", "enter", "2")


def test_snapshot_count_against_expected(snap_compare, sqlite_url):
    """After the blind count: counted and expected in one table, over/short, the close form."""
    assert snap_of_d1(snap_compare, sqlite_url, 5, "enter", "enter", "4", "enter", "1", "f9")  # $90 against $100


async def test_linux_console_one_line_boxes_show_their_values(sqlite_url, monkeypatch):
    """TERM=linux swaps borders for ASCII ones; a one-line (compact) box has none to swap, and
    an ASCII border once covered its value, leaving the counts invisible once typed."""
    from textual.widgets import Input
    monkeypatch.setenv("TERM", "linux")
    add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    app = make_app(sqlite_url)
    assert app.plain_glyphs
    async with app.run_test(size=(80, 24)) as pilot:
        await open_drawer_screen(pilot)
        await pilot.press("D", "1", "tab", "7", "tab")
        await settle(pilot)
        compact = [i for i in app.screen.query(Input) if i.compact]
        assert compact and all(i.styles.border_top[0] in ("", "none") for i in compact)
        text = screen_text(app)
        assert "D1" in text and "7" in text and "+------+" not in text


async def test_a_zero_float_warns_and_f4_fills_the_float_left_at_the_last_close(sqlite_url):
    import datetime as _dt
    clerk = add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    yesterday = TODAY - _dt.timedelta(days=1)
    drawer.open_drawer(clerk, "D1", count={"20": 5, "5": 4}, business_date=yesterday)
    drawer.count_drawer(clerk, cash={"20": 5, "5": 4})
    drawer.close_drawer(clerk, next_float="70")  # keeps $20 x3 and $5 x2
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_drawer_screen(pilot)
        await pilot.press(*"d1", "enter", "f9")  # nothing counted
        await settle(pilot)
        assert "the float is $0.00: the last close left $70.00" in screen_text(app)
        assert DrawerSession.select().count() == 1  # not opened
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#den-2").value == "3" and app.screen.query_one("#den-4").value == "2"
        assert "Float $70.00   (currency $70.00, coin $0.00)" in screen_text(app)
        assert "$20 bills  3      $60.00" in screen_text(app)  # the running amount beside the $20s
        await pilot.press("f9")
        await settle(pilot)
        assert "drawer D1 opened with $70.00" in screen_text(app)
    assert DrawerSession.get(DrawerSession.status == "open").opening_float_cents == 7000


async def test_f9_twice_opens_a_zero_float_as_counted(sqlite_url):
    add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_drawer_screen(pilot)
        await pilot.press(*"d1", "enter", "f9")
        await settle(pilot)
        assert "NOTE: the float is $0.00: count the money in the drawer." in screen_text(app)
        assert "F9 again opens with $0.00" in screen_text(app) and DrawerSession.select().count() == 0
        await pilot.press("f9")
        await settle(pilot)
        assert "drawer D1 opened with $0.00" in screen_text(app)
