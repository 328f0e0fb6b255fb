"""The bill itself: a text rendering (the bill view, 76 columns) and a printable PDF (fpdf2)
with a usage history chart.  Both are built from the same ``BillDocument``."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from models import Account, Bill, BillLine, Premise

from .accounts import customer_of_record, format_account_number
from .addresses import format_address
from .config import settings
from .dates import db_date
from .errors import NotFound
from .money import format_cents
from .text import safe_text

WIDTH = 76
HISTORY = 13


@dataclass(frozen=True)
class HistoryPoint:
    period_end: _dt.date
    usage: int
    estimated: bool


@dataclass(frozen=True)
class BillDocument:
    bill: Bill
    lines: list[BillLine]
    account_number: str
    customer: str
    address: str
    district: str
    district_address: str
    district_phone: str
    history: list[HistoryPoint]

    @property
    def amount_due_cents(self) -> int:
        return self.bill.previous_balance_cents + self.bill.total_cents


def load(bill_id: int) -> BillDocument:
    bill = Bill.get_or_none(Bill.id == bill_id)
    if bill is None:
        raise NotFound(f"no bill {bill_id}")
    lines = list(BillLine.select().where(BillLine.bill == bill_id).order_by(BillLine.seq))
    acct = Account.select(Account, Premise).join(Premise).where(Account.id == bill.account_id).get()
    p = acct.premise
    cust = customer_of_record(acct.id, db_date(bill.bill_date))  # the customer the bill was made out to
    history = [HistoryPoint(b.period_end, b.usage, bool(b.estimated)) for b in
               Bill.select(Bill.period_end, Bill.usage, Bill.estimated)
               .where((Bill.account == acct.id) & (Bill.status == "posted") & (Bill.period_end <= bill.period_end))
               .order_by(Bill.period_end.desc()).limit(HISTORY)][::-1]
    d = settings().district
    address = format_address(p.house_number, p.street, p.unit)
    return BillDocument(bill, lines, format_account_number(acct.number), cust.name if cust else "",
                        f"{address}, {p.city}".strip(", "), d.name, d.address, d.phone, history)


def _row(left: str, right: str, width: int = WIDTH) -> str:
    return f"{left[:width - len(right) - 1]:<{width - len(right)}}{right}"


def bill_text(bill_id: int, *, width: int = WIDTH) -> str:
    doc = load(bill_id)
    b = doc.bill
    out = [doc.district.upper(), doc.district_address, doc.district_phone, "=" * width]
    out.append(_row(f"Account {doc.account_number}  {doc.customer}", f"Bill {b.id}", width))
    out.append(_row(f"Service address: {doc.address}", f"Billed {b.bill_date}", width))
    out.append(_row(f"Period {b.period_start} to {b.period_end} ({(b.period_end - b.period_start).days} days)",
                    f"Due {b.due_date}", width))
    kind = {"first": "FIRST BILL (prorated)", "final": "FINAL BILL (prorated)", "rebill": "CORRECTED BILL"}.get(b.kind, "")
    status = "  ** REVERSED **" if b.status == "reversed" else ""
    est = "  ** ESTIMATED **" if b.estimated else ""
    out.append(f"Usage: {b.usage:,} {b.usage_unit}{est}{('  ' + kind) if kind else ''}{status}")
    out.append("-" * width)
    for line in doc.lines:
        detail = ""
        if "%" in line.description and (line.category in ("tax", "surcharge") or "% of water on" in line.description):
            detail = f"  on ${line.quantity}"
        elif line.quantity and line.rate:
            detail = f"  {line.quantity} x {line.rate}"
        out.append(_row(f"{line.description}{detail}", format_cents(line.amount_cents), width))
    out.append("-" * width)
    out.append(_row("Current charges", format_cents(b.total_cents), width))
    out.append(_row("Previous balance", format_cents(b.previous_balance_cents), width))
    out.append(_row("AMOUNT DUE", format_cents(doc.amount_due_cents), width))
    if doc.history:
        out.append("")
        out.append(f"Usage history ({b.usage_unit})")
        top = max(p.usage for p in doc.history) or 1
        bar_width = width - 20
        for p in doc.history:
            bar = "#" * max(0, round(p.usage * bar_width / top))
            out.append(f"{p.period_end:%b %y} {p.usage:>7,}{'E' if p.estimated else ' '} {bar}")
    return "\n".join(safe_text(line) for line in out)


def bill_pdf(bill_id: int, path: str | Path, *, compress: bool = True) -> Path:
    """A printable letter-size PDF of the bill with a usage history bar chart."""
    from .pdf import new_pdf
    doc = load(bill_id)
    b = doc.bill
    pdf = new_pdf("P", "letter", unit="pt", mono=False)
    pdf.set_compression(compress)
    pdf.set_auto_page_break(True, margin=40)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 20, doc.district, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 12, f"{doc.district_address}   {doc.district_phone}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 10)
    for left, right in ((f"Account {doc.account_number}   {doc.customer}", f"Bill {b.id}"),
                        (f"Service address: {doc.address}", f"Bill date {b.bill_date}"),
                        (f"Service period {b.period_start} to {b.period_end}", f"Due {b.due_date}")):
        pdf.cell(380, 14, left)
        pdf.cell(0, 14, right, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 10)
    flags = (" - ESTIMATED" if b.estimated else "") + (" - REVERSED" if b.status == "reversed" else "")
    pdf.cell(0, 16, f"Usage {b.usage:,} {b.usage_unit}{flags}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    for text, w, align in (("Charge", 300, "L"), ("Quantity", 80, "R"), ("Rate", 70, "R"), ("Amount", 0, "R")):
        pdf.cell(w, 14, text, border="B", align=align)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in doc.lines:
        pdf.cell(300, 13, line.description[:70])
        pdf.cell(80, 13, line.quantity, align="R")
        pdf.cell(70, 13, line.rate, align="R")
        pdf.cell(0, 13, format_cents(line.amount_cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 10)
    for label, cents in (("Current charges", b.total_cents), ("Previous balance", b.previous_balance_cents),
                         ("Amount due", doc.amount_due_cents)):
        pdf.cell(450, 15, label, border="T" if label == "Current charges" else 0)
        pdf.cell(0, 15, format_cents(cents), align="R", border="T" if label == "Current charges" else 0,
                 new_x="LMARGIN", new_y="NEXT")
    _chart(pdf, doc)
    out = Path(path)
    pdf.output(str(out))
    return out


def _chart(pdf, doc: BillDocument) -> None:
    if not doc.history:
        return
    pdf.ln(14)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 14, f"Usage history ({doc.bill.usage_unit}; hatched bars are estimated)", new_x="LMARGIN", new_y="NEXT")
    x0, y0, h, w = pdf.l_margin + 10, pdf.get_y() + 10, 110.0, pdf.w - pdf.l_margin - pdf.r_margin - 20
    top = max(p.usage for p in doc.history) or 1
    slot = w / max(len(doc.history), 1)
    pdf.set_draw_color(0)
    pdf.line(x0, y0 + h, x0 + w, y0 + h)
    pdf.set_font("Helvetica", "", 7)
    for i, p in enumerate(doc.history):
        bh = h * p.usage / top
        x = x0 + i * slot + slot * 0.15
        pdf.set_fill_color(90 if p.period_end != doc.bill.period_end else 20)
        if p.estimated:
            pdf.rect(x, y0 + h - bh, slot * 0.7, bh, style="D")
            for k in range(0, int(bh), 4):
                pdf.line(x, y0 + h - k, x + slot * 0.7, y0 + h - min(bh, k + 4))
        else:
            pdf.rect(x, y0 + h - bh, slot * 0.7, bh, style="F")
        pdf.text(x, y0 + h - bh - 2, f"{p.usage:,}")
        pdf.text(x, y0 + h + 9, f"{p.period_end:%b %y}")
    pdf.set_y(y0 + h + 16)
