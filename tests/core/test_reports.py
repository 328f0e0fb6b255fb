"""The report mechanism (one definition, text/CSV/PDF) and the cashiering reports, CLI included."""
import csv
import datetime as _dt
import io

import pytest

from models import Payment
from ubtui import drawer, receipts, reports, voids
from ubtui import totals as day_totals
from ubtui.cli import main
from ubtui.errors import InputError, NotFound, PermissionDenied
from ubtui.payments import TenderIn

from .test_cashier import FLOAT, charge, pay

TODAY = _dt.date.today()


@pytest.fixture
def day(system, clerk, supervisor, make_account):
    drawer.create_drawer(system, "D1")
    drawer.open_drawer(clerk, "D1", count=FLOAT)
    a = make_account()
    charge(system, a, 10000)
    pay(clerk, a, "42.50", TenderIn(kind="cash", amount="50"), key="p1")
    pay(clerk, a, "30", TenderIn(kind="check", amount="30", check_number="12"), key="p2")
    r = pay(clerk, a, "5", key="p3")
    voids.void_payment(clerk, r.receipt_number, "wrong", "super1", "password-super1")
    drawer.drawer_movement(clerk, "drop", "20", "", "drop1")
    return a


def test_cash_journal_rows_totals_and_voids(day, clerk):
    res = reports.run_report(clerk, "cash-journal", {"date": TODAY.isoformat()})
    assert [r["status"] for r in res.rows] == ["", "", "VOID"]
    assert res.totals == {"amount": 7250}  # the voided $5.00 is listed, not totalled
    text = reports.to_text(res)
    assert "Daily cash receipts journal" in text and "check #12" in text and "$72.50" in text


def test_cash_journal_shows_the_counter_clock_not_utc(day, clerk, pacific_time):
    """Stored in UTC, shown in local time, as on the receipt: a payment at 01:00 UTC on the
    16th was taken at 18:00 on the 15th in California (PDT)."""
    first = Payment.select().order_by(Payment.id).first()
    Payment.update(created_at=_dt.datetime(2026, 3, 16, 1, 0)).where(Payment.id == first.id).execute()
    rows = reports.run_report(clerk, "cash-journal", {"date": TODAY.isoformat()}).rows
    assert [r["time"] for r in rows if r["receipt"] == first.receipt_number] == [_dt.datetime(2026, 3, 15, 18, 0)]
    assert receipts.receipt(clerk, first.receipt_number).taken_at == _dt.datetime(2026, 3, 15, 18, 0)


def test_csv_uses_plain_amounts(day, clerk):
    res = reports.run_report(clerk, "cash-journal", {})
    rows = list(csv.reader(io.StringIO(reports.to_csv(res))))
    assert rows[0][:2] == ["Receipt", "Time"] and len(rows) == 5
    assert rows[1][7] == "42.50" and rows[-1][7] == "72.50" and rows[-1][0] == "TOTAL"


def test_drawer_summary_is_blind_until_counted(day, clerk, supervisor):
    with pytest.raises(PermissionDenied):
        reports.run_report(clerk, "drawer-summary", {})
    row = reports.run_report(supervisor, "drawer-summary", {}).rows[0]
    assert (row["float"], row["receipts"], row["cash"], row["change"], row["drops"]) == (19000, 7250, 5000, 750, 2000)
    assert row["expected"] is None and row["checks"] == 3000 and row["voids"] == 500
    drawer.count_drawer(clerk, cash={"100": 2, "10": 1, "1": 2, "0.25": 2})  # 212.50 = 190 + 50 - 7.50 - 20
    drawer.close_drawer(clerk)
    row = reports.run_report(supervisor, "drawer-summary", {}).rows[0]
    assert (row["expected"], row["counted"], row["over_short"]) == (21250, 21250, 0)


def test_pdf_output(day, supervisor, tmp_path):
    res = reports.run_report(supervisor, "drawer-summary", {})
    p = reports.write(res, "pdf", tmp_path / "d.pdf")
    assert p.read_bytes().startswith(b"%PDF")
    with pytest.raises(InputError, match="--output"):
        reports.write(res, "pdf", None)


def test_bad_params_and_unknown_report(clerk):
    with pytest.raises(InputError) as e:
        reports.run_report(clerk, "cash-journal", {"date": "31/12/2026"})
    assert e.value.field == "Date"
    with pytest.raises(InputError):
        reports.run_report(clerk, "cash-journal", {"colour": "red"})
    with pytest.raises(NotFound):
        reports.run_report(clerk, "nope", {})


def test_a_new_report_is_only_a_definition(clerk):
    rep = reports.Report("test-squares", "Squares", (reports.Column("n", "N", "int"), reports.Column("m", "Money", "money")),
                         rows=lambda user, p: [{"n": i, "m": i * i} for i in range(1, 4)], totals=("m",), params=())
    reports.register(rep)
    try:
        res = reports.run_report(clerk, "test-squares")
        assert res.totals == {"m": 14}
        assert reports.to_csv(res).splitlines() == ["N,Money", "1,0.01", "2,0.04", "3,0.09", "TOTAL,0.14"]
    finally:
        reports.REPORTS.pop("test-squares")


def test_cli_report_list_and_run(day, db_url, tmp_path, capsys):
    assert main(["--database", db_url, "report", "list"]) == 0
    assert "cash-journal" in capsys.readouterr().out
    out = tmp_path / "j.csv"
    assert main(["--database", db_url, "report", "cash-journal", "--date", TODAY.isoformat(), "--format", "csv",
                 "--output", str(out)]) == 0
    assert "42.50" in out.read_text()
    assert main(["--database", db_url, "report", "drawer-summary", "--date", "2026-13-01"]) == 2
    assert "Date" in capsys.readouterr().err
    assert main(["--database", db_url, "report", "drawer-summary", "--format", "pdf", "--output",
                 str(tmp_path / "s.pdf")]) == 0
    assert main(["--database", db_url, "drawer", "list"]) == 0
    assert "open by clerk1" in capsys.readouterr().out


# --- audit trail ----------------------------------------------------------------------------
def test_audit_trail_lists_the_day_s_changes_by_user(day, clerk, supervisor):
    with pytest.raises(PermissionDenied):
        reports.run_report(clerk, "audit-trail", {})
    rows = reports.run_report(supervisor, "audit-trail", {}).rows
    actions = [r["action"] for r in rows if r["user"] == "clerk1"]
    assert actions.count("payment.take") == 3 and "payment.void" in actions and "drawer.open" in actions
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    mine = reports.run_report(supervisor, "audit-trail", {"user": "clerk1"}).rows
    assert mine and {r["user"] for r in mine} == {"clerk1"}
    assert reports.run_report(supervisor, "audit-trail", {"date": (TODAY - _dt.timedelta(days=1)).isoformat()}).rows == []
    assert "payment.take" in reports.to_text(reports.run_report(supervisor, "audit-trail", {}))


def test_audit_rows_of_a_span_are_found_by_bisecting_ids(system):
    """No index on audit_log.at: the span is found by bisecting the ids, gaps included."""
    from models import AuditLog
    from ubtui.audit import rows_between
    base = _dt.datetime(2026, 3, 1, 12, 0)
    start_id = (AuditLog.select(AuditLog.id).order_by(AuditLog.id.desc()).scalar() or 0) + 10
    for n in range(40):  # one row every 6 hours, ids with gaps of 3
        AuditLog.insert(id=start_id + 3 * n, at=base + _dt.timedelta(hours=6 * n), user=system.id,
                        action="test.tick", entity="tick", entity_id=str(n)).execute()
    got = rows_between(base + _dt.timedelta(days=2), base + _dt.timedelta(days=3))
    assert [r[4] for r in got] == ["8", "9", "10", "11"]
    assert rows_between(base + _dt.timedelta(days=30), base + _dt.timedelta(days=31)) == []
    assert len(rows_between(base - _dt.timedelta(days=1), base + _dt.timedelta(days=11))) == 40


def test_every_total_of_a_day_with_a_void_agrees(day, clerk, supervisor, system, make_account):
    """One rule (day_totals.counts_in_totals): a voided receipt is listed, marked VOID, and left
    out of every total and count -- the journal, the daily totals, the drawer summary and the
    receipts list give the same count and amount, and an autopay receipt (no drawer) too."""
    from models import Tender
    from ubtui import (
        autopay,  # noqa: F401  (the channel whose receipts have no drawer)
        ledger,
    )
    b = make_account(last_name="Jones")
    res = ledger.write_posting(system, "ap-1", "payment", [ledger.EntrySpec(b.id, "payment", -1500, "", "Autopay",
                                                                            effective_on=TODAY)])
    p = Payment.create(receipt_number="AP1", posting=res.posting_id, user=system.id, total_cents=1500,
                       channel="autopay", business_date=TODAY)
    Tender.create(payment=p, seq=1, kind="ach", amount_cents=1500)
    journal = reports.run_report(supervisor, "cash-journal", {"date": TODAY.isoformat()})
    totals = day_totals.daily_totals(supervisor, TODAY)
    summary = reports.run_report(supervisor, "drawer-summary", {"date": TODAY.isoformat()})
    listed = day_totals.list_receipts(supervisor, TODAY)
    counted = day_totals.tally(listed)
    amount = 4250 + 3000 + 1500
    assert len(listed) == 4 and [r.status for r in listed].count("voided") == 1
    assert journal.totals["amount"] == totals.total_cents == summary.totals["receipts"] == counted.total_cents == amount
    assert len([r for r in journal.rows if r["in_totals"]]) == totals.receipts == summary.totals["count"] \
        == counted.receipts == 3
    assert totals.voids == counted.voids == 1 and totals.void_cents == summary.totals["voids"] == 500
    assert sum(totals.by_tender.values()) == amount and sum(totals.by_operator.values()) == amount
    assert summary.totals["cash"] - summary.totals["change"] + summary.totals["checks"] + summary.totals["other"] \
        == amount
    assert "(autopay)" in [s.drawer for s in totals.sessions]
    assert [r.receipt_number for r in day_totals.list_receipts(supervisor, TODAY, session_id=0)] == ["AP1"]


def test_aging_report_is_the_account_headers_aging_summed(system, clerk, make_account):
    """The aging report sums, per bucket, what the account header shows for each account
    owing (one implementation of aging, ``ubtui.aging``); an account in credit is left out."""
    from ubtui import ledger
    from ubtui.inquiry import account_aging
    from ubtui.ledger import EntrySpec

    accounts = [make_account(last_name=f"Age{i}") for i in range(4)]
    for i, (a, ages) in enumerate(zip(accounts, ([5, 40], [70, 100, 10], [200], [3]))):
        for j, days in enumerate(ages):
            ledger.post(system, f"age-{i}-{j}", "charge", [EntrySpec(a.id, "charge", 1000 * (j + 1), "water", "W",
                                                                     effective_on=TODAY - _dt.timedelta(days=days))])
    ledger.post(system, "age-pay", "payment", [EntrySpec(accounts[1].id, "payment", -1500, effective_on=TODAY)])
    ledger.post(system, "age-credit", "payment", [EntrySpec(accounts[3].id, "payment", -5000, effective_on=TODAY)])
    res = reports.run_report(clerk, "aging", {})
    got = {r["bucket"]: (r["accounts"], r["amount"]) for r in res.rows}
    want = {"under 30 days": [0, 0], "30-59 days": [0, 0], "60-89 days": [0, 0], "90 days and over": [0, 0]}
    for a in accounts[:3]:
        for bucket, label in zip(("current", "30", "60", "90+"), want):
            cents = account_aging(a.id, TODAY)[bucket]
            want[label][0] += bool(cents)
            want[label][1] += cents
    assert got == {k: tuple(v) for k, v in want.items()}
    # the payment paid the oldest charge first: of its 2,000 cents 500 are left, at 100 days
    assert got["90 days and over"] == (2, 500 + 1000) and got["60-89 days"] == (1, 1000)
    assert res.totals["amount"] == sum(ledger.account_balance(a.id) for a in accounts[:3])


def test_returned_payments_and_adjustments_of_the_month(day, clerk, supervisor, system, make_account):
    """The bank returns the check: the NSF report lists it with its fee and reason; the
    adjustments report lists its reversal and the voided receipt's, entry by entry, and a
    transfer -- and nothing of the month's bills or payments."""
    from models import Payment as P
    from ubtui import accounting, returns

    check = P.select().order_by(P.id)[1]
    returns.return_payment(supervisor, check.receipt_number, "NSF [/] [bold]x")
    other = make_account(first_name="Ana", last_name="Rivera")
    charge(system, other, 700)
    accounting.transfer_balance(supervisor, other.id, day.id, "moved in", key="tr1")
    month = {"date": TODAY.isoformat()}
    res = reports.run_report(clerk, "returned-payments", month)
    (row,) = res.rows
    assert (row["receipt"], row["amount"], row["tender"], row["by"]) == (check.receipt_number, 3000, "check #12", "super1")
    assert row["fee"] > 0 and res.totals == {"amount": 3000, "fee": row["fee"]}
    assert "NSF [/] [bold]x" in reports.to_text(res)  # stored text as text
    adj = reports.run_report(clerk, "adjustments", month)
    kinds = [(r["kind"], r["amount"]) for r in adj.rows]
    assert kinds == [("reversal", 500), ("reversal", 3000), ("transfer", -700), ("transfer", 700)]
    assert adj.totals == {"amount": 3500}
    last_month = {"date": (TODAY.replace(day=1) - _dt.timedelta(days=1)).isoformat()}
    assert reports.run_report(clerk, "adjustments", last_month).rows == []
    assert reports.run_report(clerk, "returned-payments", last_month).rows == []


def test_disconnected_accounts_say_which_reconnect_to_order(system, clerk, supervisor, make_account):
    """Paid since the shut-off by a channel that orders nothing (a mailed check posted in a
    batch): the report says to order the reconnect; one still owing says so; an ordered
    reconnect is named."""
    from models import WorkOrder
    from ubtui import ledger, workorders
    from ubtui.accounts import set_status

    off = TODAY - _dt.timedelta(days=10)
    accts = [make_account(first_name=n, last_name="Off") for n in ("Paid", "Owing", "Ordered")]
    for i, a in enumerate(accts):
        charge(system, a, 9000, key=f"off-chg-{i}", days_ago=40)
        set_status(supervisor, a.id, "disconnected", reason="shut off")
        WorkOrder.create(number=f"WO-T{i}", account=a.id, kind="disconnect", status="done", requested_on=off,
                         completed_on=off, created_by=system.id)
    ledger.post(system, "mailed-1", "payment", [ledger.EntrySpec(accts[0].id, "payment", -9000, "", "Payment",
                                                                 effective_on=TODAY)])
    ledger.post(system, "old-1", "payment", [ledger.EntrySpec(accts[1].id, "payment", -1000, "", "Payment",
                                                              effective_on=off - _dt.timedelta(days=5))])
    wo = workorders.request_reconnect(supervisor, accts[2].id, fee_cents=0)
    rows = {r["name"]: r for r in reports.run_report(clerk, "disconnected", {}).rows}
    assert (rows["Off, Paid"]["owed"], rows["Off, Paid"]["paid"], rows["Off, Paid"]["last_paid"]) == (0, 9000, TODAY)
    assert rows["Off, Paid"]["reconnect"] == "ORDER: paid"
    assert rows["Off, Owing"]["paid"] == 0 and rows["Off, Owing"]["reconnect"] == "owes"  # paid before the shut-off
    assert rows["Off, Owing"]["since"] == off
    assert rows["Off, Ordered"]["reconnect"] == f"{wo.number} open"
