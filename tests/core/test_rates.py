"""Worked examples of the rate engine on the demo district's schedule (hand-computed)."""
import datetime as dt
from decimal import Decimal

import pytest

from ubtui.errors import InputError
from ubtui.rates import DEMO_RATES, calculate_bill, demo_schedule, parse_schedule, quote, to_rate_units

S = demo_schedule()
JAN = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))  # 30 days on the 2025-07-01 rates


def amounts(calc, category=None):
    return [(l.quantity, l.rate, l.amount_cents) for l in calc.lines if category in (None, l.category)]


def test_tiered_residential_bill_line_by_line():
    c = calculate_bill(S, "RES", '5/8"', 14, *JAN)
    assert [(l.category, l.amount_cents) for l in c.lines] == [
        ("service", 2140), ("minimum", 600),
        ("water", 1872),  # tier 1: 6 HCF above the 2 included in the minimum, x 3.12
        ("water", 2430),  # tier 2: 6 HCF x 4.05
        ("sewer", 1750), ("sewer", 4740),  # metered 14 capped at 12 HCF x 3.95
        ("stormwater", 375), ("surcharge", 350),  # 14 x 0.25
        ("tax", 185),  # 2.5% of 73.92 = 1.848 -> 1.85 (half up)
    ]
    assert amounts(c, "water") == [(6, Decimal("3.12"), 1872), (6, Decimal("4.05"), 2430)]
    assert c.total_cents == 14442
    assert "Water tier 2 (8-20 HCF): 6 HCF x 4.05" in c.text()


def test_minimum_charge_covers_small_usage():
    c = calculate_bill(S, "RES", '5/8"', 2, *JAN)
    assert [l.category for l in c.lines if l.category in ("minimum", "water")] == ["minimum"]
    assert c.by_category("minimum") == 600
    c3 = calculate_bill(S, "RES", '5/8"', 3, *JAN)
    assert amounts(c3, "water") == [(1, Decimal("3.12"), 312)]
    # construction: $15 includes 1,000 gallons, then 0.0085 a gallon
    con = calculate_bill(S, "CON", '3"', 1500, *JAN)
    assert con.by_category("minimum") == 1500 and amounts(con, "water") == [(500, Decimal("0.0085"), 425)]


def test_tier_limits_per_day_follow_the_days():
    thirty = calculate_bill(S, "IRR", '1"', 45_000, dt.date(2026, 8, 1), dt.date(2026, 8, 31), usage_unit="GAL")
    assert amounts(thirty, "water") == [(30, Decimal("4.26"), 12780), (15, Decimal("6.50"), 9750)]
    thirty_one = calculate_bill(S, "IRR", '1"', 45, dt.date(2026, 8, 1), dt.date(2026, 9, 1))
    assert [q for q, _, _ in amounts(thirty_one, "water")] == [31, 14]


def test_tier_limits_per_dwelling_unit():
    c = calculate_bill(S, "MFR", '2"', 30, *JAN, dwelling_units=4)
    # 4 units: tier 1 up to 20 HCF, tier 2 up to 40
    assert amounts(c, "water") == [(20, Decimal("3.12"), 6240), (10, Decimal("4.05"), 4050)]
    one = calculate_bill(S, "MFR", '2"', 30, *JAN, dwelling_units=1)
    assert [q for q, _, _ in amounts(one, "water")] == [5, 5, 20]
    sewer = [l for l in c.lines if l.category == "sewer" and l.unit == "HCF"][0]
    assert sewer.quantity == 27 and "90% of metered" in sewer.description  # floor(30 x 0.9)


def test_sewer_on_winter_average_and_cap():
    c = calculate_bill(S, "RES", '5/8"', 14, *JAN, winter_average=7)
    assert amounts(c, "sewer")[1] == (7, Decimal("3.95"), 2765)
    lower = calculate_bill(S, "RES", '5/8"', 5, *JAN, winter_average=7)
    assert amounts(lower, "sewer")[1][0] == 5  # the lesser of usage and the winter average
    big = calculate_bill(S, "RES", '5/8"', 40, *JAN)
    assert amounts(big, "sewer")[1][0] == 12  # capped


def test_bimonthly_doubles_fixed_charges_and_month_limits():
    c = calculate_bill(S, "RES", '5/8"', 30, dt.date(2026, 1, 1), dt.date(2026, 3, 2), cycle_months=2)
    assert c.by_category("service") == 4280
    assert amounts(c, "water") == [(12, Decimal("3.12"), 3744), (14, Decimal("4.05"), 5670)]  # 4 included


def test_proration_across_a_rate_change():
    # 30 days: June 16-30 on the 2025 rates, July 1-15 on the 2026 rates; 30 HCF split 15/15
    c = calculate_bill(S, "COM", '1"', 30, dt.date(2026, 6, 16), dt.date(2026, 7, 16))
    assert c.versions == [dt.date(2025, 7, 1), dt.date(2026, 7, 1)]
    old = [l.amount_cents for l in c.lines if "2025-07-01" in l.description]
    new = [l.amount_cents for l in c.lines if "2026-07-01" in l.description]
    # service 0.5 x 40.10, water 15 x 4.20, sewer fixed 0.5 x 22, sewer 13 x 4.60, storm 0.5 x 9.50,
    # drought 15 x 0.25, tax 2.5% of 86.80
    assert old == [2005, 6300, 1100, 5980, 475, 375, 217]
    # service 0.5 x 41.70, water 15 x 4.37, sewer fixed 0.5 x 22.88, sewer 13 x 4.78, storm 0.5 x 9.88,
    # tax 2.5% of 86.40 (no drought surcharge any more)
    assert new == [2085, 6555, 1144, 6214, 494, 216]
    assert c.total_cents == sum(old) + sum(new) == 33160


def test_prorated_first_bill_charges_days_over_30():
    c = calculate_bill(S, "COM", '1"', 3, dt.date(2026, 1, 1), dt.date(2026, 1, 13), prorate=True)
    assert amounts(c, "service") == [(Decimal(12) / 30, Decimal("40.10"), 1604)]


def test_unit_conversions_round_down():
    assert to_rate_units(7479, "GAL", "HCF") == 9
    assert to_rate_units(7480, "GAL", "HCF") == 10
    assert to_rate_units(45_999, "GAL", "KGAL") == 45
    assert to_rate_units(3, "HCF", "GAL") == 2244
    assert to_rate_units(10, "CCF", "HCF") == 10
    with pytest.raises(InputError, match="Unit"):
        to_rate_units(1, "LITRE", "HCF")


def test_fire_line_is_flat():
    c = calculate_bill(S, "FIRE", '6"', 0, *JAN)
    assert [(l.category, l.amount_cents) for l in c.lines] == [("service", 4800), ("fire", 500), ("tax", 120)]


def test_quote_bills_as_the_bill_run_by_cycle_and_kind():
    q = quote("RES", '5/8"', 14, 30, end=dt.date(2026, 1, 31), schedule=S)
    assert q.total_cents == 14442
    # a regular bill charges the cycle's months whatever its days (as the bill run does)...
    assert quote("RES", '5/8"', 14, 10, end=dt.date(2026, 1, 31), schedule=S).by_category("service") == 2140
    # ...a first or final bill is prorated: 10/30 x 21.40
    short = quote("RES", '5/8"', 14, 10, end=dt.date(2026, 1, 31), kind="first", schedule=S)
    assert short.by_category("service") == 713
    two = quote("RES", '5/8"', 30, 60, end=dt.date(2026, 3, 2), cycle="3", schedule=S)
    assert two.by_category("service") == 4280
    with pytest.raises(InputError, match="Cycle: '9' is not a billing cycle"):
        quote("RES", '5/8"', 14, 30, cycle="9", schedule=S)
    with pytest.raises(InputError, match="Bill kind"):
        quote("RES", '5/8"', 14, 30, kind="odd", schedule=S)
    with pytest.raises(InputError, match="Days"):
        quote("RES", '5/8"', 14, 0, schedule=S)
    with pytest.raises(InputError, match="Meter size"):
        quote("RES", '9"', 14, 30, end=dt.date(2026, 1, 31), schedule=S)
    with pytest.raises(InputError, match="Class"):
        quote("XYZ", '5/8"', 14, 30, end=dt.date(2026, 1, 31), schedule=S)


# --- the file ---------------------------------------------------------------------------------
GOOD = DEMO_RATES.read_text()


def broken(old, new):
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def line_of(text, needle, after=""):
    return text[:text.index(needle, text.index(after))].count("\n") + 1


def test_tiers_out_of_order_name_the_line():
    text = broken("{ up_to = 20, rate = 4.05 }", "{ up_to = 6, rate = 4.05 }")
    with pytest.raises(InputError) as e:
        parse_schedule(text, "rates.toml")
    msg = str(e.value)
    assert msg.startswith(f"rates.toml, line {line_of(text, 'tiers = [', 'effective = 2025-07-01')}:")
    assert "versions[2].classes.RES.tiers" in msg and "must be above" in msg


def test_a_negative_rate_names_the_key_and_line():
    text = broken("'3/4\"' = 27.50", "'3/4\"' = -27.50")
    with pytest.raises(InputError) as e:
        parse_schedule(text, "rates.toml")
    assert f"line {line_of(text, '-27.50')}" in str(e.value)
    assert 'classes.COM.service_charge.3/4"' in str(e.value) and "greater than or equal to 0" in str(e.value)


def test_unknown_key_and_bad_toml_are_refused():
    with pytest.raises(InputError, match=r"line \d+: .*tier_bassis: Extra inputs"):
        parse_schedule(broken('\ntier_basis = "day"', '\ntier_bassis = "day"'), "r.toml")
    with pytest.raises(InputError, match=r"r.toml: not valid TOML: .*line 3"):
        parse_schedule("name = 'x'\n\nversions = ]\n", "r.toml")
    with pytest.raises(InputError, match="effective: .*date"):
        parse_schedule(broken("effective = 2025-07-01", "effective = 2025-07-01T10:00:00"), "r.toml")
    with pytest.raises(InputError, match="same effective date"):
        parse_schedule(broken("effective = 2026-07-01", "effective = 2025-07-01"), "r.toml")


def test_amounts_are_decimals_never_floats():
    v = S.version_on(dt.date(2025, 7, 1)).classes["RES"]
    assert isinstance(v.tiers[0].rate, Decimal) and v.tiers[0].rate == Decimal("3.12")
    assert isinstance(v.service_charge['5/8"'], Decimal)


# --- properties ---------------------------------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import settings as hsettings
from hypothesis import strategies as st


@hsettings(max_examples=60, deadline=None)
@given(code=st.sampled_from(["RES", "MFR", "COM", "IRR", "CON"]), usage=st.integers(0, 5000),
       days=st.integers(1, 70), du=st.integers(1, 12))
def test_more_water_never_costs_less(code, usage, days, du):
    size = {"RES": '5/8"', "MFR": '2"', "COM": '1"', "IRR": '1"', "CON": '3"'}[code]
    end = dt.date(2026, 1, 1) + dt.timedelta(days=days)
    a = calculate_bill(S, code, size, usage, dt.date(2026, 1, 1), end, dwelling_units=du)
    b = calculate_bill(S, code, size, usage + 1, dt.date(2026, 1, 1), end, dwelling_units=du)
    assert b.total_cents >= a.total_cents
    water = sum(l.quantity for l in a.lines if l.category == "water")
    included = next((Decimal(l.description.split("includes ")[1].split()[0]) for l in a.lines
                     if l.category == "minimum"), Decimal(0))
    assert water == max(Decimal(0), usage - included)  # every unit above the minimum is billed once
    assert all(isinstance(l.amount_cents, int) for l in a.lines)


@hsettings(max_examples=40, deadline=None)
@given(usage=st.integers(0, 400), start_offset=st.integers(0, 59), days=st.integers(2, 60))
def test_a_rate_change_splits_usage_and_days_without_losing_any(usage, start_offset, days):
    start = dt.date(2026, 6, 1) + dt.timedelta(days=start_offset)
    c = calculate_bill(S, "COM", '1"', usage, start, start + dt.timedelta(days=days))
    assert sum(l.quantity for l in c.lines if l.category == "water") == usage
    months = sum(l.quantity for l in c.lines if l.category == "service")
    assert abs(months - 1) < Decimal("1e-20")  # one month in all


def test_a_missing_key_points_at_its_own_table_or_item():
    text = broken("{ up_to = 20, rate = 4.05 }", "{ up_to = 20 }")
    with pytest.raises(InputError) as e:
        parse_schedule(text, "r.toml")
    assert str(e.value).startswith(f"r.toml, line {line_of(text, '{ up_to = 20 }')}: ")
    assert "tiers[2].rate: Field required" in str(e.value)
    text = GOOD.replace('name = "Utility users tax"', 'label = "Utility users tax"', 1)
    with pytest.raises(InputError) as e:
        parse_schedule(text, "r.toml")
    header = line_of(text, "\n[[versions.taxes]]") + 1
    assert f"line {header}: versions[1].taxes[1].name: Field required" in str(e.value)


# --- what the checker refuses (issue #16): each names the line and the key -----------------------
MINI = """name = "T"
[cycles]
"1" = "monthly"
[policy.leak]
percent = 50
[policy.late_fee]
percent = 1.5
minimum = 5.00
[[versions]]
effective = 2025-07-01
[versions.classes.RES]
name = "Residential"
service_charge = { '5/8"' = 20.00, '1"' = 30.00 }
minimum = { units = 2, amount = 6.00 }
tiers = [
  { up_to = 8, rate = 3.12 },
  { rate = 4.05 },
]
sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }
[[versions.surcharges]]
name = "Drought surcharge"
per_unit = 0.25
classes = ["RES"]
[[versions.taxes]]
name = "Utility users tax"
percent = 2.5
on = ["service", "water"]
"""


def refused(old, new, key, why):
    assert old in MINI
    text = MINI.replace(old, new, 1)
    with pytest.raises(InputError) as e:
        parse_schedule(text, "r.toml")
    msg = str(e.value)
    line = text[:text.index(new) + len(new)].count("\n") + 1
    assert key in msg and why in msg, msg
    if line:
        assert msg.startswith(f"r.toml, line {line}:"), (msg, line)
    return msg


def test_the_mini_schedule_is_valid():
    s = parse_schedule(MINI, "r.toml").schedule
    assert quote("RES", '5/8"', 10, 30, end=dt.date(2026, 1, 31), schedule=s).total_cents > 0


@pytest.mark.parametrize("old,new,key,why", [
    ("{ up_to = 8, rate", "{ up_to = 7.5, rate", "tiers[1].up_to", "fractional part"),
    ("percent = 2.5", "percent = -2.5", "taxes[1].percent", "greater than or equal to 0"),
    ("per_unit = 0.25", "per_unit = -0.25", "surcharges[1].per_unit", "greater than or equal to 0"),
    ("[policy.leak]\npercent = 50", "[policy.leak]\npercent = 250", "policy.leak.percent", "less than or equal to 100"),
    ("percent = 1.5", "percent = -1.5", "policy.late_fee.percent", "greater than or equal to 0"),
    ("minimum = 5.00", "minimum = -5.00", "policy.late_fee.minimum", "greater than or equal to 0"),
    ('classes = ["RES"]', 'classes = ["RESX"]', "surcharges[1].classes", "'RESX' is not a class of this version"),
    ("rate = 4.05", "rate = 1e30", "tiers[2].rate", "less than or equal to 10000"),
    ("rate = 4.05", "rate = 4.050000001", "tiers[2].rate", "no more than 8 decimal places"),
    ("amount = 6.00", "amount = 6.001", "minimum.amount", "no more than 2 decimal places"),
    ("rate = 4.05", "rate = '4.05'", "tiers[2].rate", "write a number"),
    ("units = 2,", "units = 2.5,", "minimum.units", "fractional part"),
    ('"1" = "monthly"', '"1" = "weekly"', "cycles.1", "'monthly', 'bimonthly' or 'quarterly'"),
    ("[versions.classes.RES]", "[versions.classes.'R ES']", "classes.R ES", "should match pattern"),
])
def test_nonsense_is_refused_with_line_and_key(old, new, key, why):
    refused(old, new, key, why)


def test_size_limits_are_refused():
    many = "tiers = [\n" + "".join(f"  {{ up_to = {i}, rate = 1 }},\n" for i in range(1, 300)) + "  { rate = 2 },\n]"
    text = MINI.replace("tiers = [\n  { up_to = 8, rate = 3.12 },\n  { rate = 4.05 },\n]", many)
    with pytest.raises(InputError, match=r"line 15: versions\[1\].classes.RES.tiers: List should have at most 20"):
        parse_schedule(text, "r.toml")
    version = MINI[MINI.index("[[versions]]"):]
    text = MINI + "".join(version.replace("2025-07-01", f"{2100 + i}-01-01") for i in range(100))
    with pytest.raises(InputError, match="versions: List should have at most 100 items"):
        parse_schedule(text, "r.toml")
    with pytest.raises(InputError, match="a rate file may have at most 1,000,000"):
        parse_schedule(MINI + "#" * 1_000_000, "r.toml")


def test_a_meter_size_the_class_does_not_price_is_an_error_never_another_size():
    s = parse_schedule(MINI, "r.toml").schedule
    with pytest.raises(InputError, match="Meter size: '2\"' has no service charge in class RES"):
        quote("RES", '2"', 10, 30, end=dt.date(2026, 1, 31), schedule=s)
    aliased = parse_schedule(MINI.replace("[cycles]", "meter_aliases = { '3/4\"' = '1\"' }\n[cycles]"), "r").schedule
    c = quote("RES", '3/4"', 10, 30, end=dt.date(2026, 1, 31), schedule=aliased)
    assert c.lines[0].description == 'Service charge 1" meter' and c.lines[0].amount_cents == 3000


# --- structures as districts publish them ---------------------------------------------------------
def mini(old, new):
    assert old in MINI
    return parse_schedule(MINI.replace(old, new, 1), "r.toml").schedule


def test_a_minimum_for_small_usage_otherwise_every_unit_on_the_tiers():
    s = mini("minimum = { units = 2, amount = 6.00 }", 'minimum = { units = 5, amount = 15.00, over = "all" }')
    small = quote("RES", '5/8"', 5, 30, end=dt.date(2026, 1, 31), schedule=s)
    assert [(l.description, l.amount_cents) for l in small.lines if l.category in ("minimum", "water")] == [
        ("Minimum charge, usage up to 5 HCF", 1500)]
    big = quote("RES", '5/8"', 6, 30, end=dt.date(2026, 1, 31), schedule=s)
    assert [(l.description, l.amount_cents) for l in big.lines if l.category in ("minimum", "water")] == [
        ("Water tier 1 (0-8 HCF)", 6 * 312)]  # every unit from zero, no minimum


def test_winter_average_months_and_billed_months_are_the_districts():
    s = mini('sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }',
             'sewer = { basis = "winter_average", rate = 3.95, winter_months = [12, 1, 2, 3, 4], '
             'billed_months = [5, 6, 7, 8, 9, 10, 11] }')
    june = quote("RES", '5/8"', 20, 30, end=dt.date(2026, 6, 30), winter_average=7, schedule=s)
    assert [(l.description, l.quantity) for l in june.lines if l.category == "sewer"] == [
        ("Sewer usage (winter average)", 7)]
    january = quote("RES", '5/8"', 20, 30, end=dt.date(2026, 1, 31), winter_average=7, schedule=s)
    assert [(l.description, l.quantity) for l in january.lines if l.category == "sewer"] == [
        ("Sewer usage (metered)", 20)]
    from ubtui.billing import PastBill, winter_average
    bills = (PastBill(dt.date(2025, 11, 1), dt.date(2025, 12, 1), 6, False, "regular"),
             PastBill(dt.date(2026, 3, 31), dt.date(2026, 4, 30), 9, False, "regular"),
             PastBill(dt.date(2026, 4, 30), dt.date(2026, 5, 30), 30, False, "regular"),
             PastBill(dt.date(2024, 12, 1), dt.date(2025, 1, 1), 99, False, "regular"))  # the winter before: not used
    assert winter_average(bills, dt.date(2026, 6, 30), (12, 1, 2, 3, 4)) == Decimal(15)/2
    with pytest.raises(InputError, match="billed_months and winter_months must not share a month"):
        mini('sewer = { basis = "metered"', 'sewer = { basis = "winter_average", billed_months = [3, 4]')


def test_figures_published_per_two_months_bill_monthly_and_bimonthly():
    s = mini('name = "Residential"', 'name = "Residential"\nfigures_per = "two_months"').model_copy(
        update={"cycles": {"1": "monthly", "2": "bimonthly"}})
    two = quote("RES", '5/8"', 16, 60, end=dt.date(2026, 3, 2), cycle="2", schedule=s)
    one = quote("RES", '5/8"', 8, 30, end=dt.date(2026, 3, 2), cycle="1", schedule=s)
    assert two.by_category("service") == 2000 and one.by_category("service") == 1000
    # tier 1 is 8 HCF in two months: 4 in one month
    assert [l.quantity for l in one.lines if l.category == "water"] == [3, 4]  # 1 over the minimum's 1, 4 above
    assert two.lines[0].unit == "2-month periods"


def test_proration_rules():
    for rule, cents in (("30_day_month", 1000), ("days", 986), ("none", 2000)):
        s = mini('name = "T"', f'name = "T"\nproration = "{rule}"')
        first = quote("RES", '5/8"', 0, 15, end=dt.date(2026, 1, 31), kind="first", schedule=s)
        assert first.by_category("service") == cents, rule  # 15/30, 15 x 12/365 = 0.4932, whole month


def test_seasons_must_not_overlap_and_must_cover_the_year_without_default_tiers():
    season = '\n[[versions.classes.RES.seasons]]\nname = "summer"\nmonths = [6, 7]\ntiers = [{ rate = 5 }]\n'
    s = parse_schedule(MINI.replace("[[versions.surcharges]]", season + "[[versions.surcharges]]"), "r").schedule
    july = quote("RES", '5/8"', 10, 30, end=dt.date(2026, 7, 15), schedule=s)
    assert [l.description for l in july.lines if l.category == "water"] == ["Water tier 1 (over 0 HCF), summer"]
    twice = season + season.replace('"summer"', '"peak"')
    with pytest.raises(InputError, match="season peak: a month is already in another season"):
        parse_schedule(MINI.replace("[[versions.surcharges]]", twice + "[[versions.surcharges]]"), "r")


def test_a_flat_or_tiers_minimum_above_the_tiers_is_refused():
    refused("minimum = { units = 2, amount = 6.00 }", 'minimum = { units = 2, amount = 9.37, over = "all" }',
            "classes.RES.minimum", "tiers charge 3 units $9.36, less than the minimum $9.37 for 2: more water would cost less")


def test_a_rate_written_with_trailing_zeros_prints_as_money():
    from ubtui.billing import line_rows
    s = mini("{ rate = 4.05 }", "{ rate = 0.3000 }")
    c = quote("RES", '5/8"', 10, 30, end=dt.date(2026, 1, 31), schedule=s)
    row = [r for r in line_rows(0, c) if r["description"].startswith("Water tier 2")][0]
    assert (row["rate"], row["amount_cents"]) == ("0.30", 60)
    assert "2 HCF x 0.30" in c.text() and "0.3000" not in c.text()


# --- sewer as a percent of the water charge (on the winter average or metered usage) ---------------
WATER_PCT = 'sewer = { basis = "winter_average", water_charge_percent = 80, fixed = 17.50 }'


def sewer_lines(calc):
    return [(l.description, l.amount_cents) for l in calc.lines if l.category == "sewer"]


def test_sewer_as_a_percent_of_the_water_charge_on_the_winter_average():
    s = mini('sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }', WATER_PCT)
    # 20 HCF read, winter average 7 a month (the lesser): the tiers charge 7 x 3.12 = 21.84;
    # 80% of 21.84 = 17.472 -> 17.47
    c = quote("RES", '5/8"', 20, 30, end=dt.date(2026, 6, 30), winter_average=7, schedule=s)
    assert sewer_lines(c) == [("Sewer service charge", 1750),
                              ("Sewer 80% of water on 7 HCF (winter average)", 1747)]
    assert "Sewer 80% of water on 7 HCF (winter average) of $21.84" in c.text()
    # winter average 10: 8 x 3.12 = 24.96, 2 x 4.05 = 8.10 (each rounded as a water line), 33.06;
    # 80% = 26.448 -> 26.45
    c = quote("RES", '5/8"', 20, 30, end=dt.date(2026, 6, 30), winter_average=10, schedule=s)
    assert sewer_lines(c)[1] == ("Sewer 80% of water on 10 HCF (winter average)", 2645)
    # a bimonthly bill doubles the tier limits and the average: 14 HCF on tier 1 (0-16) = 43.68;
    # 80% = 34.944 -> 34.94
    two = s.model_copy(update={"cycles": {"1": "monthly", "2": "bimonthly"}})
    c = quote("RES", '5/8"', 40, 61, end=dt.date(2026, 6, 30), cycle="2", winter_average=7, schedule=two)
    assert sewer_lines(c)[1] == ("Sewer 80% of water on 14 HCF (winter average)", 3494)
    assert c.total_cents == sum(l.amount_cents for l in c.lines)


def test_sewer_as_a_percent_of_the_water_charge_on_metered_usage():
    s = mini('sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }',
             'sewer = { basis = "metered", percent = 90, water_charge_percent = 125 }')
    # 20 HCF, 90% returned = 18: 8 x 3.12 = 24.96, 10 x 4.05 = 40.50, 65.46; 125% = 81.825 -> 81.83
    c = quote("RES", '5/8"', 20, 30, end=dt.date(2026, 1, 31), schedule=s)
    assert sewer_lines(c) == [("Sewer 125% of water on 18 HCF (90% of metered)", 8183)]


@pytest.mark.parametrize("new,key,why", [
    ('sewer = { basis = "winter_average", rate = 3.95, water_charge_percent = 80 }', "classes.RES.sewer",
     "give rate (dollars a unit) or water_charge_percent (of the water charge), not both"),
    ('sewer = { basis = "flat", fixed = 17.50, water_charge_percent = 80 }', "classes.RES.sewer",
     'water_charge_percent needs basis "metered" or "winter_average"'),
    ('sewer = { basis = "winter_average", water_charge_percent = 0 }', "sewer.water_charge_percent",
     "greater than 0"),
    ('sewer = { basis = "winter_average", water_charge_percent = 1000.5 }', "sewer.water_charge_percent",
     "less than or equal to 1000"),
    ('sewer = { basis = "winter_average", water_charge_percent = 80.00001 }', "sewer.water_charge_percent",
     "no more than 4 decimal places"),
    ('sewer = { basis = "winter_average", water_charge_percent = "80" }', "sewer.water_charge_percent",
     "write a number"),
])
def test_a_percent_of_water_sewer_the_engine_cannot_price_is_refused(new, key, why):
    refused('sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }', new, key, why)


def test_a_percent_of_water_sewer_needs_water_tiers():
    text = MINI.replace("tiers = [\n  { up_to = 8, rate = 3.12 },\n  { rate = 4.05 },\n]\n", "").replace(
        'sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }', WATER_PCT)
    with pytest.raises(InputError, match=r"line 11: versions\[1\].classes.RES: sewer: water_charge_percent needs "
                                         "the class's water tiers"):
        parse_schedule(text, "r.toml")


def test_a_bill_run_bills_the_percent_of_water_sewer_on_the_winter_average(system, make_account):
    """Both backends: the bill run takes the average from the winter bills, and bills what the
    calculator quotes for that average, equal to the sum of the bill's lines."""
    from models import Bill, BillLine
    from ubtui import billing, readings
    text = MINI.replace('sewer = { basis = "metered", rate = 3.95, fixed = 17.50 }', WATER_PCT)
    s = parse_schedule(text, "r.toml").schedule
    a = make_account(opened_on=dt.date(2025, 11, 1), rate_code="RES")
    m = readings.install_meter(system, a.premise_id, f"W-{a.id}", on=dt.date(2025, 11, 1), reading=0)
    value = 0
    # read 2025-12-01 (6), 2026-01-01 (8: winter), 2026-01-31 (7: winter), 2026-03-02 (9: winter),
    # 2026-04-01 (20: not winter, billed on the average)
    for on, used in ((dt.date(2025, 12, 1), 6), (dt.date(2026, 1, 1), 8), (dt.date(2026, 1, 31), 7),
                     (dt.date(2026, 3, 2), 9), (dt.date(2026, 4, 1), 20)):
        value += used
        r = readings.enter_reading(system, m.id, on, value)
        if r.status == "exception":
            readings.accept_reading(system, r.id, "confirmed")
        assert billing.run_bills(system, cycle="1", period_end=on, bill_date=on, schedule=s).errors == []
    bill = Bill.select().where(Bill.account == a.id).order_by(Bill.period_end.desc()).first()
    # winter bills (read in December-March): 6 + 8 + 7 + 9 = 30 HCF over 30 + 31 + 30 + 30 = 121
    # days = 7.438 a month x 1 month -> 7 HCF; 7 x 3.12 = 21.84; 80% = 17.47
    rows = list(BillLine.select().where(BillLine.bill == bill.id).order_by(BillLine.seq))
    assert [(l.description, l.amount_cents) for l in rows if l.category == "sewer"] == [
        ("Sewer service charge", 1750), ("Sewer 80% of water on 7 HCF (winter average)", 1747)]
    q = quote("RES", '5/8"', 20, 31, end=dt.date(2026, 4, 1), winter_average=Decimal(30) * 30 / 121, schedule=s)
    assert bill.total_cents == q.total_cents == sum(l.amount_cents for l in rows)
    from ubtui.billprint import bill_text
    assert "Sewer 80% of water on 7 HCF (winter average)  on $21.84" in bill_text(bill.id)


def test_figures_published_a_day_are_charged_the_bills_days_whatever_its_kind():
    s = mini('name = "Residential"', 'name = "Residential"\nfigures_per = "day"')
    # 15 days: service 15 x 20.00 = 300.00; the minimum 15 x 6.00 = 90.00 includes 2 x 15 = 30 units;
    # tier 1 is 8 x 15 = 120 units a bill: 10 units are all under the minimum's 30
    for kind in ("regular", "first", "final"):
        c = quote("RES", '5/8"', 10, 15, end=dt.date(2026, 1, 31), kind=kind, schedule=s)
        assert [(l.description, l.amount_cents) for l in c.lines if l.category in ("service", "minimum", "water")] == [
            ('Service charge 5/8" meter', 30000), ("Minimum charge, includes 30 HCF", 9000)], kind
        assert c.lines[0].unit == "days"
