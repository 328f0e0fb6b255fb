"""Rate calculator with real keys: usage and days -> itemised bill; F4 lists; bad input."""
from __future__ import annotations

from screens.billing.calculator import RateCalculatorScreen
from tests.screens.appkit import add_user, make_app, screen_text, settle, sign_in
from ubtui.money import format_cents


async def open_calc(pilot):
    await sign_in(pilot)
    pilot.app.push_screen(RateCalculatorScreen())
    await settle(pilot)


async def test_usage_and_days_give_an_itemised_bill(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)  # today 2026-03-15: the 2025-07-01 rates
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calc(pilot)
        assert "Residential, single family" in screen_text(app)
        await pilot.press(*"14", "enter", "enter")  # usage, then Enter on Days calculates
        await settle(pilot)
        shown = screen_text(app)
        assert "Water tier 2 (8-20 HCF)" in shown and "$24.30" in shown
        assert "Total $144.42" in shown  # the worked example of tests/core/test_rates.py
        table = app.screen.query_one("#calc-lines")
        assert table.row_count == 9


async def test_lookup_lists_classes_and_sizes_and_errors_name_the_field(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calc(pilot)
        await pilot.press("shift+tab", "shift+tab", "f4")  # on Class: the list of classes
        await settle(pilot)
        assert "Landscape irrigation" in screen_text(app)
        await pilot.press("down", "down", "down", "enter")  # COM, CON, FIRE, IRR
        await settle(pilot)
        assert app.screen.query_one("#calc-class").value == "IRR"
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused.id == "calc-size"
        await pilot.press("f4")  # on Meter size: the irrigation sizes
        await settle(pilot, 6)
        assert '1-1/2"' in screen_text(app) and "$62.50 a month" in screen_text(app)
        await pilot.press("enter")  # 3/4"
        await settle(pilot)
        await pilot.press("enter", *"45", "enter", "backspace", "backspace", *"0", "f9")
        await settle(pilot)
        assert "Days: must be a whole number from 1 to 400" in screen_text(app)
        await pilot.press("backspace", *"31", "ctrl+x")
        await settle(pilot)
        shown = screen_text(app)
        assert "Water tier 1 (0-31 KGAL)" in shown and "$24.10" in shown
        app.screen.query_one("#calc-size").value = '9"'
        await pilot.press("f9")
        await settle(pilot)
        assert "Meter size: '9\"' has no service charge" in screen_text(app)


async def test_a_rate_to_eight_decimals_stays_on_one_line_at_80_columns(sqlite_url):
    from ubtui.rates import DEMO_RATES, load_schedule_file
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calc(pilot)
        app.screen.schedule = load_schedule_file(DEMO_RATES.parent / "rates" / "mahanoy.toml").schedule
        for field, value in (("calc-class", "MET"), ("calc-cycle", "M")):
            app.screen.query_one(f"#{field}").value = value
        await pilot.press(*"10000", "f9")
        await settle(pilot)
        rows = screen_text(app).splitlines()
        # 4,114 gallons x 0.00977273 = $40.21 and 5,011 x 0.00665775 = $33.36: each rate whole on its row
        assert any("4114" in r and "0.00977273" in r and "$40.21" in r for r in rows)
        assert any("5011" in r and "0.00665775" in r and "$33.36" in r for r in rows)
        assert "Total $92.03" in screen_text(app)


def calculator_snapshot(snap_compare, sqlite_url, typing) -> bool:
    add_user("clerk")

    async def run_before(pilot):
        await open_calc(pilot)
        await typing(pilot)
        await settle(pilot)

    return snap_compare(make_app(sqlite_url), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_calculator(snap_compare, sqlite_url):
    async def typing(pilot):
        await pilot.press(*"14", "enter", "enter")

    assert calculator_snapshot(snap_compare, sqlite_url, typing)


async def test_main_menu_letters_open_the_billing_screens(sqlite_url):
    add_user("clerk")
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert "Rate calculator" in screen_text(app) and "View a bill" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, RateCalculatorScreen)
        await pilot.press("f3", "x")
        await settle(pilot)
        assert app.screen.TITLE_TEXT == "Reading exceptions"
        await pilot.press("f3", "v")
        await settle(pilot)
        assert app.screen.TITLE_TEXT == "Bill"


async def type_bimonthly_sewer_quote(pilot):
    """A bimonthly final bill on the winter average, every input typed with real keys."""
    await pilot.press(*"30", "tab", *"45", "tab", "tab")  # usage, days (typed over), (dwelling units)
    assert pilot.app.focused.id == "calc-cycle"
    await pilot.press("f4")  # the schedule's cycles and how often each is billed
    await settle(pilot)
    assert "bimonthly" in screen_text(pilot.app)
    await pilot.press("down", "down", "enter")  # 1, 2, 3 = bimonthly
    await settle(pilot)
    await pilot.press("tab", "f4")  # Bill: the kinds
    await settle(pilot)
    await pilot.press("down", "down", "enter", "tab", *"7.5")  # final; winter average 7.5 a month
    await settle(pilot)


async def test_every_pricing_input_quotes_what_the_bill_run_bills(sqlite_url):
    import datetime as dt
    from decimal import Decimal

    from ubtui.rates import demo_schedule, price_bill
    add_user("clerk")
    app = make_app(sqlite_url)  # today 2026-03-15
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calc(pilot)
        await type_bimonthly_sewer_quote(pilot)
        assert app.screen.query_one("#calc-cycle").value == "3" and "bimonthly" in screen_text(app)
        assert app.screen.query_one("#calc-kind").value == "final"
        await pilot.press("enter")  # Enter on the last row calculates
        await settle(pilot)
        bill = price_bill(demo_schedule(), "RES", '5/8"', 30, dt.date(2026, 1, 29), dt.date(2026, 3, 15), cycle="3",
                          kind="final", winter_average=Decimal("7.5"))
        shown = screen_text(app)
        assert f"Total {format_cents(bill.total_cents)}" in shown
        assert "Sewer usage (winter average)" in shown and "prorated 1.5 months" in shown  # 45/30 months
        await pilot.press("backspace", "backspace", "backspace", *"7.123", "f9")
        await settle(pilot)
        assert "Winter average: must be units a month" in screen_text(app)


def test_snapshot_calculator_every_input(snap_compare, sqlite_url):
    async def typing(pilot):
        await type_bimonthly_sewer_quote(pilot)
        await pilot.press("f9")

    assert calculator_snapshot(snap_compare, sqlite_url, typing)
