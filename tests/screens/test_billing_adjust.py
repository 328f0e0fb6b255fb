"""Bill adjustments with real keys: leak credit previewed then posted; rebill over the limit
needs a supervisor's password."""
from __future__ import annotations

import pytest

from models import Bill, LedgerEntry
from screens.billing.adjust import BillAdjustScreen
from tests.screens.appkit import add_user, burst, make_app, screen_text, settle, sign_in
from tests.screens.test_billing_screens import district
from ubtui import ledger
from ubtui.money import format_cents


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
        await pilot.press("enter", "enter", "enter")  # Adjustment L, one bill, then Proof empty: refused
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


def leak_over_two_bills():
    """leaky()'s 36 HCF bill, then a bill of 30 HCF (still leaking), under a policy that lets one
    leak span two bills; the schedule in force otherwise the demo's."""
    import datetime as dt

    from ubtui import billing, readings
    from ubtui.rates import DEMO_RATES, install_schedule
    from ubtui.security import system_user
    acct = leaky()
    s = system_user()
    text = DEMO_RATES.read_text().replace("[policy.leak]\n", "[policy.leak]\nmax_bills = 2\n")
    row = install_schedule(s, "", text=text)
    from models import Meter
    meter = Meter.get(Meter.premise == acct.premise_id)
    r = readings.enter_reading(s, meter.id, dt.date(2026, 5, 1), 560 + 30)
    if r.status == "exception":
        readings.accept_reading(s, r.id, "still leaking")
    from ubtui.rates import parse_schedule
    billing.run_bills(s, cycle="1", period_end=dt.date(2026, 5, 1), bill_date=dt.date(2026, 5, 1),
                      schedule=parse_schedule(row.source_text).schedule)
    acct.bills = list(Bill.select().where(Bill.account == acct.id).order_by(Bill.period_end))
    return acct


def two_bill_keys(acct):
    first, second = acct.bills[-2], acct.bills[-1]
    return (*acct.number, "enter", "shift+tab", *str(first.id), "enter",  # Bill: the leak's first
            "enter",  # Adjustment L
            *str(second.id), "enter",  # Second bill
            *"plumber invoice 88", "enter",  # Proof; posting is refused: over the limit
            "tab", *"super", "enter", *"super-demo-1", "enter")  # the supervisor approves


def assert_two_bill_credit(acct, shown):
    first, second = acct.bills[-2], acct.bills[-1]
    e = LedgerEntry.get(LedgerEntry.category == "leak")
    assert f"leak credit {format_cents(e.amount_cents)} posted on bill {first.id} and bill {second.id}" in shown
    from ubtui.adjustments import leak_preview
    assert e.amount_cents == leak_preview(first.id, through=second.id).credit_cents < -10000


async def test_a_leak_over_two_bills_from_the_keyboard_explains_every_amount(sqlite_url):
    acct = leak_over_two_bills()
    first, second = acct.bills[-2], acct.bills[-1]
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "senior")
        app.push_screen(BillAdjustScreen())
        await settle(pilot)
        await pilot.press(*acct.number, "enter", "shift+tab", *str(first.id), "enter", "enter")
        await settle(pilot)
        await pilot.press(*str(first.id), "enter")  # not the bill after it: refused, the cursor stays
        await settle(pilot)
        assert "Second bill: bill" in screen_text(app) and app.focused.id == "adj-through"
        await pilot.press(*str(second.id), "enter")
        await settle(pilot)
        shown = screen_text(app)
        # bill 1: 36 HCF; normal 12 (24 HCF in the 60 days of the two bills before, x 30 days);
        # 24 above, 50% = 12 credited.  bill 2: 30 HCF against the same bills: 18 above, 9 credited
        assert "usage 66, normal 24, 21 units credited over 2 bills" in shown
        for text in (f"Bill {first.id}: 2026-03-02 to 2026-04-01, 36 HCF", "normal 12 = 24 HCF / 60 days (2 bills) x 30",
                     "above normal 36 - 12 = 24 HCF", "50% of 24 = 12 HCF credited"):
            assert text in shown, text
        assert "over the limit: a supervisor must approve" in shown
        await pilot.press("pagedown")  # the rest: bill 2's explanation and its credit lines
        await settle(pilot)
        shown = screen_text(app)
        for text in (f"Bill {second.id}: 2026-04-01 to 2026-05-01, 30 HCF", "above normal 30 - 12 = 18 HCF",
                     "50% of 18 = 9 HCF credited", f"Bill {second.id}: Credit: Water tier"):
            assert text in shown, text
        await pilot.press(*"plumber invoice 88", "enter")
        await settle(pilot)
        assert "supervisor must approve" in screen_text(app)
        await pilot.press("tab", *"super", "enter", *"super-demo-1", "enter")
        await settle(pilot)
        assert_two_bill_credit(acct, screen_text(app))


async def test_a_leak_over_two_bills_typed_in_one_burst(sqlite_url):
    acct = leak_over_two_bills()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "senior")
        app.push_screen(BillAdjustScreen())
        await settle(pilot)
        await burst(pilot, *two_bill_keys(acct))
        await settle(pilot, rounds=4)
        assert_two_bill_credit(acct, screen_text(app))
    assert LedgerEntry.select().where(LedgerEntry.category == "leak").count() == 1


async def test_f4_on_second_bill_lists_the_accounts_bills(sqlite_url):
    acct = leak_over_two_bills()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_adjust(pilot, acct)
        await pilot.press("enter")  # Adjustment L: on to Second bill
        await settle(pilot)
        assert app.focused.id == "adj-through"
        await pilot.press("f4")
        await settle(pilot)
        assert "The leak's second bill" in screen_text(app) and "2026-05-01" in screen_text(app)


def test_snapshot_leak_over_two_bills(snap_compare, sqlite_url):
    acct = leak_over_two_bills()
    first, second = acct.bills[-2], acct.bills[-1]

    async def run_before(pilot):
        await sign_in(pilot, "senior")
        pilot.app.push_screen(BillAdjustScreen())
        await settle(pilot)
        await burst(pilot, *acct.number, "enter", "shift+tab", *str(first.id), "enter", "enter", *str(second.id),
                    "enter")
        await settle(pilot)

    assert snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


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


@pytest.mark.slow
def test_a_leak_over_two_bills_in_one_burst_in_a_real_terminal(sqlite_url):
    """From the main menu to the posted two-bill credit, the supervisor's approval included, as
    one write of keys to a pseudo-terminal."""
    from tests.ptykit import AppTerminal
    acct = leak_over_two_bills()
    first, second = acct.bills[-2], acct.bills[-1]
    with AppTerminal(sqlite_url) as t:
        t.sign_in("senior", "senior-demo-1")
        t.keys("b", *two_bill_keys(acct))
        t.wait_for(f"posted on bill {first.id} and bill {second.id}", timeout=90)
    assert LedgerEntry.get(LedgerEntry.category == "leak").amount_cents == -12592  # the preview's $125.92
