"""Keyed meter read with real keys: by account number, usage shown, a high read flagged."""
from __future__ import annotations

import pytest

from models import MeterReading
from screens.billing.reading import ReadingEntryScreen
from tests.screens.appkit import make_app, screen_text, settle, sign_in, text_of
from tests.screens.test_billing_screens import district


async def open_entry(pilot):
    await sign_in(pilot)
    pilot.app.push_screen(ReadingEntryScreen())
    await settle(pilot)


async def test_read_by_account_number_then_a_high_read(sqlite_url):
    acct = district(1, bills=False)[0]  # MX000: last good read 524 on 2026-03-02 (560 is flagged)
    app = make_app(sqlite_url)  # today 2026-03-15
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot)
        await pilot.press(*acct.number, "enter")
        await settle(pilot)
        assert "Meter MX000" in screen_text(app) and "last read 524 on 2026-03-02" in screen_text(app)
        await pilot.press(*"530", "enter")
        await settle(pilot)
        assert "Saved: 530 on 2026-03-15, usage 6 HCF." in screen_text(app)
        await pilot.press("f9")  # saved once
        await settle(pilot)
        await pilot.press("f6", *"MX000", "enter", *"540", "enter")  # the same day again: refused
        await settle(pilot, 5)
        assert "already has a read on 2026-03-15" in text_of(app.screen.query_one("#status"))
    assert MeterReading.select().where(MeterReading.reading == 530).count() == 1


async def test_a_high_read_is_flagged_and_waits(sqlite_url):
    district(1, bills=False)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot)
        await pilot.press(*"MX000", "enter", *"599", "enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "usage 75 HCF" in shown and "HIGH: usage 75" in shown and "exceptions list" in shown
        await pilot.press("f6", *"nope", "enter")
        await settle(pilot)
        assert "no meter or account nope" in text_of(app.screen.query_one("#status"))


def test_snapshot_reading_entry(snap_compare, sqlite_url):
    district(1, bills=False)

    async def run_before(pilot):
        await open_entry(pilot)
        await pilot.press(*"MX000", "enter", *"599", "enter")
        await settle(pilot)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


async def test_main_menu_k_opens_the_read_entry(sqlite_url):
    district(1, bills=False)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ReadingEntryScreen)


@pytest.mark.slow
def test_reads_typed_in_one_burst_in_a_real_terminal(sqlite_url):
    """From the main menu: a read by account number, F9 again (saved once), F6 and the next
    read by meter number: one write of keys to a pseudo-terminal.  Each reading typed while
    its meter is being found lands in Reading.  (The app's today is the real one here: both
    reads are far below the usual usage and wait in the exceptions list.)"""
    from tests.ptykit import AppTerminal
    acct = district(1, bills=False)[0]
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        t.keys("k", *acct.number, "enter", *"530", "enter", "f9", "f6", *"MX000", "enter", *"540", "enter")
        t.wait_for_all("Saved: 540 on", "usage 16 HCF", timeout=60)  # 540 - 524: the flagged 530 is no base for usage
    assert [r.reading for r in MeterReading.select().where(MeterReading.reading.between(530, 540))
            .order_by(MeterReading.id)] == [530, 540]
