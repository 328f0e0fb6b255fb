"""Printable field work (issue #14): a crew's field sheet for a day and door tags, as text and PDF.

A field sheet lists a crew's assigned orders for the day in route order (route, read
sequence): address, meter (serial, size, location notes of the premise), kind, priority,
account and instructions, with room to write the read and the result.  A door tag is left at
the address: the account, the customer of record, what was done or is needed, and the
district's telephone.  Everything stored is rendered through ``safe_text`` (the text form)
or ``pdf.new_pdf``'s folding (which applies it too): a name or note with control characters,
markup or right-to-left overrides prints as text and breaks neither the page nor the file.
"""
from __future__ import annotations

import datetime as _dt
import textwrap
from dataclasses import dataclass
from pathlib import Path

from peewee import fn

from models import Account, Meter, Premise, User, WorkOrder

from .accounts import customer_of_record, format_account_number
from .addresses import full_address
from .config import settings
from .errors import InputError, NotFound
from .pdf import new_pdf
from .security import require
from .text import counted, safe_text

WIDTH = 78  # characters of a text sheet line


@dataclass(frozen=True)
class Stop:
    number: str
    kind: str
    priority: str
    account_number: str
    customer: str
    address: str
    route: str
    sequence: int
    meter: str  # serial and size, or ""
    location: str  # the premise's notes (where the meter box is, the dog)
    instructions: str
    due_on: _dt.date | None


@dataclass(frozen=True)
class Sheet:
    crew: str
    on: _dt.date
    stops: list[Stop]


def _meter_text(premise_id: int, meter_id: int | None) -> str:
    q = Meter.select().where(Meter.id == meter_id) if meter_id else Meter.select().where(
        (Meter.premise == premise_id) & Meter.removed_on.is_null()).order_by(Meter.id.desc())
    m = q.first()
    return f"{m.serial} {m.size}" if m else ""


def _stop(w: WorkOrder) -> Stop:
    p = Premise.get_by_id(w.premise_id)
    acct = Account.get_or_none(Account.id == w.account_id) if w.account_id else None
    party = customer_of_record(acct.id) if acct else None
    return Stop(w.number, w.kind, w.priority, format_account_number(acct.number) if acct else "",
                party.name if party else "", full_address(p), p.route, p.read_sequence,
                _meter_text(p.id, w.meter_id), p.notes or "", w.instructions or "", w.due_on)


def field_sheet(user: User, crew: str, on: _dt.date) -> Sheet:
    """The crew's assigned orders for the day, in route order."""
    require(user, "account.view")
    crew = (crew or "").strip()
    if not crew:
        raise InputError("Crew", "name the crew whose sheet to print")
    if on is None:
        raise InputError("Date", "type the day of the sheet")
    orders = (WorkOrder.select(WorkOrder).join(Premise, on=(WorkOrder.premise == Premise.id))
              .where((WorkOrder.status == "assigned") & (WorkOrder.scheduled_on == on)
                     & (fn.LOWER(WorkOrder.crew) == crew.lower()))
              .order_by(Premise.route, Premise.read_sequence, Premise.street, Premise.house_number, WorkOrder.id))
    stops = [_stop(w) for w in orders]
    return Sheet(crew, on, stops)


def _wrap(label: str, text: str) -> list[str]:
    lines = []
    for part in safe_text(text, multiline=True).split("\n"):
        lines += textwrap.wrap(part, WIDTH - 14, break_long_words=True, break_on_hyphens=False) or [""]
    return [f"    {label if i == 0 else '':9} {t}" for i, t in enumerate(lines)]


def sheet_text(sheet: Sheet) -> str:
    """The field sheet as plain text (one stop a block)."""
    s = safe_text
    out = [f"{s(settings().district.name)} - field sheet",
           f"Crew {s(sheet.crew)}   {sheet.on.isoformat()}   {counted(len(sheet.stops), 'stop')}",
           "=" * WIDTH]
    if not sheet.stops:
        out.append("No work orders assigned to this crew for the day.")
    for i, st in enumerate(sheet.stops, 1):
        head = f"{i:>2}. {st.number} {st.kind.replace('_', ' ')} ({st.priority})"
        if st.due_on:
            head += f" due {st.due_on.isoformat()}"
        out.append(head)
        out += _wrap("Address", st.address + (f"  route {st.route}/{st.sequence}" if st.route else ""))
        out += _wrap("Account", f"{st.account_number or '-'}  {st.customer}")
        out += _wrap("Meter", st.meter or "-")
        if st.location:
            out += _wrap("Location", st.location)
        if st.instructions:
            out += _wrap("Do", st.instructions)
        out.append(f"    {'Read':9} ____________  Result ______________________________________")
        out.append("-" * WIDTH)
    return "\n".join(out) + "\n"


def _pdf_lines(pdf, rows: list[tuple[str, str, bool]]) -> None:
    for label, value, bold in rows:
        pdf.set_font(pdf.font_family_name, "B" if bold else "", 9)
        if label:
            pdf.cell(22, 5, label)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")


def sheet_pdf(sheet: Sheet, path) -> Path:
    """The field sheet as a PDF (A4 portrait, one block a stop)."""
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font(pdf.font_family_name, "B", 12)
    pdf.multi_cell(0, 7, f"{settings().district.name} - field sheet", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_family_name, "", 10)
    pdf.multi_cell(0, 6, f"Crew {sheet.crew}   {sheet.on.isoformat()}   {counted(len(sheet.stops), 'stop')}",
                   new_x="LMARGIN", new_y="NEXT")
    if not sheet.stops:
        pdf.multi_cell(0, 6, "No work orders assigned to this crew for the day.", new_x="LMARGIN", new_y="NEXT")
    for i, st in enumerate(sheet.stops, 1):
        pdf.ln(2)
        head = f"{i}. {st.number} {st.kind.replace('_', ' ')} ({st.priority})" + (
            f" due {st.due_on.isoformat()}" if st.due_on else "")
        rows = [("", head, True), ("Address", st.address + (f"  route {st.route}/{st.sequence}" if st.route else ""), False),
                ("Account", f"{st.account_number or '-'}  {st.customer}", False), ("Meter", st.meter or "-", False)]
        if st.location:
            rows.append(("Location", st.location, False))
        if st.instructions:
            rows.append(("Do", st.instructions, False))
        rows.append(("Read", "____________   Result ________________________________", False))
        _pdf_lines(pdf, rows)
    path = Path(path)
    pdf.output(str(path))
    return path


# --- door tags ---------------------------------------------------------------------------------
TAG_TEXT = {
    "door_tag": "Your account is past due. Please pay or call us to avoid interruption of service.",
    "turn_off": "Water service at this address has been turned off.",
    "disconnect": "Water service at this address has been shut off for non-payment. Call us to restore it.",
    "turn_on": "Water service at this address has been turned on.",
    "reconnect": "Water service at this address has been restored.",
    "reread": "We read your meter again today.",
    "meter_test": "We tested your meter today.",
    "meter_change": "We replaced your water meter today.",
    "new_install": "We installed a water meter at this address today.",
    "leak_investigation": "We checked for a leak at this address today.",
    "high_bill": "We checked your meter about your recent bill.",
    "low_pressure": "We checked the water pressure at this address today.",
    "meter_repair": "We repaired your water meter today.",
}


@dataclass(frozen=True)
class DoorTag:
    number: str  # the work order's
    kind: str
    account_number: str
    customer: str
    address: str
    message: str
    on: _dt.date


def door_tag(user: User, work_order_id: int, on: _dt.date | None = None) -> DoorTag:
    """The door tag of a work order's account (left at the address)."""
    require(user, "account.view")
    w = WorkOrder.get_or_none(WorkOrder.id == work_order_id)
    if w is None:
        raise NotFound(f"no work order id {work_order_id}")
    st = _stop(w)
    return DoorTag(w.number, w.kind, st.account_number, st.customer, st.address,
                   TAG_TEXT.get(w.kind, "We visited this address today."), on or w.scheduled_on or w.requested_on)


def _tag_lines(tag: DoorTag) -> list[str]:
    d = settings().district
    return [d.name, "", tag.message, "",
            f"Account   {tag.account_number or '-'}", f"Customer  {tag.customer}", f"Address   {tag.address}",
            f"Date      {tag.on.isoformat()}     Order {tag.number}", "",
            f"Questions: call {d.phone}. Please have your account number ready."]


def door_tag_text(tag: DoorTag) -> str:
    lines = [safe_text(line) for line in _tag_lines(tag)]
    body = []
    for line in lines:
        body += textwrap.wrap(line, 44, break_long_words=True) or [""]
    return "\n".join(["+" + "-" * 46 + "+"] + [f"| {b:44} |" for b in body] + ["+" + "-" * 46 + "+"]) + "\n"


def door_tag_pdf(tag: DoorTag, path) -> Path:
    """A door hanger: a narrow page (100 x 210 mm)."""
    pdf = new_pdf(fmt=(100, 210))
    pdf.set_margins(8, 10, 8)
    pdf.add_page()
    lines = _tag_lines(tag)
    pdf.set_font(pdf.font_family_name, "B", 12)
    pdf.multi_cell(0, 6, lines[0], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.font_family_name, "B", 10)
    pdf.multi_cell(0, 5, tag.message, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.font_family_name, "", 9)
    for line in lines[4:]:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    path = Path(path)
    pdf.output(str(path))
    return path
