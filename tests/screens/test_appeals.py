"""The appeals screens by real keys (SQLite): the pending list from the collections worklist
(A), recording an appeal (F6 there, or J on an account's actions), deciding it (D or Enter,
supervisors), everything typed in bursts; and how the list looks at 80x24."""
from __future__ import annotations

import datetime as dt

import pytest

from models import AuditLog, CollectionHold
from screens.collections.appeals import AppealScreen, AppealsScreen
from screens.collections.worklist import CollectionsScreen
from tests.core.collectkit import walk
from tests.screens.appkit import add_user, make_app, screen_text, settle, sign_in, text_of
from tests.screens.test_actions import burst, new_account, open_actions
from ubtui import collections
from ubtui.accounts import format_account_number
from ubtui.security import system_user

DAY = dt.date(2026, 3, 17)  # a Tuesday: the office is open


def shutoff_account(name: str = "Shutoff", house: str = "1"):
    a = new_account(name, house=house)
    walk(system_user(), a, start=DAY - dt.timedelta(days=80))
    return a


def rows(app) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#appeals")
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def status(app) -> str:
    return text_of(app.screen.query_one("#status"))


def worklist_step(account_id: int) -> str:
    return collections.account_status(system_user(), account_id, DAY).action


async def test_record_and_decide_from_the_worklist_in_bursts(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("super", "supervisor")
    a = shutoff_account()
    number = format_account_number(a.number)
    assert worklist_step(a.id) == "shutoff"
    app = make_app(sqlite_url, today=lambda: DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "super")
        await burst(pilot, "l")
        assert isinstance(app.screen, CollectionsScreen)
        # A, F6, then the whole form before anything has opened: every key lands in its field
        await burst(pilot, "a", "f6", *number, "enter", *"2026-03-16", "enter", *"disputes the March read", "enter")
        assert isinstance(app.screen, AppealsScreen)
        assert status(app) == f"appeal recorded on {number}: off the shut-off list until it is decided"
        assert rows(app) == [(number, "Shutoff, Ana", "03/16/2026", "1", "disputes the March read")]
        assert worklist_step(a.id) == "protected"
        # D, then the decision typed before the account has been read: held, then applied in order
        await burst(pilot, "d", "x", "enter", *"second read confirmed", "enter")  # x: refused, cursor back there
        assert isinstance(app.screen, AppealScreen)
        assert "Decision: must be upheld or denied" in screen_text(app)
        assert app.screen.focused.id == "f-decision"
        await burst(pilot, "backspace", "d", "f9")
        assert isinstance(app.screen, AppealsScreen)
        assert status(app).startswith(f"appeal of {number} denied")
        assert rows(app) == [] and "0 appeals pending" in screen_text(app)
        await burst(pilot, "f3")  # back on the worklist, read again: on the shut-off list once more
        assert isinstance(app.screen, CollectionsScreen)
    hold = CollectionHold.get()
    assert (hold.outcome, hold.opened_on, hold.closed_on) == ("denied", dt.date(2026, 3, 16), DAY)
    assert worklist_step(a.id) == "shutoff"
    assert AuditLog.select().where(AuditLog.action.in_(["collections.appeal", "collections.appeal_decided"])).count() == 2


async def test_account_actions_h_records_then_decides(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("super", "supervisor")
    a = shutoff_account()
    app = make_app(sqlite_url, today=lambda: DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, a.id, "super")
        await burst(pilot, "j", "enter", *"says the meter is not ours", "enter")  # received: empty is today
        assert status(app).startswith("appeal recorded on")
        await burst(pilot, "j")  # now pending: J decides it
        assert isinstance(app.screen, AppealScreen) and "Decide an appeal" in screen_text(app)
        assert "(0 days): says the meter is not ours" in screen_text(app)
        await burst(pilot, "f4", "enter", *"meter swapped at install", "f9")  # F4 lists upheld/denied
        assert "upheld" in status(app)
    assert CollectionHold.get().outcome == "upheld"


async def test_a_clerk_records_but_may_not_decide(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("clerk")
    a = shutoff_account()
    collections.open_appeal(system_user(), a.id, "contests the fee", as_of=DAY)
    app = make_app(sqlite_url, today=lambda: DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk")
        await burst(pilot, "l", "a")
        assert isinstance(app.screen, AppealsScreen)
        assert "Decide" not in screen_text(app) and "Record" in screen_text(app)
        await burst(pilot, "d")
        assert isinstance(app.screen, AppealsScreen)
        await burst(pilot, "enter")
        assert isinstance(app.screen, AppealsScreen) and status(app) == "a supervisor decides appeals"
    assert CollectionHold.get().closed_on is None


def test_appeals_snapshot(sqlite_url, snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("super", "supervisor")
    for name, house, days, note in (("Shutoff", "1", 12, "disputes the March read; meter on the wrong house"),
                                    ("Ngo", "2", 3, "says the leak was the district's main")):
        a = new_account(name, house=house)
        collections.open_appeal(system_user(), a.id, note, as_of=DAY, opened_on=DAY - dt.timedelta(days=days))
    app = make_app(sqlite_url, today=lambda: DAY)

    async def before(pilot) -> None:
        await sign_in(pilot, "super")
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


@pytest.mark.slow
def test_an_appeal_typed_in_one_burst_in_a_real_terminal(sqlite_url):
    """Menu L, A, F6 and the whole form in one burst of keys to a pseudo-terminal."""
    from tests.ptykit import AppTerminal

    add_user("super", "supervisor")
    a = new_account("Burst")
    number = format_account_number(a.number)
    with AppTerminal(sqlite_url) as t:
        t.sign_in("super", "super-demo-1")
        t.keys("l", "a", "f6", number, "enter", "enter", "bill for a vacant lot", "enter")
        t.wait_for_all(f"appeal recorded on {number}", "Appeals pending", timeout=60)
    hold = CollectionHold.get()
    assert (hold.account_id, hold.note, hold.outcome) == (a.id, "bill for a vacant lot", "")
