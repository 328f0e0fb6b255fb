"""The one width policy of the app's tables (issue #17): ``FitTable``.

A table declares its columns as ``Col``s: a label, the width the column has at 80 columns,
how much of any further width it takes (``grow``) and up to what width (``most``: a
reference needs 14 cells, never 40).  When the table is laid out, the terminal resized or
rows added, the width beyond the sum of the minimums is shared by the growing columns in
proportion to ``grow``, first to those whose values do not fit yet (at 132 columns names
and addresses get wider); a growing column whose values are all narrower than its width
gives the rest to the others, as does any column narrower than its values (an empty
reason column, amounts under $1,000).  A column that does not grow is never wider than
declared (it is made for values of a known size), but for numbers (``right``): a number is
never broken over two lines, so a number column is as wide as its widest value, and when the
numbers need more than the table has, the text columns give up width (down to their label)
and their values wrap by words.

A value never is cut: a cell wider than its column wraps by words onto the next line of the
row (the row grows to its tallest cell); a word longer than the column breaks after a
hyphen, slash or comma where it can, else where the column ends.  Cells are drawn as plain
text (a ``str`` or a ``rich.text.Text`` of which the whole-text style and justification are
kept), never read as markup, and without the measuring and Rich rendering DataTable does
for each cell (a search redraws its rows on every key).

With ``cell_padding=0`` (the cash tables, 80 columns tight) each column but the last keeps
its last cell blank, so two values never run together."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size

from screens.common.textual_internals import OwnCellsTable
from ubtui.text import safe_text


@dataclass(frozen=True)
class Col:
    label: str
    width: int  # at 80 columns, and never narrower
    grow: int = 0  # share of the width beyond the minimums
    most: int = 0  # a growing column grows to this width at most (0: no limit)
    right: bool = False  # numbers: right-justified, the label too
    key: str | None = None  # the column key (default: the label)

    @property
    def column_key(self) -> str:
        return self.key or self.label


def as_col(spec) -> Col:
    """A ``Col`` from a ``Col`` or a tuple ``(label, width[, grow])``."""
    return spec if isinstance(spec, Col) else Col(*spec)


BREAK_AFTER = "-/,"


@functools.lru_cache(maxsize=8192)
def wrap(text: str, width: int) -> tuple[str, ...]:
    """``text`` in lines of at most ``width`` cells, broken between words; a longer word
    breaks after a hyphen, slash or comma if one leaves a useful piece, else at the width."""
    width = max(1, width)
    if cell_len(text) <= width:
        return (text,)
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while cell_len(word) > width:
            head = chop_cells(word, width)[0]
            cut = max(head.rfind(c) for c in BREAK_AFTER) + 1
            if cut >= max(2, len(head) // 3):
                head = head[:cut]
            lines.append(head)
            word = word[len(head):]
        current = word
    if current:
        lines.append(current)
    return tuple(lines) or ("",)


def _plain(value) -> tuple[str, str | Style, str]:
    """A cell's text, its style and its justification."""
    if isinstance(value, Text):
        return safe_text(value.plain), value.style, value.justify or ""
    return safe_text(value), "", ""


@functools.lru_cache(maxsize=256)
def _style(style: str | Style) -> Style:
    return style if isinstance(style, Style) else Style.parse(style)


@functools.lru_cache(maxsize=4096)
def _mouse_target(row: int, column: int) -> Style:
    """The style a cell carries for the mouse (DataTable's meta): made once, and added to
    the cell's other styles through Rich's cache of style sums."""
    return Style.from_meta({"row": row, "column": column})


class FitTable(OwnCellsTable):
    """A row table with the app's width policy (see the module)."""

    # Its columns fit its width, so nothing scrolls sideways: Home and End go to the first
    # and last row (DataTable's Home/End scroll sideways; only Ctrl+Home/End went there, a
    # chord the Linux console and vt100 profiles may not send).
    BINDINGS = [Binding("home", "scroll_top", "First", show=False),
                Binding("end", "scroll_bottom", "Last", show=False)]

    def __init__(self, columns=(), **kw):
        kw.setdefault("cursor_type", "row")
        super().__init__(**kw)
        self.specs: dict[str, Col] = {}
        # each row's cells as drawn ((text, style, justify), by column) and their widths,
        # made once when the row is added: a search adds 50 rows a key, and measures and
        # draws them again whenever the widths change
        self.plain_rows: dict = {}
        self.row_widths: dict = {}
        self.set_columns(columns)

    def set_columns(self, columns) -> None:
        """The columns (rows and all: a report's table changes with the report)."""
        if self.specs:
            self.clear(columns=True)
        self.specs = {}
        for spec in map(as_col, columns):
            self.specs[spec.column_key] = spec
            self.add_column(Text(spec.label, justify="right" if spec.right else "left"), width=spec.width,
                            key=spec.column_key)

    # --- widths ------------------------------------------------------------------------------
    def inner(self, column, width: int | None = None) -> int:
        """The text width of ``column`` (``width`` wide, padding left out): without padding
        the last cell is a gap, but in the last column."""
        width = column.width if width is None else width
        gap = self.cell_padding == 0 and column is not self.columns_in_order()[-1]
        return max(1, width - (1 if gap else 0))

    def needs(self) -> dict[str, int]:
        """The width each column needs for its longest value (and its label) on one line."""
        out = {}
        rows = [self.row_widths.get(key) or self.row_widths_of(key) for key in self.rows]
        for i, column in enumerate(self.ordered_columns):
            spec = self.specs.get(column.key.value or "")
            if spec is None:
                continue
            gap = column.width - self.inner(column)
            longest = max((widths[i] for widths in rows), default=0)
            out[spec.column_key] = max(longest, cell_len(spec.label)) + gap
        return out

    def widths(self, available: int, needs: dict[str, int] | None = None) -> dict[str, int]:
        """Each column's width when the table is ``available`` cells wide.  With ``needs``
        (what each column's values take) a column whose values are narrower than its width
        gives the difference to the growing ones (an empty reason column, amounts under
        $1,000), and a growing column narrower than its values gets the spare width first."""
        specs = list(self.specs.values())
        out = {s.column_key: s.width for s in specs}
        growing = [s for s in specs if s.grow]
        needs = needs or {}
        for s in specs:
            if s.column_key in needs:
                # a number is never broken over two lines: its column is as wide as its widest value
                wide = needs[s.column_key] if s.right else min(s.width, needs[s.column_key])
                out[s.column_key] = max(cell_len(s.label), wide)
        spare = available - sum(out.values()) - 2 * self.cell_padding * len(specs)
        if spare < 0:  # wide numbers: the text columns give up width (their values wrap by words)
            spare = -self._take(out, [s for s in specs if not s.right], -spare)

        def most(s: Col) -> int:
            return s.most or available

        wanting = [s for s in growing if needs.get(s.column_key, 0) > out[s.column_key]]
        spare = self._share(out, wanting, spare, lambda s: min(most(s), needs[s.column_key]))
        self._share(out, growing, spare, most)
        return out

    @staticmethod
    def _take(out: dict[str, int], columns: list[Col], deficit: int) -> int:
        """Take ``deficit`` cells from ``columns``, a cell at a time from the one with the most
        to give, none narrower than its label (or 4); what could not be taken."""
        floor = {s.column_key: max(cell_len(s.label), 4) for s in columns}
        while deficit > 0 and columns:
            giver = max(columns, key=lambda s: out[s.column_key] - floor[s.column_key])
            if out[giver.column_key] <= floor[giver.column_key]:
                break
            out[giver.column_key] -= 1
            deficit -= 1
        return deficit

    @staticmethod
    def _share(out: dict[str, int], columns: list[Col], spare: int, limit) -> int:
        """Share ``spare`` cells among ``columns`` by their ``grow``, none beyond ``limit(col)``;
        what is left."""
        columns = [s for s in columns if out[s.column_key] < limit(s)]
        while spare > 0 and columns:
            shares = sum(s.grow for s in columns)
            given = 0
            for s in columns:
                extra = spare * s.grow // shares or int(spare > given)  # the last cells one by one
                extra = min(extra, limit(s) - out[s.column_key])
                out[s.column_key] += extra
                given += extra
            spare -= given
            columns = [s for s in columns if out[s.column_key] < limit(s)]
            if not given:
                break
        return spare

    def fit(self) -> None:
        """Widths for the table's width now (the vertical scrollbar's cell kept free), then
        the rows' heights for those widths."""
        if not self.size.width:
            return
        widths = self.widths(self.size.width - self.styles.scrollbar_size_vertical, self.needs())
        changed = False
        for column in self.columns.values():
            width = widths.get(column.key.value or "", column.width)
            if column.width != width:
                column.width = width
                changed = True
        if changed:
            inners = [self.inner(column) for column in self.ordered_columns]
            for row_key, row in self.rows.items():
                row.height = self.row_height(self.plain_row(row_key), inners)
            self.columns_changed()

    def resized(self) -> None:
        self.fit()

    def row_height(self, plains, inners: list[int] | None = None) -> int:
        """The lines of a row whose cells are ``plains`` (``_plain`` of each, by column);
        ``inners``: the columns' text widths, if known."""
        if inners is None:
            inners = [self.inner(column) for column in self.ordered_columns]
        return max([1, *(len(wrap(plain[0], inner)) for plain, inner in zip(plains, inners))])

    # --- rows --------------------------------------------------------------------------------
    def plains_of(self, cells) -> tuple:
        """``_plain`` of each cell, one for every column (a missing cell is blank)."""
        plains = tuple(map(_plain, cells))
        missing = len(self.columns) - len(plains)
        return plains + (_plain(None),) * missing if missing > 0 else plains

    def plain_row(self, row_key) -> tuple:
        """The row's cells as drawn (made again after ``update_cell``)."""
        plains = self.plain_rows.get(row_key)
        if plains is None:
            plains = self.keep_plains(row_key, self.plains_of(self.row_cells(row_key).values()))
        return plains

    def row_widths_of(self, row_key) -> tuple:
        self.plain_row(row_key)
        return self.row_widths[row_key]

    def keep_plains(self, row_key, plains: tuple) -> tuple:
        self.plain_rows[row_key] = plains
        self.row_widths[row_key] = tuple(cell_len(p[0]) for p in plains)
        return plains

    def add_row(self, *cells, height: int | None = 1, key: str | None = None, label=None):
        """A row as tall as its tallest cell wrapped (``height`` is not used)."""
        plains = self.plains_of(cells)
        row_key = super().add_row(*cells, height=self.row_height(plains), key=key, label=label)
        self.keep_plains(row_key, plains)
        return row_key

    def add_rows(self, rows) -> list:
        """Rows at the bottom, added together (``OwnCellsTable.append_rows``)."""
        rows = [tuple(cells) for cells in rows]
        plains = [self.plains_of(cells) for cells in rows]
        inners = [self.inner(column) for column in self.ordered_columns]
        keys = self.append_rows(rows, [self.row_height(p, inners) for p in plains])
        for row_key, p in zip(keys, plains):
            self.keep_plains(row_key, p)
        return keys

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        """(No screen updates a cell; the rows' cells are made again when next needed.)"""
        self.plain_rows.clear()
        self.row_widths.clear()
        super().update_cell(row_key, column_key, value, update_width=update_width)

    def clear(self, columns: bool = False):
        self.plain_rows.clear()
        self.row_widths.clear()
        return super().clear(columns)

    def dimensions(self) -> None:
        """The growing columns share the width by what the new rows need; then the scrollable
        size.  ``virtual_size`` is a reactive that lays the whole screen out again on every
        change (most of a keystroke's drawing cost when each key brings a different number of
        rows).  The table has a fixed place on the screen, so when only the row count changed
        and the vertical scrollbar neither appears nor goes (search.tcss keeps it always
        there), the size is set without a layout and only the table is repainted."""
        self.fit()
        width = sum(column.get_render_width(self) for column in self.columns.values())
        size = Size(width, self.rows_height() + (self.header_height if self.show_header else 0))
        old = self.virtual_size
        if size == old:
            return
        _, height = self.container_size
        bar = {"scroll": True, "hidden": False}.get(self.styles.overflow_y, size.height > height)
        if (self.is_mounted and height and size.width == old.width and not self.show_horizontal_scrollbar
                and bar == self.show_vertical_scrollbar):
            self.set_size_quietly(size)
            self.refresh()
        else:
            self.virtual_size = size

    def draw_cell(self, row_key, column_key, row_index: int, column_index: int, base_style: Style, width: int,
                  cursor: bool, hover: bool) -> list:
        header = row_index < 0
        spec = self.specs.get(column_key.value or "")
        if header:
            text, own, justify, height = spec.label if spec else "", "", "", self.header_height
        else:
            text, own, justify = self.plain_row(row_key)[column_index]
            height = self.rows[row_key].height
        if spec is not None and spec.right:
            justify = "right"
        component_style, post_style = self.cell_styles(header, hover, cursor)
        style = base_style + _mouse_target(row_index, column_index) + component_style
        if own:
            style += _style(own)
        style += post_style
        padding = self.cell_padding
        inner = self.inner(self.columns_in_order()[column_index], width - 2 * padding)
        left = " " * padding
        right = " " * (width - inner - padding)
        wrapped = wrap(text, inner)
        lines = []
        for i in range(height):
            piece = wrapped[i] if i < len(wrapped) else ""
            if justify == "right":
                piece = " " * max(0, inner - cell_len(piece)) + piece
            lines.append([Segment(left + set_cell_size(piece, inner) + right, style)])
        return lines

