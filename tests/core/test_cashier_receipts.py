"""Receipts: one model rendered to text, ESC/POS (python-escpos Dummy/File) and PDF; reprints."""
import pytest
from escpos.printer import Dummy

from ubtui import drawer, payments, receipts, voids
from ubtui.accounts import format_account_number
from ubtui.config import Settings, use_settings
from ubtui.errors import ConfigError, InputError
from ubtui.money import format_cents
from ubtui.payments import AccountAmount, TakePayment, TenderIn

from .test_cashier import FLOAT, charge


@pytest.fixture
def paid(system, clerk, make_account):
    drawer.create_drawer(system, "D1")
    drawer.open_drawer(clerk, "D1", count=FLOAT)
    a = make_account("Muñoz", "José", street="Oak Ave")
    charge(system, a, 6000)
    res = payments.take_payment(clerk, TakePayment(
        idempotency_key="r1", accounts=[AccountAmount(account=a.number, amount="45.25")],
        tenders=[TenderIn(kind="check", amount="40", check_number="3141", bank="Cedar Bank"),
                 TenderIn(kind="cash", amount="10")]))
    return a, res


def test_receipt_text_has_every_field(paid, clerk):
    a, res = paid
    r = receipts.receipt(clerk, res.receipt_number, reprint=False)
    text = receipts.to_text(r)
    for needle in ("Cedar Valley Water District", res.receipt_number, format_account_number(a.number),
                   "Muñoz, José", "Oak Ave", "Clerk1", "Drawer", "D1", "Check #3141", "$40.00", "Cash",
                   "AMOUNT PAID", "$45.25", "CHANGE", "$4.75", "New balance", "$14.75"):
        assert needle in text, needle
    assert "REPRINT" not in text
    assert all(len(line) <= receipts.WIDTH for line in text.splitlines())
    assert "REPRINT" in receipts.to_text(receipts.receipt(clerk, res.receipt_number))


def test_long_lines_wrap_instead_of_losing_their_end(paid, clerk):
    a, res = paid
    r = receipts.receipt(clerk, res.receipt_number, reprint=False)
    r.district_address = "400 Reservoir Road, Cedar Valley, CA 95000-1234"
    r.accounts[0].service_address = "12345 North Reservoir Canyon Road #B, Cedar Valley, CA 95000"
    text = receipts.to_text(r)
    assert all(len(line) <= receipts.WIDTH for line in text.splitlines())
    flat = " ".join(text.split())
    assert "CA 95000-1234" in flat and "Cedar Valley, CA 95000" in flat
    printer = Dummy()
    receipts.to_escpos(r, printer)
    assert b"95000-1234" in printer.output


def test_reprint_by_number_and_unknown_receipt(paid, clerk):
    _, res = paid
    assert receipts.receipt(clerk, res.receipt_number.lower()).receipt_number == res.receipt_number
    with pytest.raises(InputError) as e:
        receipts.receipt(clerk, "R99999999")
    assert e.value.field == "Receipt"


def test_voided_receipt_says_so(paid, clerk, supervisor):
    _, res = paid
    voids.void_payment(clerk, res.receipt_number, "wrong", "super1", "password-super1")
    assert "*** VOIDED ***" in receipts.to_text(receipts.receipt(clerk, res.receipt_number))


def test_escpos_dummy_and_file_printers(paid, clerk, tmp_path):
    _, res = paid
    r = receipts.receipt(clerk, res.receipt_number)
    d = Dummy()
    receipts.to_escpos(r, d)
    out = d.output
    assert res.receipt_number.encode() in out and b"AMOUNT PAID" in out
    assert out.endswith(b"\x1dV\x00") or b"\x1dV" in out  # the cut command
    path = tmp_path / "lp0"
    path.write_bytes(b"")
    use_settings(Settings(receipt_printer=f"file:{path}"))
    receipts.print_receipt(r)
    assert b"AMOUNT PAID" in path.read_bytes()
    use_settings(Settings())
    with pytest.raises(ConfigError, match="no receipt printer"):
        receipts.print_receipt(r)


def test_pdf_and_text_file(paid, clerk, tmp_path):
    _, res = paid
    r = receipts.receipt(clerk, res.receipt_number)
    pdf = receipts.to_pdf(r, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    txt = receipts.save_text(r, tmp_path / "r.txt")
    assert format_cents(res.total_cents) in txt.read_text()
