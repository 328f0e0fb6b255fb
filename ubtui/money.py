"""Money: integer cents inside, ``Decimal`` at the edges, never float.

``parse_amount`` is the one parser for every amount a person types.
"""
from __future__ import annotations

import re
from decimal import Decimal

from .errors import InputError

DEFAULT_MAX_CENTS = 99_999_999  # $999,999.99; the config may lower it

# Either plain digits or properly grouped thousands, then up to two decimals.
# ASCII digits only: "１２" or "٣" is not what the clerk meant to post.
_AMOUNT = re.compile(r"^(?P<int>\d+|\d{1,3}(?:,\d{3})+)?(?:\.(?P<frac>\d{1,2}))?$", re.ASCII)
# Plain digits and up to two decimals, nothing around them: the fast path of parse_amount.
_PLAIN = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?\Z", re.ASCII)
MAX_AMOUNT_TEXT = 24  # "$999,999,999,999,999.99" and a sign; anything longer is no amount


def parse_amount(text: str | None, *, field: str = "Amount", max_cents: int = DEFAULT_MAX_CENTS,
                 allow_negative: bool = False, allow_zero: bool = False) -> int:
    """Turn typed text into integer cents, or raise ``InputError`` naming the field.

    Accepts ``12``, ``12.3``, ``12.30``, ``.5``, ``$1,234.50`` (and a leading ``-`` when
    ``allow_negative``).  Rejects empty text, more than two decimals, bad thousands
    grouping (``1,00``), exponents, repeated signs and amounts over ``max_cents``."""
    plain = _PLAIN.match(text) if type(text) is str else None
    if plain is not None:  # "20", "12.34" (most amounts): the rules below all pass or name one
        cents = int(plain.group(1)) * 100 + int((plain.group(2) or "0").ljust(2, "0"))
        if 0 < cents <= max_cents:
            return cents
    if text is None or not text.strip():
        raise InputError(field, "enter an amount, for example 12.50")
    s = text.strip()
    if len(s) > MAX_AMOUNT_TEXT:
        raise InputError(field, f"{len(s):,} characters is too long for an amount; type digits like 12.50")
    negative = False
    if s.startswith("-"):
        negative = True
        s = s[1:].lstrip()
        if not allow_negative:
            raise InputError(field, "must not be negative")
    if s.startswith("$"):
        s = s[1:]
    if s.startswith(("-", "+", "$")):
        raise InputError(field, f"{text.strip()!r} has more than one sign")
    if "e" in s.lower():
        raise InputError(field, f"{text.strip()!r} is not an amount; type digits like 1000.00")
    m = _AMOUNT.match(s)
    if not m or (m.group("int") is None and m.group("frac") is None):
        if any(ch.isdigit() and not ch.isascii() for ch in s):
            raise InputError(field, f"{s!r}: type the amount with the digits 0-9")
        if re.fullmatch(r"[0-9,]*\.[0-9]{3,}", s):
            raise InputError(field, f"{text.strip()!r} has more than two decimal places")
        if "," in s:
            raise InputError(field, f"{text.strip()!r}: commas must separate thousands, as in 1,234.50")
        raise InputError(field, f"{text.strip()!r} is not an amount; type digits like 12.50")
    whole = int((m.group("int") or "0").replace(",", ""))
    frac = (m.group("frac") or "0").ljust(2, "0")
    cents = whole * 100 + int(frac)
    if cents > max_cents:
        raise InputError(field, f"{format_cents(cents)} is over the limit of {format_cents(max_cents)}")
    if cents == 0 and not allow_zero:
        raise InputError(field, "must be more than zero")
    return -cents if negative else cents


def to_decimal(cents: int) -> Decimal:
    if not isinstance(cents, int):
        raise TypeError("cents must be int")
    return Decimal(cents).scaleb(-2)


def from_decimal(value: Decimal) -> int:
    """Exact Decimal dollars to cents; refuses fractions of a cent."""
    if not isinstance(value, Decimal):
        raise TypeError("value must be Decimal")
    q = value.scaleb(2)
    if q != q.to_integral_value():
        raise ValueError(f"{value} has fractions of a cent")
    return int(q)


def format_cents(cents: int, *, sign: bool = True, symbol: str = "$") -> str:
    """``-123456`` -> ``-$1,234.56``."""
    neg = cents < 0
    whole, frac = divmod(abs(cents), 100)
    body = f"{symbol}{whole:,}.{frac:02d}"
    return ("-" + body) if neg and sign else body


def format_plain(cents: int) -> str:
    """``123456`` -> ``1234.56`` (for CSV and machine output)."""
    neg = cents < 0
    whole, frac = divmod(abs(cents), 100)
    return f"{'-' if neg else ''}{whole}.{frac:02d}"
