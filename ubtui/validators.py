"""Validators of typed fields: each returns the value as stored or raises an ``InputError``
naming the field.  A leaf of the core (it imports only the tables and the errors), so that
accounts, maintenance and the importers share them without importing one another."""
from __future__ import annotations

import re
import unicodedata

from models import Email

from .errors import InputError

PHONE_KINDS = ("home", "mobile", "work", "fax")
LANGUAGES = (("en", "English"), ("es", "Spanish"), ("vi", "Vietnamese"), ("zh", "Chinese"), ("tl", "Tagalog"),
             ("ko", "Korean"), ("ru", "Russian"), ("hmn", "Hmong"), ("pa", "Punjabi"), ("ar", "Arabic"))
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP AA AE AP".split())
ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
EMAIL_RE = re.compile(r"^[^@\s,;<>()\[\]\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$")


def clean_text(value, field: str, max_length: int, *, required: bool = False) -> str:
    """Typed text as stored: trimmed, no control characters (stored text is data), within
    ``max_length``; an InputError naming ``field`` otherwise."""
    text = ("" if value is None else str(value)).strip()
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise InputError(field, "must not contain control characters")
    if required and not text:
        raise InputError(field, "must not be empty")
    if len(text) > max_length:
        raise InputError(field, f"at most {max_length} characters")
    return text


MAX_REASON = 500


def check_reason(value, field: str = "Reason", max_length: int = MAX_REASON) -> str:
    """Why a change was made (refunds, transfers, write-offs, flags, returns): required text,
    cleaned like any typed text; the one rule every reason-taking function shares."""
    return clean_text(value, field, max_length, required=True)


def phone_digits(text: str) -> str:
    d = re.sub(r"\D", "", text or "")
    return d[1:] if len(d) == 11 and d.startswith("1") else d


# --- one field at a time: the value as stored, or an InputError naming the field ---------------
def check_zip(text, field: str = "ZIP") -> str:
    z = clean_text(text, field, 10)
    if z and not ZIP_RE.match(z):
        raise InputError(field, f"{z!r} is not a ZIP code: 5 digits, or 5+4 (95000-1234)")
    return z


def check_state(text, field: str = "State") -> str:
    s = clean_text(text, field, 2).upper()
    if s and s not in US_STATES:
        raise InputError(field, f"{s!r} is not a state: the two-letter code (CA, OR, NV...)")
    return s


def check_phone(text, field: str = "Phone") -> str:
    """A 10-digit phone number (a leading 1 and punctuation allowed) as its digits."""
    clean_text(text, field, 30)
    digits = phone_digits(text)
    if len(digits) != 10:
        raise InputError(field, f"{str(text).strip()!r}: type the area code and number, 10 digits")
    return digits


def check_email(text, field: str = "E-mail") -> str:
    address = clean_text(text, field, Email.address.max_length).lower()
    if not EMAIL_RE.match(address):
        raise InputError(field, f"{address!r} is not an e-mail address (name@example.com)")
    return address


def check_language(text, field: str = "Language") -> str:
    code = clean_text(text, field, 8).lower() or "en"
    if code not in {c for c, _ in LANGUAGES}:
        raise InputError(field, f"must be one of {', '.join(c for c, _ in LANGUAGES)}")
    return code


def check_choice(text, field: str, choices: tuple[str, ...], *, empty: bool = False) -> str:
    value = clean_text(text, field, 12).lower()
    if (value or not empty) and value not in choices:
        raise InputError(field, f"must be one of {', '.join(choices)}" + (" (or empty)" if empty else ""))
    return value
