"""The schedules shipped in ubtui/data/rates, each tested against example bills whose arithmetic
is written out beside them.  Eleven hold figures copied from stored copies of the districts' own
pages; seven of them are tested against the page's own example bill or figures: San Juan's
worked bill, Gresham's average bill, Columbus Water Works' 16 CCF example, Sheffield's
wastewater bill, Green Mountain's sewer on the winter billing, Owatonna Utilities'
new-location and sewer-only charges, Longview's sewer minimum on the winter average.
Sheffield's water table is checked against itself (each minimum = $9.00 + the blocks of its
allowance); Phelan Pinon Hills, Joshua Basin and Mahanoy publish no example bill.  The other
five have representative figures (their headers say so), so their examples are computed by
hand from the file's figures, not taken from a publication."""
import datetime as dt
from decimal import Decimal

import pytest

from ubtui.billing import AccountFacts, PastBill, plan_bill
from ubtui.rates import DEMO_RATES, load_schedule_file, price_bill, quote

RATES = DEMO_RATES.parent / "rates"
D = dt.date


def schedule(name):
    return load_schedule_file(RATES / f"{name}.toml").schedule


def lines(calc):
    return [(l.description, l.amount_cents) for l in calc.lines]


def test_every_shipped_schedule_names_its_source_and_effective_date():
    files = sorted(RATES.glob("*.toml"))
    assert len(files) >= 5
    for f in files:
        text = f.read_text()
        s = load_schedule_file(f).schedule
        head = text.split("\nname =")[0]
        assert "effective" in head.lower() and str(s.versions[0].effective) in head, f.name
        assert s.district and s.district.split(",")[0].split(" (")[0] in head.replace("\n# ", " "), f.name


def test_cal_water_bayshore_residential_bill():
    # 5/8" meter (the tariff's 5/8 x 3/4-in.), 12 Ccf in a month:
    #   service 30.52; 7 x 6.7553 = 47.2871 -> 47.29; 5 x 7.4308 = 37.154 -> 37.15
    #   CPUC fee 1.44% of 114.96 = 1.655424 -> 1.66; total 116.62
    c = quote("RES", '5/8"', 12, 30, end=D(2024, 3, 1), cycle="1", schedule=schedule("calwater_bayshore"))
    assert lines(c) == [('Service charge 5/8x3/4" meter', 3052), ("Water tier 1 (0-7 CCF)", 4729),
                        ("Water tier 2 (7-16 CCF)", 3715), ("CPUC reimbursement fee 1.44%", 166)]
    assert c.total_cents == 11662
    assert "Water tier 1 (0-7 CCF): 7 CCF x 6.7553" in c.text()


def test_fairfax_water_quarterly_bill_and_a_closing_bill_by_days():
    s = schedule("fairfax_water")
    # a quarter (91 days), 18,000 gallons: base 12.08 + 18 x 3.79 = 68.22; total 80.30
    q = price_bill(s, "RES", '5/8"', 18_400, D(2024, 4, 1), D(2024, 7, 1), cycle="Q2", usage_unit="GAL")
    assert lines(q) == [('Service charge 5/8" meter', 1208), ("Water tier 1 (over 0 KGAL)", 6822)]
    assert q.total_cents == 8030 and q.lines[0].unit == "quarters"
    # a closing bill of 45 days: 45 x 12 / 365 = 1.4795 months = 0.49315 quarter x 12.08 = 5.957 -> 5.96
    final = price_bill(s, "RES", '5/8"', 10, D(2024, 7, 1), D(2024, 8, 15), cycle="Q2", kind="final")
    assert lines(final) == [('Service charge 5/8" meter', 596), ("Water tier 1 (over 0 KGAL)", 3790)]


def test_santa_rosa_bimonthly_bill_with_sewer_on_the_winter_average():
    s = schedule("santa_rosa")
    # two months, 24 Ccf, winter average 4.5 Ccf a month:
    #   service 42.10; 8 x 5.64 = 45.12; 12 x 6.62 = 79.44; 4 x 8.39 = 33.56
    #   sewer 38.96 + (4.5 x 2 = 9 Ccf) x 11.34 = 102.06; total 341.24
    c = price_bill(s, "SFR", '5/8"', 24, D(2023, 9, 1), D(2023, 11, 1), cycle="A", winter_average=Decimal("4.5"))
    assert lines(c) == [('Service charge 5/8" meter', 4210), ("Water tier 1 (0-8 CCF)", 4512),
                        ("Water tier 2 (8-20 CCF)", 7944), ("Water tier 3 (over 20 CCF)", 3356),
                        ("Sewer service charge", 3896), ("Sewer usage (winter average)", 10206)]
    assert c.total_cents == 34124
    # no winter history: the class average, 5 a month -> 10 Ccf; a heavy winter is capped at 18 Ccf
    new = price_bill(s, "SFR", '5/8"', 24, D(2023, 9, 1), D(2023, 11, 1), cycle="A")
    assert lines(new)[-1] == ("Sewer usage (class average)", 11340)
    heavy = price_bill(s, "SFR", '5/8"', 24, D(2023, 9, 1), D(2023, 11, 1), cycle="A", winter_average=12)
    assert lines(heavy)[-1] == ("Sewer usage (capped at 18)", 20412)


def test_santa_rosa_bill_run_takes_the_winter_average_from_the_december_to_march_bills():
    s = schedule("santa_rosa")
    past = (PastBill(D(2023, 11, 1), D(2024, 1, 1), 8, False, "regular"),   # read in January: winter
            PastBill(D(2024, 1, 1), D(2024, 3, 1), 10, False, "regular"),   # read in March: winter
            PastBill(D(2024, 3, 1), D(2024, 5, 1), 30, False, "regular"))   # read in May: not winter
    facts = AccountFacts(1, "SFR", "A", "active", D(2023, 1, 1), None, meter_size='5/8"',
                         reads=((D(2024, 5, 1), 0, 0, "HCF"), (D(2024, 7, 1), 24, 24, "CCF")), bills=past)
    plan = plan_bill(s, facts, D(2024, 7, 1))
    # 18 Ccf over 122 days = 4.4262 a month x 2 months = 8.85 -> 9 Ccf
    assert lines(plan.calc)[-1] == ("Sewer usage (winter average)", 10206)
    assert plan.calc.total_cents == quote("SFR", '5/8"', 24, 61, end=D(2024, 7, 1), cycle="A", schedule=s,
                                          winter_average=Decimal(18) * 30 / 122).total_cents == 34124


def test_las_vegas_valley_summer_and_winter_tiers():
    s = schedule("las_vegas_valley")
    # 25,000 gallons read in July: summer tiers 10 x 1.16 + 10 x 2.08 + 5 x 3.12 = 48.00; + 12.01
    summer = quote("SF", '5/8"', 25, 30, end=D(2024, 7, 15), cycle="1", schedule=s)
    assert lines(summer)[1:] == [("Water tier 1 (0-10 KGAL), summer", 1160), ("Water tier 2 (10-20 KGAL), summer", 2080),
                                 ("Water tier 3 (20-35 KGAL), summer", 1560)]
    assert summer.total_cents == 6001
    # the same read in January: 5 x 1.16 + 5 x 2.08 + 10 x 3.12 + 5 x 4.51 = 69.95; + 12.01
    winter = quote("SF", '5/8"', 25, 30, end=D(2024, 1, 31), cycle="1", schedule=s)
    assert [a for _, a in lines(winter)] == [1201, 580, 1040, 3120, 2255] and winter.total_cents == 8196


def test_sacramento_multi_family_charges_per_dwelling_unit():
    s = schedule("sacramento")
    # 12 units on a 2" meter, 60 Ccf: base 77.07; 60 x 1.4264 = 85.584 -> 85.58;
    #   sewer 12 x 21.61 = 259.32; storm drainage 12 x 8.99 = 107.88; total 529.85
    c = quote("MFR", '2"', 60, 30, end=D(2024, 2, 1), dwelling_units=12, schedule=s)
    assert lines(c) == [('Service charge 2" meter', 7707), ("Water tier 1 (over 0 CCF)", 8558),
                        ("Sewer service charge per dwelling unit", 25932), ("Storm drainage", 10788)]
    assert c.total_cents == 52985
    single = quote("SFR", '1"', 10, 30, end=D(2024, 2, 1), schedule=s)
    # 41.45 + 14.264 -> 14.26 + 30.87 + 22.49 = 109.07
    assert single.total_cents == 10907
    with pytest.raises(Exception, match="Meter size: '5/8\"' has no service charge in class SFR"):
        quote("SFR", '5/8"', 10, 30, end=D(2024, 2, 1), schedule=s)


# --- schedules copied from stored copies of the districts' own pages (each file names the page) ---
def test_san_juan_water_district_worked_bill_from_its_rates_page():
    s = schedule("sjwd_retail")
    # The page's "Understanding Your Billed Charges": 63 days, 47 units, an up-to-1" meter:
    #   consumption 47 x $0.92 = $43.24; base charge $1.42 x 63 days = $89.46; total $132.70.
    # (The page reads 3/9/2017 to 5/11/2017 and prices every day at the May 2017 base charge;
    # the same 63 days wholly after the change:)
    c = price_bill(s, "RET", '1"', 47, D(2017, 5, 11), D(2017, 7, 13), cycle="1")
    assert lines(c) == [('Service charge 1" meter', 8946), ("Water tier 1 (over 0 CCF)", 4324)]
    assert c.total_cents == 13270 and c.lines[0].unit == "days"
    # the page's own read dates, as this engine bills them: split at 2017-05-01 by days,
    #   base 53 days x 1.24 = 65.72 and 10 days x 1.42 = 14.20;
    #   usage 47 x 53 / 63 = 39.54 -> 39 units x 0.92 = 35.88, the other 8 x 0.92 = 7.36;
    #   total 65.72 + 35.88 + 14.20 + 7.36 = 123.16
    split = price_bill(s, "RET", '1"', 47, D(2017, 3, 9), D(2017, 5, 11), cycle="1")
    assert [a for _, a in lines(split)] == [6572, 3588, 1420, 736] and split.total_cents == 12316
    # a 6" private fire line for 61 days: 61 x 0.87 = 53.07; a final bill is by days too
    fire = price_bill(s, "FIRE", '6"', 0, D(2017, 7, 2), D(2017, 9, 1), cycle="1", kind="final")
    assert lines(fire) == [('Service charge 6" meter', 5307)]


def test_phelan_pinon_hills_residential_month_and_a_rate_change():
    s = schedule("pphcsd")
    # 3/4" meter, 35 units, July 2024 rates: 27.17 + 9 x 3.27 (29.43) + 20 x 3.73 (74.60)
    #   + 6 x 8.98 (53.88) + Chromium-6 9.71 = 194.79
    c = quote("RES", '3/4"', 35, 31, end=D(2024, 8, 1), cycle="1", schedule=s)
    assert [a for _, a in lines(c)] == [2717, 2943, 7460, 5388, 971] and c.total_cents == 19479
    # 20 units, 2025-06-16 to 2025-07-16: 15 days each side of 2025-07-01, half a month each:
    #   limits 9 x 0.5 = 4.5 -> 5 and 29 x 0.5 = 14.5 -> 15 (half up); usage 10 and 10;
    #   2024 rates: 0.5 x 27.17 = 13.585 -> 13.59, 5 x 3.27 = 16.35, 5 x 3.73 = 18.65, 0.5 x 9.71 -> 4.86;
    #   2025 rates: 0.5 x 28.81 = 14.405 -> 14.41, 5 x 3.47 = 17.35, 5 x 3.96 = 19.80, 4.86;
    #   total 109.87
    split = quote("RES", '3/4"', 20, 30, end=D(2025, 7, 16), cycle="1", schedule=s)
    assert [a for _, a in lines(split)] == [1359, 1635, 1865, 486, 1441, 1735, 1980, 486]
    assert split.total_cents == 10987


def test_joshua_basin_tiers_for_small_meters_and_one_rate_for_large():
    s = schedule("jbwd")
    # 3/4" meter, 14 units: 45.55 + 5 x 8.00 (40.00) + 5 x 9.65 (48.25) + 4 x 11.30 (45.20) = 179.00
    c = quote("RES", '3/4"', 14, 31, end=D(2024, 2, 1), cycle="1", schedule=s)
    assert lines(c) == [('Service charge 3/4" meter', 4555), ("Water tier 1 (0-5 HCF)", 4000),
                        ("Water tier 2 (5-10 HCF)", 4825), ("Water tier 3 (10-20 HCF)", 4520)]
    assert c.total_cents == 17900
    # 1 1/2" meter, 14 units: 151.83 + 14 x 9.65 (135.10) = 286.93
    assert quote("LRG", '1-1/2"', 14, 31, end=D(2024, 2, 1), cycle="1", schedule=s).total_cents == 28693
    with pytest.raises(Exception, match="Meter size: '2\"' has no service charge in class LRG"):
        quote("LRG", '2"', 14, 31, end=D(2024, 2, 1), cycle="1", schedule=s)


def test_gresham_average_monthly_bill_from_its_rates_page():
    s = schedule("gresham")
    # The page: "Average monthly utility charge for water service $50.81" = water base charge
    #   $30.65 (service 23.58 + fire flow 7.07) + 6 units x $3.36 = $20.16.  Bills cover two
    #   months: 12 units, 2 x 23.58 = 47.16, 12 x 3.36 = 40.32, 2 x 7.07 = 14.14; 101.62 = 2 x 50.81
    c = quote("SFR", '5/8"', 12, 61, end=D(2023, 5, 1), cycle="1", schedule=s)
    assert [a for _, a in lines(c)] == [4716, 4032, 1414] and c.total_cents == 2 * 5081
    # 60 units in two months: the city's blocks 0-34, 35-54, over 54 (17 and 27 a month, doubled):
    #   47.16 + 34 x 3.36 (114.24) + 20 x 4.06 (81.20) + 6 x 5.06 (30.36) + 14.14 = 287.10
    big = quote("SFR", '5/8"', 60, 61, end=D(2023, 5, 1), cycle="1", schedule=s)
    assert [l.description for l in big.lines if l.category == "water"] == [
        "Water tier 1 (0-34 HCF)", "Water tier 2 (34-54 HCF)", "Water tier 3 (over 54 HCF)"]
    assert big.total_cents == 28710


def test_every_shipped_schedule_says_what_it_was_checked_and_tested_against():
    for f in sorted(RATES.glob("*.toml")):
        head = f.read_text().split("\nname =")[0]
        for word in ("Source:", "Effective:", "Checked against:", "Tested against"):
            assert word in head, (f.name, word)


def test_mahanoy_allowance_by_meter_size_and_rates_per_gallon_to_eight_decimals():
    s = schedule("mahanoy")
    # 5/8" month of 10,000 gallons: 18.46; the first 875 gallons in it; 4,114 x 0.00977273 =
    #   40.20501122 -> 40.21; 5,011 x 0.00665775 = 33.36198525 -> 33.36; total 92.03
    c = price_bill(s, "MET", '5/8"', 10_000, D(2013, 1, 2), D(2013, 2, 1), cycle="M")
    # (the service charge is the class's minimum by meter size: no $0.00 line for the allowance)
    assert lines(c) == [('Service charge 5/8" meter, includes 875 GAL', 1846),
                        ("Water tier 1 (0-4989 GAL)", 4021), ("Water tier 2 (4989-54851 GAL)", 3336)]
    assert c.total_cents == 9203 and c.lines[1].rate == Decimal("0.00977273")
    # a 2" meter's allowance is 4,989 gallons (the first block is wholly in it):
    #   147.66 + 5,011 x 0.00665775 (33.36) = 181.02
    big = price_bill(s, "MET", '2"', 10_000, D(2013, 1, 2), D(2013, 2, 1), cycle="M")
    assert lines(big) == [('Service charge 2" meter, includes 4989 GAL', 14766),
                          ("Water tier 2 (4989-54851 GAL)", 3336)]
    assert big.total_cents == 18102
    # within the allowance: the service charge alone, for any meter
    assert lines(price_bill(s, "MET", '1"', 875, D(2013, 1, 2), D(2013, 2, 1), cycle="M")) == [
        ('Service charge 1" meter, includes 875 GAL', 4614)]
    # a quarter (91 days), 30,000 gallons: allowance and limits x 3 (2,625, 14,967); 3 x 18.46 = 55.38;
    #   12,342 x 0.00977273 = 120.61503366 -> 120.62; 15,033 x 0.00665775 = 100.08595575 -> 100.09
    q = price_bill(s, "MET", '5/8"', 30_000, D(2013, 1, 1), D(2013, 4, 2), cycle="Q")
    assert [a for _, a in lines(q)] == [5538, 12062, 10009] and q.total_cents == 27609
    assert q.lines[0].description == 'Service charge 5/8" meter, includes 2625 GAL'
    with pytest.raises(Exception, match="Meter size: '10\"' has no charge in class MET"):
        price_bill(s, "MET", '10"', 10_000, D(2013, 1, 2), D(2013, 2, 1), cycle="M")


def test_mahanoy_bills_rendered_on_and_after_the_change_are_wholly_at_the_new_rates():
    # read 2012-12-15 for 2012-11-15 on: no split at 2012-12-01 (no earlier rates are needed)
    c = price_bill(schedule("mahanoy"), "MET", '2"', 10_000, D(2012, 11, 15), D(2012, 12, 15), cycle="M")
    assert c.total_cents == 18102 and c.versions == [D(2012, 12, 1)]
    assert c.note.startswith("Rate change of 2012-12-01 not split")
    # the bill run prices it alike (the class is the read date's: no rates before 2012-12-01)
    facts = AccountFacts(1, "MET", "M", "active", D(2012, 11, 15), None, meter_size='2"',
                         reads=((D(2012, 11, 15), 0, 0, "GAL"), (D(2012, 12, 15), 10_000, 10_000, "GAL")))
    plan = plan_bill(schedule("mahanoy"), facts, D(2012, 12, 15))
    assert plan.calc.lines == c.lines and plan.calc.total_cents == 18102


def test_columbus_water_works_sewer_tiers_and_the_pages_example():
    s = schedule("cww_sewer")
    # the page: 16 CCF; residential 5.15 + 15 x 3.42 = 51.30 -> 56.45 (capped at 15 CCF)
    res = quote("RES", "any", 16, 31, end=D(2024, 2, 1), cycle="1", schedule=s)
    assert lines(res) == [("Sewer service charge", 515), ("Sewer tier 1 (0-15 CCF, capped at 15)", 5130)]
    assert res.total_cents == 5645
    # non-residential continues: + 1 x 2.77 = 59.22
    non = quote("NRES", "any", 16, 31, end=D(2024, 2, 1), cycle="1", schedule=s)
    assert lines(non)[1:] == [("Sewer tier 1 (0-15 CCF, metered)", 5130), ("Sewer tier 2 (over 15 CCF, metered)", 277)]
    assert non.total_cents == 5922


def test_owatonna_sewer_service_charge_by_meter_size_on_the_winter_average():
    s = schedule("owatonna_sewer")
    # 3/4" meter, winter average 6.5 HCF a month: 16.33 + 7 (6.5 half up) x 2.08 = 14.56; 30.89
    c = price_bill(s, "SEW", '3/4"', 12, D(2023, 3, 1), D(2023, 3, 31), cycle="1", winter_average=Decimal("6.5"))
    assert lines(c) == [('Sewer service charge 3/4" meter', 1633), ("Sewer usage (winter average)", 1456)]
    assert c.total_cents == 3089
    # 2" on a winter average of 40: 59.21 + 83.20 = 142.41 (the average, even if the month used less)
    assert price_bill(s, "SEW", '2"', 5, D(2023, 3, 1), D(2023, 3, 31), cycle="1",
                      winter_average=40).total_cents == 14241
    # no winter history and no published default: the month's metered use, 12 x 2.08 = 24.96
    assert lines(price_bill(s, "SEW", '3/4"', 12, D(2023, 3, 1), D(2023, 3, 31), cycle="1")) == [
        ('Sewer service charge 3/4" meter', 1633), ("Sewer usage (metered)", 2496)]


def test_owatonna_utilities_2024_page_new_location_and_sewer_only_figures():
    s = schedule("owatonna_sewer")
    # The page: a new location without history is "assigned default usage of 6 CCF resulting in a
    #   usage charge of $18.78 per month" (6 x 3.13), plus the $17.50 service charge (every meter)
    new = price_bill(s, "SEW", '3/4"', 9, D(2024, 3, 1), D(2024, 3, 31), cycle="1")
    assert lines(new) == [("Sewer service charge", 1750), ("Sewer usage (class average)", 1878)]
    assert new.total_cents == 3628
    # "The monthly service charge of $17.50, plus the assigned charge of $21.91 for 7 CCF, results
    #   in a total monthly charge of $39.41" (SW96, sewer only: no water meter, no usage)
    only = price_bill(s, "SW96", "none", 0, D(2024, 3, 1), D(2024, 3, 31), cycle="1")
    assert lines(only) == [("Sewer service charge", 1750), ("Sewer usage (class average)", 2191)]
    assert only.total_cents == 3941
    # with a winter average of 4.6 CCF the average all year, even in a month of 20: 17.50 + 5 x 3.13
    assert price_bill(s, "SEW", '2"', 20, D(2024, 7, 1), D(2024, 7, 31), cycle="1",
                      winter_average=Decimal("4.6")).total_cents == 1750 + 1565


def test_sheffield_wastewater_worked_bill_from_its_page():
    s = schedule("sheffield_wastewater")
    # The page: "Water Consumption shown on bill is 50 CGL (5,000 gallons). 50 x $0.340 = $17.00;
    #   Availability Charge = $18.49; Total Wastewater Bill = $35.49" (the 2011-11-01 charges)
    c = price_bill(s, "RES", "any", 5000, D(2011, 12, 15), D(2012, 1, 14), cycle="1")
    assert lines(c) == [("Sewer service charge", 1849), ("Sewer usage (metered)", 1700)]
    assert c.total_cents == 3549
    # read in thousands of gallons: 5 KGAL is the same 5,000 gallons
    assert price_bill(s, "RES", "any", 5, D(2011, 12, 15), D(2012, 1, 14), cycle="1",
                      usage_unit="KGAL").total_cents == 3549
    # "no charge for wastewater disposal in excess of 7,480 gallons": 10,000 gallons are charged
    #   7,480 x 0.0034 = 25.432 -> 25.43
    capped = price_bill(s, "RES", "any", 10_000, D(2011, 12, 15), D(2012, 1, 14), cycle="1")
    assert lines(capped)[1] == ("Sewer usage (capped at 7480)", 2543)
    # the page's other dates: 5,000 gallons at 16.30 + 5,000 x 0.00297 (14.85) = 31.15 (2010)
    #   and 20.70 + 5,000 x 0.00384 (19.20) = 39.90 (2012)
    assert price_bill(s, "RES", "any", 5000, D(2011, 1, 1), D(2011, 1, 31), cycle="1").total_cents == 3115
    assert price_bill(s, "RES", "any", 5000, D(2013, 1, 1), D(2013, 1, 31), cycle="1").total_cents == 3990


def test_sheffield_water_minimum_allows_cubic_feet_by_meter_size():
    s = schedule("sheffield_water")
    # The page's table agrees with itself: every meter's minimum is $9.00 plus the commodity
    #   charges of the cubic feet it allows (first 300 at 6.00, next 1,700 at 3.65, over 2,000 at 1.80)
    m = s.versions[0].classes["RES"].minimum
    blocks = ((0, 3, Decimal("6.00")), (3, 20, Decimal("3.65")), (20, 10**6, Decimal("1.80")))
    for size in ('5/8"', '3/4"', '1"', '1-1/2"', '2"', '3"', '4"', '6"'):
        units, amount = m.at(size)
        commodity = sum(max(0, min(units, hi) - lo) * rate for lo, hi, rate in blocks)
        assert amount == Decimal("9.00") + commodity, size
    # 5/8", 1,000 cubic feet: the minimum's 300 and 7 x 3.65 = 25.55 above: 52.55 (= 9.00 + 18.00 + 25.55)
    c = price_bill(s, "RES", '5/8"', 10, D(2010, 1, 5), D(2010, 2, 4), cycle="1")
    assert lines(c) == [('Minimum charge 5/8" meter, includes 3 CCF', 2700), ("Water tier 2 (3-20 CCF)", 2555)]
    assert c.total_cents == 5255
    # 2": 1,000 cubic feet is inside its 1,700 (78.10 alone); 2,500: 3 x 3.65 + 5 x 1.80 above,
    #   98.05, the 3" meter's minimum for the same 2,500 cubic feet
    assert lines(price_bill(s, "RES", '2"', 10, D(2010, 1, 5), D(2010, 2, 4), cycle="1")) == [
        ('Minimum charge 2" meter, includes 17 CCF', 7810)]
    assert price_bill(s, "RES", '2"', 25, D(2010, 1, 5), D(2010, 2, 4), cycle="1").total_cents == 9805
    # readings made on and after 2009-12-01: a period that began in November is all at these rates
    early = price_bill(s, "RES", '5/8"', 2, D(2009, 11, 5), D(2009, 12, 5), cycle="1")
    assert early.total_cents == 2700 and early.versions == [D(2009, 12, 1)]


def test_green_mountain_sewer_on_the_first_winter_billing_as_its_pages_example():
    s = schedule("green_mountain")
    # The 2025 page: "Water consumption for January or February 2024 = 10k gallons. Bi-Monthly sewer
    #   rate for 2025 = $55.40=(10 x $5.54)".  A two-month bill of 12,000 gallons read 2025-05-01 on
    #   that winter billing (10,000 in two months, 5 a month): the sewer line is the page's; the rest
    #   from the page's figures: water 12 x 6.97 = 83.64, service fee 39.30, infrastructure 20.00
    c = price_bill(s, "RES", '3/4"', 12, D(2025, 3, 1), D(2025, 5, 1), cycle="B", winter_average=5)
    assert lines(c) == [("Water tier 1 (0-16 KGAL)", 8364), ("Sewer usage (winter average)", 5540),
                        ("Service fee", 3930), ("Infrastructure replacement fee", 2000)]
    assert c.total_cents == 19834
    # the sewer is the winter billing's, not the bill's use (a dry 3,000-gallon bill: still 55.40)
    assert lines(price_bill(s, "RES", '3/4"', 3, D(2025, 3, 1), D(2025, 5, 1), cycle="B",
                            winter_average=5))[1] == ("Sewer usage (winter average)", 5540)
    # The 2026 page, the same example: 55.40; water 12 x 7.31 = 87.72, 45.20, 30.00 (that last figure
    #   not verified from the 2026 rates page: the file's header says so); total 218.32
    new = price_bill(s, "RES", '3/4"', 12, D(2026, 3, 1), D(2026, 5, 1), cycle="B", winter_average=5)
    assert [a for _, a in lines(new)] == [8772, 5540, 4520, 3000] and new.total_cents == 21832
    # 2025 multi-family, 4 units, 40,000 gallons: blocks per unit 8 and 25 -> 32 and 100;
    #   32 x 6.97 = 223.04, 8 x 7.80 = 62.40; sewer on a winter billing of 10 a month, 20 x 6.05 = 121.00;
    #   fees 4 x 19.65 = 78.60 and 4 x 10.00 = 40.00
    mf = price_bill(s, "MF", '2"', 40, D(2025, 3, 1), D(2025, 5, 1), cycle="B", dwelling_units=4, winter_average=10)
    assert lines(mf) == [("Water tier 1 (0-32 KGAL)", 22304), ("Water tier 2 (32-100 KGAL)", 6240),
                         ("Sewer usage (winter average)", 12100), ("Service fee", 7860),
                         ("Infrastructure replacement fee", 4000)]


def test_green_mountain_bill_run_takes_the_sewer_from_the_bill_read_in_january():
    s = schedule("green_mountain")
    past = (PastBill(D(2024, 11, 1), D(2025, 1, 1), 10, False, "regular"),   # read in January: the winter billing
            PastBill(D(2025, 1, 1), D(2025, 3, 1), 30, False, "regular"))    # read in March: not
    facts = AccountFacts(1, "RES", "B", "active", D(2024, 1, 1), None, meter_size='3/4"',
                         reads=((D(2025, 3, 1), 0, 0, "KGAL"), (D(2025, 5, 1), 12, 12, "KGAL")), bills=past)
    plan = plan_bill(s, facts, D(2025, 5, 1))
    # 10,000 gallons over 61 days = 4.918 a month x 2 months = 9.84 -> 10: the page's 55.40
    assert lines(plan.calc)[1] == ("Sewer usage (winter average)", 5540)
    assert plan.calc.total_cents == 19834


def test_longview_sewer_minimum_includes_2000_gallons_as_its_pages_example():
    s = schedule("longview_sewer")
    # The page: December 7,000 + January 6,800 + February 6,900 = 20,700 gallons / 3 = 6,900 a month;
    #   6,900 - 2,000 (the minimum's) = 4,900 x $3.95 a thousand = 19.355 -> "$19.36"; + $12.40 = "$31.76"
    #   (the page rounds half up, as this file does)
    c = price_bill(s, "RES", '5/8"', 9_000, D(2023, 3, 1), D(2023, 3, 31), cycle="1", winter_average=6900)
    assert lines(c) == [("Sewer service charge, includes 2000 GAL", 1240),
                        ("Sewer usage (winter average, over 2000)", 1936)]
    assert c.total_cents == 3176
    # a new customer: 6,000 gallons; 12.40 + 4,000 x 0.00395 = 15.80 -> 28.20; an average under the
    #   2,000 gallons is the minimum alone
    assert price_bill(s, "RES", '5/8"', 9_000, D(2023, 3, 1), D(2023, 3, 31), cycle="1").total_cents == 2820
    assert lines(price_bill(s, "RES", '5/8"', 9_000, D(2023, 3, 1), D(2023, 3, 31), cycle="1",
                            winter_average=1500)) == [("Sewer service charge, includes 2000 GAL", 1240)]
    # the 2014 figures (Resolution 4818): 12.25 + 4,900 x 0.00385 = 18.865 -> 18.87; 31.12
    assert price_bill(s, "RES", '5/8"', 9_000, D(2017, 3, 1), D(2017, 3, 31), cycle="1",
                      winter_average=6900).total_cents == 3112


def test_longview_bill_run_averages_the_december_to_february_bills():
    s = schedule("longview_sewer")
    past = (PastBill(D(2022, 11, 1), D(2022, 12, 1), 7_000, False, "regular"),   # November's use, billed in December
            PastBill(D(2022, 12, 1), D(2022, 12, 31), 6_800, False, "regular"),
            PastBill(D(2022, 12, 31), D(2023, 1, 30), 6_900, False, "regular"),
            PastBill(D(2023, 1, 30), D(2023, 3, 1), 30_000, False, "regular"))   # read in March: not winter
    facts = AccountFacts(1, "RES", "1", "active", D(2020, 1, 1), None, meter_size='5/8"',
                         reads=((D(2023, 3, 1), 0, 0, "GAL"), (D(2023, 3, 31), 12_000, 12_000, "GAL")), bills=past)
    # 20,700 gallons over 90 days = 6,900 a month: the page's $31.76, whatever the month used
    plan = plan_bill(s, facts, D(2023, 3, 31))
    assert lines(plan.calc)[1] == ("Sewer usage (winter average, over 2000)", 1936) and plan.calc.total_cents == 3176
