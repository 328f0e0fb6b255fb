"""The service address, written one way everywhere (search, inquiry, receipts, bills,
letters, work orders, reading routes, the journal).

A unit typed as a bare number or letter ("3", "B") is shown with ``#`` ("107 Cedar Rd #3");
a unit that names itself ("Apt 3", "Unit 9") is shown as typed ("107 Cedar Rd Apt 3"), never
both ("#Apt 3").
"""
from __future__ import annotations


def format_unit(unit: str | None) -> str:
    text = (unit or "").strip()
    if not text:
        return ""
    if text.startswith("#") or " " in text or not any(c.isdigit() for c in text) and len(text) > 2:
        return text
    return "#" + text


def format_address(house_number: str | None, street: str | None, unit: str | None = "") -> str:
    """The street line: house number, street, unit."""
    if not unit:  # most premises (the worklist formats a quarter of a million at a time)
        h, s = (house_number or "").strip(), (street or "").strip()
        return f"{h} {s}" if h and s else h or s
    return " ".join(p for p in ((house_number or "").strip(), (street or "").strip(), format_unit(unit)) if p)


def full_address(premise) -> str:
    """The street line and the town line, for receipts: "107 Cedar Rd Apt 3, Riverton, CA 95000"."""
    city = (premise.city or "").strip()
    town = " ".join(p for p in (city + ("," if city else ""), premise.state or "", premise.zip or "") if p)
    return ", ".join(p for p in (format_address(premise.house_number, premise.street, premise.unit), town) if p)
