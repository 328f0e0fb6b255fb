"""ubtui.inquiry on both backends: summary and aging, history pages, consumption flags,
payments, work orders, the contact log and exports."""
from __future__ import annotations

import csv
import datetime as _dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import (
    Account,
    AuditLog,
    Bill,
    BillLine,
    ContactLog,
    Meter,
    MeterReading,
    Payment,
    Tender,
    WorkOrder,
    utcnow,
)
from ubtui import inquiry, ledger
from ubtui.accounts import set_info_codes, set_payment_flags, set_protections, set_status
from ubtui.errors import Conflict, InputError, NotFound, PermissionDenied
from ubtui.inquiry import AgingEntry, age_entries
from ubtui.ledger import EntrySpec

TODAY = _dt.date.today()


def days_ago(n: int) -> _dt.date:
    return TODAY - _dt.timedelta(days=n)


def post(user, acct, kind, cents, when, key, description="", reference=""):
    return ledger.post(user, key, kind, [EntrySpec(acct.id, kind, cents, description=description,
                                                   reference=reference, effective_on=when)])


# --- aging --------------------------------------------------------------------------------------

def test_aging_applies_credits_to_the_oldest_charges(system, clerk, make_account):
    acct = make_account()
    post(system, acct, "charge", 10000, days_ago(100), "c1")  # 90+
    post(system, acct, "charge", 5000, days_ago(65), "c2")  # 60
    post(system, acct, "charge", 4000, days_ago(40), "c3")  # 30
    post(system, acct, "charge", 3000, days_ago(5), "c4")  # current
    post(system, acct, "payment", -12000, days_ago(3), "p1")  # pays c1 and 2,000 of c2
    s = inquiry.account_summary(clerk, acct.id)
    assert s.aging == {"current": 3000, "30": 4000, "60": 3000, "90+": 0}
    assert s.balance_cents == 10000 == sum(s.aging.values())
    assert "Past due 30+ days: $70.00" in s.alerts


def test_reversed_charge_leaves_the_aging_and_credit_balance_is_current(system, clerk, senior, make_account):
    acct = make_account()
    post(system, acct, "charge", 8000, days_ago(95), "c1")
    bad = post(system, acct, "charge", 5000, days_ago(35), "c2")
    ledger.reverse(senior, "r1", bad.posting_id, "billed twice")
    post(system, acct, "payment", -9000, days_ago(1), "p1")
    s = inquiry.account_summary(clerk, acct.id)
    assert s.aging == {"current": -1000, "30": 0, "60": 0, "90+": 0}
    assert s.balance_cents == -1000
    assert not any(a.startswith("Past due") for a in s.alerts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-50000, 50000).filter(bool), st.integers(0, 400)), max_size=30),
       st.sets(st.integers(0, 29)))
def test_aging_buckets_always_sum_to_the_balance(items, reversed_positions):
    entries = [AgingEntry(i + 1, cents, days_ago(age)) for i, (cents, age) in enumerate(items)]
    next_id = len(entries) + 1
    for pos in sorted(reversed_positions):
        if pos < len(items):
            entries.append(AgingEntry(next_id, -entries[pos].amount_cents, TODAY, entries[pos].entry_id))
            next_id += 1
    buckets = age_entries(entries, TODAY)
    assert sum(buckets.values()) == sum(e.amount_cents for e in entries)
    assert all(buckets[k] >= 0 for k in ("30", "60", "90+"))
    if sum(e.amount_cents for e in entries) >= 0:
        assert buckets["current"] >= 0


# --- summary ------------------------------------------------------------------------------------

def test_summary_names_parties_meter_and_alerts(system, clerk, make_account):
    acct = make_account(last_name="Núñez", first_name="José", account_class="commercial")
    Meter.create(serial="MTR-1", premise=acct.premise_id, size='1"', removed_on=days_ago(400))
    Meter.create(serial="MTR-2", premise=acct.premise_id, size='5/8"')
    set_payment_flags(system, acct.id, cash_only=True, no_checks=True, reason="test")
    set_protections(system, acct.id, medical_certificate=True, do_not_disconnect=True, reason="test")
    set_info_codes(system, acct.id, "dog, locked gate")
    set_status(system, acct.id, "disconnected", reason="test")
    Account.update(autopay=True).where(Account.id == acct.id).execute()  # as autopay enrolment does
    s = inquiry.account_summary(clerk, acct.id)
    assert s.number == acct.number[:-1] + "-" + acct.number[-1]
    assert (s.account_class, s.status) == ("commercial", "disconnected")
    assert s.customers == [("Núñez, José", "owner", "(555) 010-0001")]
    assert s.service_address == "101 Main St"
    assert s.meter == 'MTR-2 5/8"'
    assert s.alerts == ["Disconnected", "Do not disconnect", "Medical certificate on file", "Cash only",
                        "No checks", "Autopay", "Info: dog", "Info: locked gate"]
    assert s.flags == "CASH NOCHK AUTO MED DND"
    assert s.deposit_held_cents == 0 and s.open_followups == []


def test_a_credit_balance_and_a_closed_account_are_alerts(system, clerk, make_account):
    from ubtui import ledger
    acct = make_account(status="final_billed")
    ledger.post(system, "cr:1", "adjustment", [ledger.EntrySpec(acct.id, "adjustment", -1250, "credit", "credit")])
    assert inquiry.account_summary(clerk, acct.id).alerts == ["Credit balance: $12.50", "Final billed"]


def test_summary_unknown_account_and_permission(clerk, make_account):
    with pytest.raises(NotFound):
        inquiry.account_summary(clerk, 999)
    acct = make_account()
    with pytest.raises(PermissionDenied):
        inquiry.account_summary(None, acct.id)


# --- transactions -------------------------------------------------------------------------------

def test_running_balance_is_right_across_pages(system, clerk, senior, make_account):
    acct = make_account()
    other = make_account()
    amounts = [(1000 + 37 * i) * (-1 if i % 3 == 2 else 1) for i in range(23)]
    first = None
    for i, cents in enumerate(amounts):
        res = post(system, acct, "payment" if cents < 0 else "charge", cents, days_ago(30 - i), f"k{i}",
             description=f"entry {i}", reference=f"ref:{i}")
        first = first or res
        post(system, other, "charge", 999, TODAY, f"other{i}")  # interleaved ids of another account
    ledger.reverse(senior, "rev", first.posting_id, "wrong")
    amounts.append(-amounts[0])
    pages = [inquiry.transactions(clerk, acct.id, offset=o, limit=10) for o in (0, 10, 20)]
    rows = [r for p in pages for r in p]
    assert [len(p) for p in pages] == [10, 10, 4]
    assert rows == inquiry.transactions(clerk, acct.id, limit=100)
    expected, total = [], 0
    for cents in amounts:
        total += cents
        expected.append((cents, total))
    assert [(r.amount_cents, r.running_balance_cents) for r in rows] == expected[::-1]
    assert rows[0].running_balance_cents == ledger.account_balance(acct.id)
    assert rows[0].kind == "reversal" and rows[0].reverses_id == rows[-1].entry_id
    assert rows[-1].reversed and not rows[1].reversed
    assert rows[-1].description == "entry 0" and rows[-1].reference == "ref:0"
    assert rows[-1].effective_on == days_ago(30) and rows[-1].posted_on == utcnow().date()
    assert inquiry.transactions(clerk, acct.id, offset=24) == []
    # keyset paging: a payment posted after the first page was read repeats nothing
    post(system, acct, "payment", -111, TODAY, "late")
    second = inquiry.transactions(clerk, acct.id, limit=10, before_id=pages[0][-1].entry_id)
    assert second == pages[1]
    with pytest.raises(InputError):
        inquiry.transactions(clerk, acct.id, limit=0)
    with pytest.raises(InputError):
        inquiry.transactions(clerk, acct.id, offset=-1)


# --- bills --------------------------------------------------------------------------------------

def test_bills_newest_first_and_their_lines(clerk, make_account):
    acct = make_account()
    for m in (1, 2):
        b = Bill.create(account=acct.id, period_start=_dt.date(2026, m, 1), period_end=_dt.date(2026, m, 28),
                        bill_date=_dt.date(2026, m + 1, 1), due_date=_dt.date(2026, m + 1, 21), usage=10 * m,
                        total_cents=4000 + m)
        BillLine.create(bill=b, seq=2, category="sewer", description="Sewer", amount_cents=1500)
        BillLine.create(bill=b, seq=1, category="water", description="Water 10 HCF", quantity="10",
                        rate="2.5", amount_cents=2500 + m)
    rows = inquiry.bills(clerk, acct.id)
    assert [(r.bill_date.month, r.usage, r.total_cents) for r in rows] == [(3, 20, 4002), (2, 10, 4001)]
    lines = inquiry.bill_lines(clerk, rows[0].bill_id)
    assert [(ln.seq, ln.category, ln.quantity, ln.rate, ln.amount_cents) for ln in lines] == [
        (1, "water", "10", "2.5", 2502), (2, "sewer", "", "", 1500)]
    with pytest.raises(NotFound):
        inquiry.bill_lines(clerk, 999)


# --- consumption --------------------------------------------------------------------------------

def readings(meter, usages, start=_dt.date(2024, 1, 31), estimated=()):
    reading, day = 1000, start
    MeterReading.create(meter=meter, read_on=day - _dt.timedelta(days=30), reading=reading, usage=None)
    for i, u in enumerate(usages):
        reading += u
        MeterReading.create(meter=meter, read_on=day, reading=reading, usage=u, estimated=i in estimated,
                            source="estimate" if i in estimated else "keyed")
        day += _dt.timedelta(days=30)


def test_consumption_flags_high_low_zero_estimated(clerk, make_account):
    acct = make_account()
    m = Meter.create(serial="M-9", premise=acct.premise_id)
    readings(m, [10] * 12 + [41, 10, 4, 0, 11], estimated={16})
    c = inquiry.consumption(clerk, acct.id, months=24)
    assert c.unit == "HCF"
    newest = c.rows[:5]
    assert [(r.usage, r.flag) for r in newest] == [(11, "estimated"), (0, "zero"), (4, "low"), (10, ""),
                                                   (41, "high")]
    assert newest[4].reason == "usage 41 HCF is 410% of the 12-month average 10 HCF"
    assert newest[2].reason == "usage 4 HCF is 32% of the 12-month average 12.6 HCF"
    assert newest[1].reason == "no usage; the 12-month average is 12.1 HCF"
    assert newest[0].estimated and newest[0].meter_serial == "M-9"
    assert newest[0].period == newest[0].read_on.strftime("%b %Y")
    # the 12 months before the newest reading, estimated reads left out
    assert c.average_usage == Decimal("11.3")  # 135 / 12, rounded half up
    assert [r.read_on for r in c.rows] == sorted((r.read_on for r in c.rows), reverse=True)
    assert len(inquiry.consumption(clerk, acct.id, months=6).rows) == 7  # readings every 30 days


def test_consumption_keeps_flags_from_the_read_checks(clerk, make_account):
    acct = make_account()
    m = Meter.create(serial="M-10", premise=acct.premise_id, unit="KGAL")
    MeterReading.create(meter=m, read_on=_dt.date(2026, 1, 1), reading=999990, usage=None)
    MeterReading.create(meter=m, read_on=_dt.date(2026, 2, 1), reading=5, usage=15, flag="rollover",
                        flag_reason="register rolled over")
    c = inquiry.consumption(clerk, acct.id)
    assert (c.rows[0].flag, c.rows[0].reason, c.unit) == ("rollover", "register rolled over", "KGAL")
    assert c.rows[1].usage is None and c.rows[1].flag == ""
    empty = make_account()
    assert inquiry.consumption(clerk, empty.id).rows == []
    with pytest.raises(InputError):
        inquiry.consumption(clerk, acct.id, months=0)


# --- payments and work orders -------------------------------------------------------------------

def test_history_dates_are_the_counter_s_day_not_utc(system, clerk, make_account, monkeypatch, pacific_time):
    """An entry posted at 01:00 UTC on the 16th was posted on the 15th in California."""
    acct = make_account()
    monkeypatch.setattr(ledger, "utcnow", lambda: _dt.datetime(2026, 3, 16, 1, 0))
    post(system, acct, "charge", 1000, _dt.date(2026, 3, 15), "late-evening")
    assert inquiry.transactions(clerk, acct.id)[0].posted_on == _dt.date(2026, 3, 15)


def test_payments_one_row_per_receipt_with_tenders(system, clerk, senior, make_account):
    acct = make_account()
    res = ledger.post(system, "pay1", "payment", [
        EntrySpec(acct.id, "payment", -3000, "water", effective_on=TODAY),
        EntrySpec(acct.id, "payment", -1000, "sewer", effective_on=TODAY)])
    p = Payment.create(receipt_number="R-0001", posting=res.posting_id, user=clerk.id, total_cents=4000,
                       payer_name="Pat Smith")
    Tender.create(payment=p, seq=1, kind="cash", amount_cents=1000)
    Tender.create(payment=p, seq=2, kind="check", amount_cents=3000, check_number="1234")
    loose = post(system, acct, "payment", -500, TODAY, "pay2")
    ledger.reverse(senior, "pay2-rev", loose.posting_id, "returned item")
    rows = inquiry.payments(clerk, acct.id)
    assert [(r.amount_cents, r.receipt_number, r.tenders, r.status) for r in rows] == [
        (500, "", "", "reversed"), (4000, "R-0001", "cash, check 1234", "posted")]
    assert rows[1].payer_name == "Pat Smith" and rows[1].channel == "counter"


def test_counter_payment_entries_show_their_receipt_number(system, clerk, make_account):
    """The cashier writes a payment's entries with reference "receipt" (the receipt is numbered
    after): the transactions pane shows the payment's receipt number, not the word."""
    acct = make_account()
    res = ledger.post(system, "pay9", "payment", [
        EntrySpec(acct.id, "payment", -3000, "water", effective_on=TODAY, reference="receipt")])
    Payment.create(receipt_number="R00021431", posting=res.posting_id, user=clerk.id, total_cents=3000,
                   payer_name="Pat Smith")
    row = inquiry.transactions(clerk, acct.id)[0]
    assert row.reference == "receipt:R00021431"
    assert inquiry.short_reference(row.reference) == "R21431"
    assert inquiry.short_reference("receipt:AP261128-00001") == "AP261128-"


def test_the_average_is_the_one_the_newest_flag_uses(clerk, make_account):
    """The pane's "Average" and the newest reading's flag reason quote the same 12 months."""
    acct = make_account()
    m = Meter.create(serial="M-8", premise=acct.premise_id)
    readings(m, [10] * 11 + [20, 45])
    c = inquiry.consumption(clerk, acct.id, months=24)
    assert c.rows[0].flag == "high"
    assert f"the 12-month average {c.average_usage} HCF" in c.rows[0].reason


def test_work_orders_of_the_account_and_its_address(system, clerk, make_account):
    acct, other = make_account(), make_account()
    WorkOrder.create(number="W1", account=acct.id, premise=acct.premise_id, kind="reread",
                     requested_on=days_ago(5), created_by=system.id)
    WorkOrder.create(number="W2", premise=acct.premise_id, kind="leak_investigation",
                     requested_on=days_ago(1), created_by=system.id)
    WorkOrder.create(number="W3", account=other.id, premise=other.premise_id, kind="turn_on",
                     requested_on=days_ago(1), created_by=system.id)
    assert [w.number for w in inquiry.work_orders(clerk, acct.id)] == ["W2", "W1"]


# --- the contact log ----------------------------------------------------------------------------

def test_contact_log_and_follow_ups(clerk, make_account):
    acct = make_account()
    soon = TODAY + _dt.timedelta(days=3)
    c1 = inquiry.add_contact(clerk, acct.id, "phone", "High bill", "Asked about July usage", follow_up_on=soon)
    inquiry.add_contact(clerk, acct.id, "Counter", "Paid in person", "")
    c3 = inquiry.add_contact(clerk, acct.id, "email", "Leak", "Sent photos", follow_up_on=TODAY.isoformat())
    s = inquiry.account_summary(clerk, acct.id)
    assert s.open_followups == [(TODAY, "Leak"), (soon, "High bill")]
    rows = inquiry.contacts(clerk, acct.id)
    assert [(r.channel, r.subject, r.user) for r in rows] == [
        ("email", "Leak", "clerk1"), ("counter", "Paid in person", "clerk1"), ("phone", "High bill", "clerk1")]
    inquiry.complete_followup(clerk, c3.id)
    assert inquiry.account_summary(clerk, acct.id).open_followups == [(soon, "High bill")]
    with pytest.raises(Conflict):
        inquiry.complete_followup(clerk, c3.id)
    with pytest.raises(Conflict):
        inquiry.complete_followup(clerk, rows[1].contact_id)  # no follow-up to complete
    with pytest.raises(NotFound):
        inquiry.complete_followup(clerk, 999)
    actions = [a.action for a in AuditLog.select().where(AuditLog.entity == "contact").order_by(AuditLog.id)]
    assert actions == ["contact.add"] * 3 + ["contact.followup_done"]
    assert c1.follow_up_on == soon


@pytest.mark.parametrize("args, field", [
    (("sms", "Hi", ""), "Channel"),
    (("phone", "   ", ""), "Subject"),
    (("phone", "x" * 81, ""), "Subject"),
    (("phone", "Hi", "x" * 4001), "Text"),
    (("phone", "Hi", "", "next week"), "Follow-up"),
    (("phone", "Hi", "", _dt.date(2000, 1, 1)), "Follow-up"),
])
def test_add_contact_refuses_bad_input_before_writing(clerk, make_account, args, field):
    acct = make_account()
    with pytest.raises(InputError) as e:
        inquiry.add_contact(clerk, acct.id, *args)
    assert e.value.field == field
    assert ContactLog.select().count() == 0


def test_add_contact_needs_an_account_and_a_user(clerk, make_account):
    with pytest.raises(NotFound):
        inquiry.add_contact(clerk, 999, "phone", "Hi", "")
    acct = make_account()
    with pytest.raises(PermissionDenied):
        inquiry.add_contact(None, acct.id, "phone", "Hi", "")
    assert ContactLog.select().count() == 0


# --- exports ------------------------------------------------------------------------------------

def test_export_transactions_csv_has_exact_decimals(system, clerk, make_account, tmp_path):
    acct = make_account()
    post(system, acct, "charge", 123456, days_ago(10), "c1", description="Bill, with comma")
    post(system, acct, "payment", -6, days_ago(2), "p1", description='Pay "cash"')
    out = inquiry.export_history(clerk, acct.id, "transactions", "csv", tmp_path / "tx.csv")
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["description"], Decimal(r["amount"]), Decimal(r["balance"])) for r in rows] == [
        ('Pay "cash"', Decimal("-0.06"), Decimal("1234.50")), ("Bill, with comma", Decimal("1234.56"),
                                                               Decimal("1234.56"))]
    assert AuditLog.select().where(AuditLog.action == "account.export").count() == 1


def test_export_usage_csv_and_pdfs(clerk, make_account, tmp_path):
    acct = make_account(last_name="Núñez")
    m = Meter.create(serial="M-1", premise=acct.premise_id)
    readings(m, [10] * 12 + [41])
    out = inquiry.export_history(clerk, acct.id, "usage", "csv", str(tmp_path / "usage.csv"))
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 14 and rows[0]["usage"] == "41" and rows[0]["flag"] == "high"
    assert rows[0]["reason"] == "usage 41 HCF is 410% of the 12-month average 10 HCF"
    for kind in ("usage", "transactions"):
        pdf = inquiry.export_history(clerk, acct.id, kind, "pdf", tmp_path / f"{kind}.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")


def test_export_refuses_bad_arguments(clerk, make_account, tmp_path):
    acct = make_account()
    for args, field in [(("bills", "csv", tmp_path / "x"), "Kind"), (("usage", "xls", tmp_path / "x"), "Format"),
                        (("usage", "csv", tmp_path / "missing" / "x.csv"), "File")]:
        with pytest.raises(InputError) as e:
            inquiry.export_history(clerk, acct.id, *args)
        assert e.value.field == field


@pytest.mark.parametrize("reference, shown", [
    ("bill:2081", "B2081"), ("bill:2089", "B2089"), ("latefee:2081", "LF2081"), ("payment:10643", "P10643"),
    ("receipt:R00022303", "R22303"), ("receipt", "receipt"), ("bill:12345678", "B12345678"), ("", ""),
    ("something-long-here", "something"), ("account:00013730", "0001373-0")])
def test_references_fit_the_transactions_pane_and_stay_distinct(reference, shown):
    assert inquiry.short_reference(reference) == shown
