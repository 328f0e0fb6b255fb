"""Issue #16: structures districts publish that a rate file writes directly: sewer in its own
tiers on a share of the water usage, charges and tier limits by meter size, rates per gallon
to 8 decimals rounded once per line by the schedule's rule, and a rate change that is not
split.  Every example's arithmetic is written out beside it."""
import datetime as dt
from decimal import Decimal

import pytest

from ubtui.billing import AccountFacts, plan_bill
from ubtui.errors import InputError
from ubtui.rates import DEMO_RATES, parse_schedule, price_bill, quote

D = dt.date
JAN = dict(end=D(2026, 1, 31), cycle="1")

BASE = """name = "S"
[cycles]
"1" = "monthly"
"2" = "bimonthly"
[[versions]]
effective = 2025-07-01
[versions.classes.RES]
name = "Residential"
service_charge = { '3/4"' = 20.00, '2"' = 80.00 }
tiers = [
  { up_to = { '3/4"' = 10, '2"' = 80 }, rate = 3.00 },
  { up_to = { '3/4"' = 20, '2"' = 160 }, rate = 4.00 },
  { rate = 5.00 },
]
[versions.classes.RES.sewer]
basis = "metered"
percent = 90
fixed = { '3/4"' = 15.00, '2"' = 60.00 }
tiers = [
  { up_to = 10, rate = 2.50 },
  { rate = 3.50 },
]
"""


def schedule(text=BASE):
    return parse_schedule(text, "s.toml").schedule


def lines(calc):
    return [(l.description, l.amount_cents) for l in calc.lines]


def test_sewer_tiers_on_ninety_percent_of_water_and_charges_by_meter_size():
    s = schedule()
    # 3/4" meter, 25 HCF: service 20.00; water 10 x 3 = 30.00, 10 x 4 = 40.00, 5 x 5 = 25.00;
    #   sewer service 15.00 (the 3/4" figure); sewer units 90% of 25 = 22.5 -> 22 (down):
    #   10 x 2.50 = 25.00, 12 x 3.50 = 42.00; total 197.00
    c = quote("RES", '3/4"', 25, 30, schedule=s, **JAN)
    assert lines(c) == [('Service charge 3/4" meter', 2000), ("Water tier 1 (0-10 HCF)", 3000),
                        ("Water tier 2 (10-20 HCF)", 4000), ("Water tier 3 (over 20 HCF)", 2500),
                        ('Sewer service charge 3/4" meter', 1500),
                        ("Sewer tier 1 (0-10 HCF, 90% of metered)", 2500),
                        ("Sewer tier 2 (over 10 HCF, 90% of metered)", 4200)]
    assert c.total_cents == 19700
    assert c.lines[-1].explain() == "Sewer tier 2 (over 10 HCF, 90% of metered): 12 HCF x 3.50"
    # a 2" meter, the same 25 HCF: all in its first block (80): 80.00 + 25 x 3 = 75.00;
    #   sewer 60.00 + 25.00 + 42.00; total 282.00
    big = quote("RES", '2"', 25, 30, schedule=s, **JAN)
    assert [a for _, a in lines(big)] == [8000, 7500, 6000, 2500, 4200] and big.total_cents == 28200
    assert big.lines[1].description == "Water tier 1 (0-80 HCF)"
    # 170 HCF on the 2": 80 x 3 = 240.00, 80 x 4 = 320.00, 10 x 5 = 50.00; sewer 153 units:
    #   10 x 2.50 = 25.00, 143 x 3.50 = 500.50; total 80 + 610 + 60 + 525.50 = 1275.50
    assert quote("RES", '2"', 170, 30, schedule=s, **JAN).total_cents == 127550


def test_limits_by_meter_size_follow_the_bills_months():
    # bimonthly, 61 days, 3/4", 25 HCF: every figure twice: service 40.00; water limits 20 and
    #   40: 20 x 3 = 60.00, 5 x 4 = 20.00; sewer 30.00; sewer 22 units, block 20:
    #   20 x 2.50 = 50.00, 2 x 3.50 = 7.00; total 207.00
    c = price_bill(schedule(), "RES", '3/4"', 25, D(2026, 1, 1), D(2026, 3, 3), cycle="2")
    assert lines(c)[1:3] == [("Water tier 1 (0-20 HCF)", 6000), ("Water tier 2 (20-40 HCF)", 2000)]
    assert lines(c)[3:] == [('Sewer service charge 3/4" meter', 3000),
                            ("Sewer tier 1 (0-20 HCF, 90% of metered)", 5000),
                            ("Sewer tier 2 (over 20 HCF, 90% of metered)", 700)]
    assert c.total_cents == 20700


def test_a_size_the_class_has_no_figure_for_is_refused_at_bill_time():
    with pytest.raises(InputError, match="Meter size: '1\"' has no service charge in class RES"):
        quote("RES", '1"', 25, 30, schedule=schedule(), **JAN)
    # a class without a service charge prices the sizes of its tables by size
    sewer_only = schedule(BASE.replace("service_charge = { '3/4\"' = 20.00, '2\"' = 80.00 }\n", ""))
    assert sewer_only.meter_sizes("RES") == ['3/4"', '2"']
    with pytest.raises(InputError, match="Meter size: '1\"' has no charge in class RES"):
        quote("RES", '1"', 25, 30, schedule=sewer_only, **JAN)
    assert quote("RES", '3/4"', 25, 30, schedule=sewer_only, **JAN).total_cents == 19700 - 2000


def test_a_flat_charge_by_meter_size():
    s = schedule(BASE + "[[versions.classes.RES.flat]]\nname = \"Fire protection\"\ncategory = \"fire\"\n"
                        "amount = { '3/4\"' = 2.10, '2\"' = 9.45 }\n")
    assert lines(quote("RES", '2"', 0, 30, schedule=s, **JAN))[-1] == ('Fire protection 2" meter', 945)
    assert lines(quote("RES", '3/4"', 0, 30, schedule=s, **JAN))[-1] == ('Fire protection 3/4" meter', 210)


# --- rates to 8 decimals, rounded once per line by the schedule's rule -------------------------------
PER_GALLON = """name = "G"
{rounding}
[[versions]]
effective = 2025-07-01
[versions.classes.G]
name = "Per gallon"
unit = "GAL"
tiers = [ {{ up_to = 1000, rate = 0.007525 }}, {{ rate = 0.00752341 }} ]
"""


@pytest.mark.parametrize("rule,first,second", [
    # 1,000 gal x 0.007525 = 7.525 exactly; 11,345 gal x 0.00752341 = 85.35308645
    ("", 753, 8535), ('rounding = "half_up"', 753, 8535), ('rounding = "half_even"', 752, 8535),
    ('rounding = "down"', 752, 8535), ('rounding = "up"', 753, 8536),
])
def test_rates_to_eight_decimals_are_exact_and_each_line_is_rounded_once(rule, first, second):
    s = schedule(PER_GALLON.format(rounding=rule))
    c = quote("G", "any", 12_345, 30, schedule=s, **JAN)
    assert [l.amount_cents for l in c.lines] == [first, second]
    assert c.lines[1].explain() == "Water tier 2 (over 1000 GAL): 11345 GAL x 0.00752341"
    # the rate is not cut to 5 places first (11,345 x 0.00752 = 85.3144 -> 85.31)
    assert c.lines[1].rate == Decimal("0.00752341")


def test_more_than_eight_decimals_or_an_unknown_rounding_rule_is_refused_with_line_and_key():
    with pytest.raises(InputError, match=r"^g.toml, line 8: .*tiers\[2\].rate: .*no more than 8 decimal places"):
        parse_schedule(PER_GALLON.format(rounding="").replace("0.00752341", "0.007523411"), "g.toml")
    with pytest.raises(InputError, match=r"^g.toml, line 2: rounding: Input should be 'half_up', 'half_even', "
                                         r"'down' or 'up'"):
        parse_schedule(PER_GALLON.format(rounding='rounding = "bankers"'), "g.toml")


# --- what the checker refuses in tables by size ------------------------------------------------
@pytest.mark.parametrize("old,new,line,message", [
    ("{ up_to = { '3/4\"' = 20, '2\"' = 160 }", "{ up_to = { '3/4\"' = 20, '2\"' = 50 }", 10,
     r"tiers: tier 2: up_to 50 for 2\" must be above the tier before \(80\)"),
    ("{ up_to = { '3/4\"' = 20, '2\"' = 160 }", "{ up_to = { '3/4\"' = 20 }", 10,
     r"tiers: tier 2: up_to has no limit for 2\" \(named in another tier's up_to\)"),
    ("'2\"' = 80 }, rate = 3.00", "'2\"' = 80.5 }, rate = 3.00", 11,
     r"tiers\[1\].up_to: 2\": Input should be a valid integer, got a number with a fractional part"),
    ("fixed = { '3/4\"' = 15.00, '2\"' = 60.00 }", "fixed = { '3/4\"' = 15.00, '2\"' = 60.00, '6\"' = 90.00 }", 18,
     r"sewer.fixed: 6\" is not a meter size of the class \(the sizes of service_charge: 3/4\", 2\"\)"),
    ("fixed = { '3/4\"' = 15.00, '2\"' = 60.00 }", "fixed = { '3/4\"' = 15.00 }", 18,
     r"sewer.fixed: no figure for 2\" \(the sizes of service_charge: 3/4\", 2\"\)"),
    ("fixed = { '3/4\"' = 15.00, '2\"' = 60.00 }", "fixed = { '3/4\"' = 15.00, '2\"' = -60.00 }", 18,
     r"sewer.fixed: 2\": Input should be greater than or equal to 0"),
    ("percent = 90\n", "percent = 90\nrate = 4.00\n", 15, r"sewer: .*give one usage charge: rate, tiers or water_charge_percent"),
    ('basis = "metered"', 'basis = "flat"', 15, r"sewer: .*sewer tiers need basis"),
])
def test_tables_by_size_that_would_bill_wrong_are_refused_with_line_and_key(old, new, line, message):
    assert old in BASE
    with pytest.raises(InputError, match=rf"^s.toml, line {line}: versions\[1\].classes.RES.{message}"):
        parse_schedule(BASE.replace(old, new, 1), "s.toml")


def test_tiers_by_size_in_every_table_name_the_class_sizes():
    # every tier written for the 3/4" only: a 2" would have no ladder
    text = BASE.replace("{ up_to = { '3/4\"' = 10, '2\"' = 80 }", "{ up_to = { '3/4\"' = 10 }").replace(
        "{ up_to = { '3/4\"' = 20, '2\"' = 160 }", "{ up_to = { '3/4\"' = 20 }")
    with pytest.raises(InputError, match=r"^s.toml, line 11: versions\[1\].classes.RES.tiers\[1\].up_to: "
                                         r"no figure for 2\""):
        parse_schedule(text, "s.toml")


def test_an_empty_tier_for_a_size_prices_nothing_in_it():
    # an allowance by size: the 2" meter's first block already reaches the second tier's limit
    text = BASE.replace("{ up_to = { '3/4\"' = 20, '2\"' = 160 }", "{ up_to = 80")
    c = quote("RES", '2"', 100, 30, schedule=schedule(text), **JAN)
    # 80 x 3 = 240.00, tier 2 (80-80) takes nothing, 20 x 5 = 100.00
    assert lines(c)[1:3] == [("Water tier 1 (0-80 HCF)", 24000), ("Water tier 3 (over 80 HCF)", 10000)]


# --- a minimum whose included units depend on the meter ------------------------------------------
ALLOWANCE = BASE[:BASE.index("service_charge")] + """unit = "CCF"
tiers = [ { up_to = 3, rate = 6.00 }, { up_to = 20, rate = 3.65 }, { rate = 1.80 } ]
[versions.classes.RES.minimum]
units = { '5/8"' = 3, '1"' = 6, '2"' = 17 }
amount = { '5/8"' = 27.00, '1"' = 37.95, '2"' = 78.10 }
"""


def test_a_minimum_by_meter_size_includes_that_meters_units():
    s = schedule(ALLOWANCE)
    assert s.meter_sizes("RES") == ['5/8"', '1"', '2"']  # (no service charge: the minimum's sizes)
    # 5/8": 27.00 includes 3 CCF; 10 CCF: the 7 above at the block they fall in, 7 x 3.65 = 25.55
    c = quote("RES", '5/8"', 10, 30, schedule=s, **JAN)
    assert lines(c) == [('Minimum charge 5/8" meter, includes 3 CCF', 2700), ("Water tier 2 (3-20 CCF)", 2555)]
    # 2": 78.10 includes 17 CCF: 10 CCF is the minimum alone (no $0.00 line); 25 CCF:
    #   3 x 3.65 = 10.95 (17-20) and 5 x 1.80 = 9.00 above 20
    assert lines(quote("RES", '2"', 10, 30, schedule=s, **JAN)) == [('Minimum charge 2" meter, includes 17 CCF', 7810)]
    assert [a for _, a in lines(quote("RES", '2"', 25, 30, schedule=s, **JAN))] == [7810, 1095, 900]
    # two months: each size's units and amount twice (1": 12 CCF included, 2 x 37.95)
    two = quote("RES", '1"', 12, 61, schedule=s, end=D(2026, 1, 31), cycle="2")
    assert lines(two) == [('Minimum charge 1" meter, includes 12 CCF', 7590)]
    with pytest.raises(InputError, match="Meter size: '3/4\"' has no charge in class RES"):
        quote("RES", '3/4"', 10, 30, schedule=s, **JAN)


@pytest.mark.parametrize("old,new,message", [
    ("'2\"' = 17 }", "'2\"' = 17, '6\"' = 170 }",
     # (the first table by size names the class's sizes: the amount then lacks the 6")
     r"minimum.amount: no figure for 6\" \(the sizes of the class's first table by size: 5/8\", 1\", 2\", 6\"\)"),
    (", '2\"' = 78.10 }", " }", r"minimum.amount: no figure for 2\""),
    ("'1\"' = 6,", "'1\"' = 6.5,", r"minimum.units: 1\": Input should be a valid integer"),
    ("'2\"' = 78.10 }", "'2\"' = -78.10 }", r"minimum.amount: 2\": Input should be greater than or equal to 0"),
    # "the minimum up to N units, else every unit from zero": checked for each size's N
    ("amount = {", 'over = "all"\namount = {',
     r"minimum: .*tiers charge 7 units \$32.60 \(a 1\" meter\), less than the minimum \$37.95 for 6"),
])
def test_a_minimum_by_meter_size_that_would_bill_wrong_is_refused_with_line_and_key(old, new, message):
    assert old in ALLOWANCE
    with pytest.raises(InputError, match=rf"^a.toml, line \d+: versions\[1\].classes.RES.{message}"):
        parse_schedule(ALLOWANCE.replace(old, new, 1), "a.toml")


def test_a_sewer_fixed_charge_that_includes_units_bills_the_units_above():
    s = schedule(BASE.replace("percent = 90\n", "percent = 90\nincluded = 4\n"))
    # 3/4", 25 HCF: sewer units 22 (90%); the fixed 15.00 includes 4; tier 1 bills 4-10:
    #   6 x 2.50 = 15.00; tier 2 12 x 3.50 = 42.00 (each unit at the block it falls in)
    c = quote("RES", '3/4"', 25, 30, schedule=s, **JAN)
    assert lines(c)[4:] == [('Sewer service charge 3/4" meter, includes 4 HCF', 1500),
                            ("Sewer tier 1 (0-10 HCF, 90% of metered)", 1500),
                            ("Sewer tier 2 (over 10 HCF, 90% of metered)", 4200)]
    # two months: 8 included (the limit 20): 40 HCF -> 36 sewer units: 12 x 2.50 + 16 x 3.50
    two = quote("RES", '3/4"', 40, 61, schedule=s, end=D(2026, 1, 31), cycle="2")
    assert [a for d, a in lines(two) if d.startswith("Sewer")] == [3000, 3000, 5600]
    # within the included units: the fixed charge alone
    assert [d for d, _ in lines(quote("RES", '3/4"', 4, 30, schedule=s, **JAN)) if d.startswith("Sewer")] == [
        'Sewer service charge 3/4" meter, includes 4 HCF']


@pytest.mark.parametrize("new", ['basis = "flat"\nincluded = 4', 'basis = "metered"\nincluded = 4\nwater_charge_percent = 80'])
def test_included_sewer_units_without_a_rate_or_tiers_are_refused(new):
    text = BASE[:BASE.index("[versions.classes.RES.sewer]")] + f"[versions.classes.RES.sewer]\n{new}\nfixed = 15.00\n"
    with pytest.raises(InputError, match=r"^s.toml, line \d+: versions\[1\].classes.RES.sewer: .*included \(units in "
                                         r"the fixed charge\) needs a usage charge: rate or tiers"):
        parse_schedule(text, "s.toml")


# --- a rate change: split by days, or the whole period at one version's rates ------------------------
CHANGE = """name = "R"
{rule}
[cycles]
"1" = "monthly"
[[versions]]
effective = 2025-07-01
[versions.classes.RES]
name = "Residential"
service_charge = {{ '3/4"' = 20.00 }}
tiers = [ {{ rate = 3.00 }} ]
[[versions]]
effective = 2026-07-01
[versions.classes.RES]
name = "Residential"
service_charge = {{ '3/4"' = 22.00 }}
tiers = [ {{ rate = 3.30 }} ]
"""
SPAN = (D(2026, 6, 16), D(2026, 7, 16))  # 15 days each side of the change


def bill(rule, usage=30, period=SPAN):
    s = schedule(CHANGE.format(rule=rule))
    return price_bill(s, "RES", '3/4"', usage, *period, cycle="1")


def test_split_by_days_is_the_default_and_unchanged():
    # 15/30 of each: 0.5 x 20 = 10.00, 15 x 3 = 45.00, 0.5 x 22 = 11.00, 15 x 3.30 = 49.50; 115.50
    c = bill("")
    assert [a for _, a in lines(c)] == [1000, 4500, 1100, 4950] and c.total_cents == 11550
    assert bill('rate_change = "split_by_days"').lines == c.lines and c.note == ""


def test_period_end_bills_the_whole_period_at_the_rates_on_the_read_date():
    # 22.00 + 30 x 3.30 = 99.00; total 121.00
    c = bill('rate_change = "period_end"')
    assert lines(c) == [('Service charge 3/4" meter [2026-07-01 rates]', 2200),
                        ("Water tier 1 (over 0 HCF) [2026-07-01 rates]", 9900)]
    assert c.total_cents == 12100 and c.versions == [D(2026, 7, 1)]
    assert c.note == ("Rate change of 2026-07-01 not split: the whole period at the 2026-07-01 rates "
                      "(those of its read date)")
    words = " ".join(c.text().split())  # long lines wrap, never cut
    assert "the whole period at the 2026-07-01 rates (those of its read date)" in words
    assert "[2026-07-01 rates]: 1 months x 22.00 $22.00" in words
    # read on the effective date itself: the new rates (a split bill has no day after the change)
    on_the_day = bill('rate_change = "period_end"', period=(D(2026, 6, 1), D(2026, 7, 1)))
    assert on_the_day.total_cents == 2200 + 9900 and bill("", period=(D(2026, 6, 1), D(2026, 7, 1))).total_cents == 11000


def test_period_start_bills_the_whole_period_at_the_rates_of_its_first_day():
    # 20.00 + 30 x 3.00 = 90.00; total 110.00
    c = bill('rate_change = "period_start"')
    assert [a for _, a in lines(c)] == [2000, 9000] and c.total_cents == 11000
    assert "at the 2025-07-01 rates (those of its first day)" in c.note


@pytest.mark.parametrize("rule", ['rate_change = "period_end"', 'rate_change = "period_start"'])
def test_without_a_change_in_the_period_every_rule_bills_alike(rule):
    period = (D(2026, 7, 16), D(2026, 8, 15))
    assert bill(rule, period=period).lines == bill("", period=period).lines
    assert bill(rule, period=period).note == ""


def test_the_bill_run_prices_a_rate_change_by_the_schedules_rule():
    s = schedule(CHANGE.format(rule='rate_change = "period_end"'))
    facts = AccountFacts(1, "RES", "1", "active", D(2026, 6, 16), None, meter_size='3/4"',
                         reads=((D(2026, 6, 16), 0, 0, "HCF"), (D(2026, 7, 16), 30, 30, "HCF")))
    plan = plan_bill(s, facts, D(2026, 7, 16))
    assert plan.calc.total_cents == 12100 and plan.calc.note.startswith("Rate change of 2026-07-01")


def test_an_unknown_rate_change_rule_is_refused_with_line_and_key():
    with pytest.raises(InputError, match=r"^r.toml, line 2: rate_change: Input should be 'split_by_days', "
                                         r"'period_end' or 'period_start'"):
        parse_schedule(CHANGE.format(rule='rate_change = "never"'), "r.toml")


def test_the_rate_file_readmes_sample_bills_what_it_shows():
    readme = (DEMO_RATES.parent / "rates" / "README.md").read_text()
    section = readme.split("## A sample")[1].split("## Arithmetic")[0]
    toml, shown = section.split("```toml")[1].split("```")[0], section.split("```\n")[2]
    c = quote("RES", '3/4"', 25, 30, schedule=schedule(toml), **JAN)
    assert c.text().split("\n")[1:] == shown.rstrip("\n").split("\n")
