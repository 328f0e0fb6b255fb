"""The bill as text (bill view) and as a PDF with a usage history chart."""
import datetime as dt

import pytest

from models import Bill
from ubtui import billing, billprint, readings
from ubtui.rates import demo_schedule

D = dt.date


@pytest.fixture
def billed(system, make_account):
    a = make_account(last_name="Okafor", first_name="Ada", opened_on=D(2026, 1, 1))
    m = readings.install_meter(system, a.premise_id, "P-1", on=D(2026, 1, 1), reading=100)
    for i, v in enumerate((112, 126, 137), 1):
        on = D(2026, 1, 1) + dt.timedelta(days=30 * i)
        readings.enter_reading(system, m.id, on, v)
        billing.run_bills(system, cycle="1", period_end=on, bill_date=on, schedule=demo_schedule())
    billing.run_bills(system, cycle="1", period_end=D(2026, 5, 1), bill_date=D(2026, 5, 1), schedule=demo_schedule())
    return a, list(Bill.select().where(Bill.account == a.id).order_by(Bill.period_end))


def test_text_bill_itemises_and_marks_estimates(billed):
    a, bills = billed
    last = bills[-1]
    text = billprint.bill_text(last.id)
    lines = text.splitlines()
    assert max(len(l) for l in lines) <= 76
    assert "Okafor, Ada" in text and "0001" in text.replace("-", "")
    assert "** ESTIMATED **" in text
    assert any(l.startswith("Water tier 1 (0-8 HCF)") for l in lines)
    due = [l for l in lines if l.startswith("AMOUNT DUE")][0]
    assert due.endswith(billprint.format_cents(last.previous_balance_cents + last.total_cents))
    hist = lines[lines.index("Usage history (HCF)") + 1:]
    assert len(hist) == 4 and [h.split()[2] for h in hist] == ["12", "14", "11", "12E"]
    assert any(l.startswith("Drought surcharge  12 x 0.25") for l in lines)
    assert any(l.startswith('Service charge 5/8" meter  1 x 21.40') for l in lines)
    first = billprint.bill_text(bills[0].id)
    assert "FIRST BILL (prorated)" in first and "ESTIMATED" not in first


def test_pdf_has_the_charges_and_a_chart(billed, tmp_path):
    _, bills = billed
    out = billprint.bill_pdf(bills[-1].id, tmp_path / "bill.pdf", compress=False)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"Usage history" in data and b"AMOUNT DUE".lower() not in data
    assert b"Amount due" in data and b"ESTIMATED" in data
    assert data.count(b" re ") >= 4  # four bars (rectangles) in the chart
    assert billprint.bill_pdf(bills[-1].id, tmp_path / "c.pdf").stat().st_size > 1000


def test_pdf_of_a_name_outside_latin1_folds_it_instead_of_failing(system, make_account, tmp_path):
    """fpdf2's built-in fonts stop on "ễ" or "Ł"; the bill shows "Nguyen, Lukasz" instead and
    keeps what they can show ("ñ")."""
    a = make_account(last_name="Nguyễn", first_name="Łukasz", street="Peña Way", opened_on=D(2026, 1, 1))
    m = readings.install_meter(system, a.premise_id, "P-9", on=D(2026, 1, 1), reading=100)
    readings.enter_reading(system, m.id, D(2026, 1, 31), 110)
    billing.run_bills(system, cycle="1", period_end=D(2026, 1, 31), bill_date=D(2026, 1, 31), schedule=demo_schedule())
    bill = Bill.get(Bill.account == a.id)
    data = billprint.bill_pdf(bill.id, tmp_path / "n.pdf", compress=False).read_bytes()
    assert b"Nguyen, Lukasz" in data and "Peña Way".encode("cp1252") in data
