"""One rendering policy per terminal class (TERM and locale), applied to every frame.

* ``terminal_class(env)``: ``"full"`` (xterm, screen, tmux... in a UTF-8 locale), ``"console"``
  (TERM=linux in a UTF-8 locale: the console font has the light and double box-drawing set of
  code page 437 and nothing else beyond ASCII), ``"ascii"`` (vt100/vt102/vt220/ansi/cons25, or
  a locale that says it is not UTF-8, such as ``LANG=C`` or ``en_US.ISO-8859-1``).  An
  environment without any locale variable is judged by TERM alone (an SSH client often sends
  none).
* ``GlyphFilter``: a line filter (like Textual's NoColor) that rewrites every character the
  class lacks, whoever drew it (borders, scrollbar blocks, "…", password dots, the palette's
  magnifier, accented names), to ASCII of the same width: ``Nguyễn`` -> ``Nguyen``.
* ``has_function_keys(env)``: a vt100/vt102/vt220 keyboard lacks F1-F5 (or all F-keys): the
  footer names the Ctrl alternatives there.
"""
from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

ASCII_TERMS = ("vt100", "vt102", "vt220", "vt52", "ansi", "cons25")
CONSOLE_TERMS = ("linux",)
NO_FUNCTION_KEYS = ("vt100", "vt102", "vt220", "vt52")

# The box-drawing characters of code page 437 (a linux console font has them).
CONSOLE_LINES = set("─│┌┐└┘├┤┬┴┼═║╒╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡╢╣╤╥╦╧╨╩╪╫╬")

# What a character the terminal lacks becomes (same width).  Box drawing by its shape.
_SHAPES = {
    "horizontal": "-", "vertical": "|", "corner": "+", "tee": "+", "cross": "+",
}
_SPECIAL = {
    "…": "~", "•": "*", "●": "*", "·": ".", "█": "#", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "«": "<",
    "»": ">", "×": "x", "÷": "/", "→": ">", "←": "<", "↑": "^", "↓": "v", "✓": "v", "✔": "v",
    "✗": "x", "✘": "x", "°": "o", "±": "+", "§": "S", "¶": "P", "©": "c", "®": "r", "€": "E",
    "£": "L", "¢": "c", "¥": "Y", "ß": "s", "æ": "a", "Æ": "A", "ø": "o", "Ø": "O", "đ": "d",
    "Đ": "D", "ł": "l", "Ł": "L", "þ": "p", "ð": "d", "\u00a0": " ",
    "╭": "+", "╮": "+", "╰": "+", "╯": "+",
}
# To the console's light set: rounded and heavy lines.
_TO_LIGHT = {"╭": "┌", "╮": "┐", "╰": "└", "╯": "┘", "━": "─", "┃": "│", "┏": "┌", "┓": "┐",
             "┗": "└", "┛": "┘", "┣": "├", "┫": "┤", "┳": "┬", "┻": "┴", "╋": "┼",
             "╍": "─", "╏": "│", "┄": "─", "┅": "─", "┆": "│", "┇": "│", "┈": "─", "┉": "─",
             "┊": "│", "┋": "│", "╴": "─", "╶": "─", "╵": "│", "╷": "│"}


def _locale(env: Mapping[str, str]) -> str:
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        if env.get(name):
            return env[name]
    return ""


def terminal_class(env: Mapping[str, str] | None = None) -> str:
    """``"full"``, ``"console"`` or ``"ascii"`` for the environment ``env`` (os.environ)."""
    env = os.environ if env is None else env
    term = (env.get("TERM") or "").lower().split("-")[0]
    loc = _locale(env)
    utf8 = not loc or "utf-8" in loc.lower() or "utf8" in loc.lower()
    if term in ASCII_TERMS or not utf8:
        return "ascii"
    if term in CONSOLE_TERMS:
        return "console"
    return "full"


def has_function_keys(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return (env.get("TERM") or "").lower().split("-")[0] not in NO_FUNCTION_KEYS


@lru_cache(maxsize=4096)
def plain_char(char: str, console: bool = False) -> str:
    """``char`` as the terminal class can show it, as many cells wide as ``char``."""
    if char < "\x80":
        return char
    if console:
        if char in CONSOLE_LINES:
            return char
        if char in _TO_LIGHT:
            return _TO_LIGHT[char]
    width = max(cell_len(char), 0)
    if width == 0:
        return ""  # a combining mark: its base letter is already shown
    if char in _SPECIAL:
        out = _SPECIAL[char]
    else:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if c < "\x80" and c.isprintable())
        if base:
            out = base[:width]
        else:
            name = unicodedata.name(char, "")
            if name.startswith("BOX DRAWINGS") or name.endswith("BLOCK"):  # eighth blocks: blank
                shape = ("cross" if "VERTICAL AND HORIZONTAL" in name else
                         "tee" if " AND " in name else
                         "corner" if ("DOWN" in name or "UP" in name) and ("LEFT" in name or "RIGHT" in name) else
                         "vertical" if "VERTICAL" in name else
                         "horizontal" if "HORIZONTAL" in name else "")
                out = _SHAPES.get(shape, " " if "BLOCK" in name else "+")
            else:
                out = "?"
    return (out + " " * width)[:width]


def plain_text(text: str, console: bool = False) -> str:
    if text.isascii():
        return text
    return "".join(plain_char(c, console) for c in text)


class GlyphFilter(LineFilter):
    """Every segment's text as the terminal class can show it (``plain_text``)."""

    def __init__(self, console: bool = False, enabled: bool = True):
        super().__init__(enabled)
        self.console = console

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        console = self.console
        return [seg if seg.control or seg.text.isascii() else
                Segment(plain_text(seg.text, console), seg.style, seg.control) for seg in segments]
