"""ubtui rates check / readings import / bill run|register|show|pdf|late-fees."""
import datetime as dt

from models import Account
from ubtui import readings
from ubtui.accounts import create_customer, create_premise, open_account
from ubtui.cli import main
from ubtui.rates import DEMO_RATES
from ubtui.security import system_user


def test_rates_check_good_and_bad(tmp_path, capsys):
    assert main(["rates", "check", str(DEMO_RATES), "--quote", "RES", '5/8"', "14"]) == 0
    out = capsys.readouterr().out
    assert "ok:" in out and "classes COM, CON, FIRE, IRR, MFR, RES" in out and "Total" in out
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
    assert "imported 1 reading(s); 0 in the exceptions list" in capsys.readouterr().out
    f.write_text("meter,date,reading\nCLI-1,2026-03-02,7x\n")
    assert main(db + ["readings", "import", str(f)]) == 2
    assert "line 2: reading '7x' is not a whole number" in capsys.readouterr().err
    assert main(db + ["bill", "run", "--cycle", "1", "--period-end", "2026-01-31", "--bill-date", "2026-01-31",
                     "--register"]) == 0
    out = capsys.readouterr().out
    assert "1 billed, 0 estimated" in out and "Bill register" in out and "1 bills, 0 estimated" in out
    assert main(db + ["bill", "run", "--cycle", "1", "--period-end", "2026-01-31"]) == 0
    assert "0 billed" in capsys.readouterr().out
    assert main(db + ["bill", "show", "1"]) == 0
    assert "Rivera, Sam" in capsys.readouterr().out
    assert main(db + ["bill", "pdf", "1", str(tmp_path / "b.pdf")]) == 0
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")
    assert main(db + ["bill", "late-fees", "--as-of", "2026-03-01"]) == 0
    assert "1 fee(s)" in capsys.readouterr().out
    assert main(db + ["bill", "late-fees", "--as-of", "2026-03-01", "--reverse", "wrong date"]) == 0
    assert "reversed 1 late fee(s)" in capsys.readouterr().out
    assert main(db + ["verify"]) == 0
    assert Account.get_by_id(a.id).balance_cents > 0
