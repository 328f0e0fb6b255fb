"""Stored values on screen: ``stored(value)`` is a ``rich.text.Text`` that is never parsed as
markup and shows control characters as visible placeholders (``ubtui.text.safe_text``).

Every widget that shows a stored value (names, addresses, notes, subjects, descriptions,
reasons, messages that quote them) gets it through here: a ``str`` handed to ``Static``,
``Label``, ``DataTable.add_row`` or ``notify`` is read as markup, so "Zzyzx [/]" would crash
the screen and "[@click=app.quit]" would become a button.

No helper here cuts a value with an ellipsis (issue #17): ``line`` wraps where the widget
ends, ``Preview`` shows a bounded number of wrapped rows and says where the rest is."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ubtui.text import safe_text


def stored(value, *, multiline: bool = False, style: str = "", **kw) -> Text:
    """``value`` (any type; ``None`` -> empty) as plain ``Text``; ``kw`` go to ``Text``
    (``no_wrap``, ``overflow``, ``justify``)."""
    return Text(safe_text(value, multiline=multiline), style=style, **kw)


def line(value, **kw) -> Text:
    """A line of stored text (a header's, a form's account line): wrapped by words where the
    widget ends, a word longer than the widget folded, never cut; the widget's CSS gives it
    ``height: auto`` (bounded by ``max-height``) so the rows it needs are there."""
    kw.setdefault("overflow", "fold")
    return stored(value, **kw)


def wrapped(value, width: int, rows: int = 0, more: str = "") -> list[str]:
    """Stored text (its own line breaks kept) in lines of at most ``width`` cells, broken
    between words as table cells are (``screens.common.table.wrap``).  With ``rows``, at most
    that many lines: when the text needs more, the last shown line ends with ``more`` (where
    the whole text is, e.g. "Enter: all") in place of what does not fit."""
    from rich.cells import cell_len, chop_cells

    from screens.common.table import wrap

    width = max(1, width)
    out: list[str] = []
    for para in safe_text(value, multiline=True).split("\n"):
        out.extend(wrap(" ".join(para.split()), width))
    if not rows or len(out) <= rows:
        return out
    shown = out[:rows]
    room = width - cell_len(more) - 1
    last = chop_cells(shown[-1], room)[0] if room > 0 else ""
    if last != shown[-1] and " " in last[len(last) // 2:]:
        last = last[:last.rindex(" ")]  # a word does not end half-way before ``more``
    shown[-1] = f"{last.rstrip()} {more}".strip() if room > 0 else chop_cells(more, width)[0]
    return shown


class Preview(Static):
    """Stored text on at most ``rows`` rows of the widget's width (more when the terminal is
    taller: ``tall_rows`` from 40 rows up), wrapped by words; a text that needs more rows ends
    its last row with ``more``, which says where the whole of it is (a viewer on Enter)."""

    def __init__(self, rows: int = 3, more: str = "(Enter: all)", *, tall_rows: int = 0, **kw):
        super().__init__("", **kw)
        self.rows, self.tall_rows, self.more = rows, tall_rows or rows, more
        self.value = ""

    def show(self, value) -> None:
        self.value = "" if value is None else value
        self.refresh(layout=True)

    def max_rows(self) -> int:
        return self.tall_rows if self.app.size.height >= 40 else self.rows

    def lines(self, width: int) -> list[str]:
        return wrapped(self.value, width, self.max_rows(), self.more) or [""]

    def render(self) -> Text:
        return Text("\n".join(self.lines(self.content_size.width or self.app.size.width)))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))


def cell(value) -> Text:
    """A table cell of stored text, drawn as ``DataTable`` draws a ``str`` (which it would
    read as markup)."""
    return Text(safe_text(value), end="")


def cells(*values) -> tuple:
    """A table row: every ``str`` (stored or not) as a ``cell``, other renderables as they are."""
    return tuple(cell(v) if isinstance(v, str) else v for v in values)
