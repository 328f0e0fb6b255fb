"""Supervisor totals (refresh, drill-down to receipts, void with a supervisor) and the reports viewer."""
from __future__ import annotations

import re

from textual.widgets import DataTable

from models import Payment
from screens.cash.reports import ReportsScreen
from screens.cash.totals import ReceiptsScreen, TotalsScreen, VoidScreen
from screens.common.textual_internals import screen_strips
from tests.screens.appkit import TODAY, add_user, make_app, settle, sign_in, table_rows
from ubtui import clock, drawer, ledger, payments
from ubtui.accounts import create_customer, create_premise, format_account_number, open_account
from ubtui.payments import AccountAmount, TakePayment, TenderIn
from ubtui.security import system_user


def screen_text(app) -> str:
    """The terminal's lines, joined (what the supervisor sees)."""
    return "\n".join(strip.text for strip in screen_strips(app.screen))


async def open_as(pilot, username: str, screen) -> None:
    await sign_in(pilot, username)
    pilot.app.push_screen(screen)
    await settle(pilot)


def day_of_payments():
    clerk = add_user("clerk")
    add_user("super", "supervisor")
    sysu = system_user()
    cust = create_customer(sysu, first_name="Ana", last_name="Muñoz")
    prem = create_premise(sysu, house_number="12", street="Oak Ave")
    acct = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="active")
    drawer.create_drawer(sysu, "D1")
    drawer.create_drawer(sysu, "D2")
    drawer.open_drawer(clerk, "D1", count={"20": 5}, business_date=TODAY)
    for i, (kind, amount) in enumerate((("cash", "40"), ("check", "25.50"))):
        payments.take_payment(clerk, TakePayment(
            idempotency_key=f"t{i}", accounts=[AccountAmount(account=acct.id, amount=amount)],
            tenders=[TenderIn(kind=kind, amount=amount, check_number="101" if kind == "check" else "")]))
    return clerk, acct


async def test_totals_drill_down_and_void(sqlite_url, monkeypatch):
    clerk, acct = day_of_payments()
    monkeypatch.setattr(clock, "_today", lambda: TODAY)  # the business date of every core module
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, "super", TotalsScreen())
        shown = screen_text(app)
        assert "receipts 2  total $65.50" in shown and "cash $40.00  check $25.50" in shown
        assert "Open: D1" in shown and "clerk" in shown
        # a payment posted elsewhere shows after F5 (the refresh runs in a worker)
        payments.take_payment(clerk, TakePayment(idempotency_key="t9", accounts=[AccountAmount(account=acct.id, amount="1")],
                                                tenders=[TenderIn(kind="cash", amount="1")]))
        await pilot.press("f5")
        await settle(pilot)
        assert "receipts 3  total $66.50" in screen_text(app)
        await pilot.press("enter")  # the drawer's receipts
        await settle(pilot)
        assert isinstance(app.screen, ReceiptsScreen)
        assert "check #101" in screen_text(app) and "3 receipts" in screen_text(app)
        await pilot.press("end")  # the last receipt: the $1.00 one
        await settle(pilot)
        last = app.screen.selected()
        await pilot.press("ctrl+v")
        await settle(pilot)
        await pilot.press(*"keyed twice", "enter", *"super", "enter", *"super-demo-1", "enter")
        await settle(pilot)
        assert "voided; balance now" in screen_text(app)
        assert "VOID" in screen_text(app)
        # the list is read again and the cursor stays on the receipt just voided
        assert app.screen.selected() == last and app.screen.query_one(DataTable).cursor_row == 2
        # the list counts as the daily totals do: the void listed, not in the count or the total
        assert "2 receipts $65.50  1 void $1.00" in screen_text(app)
    assert Payment.select().where(Payment.status == "voided").count() == 1
    assert ledger.account_balance(acct.id) == -6550  # 40 + 25.50 + 1 paid, the last (1) voided

async def test_reports_viewer_runs_and_saves(sqlite_url, tmp_path, monkeypatch):
    day_of_payments()
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path))
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, "clerk", ReportsScreen())
        shown = screen_text(app)
        assert "Daily cash receipts journal" in shown and "2 rows" in shown and re.search(r"D1 +clerk", shown)
        # identifiers and amounts each on one line (the columns used to split "R00000001")
        assert re.search(r"R00000001 .*0001001-7 .*\$40\.00", shown)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (tmp_path / "reports" / f"cash-journal-{TODAY}.csv").exists()
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert (tmp_path / "reports" / f"cash-journal-{TODAY}.pdf").read_bytes().startswith(b"%PDF")
        # a clerk may not see the drawer summary: the core says so
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "may not drawer view_all" in screen_text(app)


def test_snapshot_totals(snap_compare, sqlite_url):
    day_of_payments()

    async def run_before(pilot):
        await open_as(pilot, "super", TotalsScreen())

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_void(snap_compare, sqlite_url):
    """The void form at 80x24: its explanation wraps as one paragraph (a hard line break
    left "their" alone on a line)."""
    day_of_payments()
    number = Payment.select().order_by(Payment.id).first().receipt_number

    async def run_before(pilot):
        await open_as(pilot, "super", VoidScreen(number))

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_receipts(snap_compare, sqlite_url, pacific_time):
    """The day's receipts at 80x24: whole receipt numbers, time, operator, account, tenders."""
    import datetime as dt
    day_of_payments()
    Payment.update(created_at=dt.datetime(2026, 3, 15, 17, 5)).execute()  # the clock, frozen

    async def run_before(pilot):
        await open_as(pilot, "super", ReceiptsScreen(TODAY))

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


async def test_a_receipt_for_two_accounts_shows_both(sqlite_url):
    """The accounts of one check for two accounts, both, one a line (the column wraps)."""
    clerk, acct = day_of_payments()
    sysu = system_user()
    other = open_account(sysu, premise=create_premise(sysu, house_number="14", street="Oak Ave"),
                         customers=[(create_customer(sysu, first_name="Bo", last_name="Lee"), "owner")], status="active")
    payments.take_payment(clerk, TakePayment(
        idempotency_key="two", accounts=[AccountAmount(account=acct.id, amount="5"), AccountAmount(account=other.id, amount="5")],
        tenders=[TenderIn(kind="check", amount="10", check_number="7")]))
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, "super", ReceiptsScreen(TODAY))
        rows = table_rows(app.screen.query_one(DataTable))
        first = format_account_number(acct.number)
        assert [r[3] for r in rows] == [first, first, f"{first}, {format_account_number(other.number)}"]
        assert app.screen.query_one(DataTable).ordered_rows[2].height == 2


async def test_receipts_of_no_drawer_have_a_row_a_channel(sqlite_url, monkeypatch):
    """Autopay and mail receipts (no drawer session) count in the day's totals, a row for each
    channel; Enter on one lists the receipts of no drawer."""
    from models import Tender
    clerk, acct = day_of_payments()
    monkeypatch.setattr(clock, "_today", lambda: TODAY)  # the business date of every core module
    sysu = system_user()
    for i, channel in enumerate(("autopay", "mail", "autopay")):
        res = ledger.write_posting(sysu, f"nd-{i}", "payment", [ledger.EntrySpec(acct.id, "payment", -1000, "", "x",
                                                                                effective_on=TODAY)])
        p = Payment.create(receipt_number=f"ND{i}", posting=res.posting_id, user=sysu.id, total_cents=1000,
                           channel=channel, business_date=TODAY)
        Tender.create(payment=p, seq=1, kind="ach" if channel == "autopay" else "check", amount_cents=1000)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, "super", TotalsScreen())
        shown = screen_text(app)
        assert "receipts 5  total $95.50" in shown and "(autopay)" in shown and "(mail)" in shown
        await pilot.press("down", "enter")  # the (autopay) row
        await settle(pilot)
        assert isinstance(app.screen, ReceiptsScreen) and "3 receipts $30.00" in screen_text(app)
