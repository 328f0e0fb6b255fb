"""Stored values on screen: ``stored(value)`` is a ``rich.text.Text`` that is never parsed as
markup and shows control characters as visible placeholders (``ubtui.text.safe_text``).

Every widget that shows a stored value (names, addresses, notes, subjects, descriptions,
reasons, messages that quote them) gets it through here: a ``str`` handed to ``Static``,
``Label``, ``DataTable.add_row`` or ``notify`` is read as markup, so "Zzyzx [/]" would crash
the screen and "[@click=app.quit]" would become a button."""
from __future__ import annotations

from rich.text import Text

from ubtui.text import safe_text


def stored(value, *, multiline: bool = False, style: str = "", **kw) -> Text:
    """``value`` (any type; ``None`` -> empty) as plain ``Text``; ``kw`` go to ``Text``
    (``no_wrap``, ``overflow``, ``justify``)."""
    return Text(safe_text(value, multiline=multiline), style=style, **kw)


def line(value, **kw) -> Text:
    """One line of stored text cut with an ellipsis where the widget ends."""
    kw.setdefault("no_wrap", True)
    kw.setdefault("overflow", "ellipsis")
    return stored(value, **kw)


def cell(value) -> Text:
    """A table cell of stored text, drawn as ``DataTable`` draws a ``str`` (which it would
    read as markup)."""
    return Text(safe_text(value), end="")


def cells(*values) -> tuple:
    """A table row: every ``str`` (stored or not) as a ``cell``, other renderables as they are."""
    return tuple(cell(v) if isinstance(v, str) else v for v in values)
