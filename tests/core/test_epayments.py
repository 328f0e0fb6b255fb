"""The processor's file of web and phone payments (ubtui.epayments), on both backends: all of
it or nothing, each reference once, the file's line named, reconnects ordered."""
from __future__ import annotations

import datetime as _dt

import pytest

from models import AuditLog, Payment, Posting, Tender, WorkOrder
from ubtui import ledger
from ubtui.accounts import format_account_number, set_status
from ubtui.cli import main
from ubtui.epayments import import_payments
from ubtui.errors import InputError, PermissionDenied

TODAY = _dt.date.today()


def owing(system, acct, cents: int, key: str) -> None:
    ledger.post(system, key, "charge", [ledger.EntrySpec(acct.id, "charge", cents, "water", "Water bill")])


@pytest.fixture
def two(system, make_account):
    a, b = make_account(last_name="Ito"), make_account(last_name="Ruiz")
    owing(system, a, 5000, "c-a")
    owing(system, b, 8000, "c-b")
    return a, b


def test_a_file_posts_each_payment_once_however_often_it_is_imported(senior, two):
    a, b = two
    text = ("Account,Amount,Reference,Paid on,Method,Payer,Last4\n"
            f"{format_account_number(a.number)},50.00,TX-1001,{TODAY},card,\"Ito, Ken [/] \x1b[31m\",4242\n"
            f"{a.number},$1.25,TX-1002,{TODAY:%m/%d/%Y},echeck,,\n"
            f"{b.number},80,TX-1003,,,Rosa Ruiz,\n")
    r = import_payments(senior, text=text)
    assert (r.posted, r.total_cents, r.already) == (3, 13125, 0)
    assert ledger.account_balance(a.id) == -125 and ledger.account_balance(b.id) == 0
    pays = list(Payment.select().order_by(Payment.id))
    assert [p.channel for p in pays] == ["online"] * 3 and all(p.receipt_number.startswith("EP") for p in pays)
    assert [t.kind for t in Tender.select().order_by(Tender.payment)] == ["card", "ach", "card"]
    assert "\x1b" not in pays[0].payer_name and "[/]" in pays[0].payer_name  # stored text is data
    again = import_payments(senior, text=text + f"{b.number},5.00,TX-1004,,,,\n")  # yesterday's file, plus one
    assert (again.posted, again.total_cents, again.already) == (1, 500, 3)
    assert Payment.select().count() == 4
    row = AuditLog.select().where(AuditLog.action == "payment.import").order_by(AuditLog.id).first()
    assert "TX-1001" in row.after and "13125" in row.after


@pytest.mark.parametrize("line, said", [
    ("{a},12.3.4,TX-9,,,,", "line 3: amount '12.3.4'"),
    ("{a},5.00,TX-1,,,,", "line 3: reference TX-1 is also on line 2"),
    ("{a},5.00,TX 9,,,,", "line 3: reference 'TX 9' is not a transaction id"),
    ("{a},5.00,TX-9,2099-01-01,,,", "line 3: date 2099-01-01 is in the future"),
    ("{a},5.00,TX-9,,cash,,", "line 3: method 'cash' is not card or ach"),
    ("{a},5.00,TX-9,,card,,4111111111111111", "line 3: last4 '4111111111111111' is not the last 4 digits"),
    ("00019999,5.00,TX-9,,,,", "line 3: account '00019999': "),
    ("9999998,5.00,TX-9,,,,", "line 3: no account 9999998-"),
    ("{a},5.00", "line 3: 2 columns, the header has 7"),
])
def test_a_wrong_line_posts_nothing_and_is_named(senior, two, line, said):
    a, _ = two
    text = ("account,amount,reference,paid_on,method,payer,last4\n"
            f"{a.number},5.00,TX-1,,,,\n" + line.format(a=a.number) + "\n")
    before = Posting.select().count()
    with pytest.raises(InputError) as e:
        import_payments(senior, text=text)
    assert str(e.value).startswith(f"<file>, {said}"), str(e.value)
    assert Posting.select().count() == before and Payment.select().count() == 0


def test_a_header_without_the_needed_columns_is_refused(senior, two):
    with pytest.raises(InputError, match="line 1: the header needs columns amount, reference"):
        import_payments(senior, text="account,total\n00010017,5\n")
    with pytest.raises(InputError, match="the file is empty"):
        import_payments(senior, text="")


def test_a_disconnected_account_paid_up_gets_its_reconnect(senior, supervisor, two):
    a, _ = two
    set_status(supervisor, a.id, "disconnected", reason="shut off")
    r = import_payments(senior, text=f"account,amount,reference\n{a.number},50.00,TX-7\n")
    assert r.posted == 1 and len(r.reconnects) == 1 and "reconnect ordered" in r.reconnects[0]
    assert WorkOrder.select().where((WorkOrder.account == a.id) & (WorkOrder.kind == "reconnect")).count() == 1


def test_clerks_do_not_import(clerk, two):
    with pytest.raises(PermissionDenied):
        import_payments(clerk, text="account,amount,reference\n00010017,5,TX-1\n")


def test_the_command_line_prints_one_line(db_url, two, tmp_path, capsys):
    a, b = two
    good = tmp_path / "pay.csv"
    good.write_text(f"account,amount,reference\n{a.number},50,TX-1\n{b.number},10,TX-2\n", encoding="utf-8")
    assert main(["--database", db_url, "payments", "import", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "posted 2 payments, $60.00"
    assert main(["--database", db_url, "payments", "import", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "posted 0 payments, $0.00; 2 payments already posted by an earlier import"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"account,amount,reference\n{a.number},abc,TX-3\n", encoding="utf-8")
    assert main(["--database", db_url, "payments", "import", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{bad}, line 2: amount 'abc'" in err
