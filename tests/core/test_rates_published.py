"""The published schedules shipped in ubtui/data/rates: example bills computed by hand from
the figures in each file (the comment at the top of each file names its source)."""
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
        assert "effective" in head and str(s.versions[0].effective) in head, f.name
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
