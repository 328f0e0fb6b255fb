"""Bill adjustments with real keys: leak credit previewed then posted; rebill over the limit
needs a supervisor's password."""
from __future__ import annotations

from models import Bill, LedgerEntry
from screens.billing.adjust import BillAdjustScreen
from tests.screens.appkit import add_user, make_app, screen_text, settle, sign_in
from tests.screens.test_billing_screens import district
from ubtui import ledger


def leaky():
    """One account: 12, 12, then 40 HCF (accepted), billed each month."""
    import datetime as dt

    from ubtui import billing, readings
    from ubtui.rates import demo_schedule
    from ubtui.security import system_user
    acct = district(1, bills=True)[0]
    s = system_user()
    high = readings.list_exceptions()[0]
    readings.accept_reading(s, high.reading_id, "leak under the slab")
    billing.run_bills(s, cycle="1", period_end=dt.date(2026, 4, 1), bill_date=dt.date(2026, 4, 1),
                      schedule=demo_schedule())
    add_user("senior", "senior_clerk")
    add_user("super", "supervisor")
    return acct


async def open_adjust(pilot, acct):
    await sign_in(pilot, "senior")
    pilot.app.push_screen(BillAdjustScreen())
    await settle(pilot)
    await pilot.press(*acct.number, "enter")
    await settle(pilot)


async def test_leak_credit_is_shown_line_by_line_then_posted(sqlite_url):
    acct = leaky()
    last = Bill.select().where(Bill.account == acct.id).order_by(Bill.period_end.desc()).first()
    before = ledger.account_balance(acct.id)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_adjust(pilot, acct)
        shown = screen_text(app)
        assert "usage 36, normal 12, 12 units credited" in shown
        assert "Credit: Water tier 3 (over 20 HCF)" in shown and "Credit -$" in shown
        await pilot.press("enter", "enter")  # Adjustment L, then Proof empty: refused
        await settle(pilot)
        assert "Proof of repair: note the proof" in screen_text(app)
        await pilot.press(*"plumber invoice 77", "enter")
        await settle(pilot)
        assert "leak credit -$" in screen_text(app) and f"on bill {last.id}" in screen_text(app)
        await pilot.press("f9")  # posts once
        await settle(pilot)
    credit = LedgerEntry.get(LedgerEntry.category == "leak")
    assert ledger.account_balance(acct.id) == before + credit.amount_cents < before


async def test_rebill_over_the_limit_takes_a_supervisor_password(sqlite_url):
    acct = leaky()
    app = make_app(sqlite_url)
    app.config.adjustment_approval_cents = 1000
    async with app.run_test(size=(80, 24)) as pilot:
        await open_adjust(pilot, acct)
        await pilot.press("backspace", "r", "enter", *"12", "enter")
        await settle(pilot)
        assert "usage 36 -> 12" in screen_text(app) and "a supervisor must approve" in screen_text(app)
        await pilot.press(*"billing error", "enter")
        await settle(pilot)
        assert "supervisor must approve" in screen_text(app)
        await pilot.press("tab", *"super", "enter", *"wrong-password", "enter")
        await settle(pilot)
        assert "wrong user name or password" in screen_text(app)
        await pilot.press(*"super-demo-1", "enter")
        await settle(pilot)
        assert "rebilled as bill" in screen_text(app)
    assert Bill.select().where(Bill.kind == "rebill").count() == 1


def test_snapshot_leak_preview(snap_compare, sqlite_url):
    acct = leaky()

    async def run_before(pilot):
        await open_adjust(pilot, acct)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


async def test_main_menu_b_opens_adjustments_for_seniors_only(sqlite_url):
    add_user("clerk")
    add_user("senior", "senior_clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "senior")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BillAdjustScreen)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk")
        assert "Bill adjustment" not in screen_text(app)
