"""Receipts: one ``Receipt`` model built from a payment, rendered to text (screen and .txt),
ESC/POS (python-escpos: any ``escpos.printer`` such as ``File``, ``Network``, ``Dummy``) and PDF.

``receipt(user, number)`` builds it for any receipt (a reprint says REPRINT); the card number
is never known here (only its last 4)."""
from __future__ import annotations

import datetime as _dt
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from models import Account, Drawer, DrawerSession, Premise, User

from .config import settings
from .dates import local_time
from .errors import ConfigError
from .money import format_cents
from .payments import customer_name, find_payment, payment_result, service_address, tender_label
from .pdf import new_pdf
from .security import has_permission, require
from .text import safe_text

WIDTH = 40  # characters on an 80 mm receipt printer


@dataclass
class ReceiptAccount:
    number: str
    name: str
    service_address: str
    amount_cents: int
    balance_after_cents: int
    allocation: list[tuple[str, int]]


@dataclass
class Receipt:
    district: str
    district_address: str
    district_phone: str
    receipt_number: str
    taken_at: _dt.datetime  # local time
    operator: str
    drawer: str
    accounts: list[ReceiptAccount]
    tenders: list[tuple[str, int]]  # (label with check number / card last 4, cents)
    total_cents: int
    tendered_cents: int
    change_cents: int
    status: str  # posted, voided
    payer_name: str = ""
    reprint: bool = False
    notes: list[str] = field(default_factory=list)


def receipt(user: User, number: str | int, *, reprint: bool = True) -> Receipt:
    """Build the receipt for a payment (by receipt number or payment id)."""
    if not (has_permission(user, "receipt.reprint") or has_permission(user, "payment.take")):
        require(user, "receipt.reprint")
    p = find_payment(number)
    res = payment_result(p, created=False)
    session = DrawerSession.get_or_none(DrawerSession.id == p.session_id) if p.session_id else None
    drawer = Drawer.get_by_id(session.drawer_id).code if session else ""
    op = User.get_by_id(p.user_id)
    accts = []
    for a in res.accounts:
        acct = Account.get_by_id(a.account_id)
        accts.append(ReceiptAccount(a.number, customer_name(a.account_id),
                                    service_address(Premise.get_by_id(acct.premise_id)),
                                    a.amount_cents, a.balance_after_cents, a.allocation))
    d = settings().district
    return Receipt(d.name, d.address, d.phone, p.receipt_number, local_time(p.created_at), op.full_name, drawer, accts,
                   [(tender_label(t), t.amount_cents) for t in p.tenders.order_by(p.tenders.model.seq)],
                   p.total_cents, res.tendered_cents, p.change_cents, p.status, p.payer_name, reprint)


def _pair(left: str, right: str, width: int) -> str:
    room = width - len(right) - 1
    return f"{left[:room]:<{room}} {right}"


def _wrap(text: str, width: int) -> list[str]:
    """A line too long for the paper, on as many lines as it needs (never cut: a receipt
    with "CA 950" for "CA 95000" is wrong)."""
    return textwrap.wrap(text, width) or [""]


def _header(r: Receipt, width: int) -> list[str]:
    """The district's name, address and phone, centred (printed in the header style)."""
    return [line.center(width).rstrip() for text in (r.district, r.district_address, r.district_phone)
            for line in _wrap(text, width)]


def to_lines(r: Receipt, width: int = WIDTH) -> list[str]:
    c = lambda s: s[:width].center(width).rstrip()  # noqa: E731
    out = [*_header(r, width), ""]
    if r.status == "voided":
        out.append(c("*** VOIDED ***"))
    if r.reprint:
        out.append(c("REPRINT"))
    out += [_pair("Receipt", r.receipt_number, width), _pair("Date", f"{r.taken_at:%Y-%m-%d %H:%M}", width),
            _pair("Operator", r.operator, width), _pair("Drawer", r.drawer or "-", width)]
    if r.payer_name:
        out.append(_pair("Paid by", r.payer_name, width))
    out.append("-" * width)
    for a in r.accounts:
        out += [_pair("Account", a.number, width), *_wrap(a.name, width), *_wrap(a.service_address, width),
                _pair("  Payment", format_cents(a.amount_cents), width)]
        for cat, cents in a.allocation:
            out.append(_pair(f"    {cat.replace('_', ' ')}", format_cents(cents), width))
        out += [_pair("  New balance", format_cents(a.balance_after_cents), width), ""]
    out.append("-" * width)
    for label, cents in r.tenders:
        out.append(_pair(label.capitalize(), format_cents(cents), width))
    out += [_pair("Tendered", format_cents(r.tendered_cents), width),
            _pair("AMOUNT PAID", format_cents(r.total_cents), width),
            _pair("CHANGE", format_cents(r.change_cents), width), "", c("Thank you")]
    return [safe_text(line) for line in out]  # names and addresses are text, never printer commands


def to_text(r: Receipt, width: int = WIDTH) -> str:
    return "\n".join(to_lines(r, width)) + "\n"


def save_text(r: Receipt, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(to_text(r), encoding="utf-8")
    return path


def to_escpos(r: Receipt, printer) -> None:
    """Print on an ESC/POS printer object (python-escpos), then cut."""
    lines = to_lines(r)
    head = len(_header(r, WIDTH))
    printer.set(align="center", bold=True)
    printer.textln(lines[0])
    printer.set(align="center", bold=False)
    for line in lines[1:head]:
        printer.textln(line)
    printer.set(align="left")
    for line in lines[head:]:
        bold = line.startswith(("AMOUNT PAID", "CHANGE"))
        if bold:
            printer.set(align="left", bold=True)
        printer.textln(line)
        if bold:
            printer.set(align="left", bold=False)
    printer.cut()


def open_printer(target: str | None = None):
    """The configured receipt printer (``Settings.receipt_printer``): ``file:/dev/usb/lp0``,
    ``network:HOST[:PORT]`` or ``usb:VID:PID`` (hex)."""
    target = (settings().receipt_printer if target is None else target).strip()
    kind, _, rest = target.partition(":")
    from escpos import printer as p
    if kind == "file" and rest:
        return p.File(rest)
    if kind == "network" and rest:
        host, _, port = rest.partition(":")
        return p.Network(host, port=int(port or 9100))
    if kind == "usb" and rest:
        vid, _, pid = rest.partition(":")
        return p.Usb(int(vid, 16), int(pid, 16))
    raise ConfigError("no receipt printer configured (receipt_printer = \"file:/dev/usb/lp0\", \"network:HOST\" or \"usb:VID:PID\")")


def print_receipt(r: Receipt, target: str | None = None) -> None:
    prn = open_printer(target)
    try:
        to_escpos(r, prn)
    finally:
        prn.close()


def to_pdf(r: Receipt, path: str | Path) -> Path:
    lines = to_lines(r)
    pdf = new_pdf("P", (80, 30 + 4.2 * len(lines)))
    pdf.set_margins(4, 4, 4)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    for line in lines:
        bold = line.startswith(("AMOUNT PAID", "CHANGE")) or line.strip() == r.district
        pdf.set_font(pdf.font_family_name, "B" if bold else "", 8)
        pdf.cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    path = Path(path)
    pdf.output(str(path))
    return path
