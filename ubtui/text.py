"""Stored text is data: one way to show it, one way to take it in (no Textual, no database).

* ``safe_text(value)`` -> ``str`` fit for any screen, receipt, report or export: control
  characters (C0 but newline/tab as told, DEL, C1), lone surrogates and the bidi overrides
  and isolates (U+202A-202E, U+2066-2069) are replaced by visible placeholders, so a stored
  ``ESC [2J`` shows as ``␛[2J`` and clears nobody's screen.  Markup needs no escaping here:
  screens hand the result to widgets as ``rich.text.Text`` (screens/common/text.py ``stored``),
  which never parses it.
* ``mask_pan(text)`` masks primary account numbers (13-19 digits, spaces or dashes allowed
  between them, passing Luhn) to their last 4: ``************1111``.
* ``clean_free_text(value, field)`` is what every free-text column stores (contact notes,
  subjects, reasons, notes, names): card numbers masked; NUL (PostgreSQL cannot store it)
  and lone surrogates (no encoding can) refused with an ``InputError`` naming the field.
* ``searchable(text)`` drops what no stored value can contain (NUL, lone surrogates), so a
  search for it finds nothing instead of failing in the database.
"""
from __future__ import annotations

import re

from .errors import InputError

# U+FFFD stands for what has no picture of its own (C1 controls, surrogates, bidi controls).
REPLACEMENT = "\ufffd"
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def _placeholder(cp: int) -> str:
    if cp < 0x20:
        return chr(0x2400 + cp)  # ␀ ␁ ... ␛ ... ␟ (Unicode Control Pictures)
    if cp == 0x7F:
        return "\u2421"  # ␡
    return REPLACEMENT


# Everything that is not shown as itself; newline and tab are decided per call.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def safe_text(value, *, multiline: bool = False) -> str:
    """``value`` as text that is only text: ``None`` -> ``""``; tabs become a space; line
    breaks stay when ``multiline`` (notes shown whole), else become a space; every other
    control character, lone surrogate and bidi override becomes a visible placeholder."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if multiline:
        s = s.replace("\r\n", "\n").replace("\t", " ")
        pattern = _UNSAFE
    else:
        s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
        pattern = _UNSAFE_ONE_LINE
    if not pattern.search(s):
        return s
    return pattern.sub(lambda m: _placeholder(ord(m.group(0))), s)


# --- card numbers ----------------------------------------------------------------------------
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d)*")  # digits, one space or dash allowed between them
PAN_MIN, PAN_MAX = 13, 19


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _mask(digits: str) -> str:
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_run(run: str) -> str:
    digits = re.sub(r"\D", "", run)
    if PAN_MIN <= len(digits) <= PAN_MAX and luhn_valid(digits):
        return _mask(digits)
    # A card number written in groups next to other digits ("4111 1111 1111 1111 exp 0926"
    # is two runs, but "ref 12 4111-1111-1111-1111" is one): try consecutive groups.
    groups = re.split(r"[ -]", run)
    if len(groups) < 2:
        return run
    out: list[str] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            chunk = "".join(groups[i:j])
            if j - i >= 1 and PAN_MIN <= len(chunk) <= PAN_MAX and luhn_valid(chunk):
                out.append(_mask(chunk))
                i = j
                break
        else:
            out.append(groups[i])
            i += 1
    if all(not o.startswith("*") for o in out):
        return run
    return " ".join(out)


def mask_pan(text: str) -> str:
    """Every card number in ``text`` masked to its last 4 digits; the rest unchanged."""
    if not text or len(text) < PAN_MIN or sum(map(str.isdigit, text)) < PAN_MIN:
        return text
    return _DIGIT_RUN.sub(lambda m: _mask_run(m.group(0)), text)


def has_pan(text: str) -> bool:
    return bool(text) and mask_pan(text) != text


# --- taking text in --------------------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_free_text(value, field: str):
    """What a free-text column stores: card numbers masked to their last 4; NUL and lone
    surrogates refused (``InputError`` naming ``field``); ``None`` and non-text unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if "\x00" in value:
        raise InputError(field, "contains a NUL character; retype it (nothing was stored)")
    if _SURROGATE.search(value):
        raise InputError(field, "contains a broken character (a lone surrogate); retype it (nothing was stored)")
    return mask_pan(value)


def searchable(text: str | None) -> str:
    """Search text without what no stored value can contain (NUL, lone surrogates)."""
    if not text:
        return text or ""
    return _SURROGATE.sub("", text.replace("\x00", ""))


def counted(n: int, what: str, plural: str | None = None) -> str:
    """``n`` and the word for that many: "1 entry", "2 entries", "0 rows" (``plural``
    defaults to ``what`` + "s")."""
    return f"{n} {what if n == 1 else (plural or what + 's')}"
