"""Fields every form shares.  ``MoneyInput``: every amount a clerk types, in any screen.

An amount field takes what the money parser (``ubtui.money.parse_amount``) takes and nothing
else, and never changes or drops a key: a key that cannot belong to an amount stays in the
field, which at once turns invalid and says why on the status line, naming the field
("Amount: 'abc' is not an amount; type digits like 12.50").  So the field always shows exactly
what was typed, and what is posted is that text parsed -- or nothing: ``cents()`` raises the
``InputError`` naming the field, and the form posts nothing and focuses the field.  Text still
on its way to an amount ("12.", "1,00") is not flagged while typing; it must parse when used.
"""
from __future__ import annotations

import re

from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from screens.common.textual_internals import KeyFirstTextArea
from ubtui.csvfile import quoted
from ubtui.errors import InputError
from ubtui.money import DEFAULT_MAX_CENTS, parse_amount

# What can still become an amount as it is typed: "$", digits (thousands by commas), ".", 2 decimals.
_ON_ITS_WAY = re.compile(r"\$?(?:\d*|\d{1,3}(?:,\d{3})*(?:,\d{0,3})?)(?:\.\d{0,2})?")


def typing_problem(text: str, field: str, *, allow_negative: bool = False, **parse_kw) -> InputError | None:
    """What is wrong with an amount typed so far: None while it parses or can still become an
    amount ("12." and "1,00" are on their way; empty says nothing yet), else the parser's
    error naming ``field``.  Over the limit is said at once: more digits never help."""
    text = text.strip()
    if not text:
        return None
    try:
        parse_amount(text, field=field, allow_negative=allow_negative, **parse_kw)
    except InputError as e:
        body = text[1:].lstrip() if allow_negative and text.startswith("-") else text
        if _ON_ITS_WAY.fullmatch(body) and "over the limit" not in e.reason:
            return None
        return e
    return None


class MoneyValidator(Validator):
    """``parse_amount`` as a Textual validator; the failure names the field."""

    def __init__(self, field: str, **parse_kw) -> None:
        super().__init__()
        self.field = field
        self.parse_kw = parse_kw

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_amount(value, field=self.field, **self.parse_kw)
        except InputError as e:
            return self.failure(str(e))
        return self.success()


class SaysOnStatus:
    """A box that puts a message on its screen's status line (``say``) and takes it back once
    it no longer applies (``unsay``), leaving the line alone if something else said more since."""

    _said: str | None = None  # the message this box put on the status line

    def say(self, message: str, *, bell: bool = False) -> None:
        """``message`` on the status line (after the bell, if ``bell``), where there is one."""
        screen = self.screen  # type: ignore[attr-defined]
        if hasattr(screen, "set_status"):
            if bell:
                self.app.bell()  # type: ignore[attr-defined]
            screen.set_status(message, error=True)
        self._said = message

    def unsay(self) -> None:
        if self._said is not None:
            screen = self.screen  # type: ignore[attr-defined]
            if hasattr(screen, "status_text") and screen.status_text() == self._said:
                screen.clear_status()
            self._said = None


class MoneyInput(SaysOnStatus, Input):
    """An amount field named ``field`` (the label the clerk sees: errors say it).

    ``optional``: empty is allowed (``cents()`` gives None), e.g. Tendered (= the amount).
    ``max_cents``: default the app's ``Settings.max_amount_cents``."""

    DEFAULT_CSS = """
    MoneyInput.-invalid { text-style: bold reverse; }
    """

    def __init__(self, value: str = "", *, field: str, optional: bool = False, allow_negative: bool = False,
                 allow_zero: bool = False, max_cents: int | None = None, **kw) -> None:
        kw.setdefault("compact", True)
        super().__init__(value, **kw)
        self.field = field
        self.optional = optional
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        self._max_cents = max_cents
        self.validators = [MoneyValidator(field, **self._parse_kw())]
        self.validate_on = {"submitted"}

    def _parse_kw(self) -> dict:
        return {"allow_negative": self.allow_negative, "allow_zero": self.allow_zero, "max_cents": self.max_cents}

    @property
    def max_cents(self) -> int:
        if self._max_cents is not None:
            return self._max_cents
        try:
            return self.app.config.max_amount_cents
        except Exception:  # not mounted in an app
            return DEFAULT_MAX_CENTS

    # --- the value -------------------------------------------------------------------------
    def cents(self) -> int | None:
        """The amount typed, in cents (None when empty and optional); ``InputError`` naming
        the field when the text is not an amount."""
        if self.optional and not self.value.strip():
            return None
        return parse_amount(self.value, field=self.field, **self._parse_kw())

    def problem(self) -> InputError | None:
        """What is wrong with the text as typed so far (``typing_problem``)."""
        return typing_problem(self.value, self.field, **self._parse_kw())

    # --- saying so at once -----------------------------------------------------------------
    def watch_value(self, value: str) -> None:  # after Input's own watcher (Textual calls both)
        if self.is_mounted:
            self.show_problem()

    def show_problem(self) -> None:
        err = self.problem()
        self.set_class(err is not None, "-invalid")
        if err is None:
            self.unsay()
        elif str(err) != self._said:
            self.say(str(err), bell=self._said is None)


def allowed(restrict: str | None) -> str:
    """What a box restricted to ``restrict`` (a character class repeated: ``[0-9\\-]*``) takes,
    in words: "digits", "digits and + -", "letters", "C, K, M or D"."""
    m = re.fullmatch(r"\[(.*)\]\*", restrict or "")
    if m is None:
        return "only what its hint says"
    body, kinds, singles, i = m.group(1), [], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            singles.append(body[i + 1])
            i += 2
        elif i + 2 < len(body) and body[i + 1] == "-":
            kinds.append("digits" if body[i].isdigit() else "letters")
            i += 3
        else:
            singles.append(body[i])
            i += 1
    if not kinds and all(c.isalpha() for c in singles):  # a letter code: C, K, M or D
        letters = list(dict.fromkeys(c.upper() for c in singles))
        if set(letters) == set("YESNO"):
            return "yes or no"
        return letters[0] if len(letters) == 1 else ", ".join(letters[:-1]) + " or " + letters[-1]
    words = list(dict.fromkeys(kinds)) + ["spaces" if c == " " else c for c in dict.fromkeys(singles)]
    return words[0] + " only" if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class FieldInput(SaysOnStatus, Input):
    """A form's text box named ``field`` (its label).  A key its restriction or length
    refuses is not only a bell: the status line says so, naming the field ("Second bill:
    takes digits only ('W' refused)"), and the message goes once a key is taken again."""

    _typed = ""  # the text of the last key (or paste) offered

    def __init__(self, value: str = "", *, field: str, **kw) -> None:
        super().__init__(value, **kw)
        self.field = field

    def replace(self, text: str, start: int, end: int) -> None:
        self._typed = text
        super().replace(text, start, end)

    def restricted(self) -> None:
        self.app.bell()
        if self.max_length and len(self.value) + len(self._typed) > self.max_length:
            message = f"{self.field}: takes at most {self.max_length} characters"
        else:
            message = f"{self.field}: takes {allowed(self.restrict)} ({quoted(self._typed, 20)} refused)"
        self.say(message)

    def watch_value(self, value: str) -> None:  # a key taken: the refusal is old news
        self.unsay()


class NoteArea(KeyFirstTextArea):
    """A multi-line text field: Enter starts a new line; Enter on an empty last line ends the
    text (the empty line is dropped) and posts ``Done``, so the form moves on as Enter does in
    a one-line field.  Tab moves on too."""

    class Done(Message):
        def __init__(self, area: NoteArea) -> None:
            super().__init__()
            self.text_area = area

        @property
        def control(self) -> NoteArea:
            return self.text_area

    def key_first(self, event) -> bool:
        if event.key != "enter":
            return False
        row, _col = self.cursor_location
        if row != self.document.line_count - 1 or self.document.get_line(row).strip():
            return False
        if self.text.endswith("\n"):
            self.text = self.text.rstrip("\n")
        self.post_message(self.Done(self))
        return True
