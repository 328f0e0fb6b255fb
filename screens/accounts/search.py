"""F2: find an account.  One box; results appear as you type; arrows and Enter open it.

Each keystroke starts a search in an exclusive worker (the previous one is cancelled) that runs
in the database thread; while more typed characters wait their turn it does not start (the
next one replaces it), and a result older than the text now in the box is thrown away.  Keys
typed ahead and the results of their search are drawn in one frame (``hold_frame``).  The
results are drawn by ``ResultTable``, a DataTable that skips measuring and Rich rendering of
its plain one-line cells.

A search shows its best ``PAGE`` accounts; when more match, the line under the list says so
("first 50 of about 8,300: type more") and PageDown at the end of the list (or in the box)
adds the next page."""
from __future__ import annotations

import asyncio

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.geometry import Size
from textual.widgets import DataTable, Input, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.text import cell
from ubtui.money import format_cents

# 80 columns: widths plus one cell of padding each side of every column.
COLUMNS = (("Account", 9), ("Name", 17), ("Service address", 18), ("Status", 8), ("Balance", 10), ("Flags", 5))
RIGHT_ALIGNED = frozenset({"Balance"})
# The status column is 8 wide: the long statuses get a short form instead of being cut off
# ("disconne").
STATUS_SHORT = {"disconnected": "disconn", "final_billed": "final"}
# How long keys typed ahead may wait for the results of their search, to be drawn with
# them in one frame (SearchScreen.hold_frame); a slower search shows the echo first.
ANSWER_WAIT = 0.03
PAGE = 50  # accounts a search shows; PageDown adds as many again


def about(n: int) -> str:
    """An estimate to two significant figures: 8,317 -> "8,300"."""
    if n < 100:
        return f"{n:,}"
    step = 10 ** (len(str(n)) - 2)
    return f"{round(n / step) * step:,}"


class ResultTable(DataTable):
    """A DataTable of one-line rows of plain text in fixed-width columns, drawn cheaply.

    DataTable measures every cell of every new row (for auto widths and heights) and draws
    each cell through Rich (markup parsing, Padding, Styled, line splitting): most of the
    time from a search's answer to the screen.  Here the widths are fixed and the cells are
    plain strings (never markup: a name with brackets shows as typed), so the size is known
    without measuring and a body cell is one segment in the style DataTable would give it."""

    def _update_dimensions(self, new_rows) -> None:
        """The scrollable size from the row count.  ``virtual_size`` is a reactive that lays
        the whole screen out again on every change (most of a keystroke's drawing cost when
        each key brings a different number of rows).  The table has a fixed place on the
        screen, so a new row count changes only its own scrolling: unless the vertical
        scrollbar has to appear or go (search.tcss keeps it always there), the size is set
        without a layout and only the table and its scrollbar are repainted."""
        width = sum(column.get_render_width(self) for column in self.columns.values())
        size = Size(width, self.row_count + (self.header_height if self.show_header else 0))
        old = self.virtual_size
        if size == old:
            return
        _, height = self.container_size
        bar = {"scroll": True, "hidden": False}.get(self.styles.overflow_y, size.height > height)
        if (self.is_mounted and height and size.width == old.width and not self.show_horizontal_scrollbar
                and bar == self.show_vertical_scrollbar):
            self.set_reactive(DataTable.virtual_size, size)
            self._scroll_update(size)  # the scrollbar's thumb; the scroll offset kept in range
            self.refresh()
        else:
            self.virtual_size = size

    # A new list of rows (each key that finds other accounts) redraws every line of the table;
    # per line DataTable asks for the widget's style (a walk up the DOM blending backgrounds)
    # and draws the header cells again through Rich.  Neither changes with the rows: the style
    # is taken once per frame (``render_lines``) and the header cells are kept until the styles
    # change (``notify_style_update``) or the cursor or mouse moves over them.
    _frame_style: Style | None = None

    _frame_widths: list[tuple[int, int]] = []

    def render_lines(self, crop):
        self._frame_style = self.rich_style
        self._frame_widths = [(i, column.get_render_width(self)) for i, column in enumerate(self.ordered_columns)]
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def _render_line_in_row(self, row_key, line_no: int, base_style: Style, cursor_location, hover_location):
        """DataTable's, for this table's simple case (a row cursor, no fixed columns, no row
        labels), with the column widths taken once per frame instead of once per line."""
        if (self._frame_style is None or self.fixed_columns or self.cursor_type != "row"
                or (self._labelled_row_exists and self.show_row_labels)):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        cache_key = (row_key, line_no, base_style, cursor_location, hover_location, self.cursor_type,
                     self.show_cursor, self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        if cache_key in self._row_render_cache:
            return self._row_render_cache[cache_key]
        row_index = self._row_locations.get(row_key) if row_key in self._row_locations else -1
        row_style = self._get_row_style(row_index, base_style)
        cursor, hover = row_index == cursor_location.row, row_index == hover_location.row
        widths = self._frame_widths
        scrollable_row = [self._render_cell(row_index, column_index, row_style, width, cursor=cursor,
                                            hover=hover)[line_no] for column_index, width in widths]
        remaining = max(0, self.size.width - sum(w for _, w in widths) - self._row_label_column_width)
        extend_style, _ = self._get_styles_to_render_cell(row_index == -1, False, False, hover, cursor,
                                                          self.show_cursor, self._show_hover_cursor, False, False)
        extend_style = row_style + extend_style + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable_row.append([Segment(" " * remaining, extend_style)])
        row_pair = ([], scrollable_row)
        self._row_render_cache[cache_key] = row_pair
        return row_pair

    def render_line(self, y: int):
        if self._frame_style is None or self.fixed_rows or not self.show_header:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if y >= self.header_height:
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, self._frame_style)

    _header_cells: dict | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._header_cells = None

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        if row_index < 0 or column_index < 0:  # the header: as DataTable draws it, kept
            key = (row_index, column_index, base_style, width, cursor, hover, self._show_hover_cursor,
                   self._pseudo_class_state, self.show_cursor)
            if self._header_cells is None or len(self._header_cells) > 256:
                self._header_cells = {}
            lines = self._header_cells.get(key)
            if lines is None:
                lines = self._header_cells[key] = super()._render_cell(row_index, column_index, base_style,
                                                                       width, cursor, hover)
            return lines
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(cache_key)
        if lines is None:
            component_style, post_style = self._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            style = (base_style + Style.from_meta({"row": row_index, "column": column_index})
                     + component_style + post_style)
            text = str(self._data[row_key][column_key] or "")
            pad = " " * self.cell_padding
            inner = width - 2 * self.cell_padding
            if column_key.value in RIGHT_ALIGNED and len(text) < inner:
                text = text.rjust(inner)
            lines = [[Segment(pad + set_cell_size(text, inner) + pad, style)]]
            self._cell_render_cache[cache_key] = lines
        return lines


class QueryInput(Input):
    """The search box.  Input keeps its virtual size (text width + cursor) in a reactive that
    asks for a new layout of the whole screen on every change: each key reflowed the screen
    and repainted the results' scrollbar in a frame of its own after the echo.  The box has a
    fixed size, so its virtual size only bounds its own scrolling: it is set without a
    layout, and Input then finds it unchanged."""

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


class SearchScreen(BaseScreen):
    TITLE_TEXT = "Find account"
    CSS_PATH = "search.tcss"
    HELP_TEXT = ("Type an account number, a name, a service address, a phone, a meter or parcel "
                 "number, or words of several (\"garcia oak\", \"garcia 107\").  Down moves into the "
                 "results, Enter opens the account, PageDown at the end of the list shows more.")
    BINDINGS = [
        key_binding("refresh", "refresh", show=False),
    ]

    def __init__(self, text: str = ""):
        super().__init__()
        self.initial = text
        self.hits: list = []
        self.page = None  # the last SearchPage shown: how many match, whether there are more
        self.searched_for: str | None = None  # the text the rows on screen answer
        self.enter_pending = False  # Enter was pressed before the results came
        self.count_text = ""
        self.frame_hold = None  # App.batch_update while a key waits for its search (hold_frame)

    def compose_body(self) -> ComposeResult:
        yield QueryInput(value=self.initial, id="query", max_length=60,
                    placeholder="account, name, address, phone, meter or parcel")
        table = ResultTable(id="results", cursor_type="row", zebra_stripes=False)
        for label, width in COLUMNS:
            table.add_column(label, width=width, key=label)
        yield table
        yield Static("", id="count")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        if self.initial:
            self.run_search(self.initial)
        else:
            self.call_after_refresh(self.warm_up)

    @staticmethod
    def warm_up() -> None:
        """Import the search module (and what it imports) once the screen is drawn, not on the
        first key: that key would otherwise pay for it (a few ms; about 30 ms where Python
        keeps no bytecode, PYTHONDONTWRITEBYTECODE), and when many sessions start typing
        together, every one of them at once."""
        import importlib

        importlib.import_module("ubtui.search")

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        if self.app.typed_ahead():
            self.hold_frame()
        self.run_search(event.value)

    def hold_frame(self) -> None:
        """Draw nothing until the search of the text being typed has answered
        (``release_frame``), at most ``ANSWER_WAIT`` seconds: keys typed ahead (a fast typist,
        a pasted number) and the results of the last one come in one frame, not a frame
        for each key that slows the next ones down.  A key typed alone is drawn at once: on
        PostgreSQL its echo would otherwise wait for the search (5-15 ms)."""
        if self.frame_hold is None and self.is_current:  # a key handled after F3 holds nothing
            hold = self.frame_hold = self.app.batch_update()
            hold.__enter__()
            # the app's timer: it runs even if this screen goes meanwhile
            self.app.set_timer(ANSWER_WAIT, lambda: self.release_frame(hold))

    def release_frame(self, hold=None) -> None:
        """End the hold of ``hold_frame`` (only ``hold``, if given: the timer of a hold that
        has already ended leaves the next one alone)."""
        if self.frame_hold is not None and hold in (None, self.frame_hold):
            self.frame_hold.__exit__(None, None, None)
            self.frame_hold = None

    def on_unmount(self) -> None:
        self.release_frame()

    def on_screen_suspend(self) -> None:
        self.release_frame()

    @on(Input.Submitted, "#query")
    def query_submitted(self, event: Input.Submitted) -> None:
        if self.searched_for == event.value.strip():
            self.enter_results()
        elif event.value.strip():
            # the results are still on their way: keep what is typed next until they land
            self.enter_pending = True
            self.app.hold_keys()

    def enter_results(self) -> None:
        """Enter in the box: one hit opens it, several move into the list."""
        if len(self.hits) == 1:
            self.open_hit(0)
        elif self.hits:
            self.query_one("#results", DataTable).focus()

    def on_key(self, event) -> None:
        if event.key == "pagedown" and self.page is not None and self.page.more and self.at_list_end():
            event.stop()
            self.next_page(self.searched_for)
        elif event.key == "down" and self.focused is self.query_one("#query", Input) and self.hits:
            event.stop()
            self.query_one("#results", DataTable).focus()
        elif event.key == "up" and self.focused is self.query_one("#results", DataTable):
            if self.query_one("#results", DataTable).cursor_row == 0:
                event.stop()
                self.query_one("#query", Input).focus()

    def at_list_end(self) -> bool:
        """In the box, or with the cursor on the last screenful of rows: PageDown fetches more."""
        table = self.query_one("#results", DataTable)
        if self.focused is not table:
            return self.focused is self.query_one("#query", Input)
        return table.cursor_row >= table.row_count - max(1, table.scrollable_content_region.height - 1)

    @work(exclusive=True, group="search")
    async def next_page(self, text: str | None) -> None:
        """The next ``PAGE`` accounts of the search on screen, added under the rows shown."""
        from ubtui.search import search_accounts

        if not text:
            return
        try:
            page = await self.app.db(search_accounts, self.app.user, text, PAGE,
                                     [h.account_id for h in self.hits])
        except Exception as e:  # shown as one line; the list stays as it was
            self.app.show_error(e)
            return
        if self.searched_for != text or self.box_text() != text:
            return  # the clerk typed on meanwhile
        shown = {h.account_id for h in self.hits}
        new = [h for h in page if h.account_id not in shown]
        table = self.query_one("#results", DataTable)
        first_new = len(self.hits)
        self.hits = self.hits + new
        self.page = page
        table.add_rows([self.row_of(h) for h in new])
        self.show_count(text)
        table.focus()
        if new:
            table.move_cursor(row=first_new)

    @staticmethod
    def row_of(h) -> tuple:
        return (h.number, cell(h.name), cell(h.address), STATUS_SHORT.get(h.status, h.status.replace("_", " ")),
                format_cents(h.balance_cents), h.flags)

    @on(DataTable.RowSelected, "#results")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_hit(event.cursor_row)

    def open_hit(self, index: int) -> None:
        from screens.accounts.inquiry import InquiryScreen

        if 0 <= index < len(self.hits):
            self.app.push_screen(InquiryScreen(self.hits[index].account_id))

    def action_refresh(self) -> None:
        self.run_search(self.query_one("#query", Input).value)

    @work(exclusive=True, group="search")
    async def run_search(self, text: str) -> None:
        try:
            await self.search_and_show(text)
        except asyncio.CancelledError:
            raise  # replaced by the search of a newer key, which releases the frame
        except BaseException:
            self.release_frame()
            raise
        self.release_frame()

    async def search_and_show(self, text: str) -> None:
        from ubtui.search import search_accounts

        text = text.strip()
        if not text:
            self.show_hits("", [])
            return
        while self.app.typed_ahead():
            # the next key will most likely change the text and replace this worker (exclusive):
            # no search, no redraw for text the clerk has already typed past
            await asyncio.sleep(0.002)
        try:
            hits = await self.app.db(search_accounts, self.app.user, text, PAGE)
        except Exception as e:  # shown as one line; the box stays usable
            if self.box_text() == text:
                self.show_hits(text, [])
                self.app.show_error(e)
                if self.enter_pending:
                    self.enter_pending = False
                    self.app.release_keys()
            return
        if self.box_text() != text:
            return  # stale: the clerk kept typing, or left the screen
        self.show_hits(text, hits)
        if self.enter_pending:
            self.enter_pending = False
            self.release_frame()  # the account screen Enter may open draws at once
            self.enter_results()
            self.app.call_after_refresh(self.app.release_keys)

    def box_text(self) -> str | None:
        """The text in the box; None once the screen has gone (F3 while a search ran)."""
        box = self.query_one_optional("#query", Input)
        return None if box is None else box.value.strip()

    def show_hits(self, text: str, hits: list) -> None:
        if (not self.is_attached or self.query_one_optional("#results", DataTable) is None
                or self.query_one_optional("#count", Static) is None):
            return  # the screen is being taken down (F3 while a search ran)
        self.page = hits if hasattr(hits, "more") else None
        hits = list(hits)
        same = hits == self.hits  # typing on often finds the same accounts: skip the redraw
        self.hits = hits
        self.searched_for = text
        table = self.query_one("#results", DataTable)
        if not same:
            table.clear()
            table.add_rows([self.row_of(h) for h in self.hits])
        self.show_count(text)
        if self.hits or not text:
            self.clear_status()

    def show_count(self, text: str) -> None:
        """The line under the list: how many accounts match, and whether more than are shown."""
        n, page = len(self.hits), self.page
        if not text:
            msg = ""
        elif not self.hits:
            msg = f"no account matches {text!r}"
        elif page is not None and page.capped:
            msg = f"first {n} of about {about(page.total)}: type more, PgDn for the next {PAGE}"
        elif page is not None and page.more:
            msg = f"first {n} of {page.total:,}: PgDn for the next {min(PAGE, page.total - n)}"
        else:
            msg = f"{n} account{'s' if n != 1 else ''}; Down and Enter to open"
        if msg != self.count_text:  # one line of fixed height: a repaint, no new layout
            self.count_text = msg
            self.query_one("#count", Static).update(Content(msg), layout=False)  # typed text is no markup
