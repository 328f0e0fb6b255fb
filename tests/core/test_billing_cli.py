"""ubtui rates check / readings import / bill run|register|show|pdf|late-fees."""
import datetime as dt
from decimal import Decimal

from models import Account
from ubtui import readings
from ubtui.accounts import create_customer, create_premise, open_account
from ubtui.cli import main
from ubtui.money import format_cents
from ubtui.rates import DEMO_RATES
from ubtui.security import system_user


def test_rates_check_good_and_bad(tmp_path, capsys):
    assert main(["rates", "check", str(DEMO_RATES), "--quote", "RES", '5/8"', "14"]) == 0
    out = capsys.readouterr().out
    assert "ok:" in out and "6 classes (COM, CON, FIRE, IRR, MFR, RES)" in out and "Total" in out
    bad = tmp_path / "rates.toml"
    bad.write_text(DEMO_RATES.read_text().replace("{ up_to = 20, rate = 4.05 }", "{ up_to = 20, rate = 'x' }"))
    assert main(["rates", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}, line" in err and "rate" in err


def test_import_run_register_show_pdf_and_fees(sqlite_url, tmp_path, capsys):
    s = system_user()
    c = create_customer(s, last_name="Rivera", first_name="Sam")
    p = create_premise(s, house_number="9", street="Oak Ave", route="07")
    a = open_account(s, premise=p, customers=[(c, "owner")], opened_on=dt.date(2026, 1, 1), status="active")
    readings.install_meter(s, p.id, "CLI-1", on=dt.date(2026, 1, 1), reading=50)
    f = tmp_path / "route07.csv"
    f.write_text("meter,date,reading\nCLI-1,2026-01-31,61\n")
    db = ["--database", sqlite_url]
    assert main(db + ["readings", "import", str(f), "--source", "route"]) == 0
    assert "imported 1 reading; 0 in the exceptions list" in capsys.readouterr().out
    f.write_text("meter,date,reading\nCLI-1,2026-03-02,7x\n")
    assert main(db + ["readings", "import", str(f)]) == 2
    assert "line 2: reading '7x' is not a whole number" in capsys.readouterr().err
    assert main(db + ["bill", "run", "--cycle", "1", "--period-end", "2026-01-31", "--bill-date", "2026-01-31",
                     "--register"]) == 0
    out = capsys.readouterr().out
    assert "1 billed, 0 estimated" in out and "Bill register" in out and "1 bill, 0 estimated" in out
    assert main(db + ["bill", "run", "--cycle", "1", "--period-end", "2026-01-31"]) == 0
    assert "0 billed" in capsys.readouterr().out
    assert main(db + ["bill", "show", "1"]) == 0
    assert "Rivera, Sam" in capsys.readouterr().out
    assert main(db + ["bill", "pdf", "1", str(tmp_path / "b.pdf")]) == 0
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")
    assert main(db + ["bill", "late-fees", "--as-of", "2026-03-01"]) == 0
    assert "1 fee," in capsys.readouterr().out
    assert main(db + ["bill", "late-fees", "--as-of", "2026-03-01", "--reverse", "wrong date"]) == 0
    assert "reversed 1 late fee" in capsys.readouterr().out
    assert main(db + ["verify"]) == 0
    assert Account.get_by_id(a.id).balance_cents > 0


def test_rates_check_quote_takes_every_input_a_bill_run_prices_with(capsys):
    from ubtui.rates import demo_schedule, price_bill
    args = ["rates", "check", str(DEMO_RATES), "--quote", "RES", '5/8"', "30", "--days", "61", "--end", "2026-03-02",
            "--cycle", "3", "--winter-average", "7.5", "--kind", "regular"]
    assert main(args) == 0
    out = capsys.readouterr().out
    bill = price_bill(demo_schedule(), "RES", '5/8"', 30, dt.date(2025, 12, 31), dt.date(2026, 3, 2), cycle="3",
                      winter_average=Decimal("7.5"))
    assert bill.by_category("service") == 4280 and "(61 days, 2 months)" in out
    assert "Sewer usage (winter average): 15 HCF x 3.95" in out  # 7.5 a month x 2 months
    assert out.rstrip().endswith(format_cents(bill.total_cents))
    assert main(args[:7] + ["--kind", "first", "--days", "15", "--end", "2026-01-31"]) == 0
    assert "(15 days, 0.5 months)" in capsys.readouterr().out
    for bad, said in ((["--days", "0"], "Days: must be a whole number from 1 to 400"),
                      (["--winter-average", "7.123"], "Winter average: must be units a month"),
                      (["--kind", "f"], "Bill kind: must be regular, first or final"),
                      (["--cycle", "9"], "Cycle: '9' is not a billing cycle"),
                      (["--dwelling-units", "x"], "Dwelling units: must be a whole number")):
        assert main(args[:7] + bad) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, err
    assert main(args[:6] + ["3O"]) == 2
    assert "Usage: must be a whole number" in capsys.readouterr().err


def test_rates_check_ok_line_is_short_for_a_long_history(tmp_path, capsys):
    text = DEMO_RATES.read_text()
    last = text[text.rindex("[[versions]]"):]
    f = tmp_path / "r.toml"
    f.write_text(text + "".join(last.replace("2026-07-01", f"{2027 + i}-07-01") for i in range(20)))
    assert main(["rates", "check", str(f)]) == 0
    assert "23 versions (2000-01-01 to 2046-07-01)" in capsys.readouterr().out


def test_rates_install_warns_of_accounts_the_schedule_would_not_bill(sqlite_url, tmp_path, capsys):
    s = system_user()
    c = create_customer(s, last_name="Ng", first_name="Al")
    p = create_premise(s, house_number="3", street="Elm St", route="07")
    open_account(s, premise=p, customers=[(c, "owner")], opened_on=dt.date(2026, 1, 1), status="active")
    readings.install_meter(s, p.id, "W-2", on=dt.date(2026, 1, 1), reading=0, size='2"')
    f = tmp_path / "rates.toml"
    f.write_text(DEMO_RATES.read_text().replace("'1-1/2\"' = 65.00, '2\"' = 100.05 }\nminimum", "'1-1/2\"' = 65.00 }\nminimum"))
    assert main(["--database", sqlite_url, "rates", "install", str(f)]) == 0
    out = capsys.readouterr().out
    assert "warning: class RES prices no 2\" meter (1 account): not billed until" in out
    assert main(["--database", sqlite_url, "rates", "install", str(DEMO_RATES)]) == 0
    assert "warning" not in capsys.readouterr().out


def test_rates_check_quote_prices_a_percent_of_water_sewer_on_the_winter_average(tmp_path, capsys):
    import re

    from ubtui.rates import load_schedule_file, price_bill
    f = tmp_path / "pct.toml"  # the demo's residential sewer as 80% of the water charge
    f.write_text(re.sub(r'sewer = \{ basis = "winter_average", rate = [0-9.]+,',
                        'sewer = { basis = "winter_average", water_charge_percent = 80,', DEMO_RATES.read_text()))
    args = ["rates", "check", str(f), "--quote", "RES", '5/8"', "30", "--days", "61", "--end", "2026-03-02",
            "--cycle", "3", "--winter-average", "7.5"]
    assert main(args) == 0
    out = capsys.readouterr().out
    bill = price_bill(load_schedule_file(f).schedule, "RES", '5/8"', 30, dt.date(2025, 12, 31), dt.date(2026, 3, 2),
                      cycle="3", winter_average=Decimal("7.5"))
    assert "Sewer 80% of water on 15 HCF (winter average)" in out  # 7.5 a month x 2 months
    assert out.rstrip().endswith(format_cents(bill.total_cents))
    assert bill.total_cents == sum(l.amount_cents for l in bill.lines)
