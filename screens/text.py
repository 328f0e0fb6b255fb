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


def cell(value, **kw) -> Text:
    """A table cell of stored text: one line, cut with an ellipsis where the column ends."""
    kw.setdefault("no_wrap", True)
    kw.setdefault("overflow", "ellipsis")
    return stored(value, **kw)
