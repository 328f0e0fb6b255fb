"""Reading exceptions worklist and the bill view, with real keys; 80x24 snapshots."""
from __future__ import annotations

import datetime as dt

from models import MeterReading, WorkOrder
from screens.billing.bill import BillViewScreen
from screens.billing.exceptions import ReadingExceptionsScreen
from tests.screens.appkit import add_user, make_app, screen_text, settle, sign_in
from ubtui import billing, readings
from ubtui.accounts import create_customer, create_premise, open_account
from ubtui.rates import demo_schedule
from ubtui.security import system_user

D = dt.date


def district(n: int = 2, bills: bool = True, serial: str = "MX{:03d}"):
    """n accounts, three months of reads; the last month of each is flagged high."""
    add_user("clerk")
    s = system_user()
    accts = []
    for i in range(n):
        c = create_customer(s, first_name="Lee", last_name=f"Chen{i}")
        p = create_premise(s, house_number=str(10 + i), street="Birch Ln", city="Cedar Valley", route="03",
                           read_sequence=i)
        a = open_account(s, premise=p, customers=[(c, "owner")], opened_on=D(2026, 1, 1), status="active")
        m = readings.install_meter(s, p.id, serial.format(i), on=D(2026, 1, 1), reading=500)
        for k, v in enumerate((512, 524, 560 + i), 1):
            readings.enter_reading(s, m.id, D(2026, 1, 1) + dt.timedelta(days=30 * k), v)
            if bills and k < 3:
                on = D(2026, 1, 1) + dt.timedelta(days=30 * k)
                billing.run_bills(s, cycle="1", period_end=on, bill_date=on, schedule=demo_schedule())
        accts.append(a)
    return accts


async def open_exceptions(pilot) -> str:
    """Sign in, open the reading exceptions worklist; the screen's text once it is loaded."""
    await sign_in(pilot)
    pilot.app.push_screen(ReadingExceptionsScreen())
    await settle(pilot)
    return screen_text(pilot.app)


async def test_exceptions_show_whole_meter_numbers(sqlite_url):
    """Meter serials of 10 characters (the demo's SE00000211) were cut to 8, so a column of
    different meters read SE000002, SE000000..."""
    district(2, bills=False, serial="SE00000{:03d}")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        shown = await open_exceptions(pilot)
        assert "SE00000000" in shown and "SE00000001" in shown


async def test_exceptions_accept_reread_and_estimate(sqlite_url):
    accts = district(3, bills=False)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        shown = await open_exceptions(pilot)
        assert "3 reads waiting" in shown and "high" in shown and "MX000" in shown
        await pilot.press("a")
        await settle(pilot)
        assert "accepted: it will be billed as read" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert "reread ordered: work order WO" in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert "No reads waiting" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert "nothing selected" in screen_text(app)
    statuses = [r.status for r in MeterReading.select().where(MeterReading.flag == "high").order_by(MeterReading.id)]
    assert statuses == ["accepted", "reread", "estimate"]
    assert WorkOrder.get().kind == "reread" and len(accts) == 3


async def test_bill_view_steps_through_bills_and_writes_a_pdf(sqlite_url, tmp_path):
    acct = district(1)[0]
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.push_screen(BillViewScreen(pdf_folder=str(tmp_path)))
        await settle(pilot)
        await pilot.press(*acct.number, "enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "bill 2 of 2" in shown and "Period 2026-01-31 to 2026-03-02" in shown
        await pilot.press("left")
        await settle(pilot)
        assert "bill 1 of 2" in screen_text(app) and "FIRST BILL (prorated)" in screen_text(app)
        await pilot.press("left")
        await settle(pilot)
        assert "no older bill" in screen_text(app)
        await pilot.press("f9")
        await settle(pilot)
        assert "PDF written:" in screen_text(app)
    assert len(list(tmp_path.glob("bill-*.pdf"))) == 1


async def test_bill_view_unknown_account(sqlite_url):
    district(1)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.push_screen(BillViewScreen())
        await settle(pilot)
        await pilot.press(*"99999", "enter")
        await settle(pilot)
        assert "no account 99999" in screen_text(app)


def test_snapshot_exceptions(snap_compare, sqlite_url):
    district(3, bills=False)

    async def run_before(pilot):
        await open_exceptions(pilot)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_bill_view(snap_compare, sqlite_url):
    acct = district(1)[0]

    async def run_before(pilot):
        await sign_in(pilot)
        pilot.app.push_screen(BillViewScreen(account_id=acct.id))
        await settle(pilot)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)
