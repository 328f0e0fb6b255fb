"""The one module that reaches into Textual's private parts (issue #18).

Textual has no public way to do these; each is a few lines here, so a Textual upgrade that
moves them breaks one module and one test (tests/screens/test_textual_internals.py pins the
Textual versions this was written for, and that every private name in ``USED`` is still
where this module expects it), not the app and the test helpers here and there.  The rest
of the app uses the public hooks these classes and functions offer.
"""
from __future__ import annotations

import threading
from itertools import chain, zip_longest
from os import _exit as end_process_now  # os's, not Textual's: no clean-up, no waiting
from typing import Any, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widgets import DataTable, Input, TextArea
from textual.widgets.data_table import Row, RowKey

# The Textual versions these were checked against (pyproject: textual>=8,<9).
WRITTEN_FOR = ((8, 0), (9, 0))  # from, up to (not including)

# Every private name used below, by the Textual class that has it (the test checks each).
USED: dict[str, tuple[str, ...]] = {
    "textual.message_pump.MessagePump": ("_message_queue", "_dispatch_message"),
    "textual.app.App": ("_driver", "_handle_exception", "_exit_renderables", "_keymap", "_batch_count"),
    "textual.dom.DOMNode": ("_bindings",),
    "textual.screen.Screen": ("_compositor", "_refresh_layout"),
    "textual.widgets.TextArea": ("_on_key",),
    "textual.widgets.Input": ("_watch_value",),
    "textual.widgets.DataTable": (
        "_data", "_clear_caches", "_update_count", "_require_update_dimensions", "_on_resize",
        "_update_dimensions", "_total_row_height", "_scroll_update", "_render_cell", "_header_row_key",
        "_row_locations", "_column_locations", "_show_hover_cursor", "_pseudo_class_state",
        "_cell_render_cache", "_get_styles_to_render_cell", "_new_rows", "_highlight_cursor",
        "_render_line", "_render_line_in_row", "_get_offsets", "_line_cache", "_row_render_cache",
        "_get_row_style", "_labelled_row_exists"),
}


# --- messages and keys ---------------------------------------------------------------------
def has_queued_messages(node: Any) -> bool:
    """Messages posted to ``node`` (an App, Screen or Widget) and not handled yet."""
    return not node._message_queue.empty()


def send_from_terminal(app: Any, event: Any) -> None:
    """Hand ``event`` to the app as the terminal driver does (keys typed, in order, without
    waiting for anything: tests of the type-ahead backlog)."""
    app._driver.send_message(event)


def screen_strips(screen: Any) -> list:
    """The screen's lines as drawn (Strips, ``.text`` for plain text)."""
    return list(screen._compositor.render_strips())


def batch_count(app: Any) -> int:
    """How many updates the app holds back (``batch_update``): 0 when it draws."""
    return app._batch_count


def exiting(app: Any) -> bool:
    """The app is ending with an error to print."""
    return bool(app._exit_renderables)


# --- exit ---------------------------------------------------------------------------------
def exit_deadline(seconds: float, code: int) -> threading.Timer:
    """A started daemon timer that ends the process with ``code`` after ``seconds`` (cancel
    it once the exit is done).  Textual's shutdown can block for ever on a terminal that is
    gone: ``LinuxDriver.close`` stops its ``WriterThread``, which died on its first failed
    write, by putting on its queue, already full (seen with Textual 8 under a killed tmux)."""
    timer = threading.Timer(seconds, end_process_now, args=(code,))
    timer.daemon = True
    timer.start()
    return timer


# --- frames --------------------------------------------------------------------------------
SCREEN_FPS = 240  # frames a second a screen may draw at most (Textual: 60)


def draw_changes_sooner() -> None:
    """Let a screen draw a change up to ``SCREEN_FPS`` times a second, not Textual's 60.

    A screen draws on a timer that, once it has drawn, waits for the next tick of its 60 a
    second before it draws again, however little there is to draw.  A key's echo is one
    frame, so its search results, ready 5-10 ms later, waited up to 16.7 ms after the echo
    for theirs (issue #20: a SQLite district of 1,000,000 accounts, every key of 12 addresses
    typed, the results' frame begun 24.8 ms after the key at the median, 15.7 at 240 a
    second; the 90th percentile 32.0 -> 22.0).  Only the screens' drawing is affected:
    animations keep Textual's pace (``constants.MAX_FPS``), and a screen draws only what
    has changed, so nothing draws more often than it changes.  Textual reads
    ``textual.screen.UPDATE_PERIOD`` when a screen's timer is made: call this before."""
    import textual.constants
    import textual.screen

    textual.screen.UPDATE_PERIOD = 1 / max(SCREEN_FPS, textual.constants.MAX_FPS)


def record_layouts(monkeypatch: Any, layouts: list) -> None:
    """(tests) Append the name of each screen laid out again (a whole-screen layout) to
    ``layouts``, through pytest's ``monkeypatch``."""
    from textual.screen import Screen

    real = Screen._refresh_layout

    def refresh_layout(self, *a, **kw):
        layouts.append(type(self).__name__)
        return real(self, *a, **kw)

    monkeypatch.setattr(Screen, "_refresh_layout", refresh_layout)


def bindings_of(node: Any):
    """The ``BindingsMap`` of ``node`` (its own keys, before the app's keymap)."""
    return node._bindings


def keymap_of(app: Any) -> dict:
    """The app's keymap (binding id -> keys, from the user's config)."""
    return getattr(app, "_keymap", None) or {}


class GuardedDispatch:
    """A message pump whose handler raised is offered the error (``dispatch_failed``: True
    when it dealt with it) instead of stopping for good, as Textual's pump does."""

    def dispatch_failed(self, error: Exception) -> bool:
        return False

    async def _dispatch_message(self, message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as error:  # noqa: BLE001 - the caller's last resort decides
            if not self.dispatch_failed(error):
                raise


class UnhandledErrors:
    """An App whose uncaught errors (a failed worker, a timer, a callback) are offered to
    ``unhandled_error`` first (True: dealt with); Textual's own handler ends the app."""

    def unhandled_error(self, error: Exception) -> bool:
        return False

    def _handle_exception(self, error: Exception) -> None:
        if not self.unhandled_error(error):
            super()._handle_exception(error)  # type: ignore[misc]


class FixedSizeInput(Input):
    """An Input with a fixed place on the screen: Input keeps its virtual size (text width +
    cursor) in a reactive that asks for a new layout of the whole screen on every change.
    Here it is set without a layout before Input's own watcher runs, which then finds it
    unchanged; it only bounds the box's own scrolling."""

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


class KeyFirstTextArea(TextArea):
    """A TextArea that sees each key before its editing does: ``key_first(event)`` True
    means the key was used (TextArea inserts text in its private key handler, which a
    binding cannot pre-empt for Enter)."""

    def key_first(self, event) -> bool:
        return False

    async def _on_key(self, event) -> None:
        if self.key_first(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)


# --- a DataTable that draws its own cells (screens/common/table.py FitTable) ---------------------
class FrameParts(NamedTuple):
    """What a table's lines are drawn with, the same for every line of a frame."""
    size: Size
    scroll: Any  # the scroll offset (x, y)
    style: Any  # the table's rich style
    columns: list  # ordered_columns
    widths: list[int]  # their render widths
    flags: tuple  # show_cursor, hover cursor shown, cursor colours from CSS (fg, bg)


class OwnCellsTable(DataTable):
    """DataTable with hooks for a table that lays out and draws its cells itself:
    ``resized()`` after a resize, ``dimensions()`` instead of DataTable's size update,
    ``draw_cell(...)`` for each cell but row labels (cached as DataTable caches its own), and
    the row data read through ``row_cells``/``all_row_cells``."""

    def row_cells(self, row_key) -> dict:
        return self._data[row_key]

    def all_row_cells(self):
        return self._data.values()

    def columns_changed(self) -> None:
        """Column widths changed: drop the drawn cells and lay the table out again."""
        self._clear_caches()
        self._update_count += 1
        self._require_update_dimensions = True
        self.check_idle()
        self.refresh()

    def append_rows(self, rows: list[tuple], heights: list[int]) -> list:
        """Rows of ``heights`` lines added at the bottom, as many ``add_row`` calls would, but
        with one cursor check and one idle request for all of them, not one per row (a search
        adds 50 rows a key); their keys."""
        columns = self.ordered_columns
        first = self.row_count
        keys = []
        for i, (cells, height) in enumerate(zip(rows, heights)):
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            key = RowKey(None)
            self._row_locations[key] = first + i
            self._data[key] = {column.key: value for column, value in zip_longest(columns, cells)}
            self.rows[key] = Row(key, height, None, False)
            self._new_rows.add(key)
            keys.append(key)
        if not keys:
            return keys
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if first == 0 and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a cursor where there was none: its Highlighted message
        self._update_count += 1
        self.check_idle()
        return keys

    def rows_height(self) -> int:
        return self._total_row_height

    def set_size_quietly(self, size: Size) -> None:
        """The scrollable size without a layout of the screen (the table's place is fixed);
        the scrollbar's thumb follows and the scroll offset stays in range."""
        self.set_reactive(DataTable.virtual_size, size)
        self._scroll_update(size)

    def cell_styles(self, header: bool, hover: bool, cursor: bool):
        """(component style, post style) of a cell, as DataTable styles its own."""
        if self.frame_parts is not None:
            return self._get_styles_to_render_cell(header, False, False, hover, cursor, *self.frame_parts.flags)
        return self._get_styles_to_render_cell(
            header, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")

    # --- hooks -------------------------------------------------------------------------------
    def resized(self) -> None:
        pass

    def dimensions(self) -> None:
        super()._update_dimensions([])

    def draw_cell(self, row_key, column_key, row_index: int, column_index: int, base_style, width: int,
                  cursor: bool, hover: bool) -> list:
        raise NotImplementedError

    # --- drawing a frame's lines ---------------------------------------------------------------
    # DataTable asks for each line drawn what does not change within a frame: the table's
    # size, scroll offset and style (each a walk up the DOM), its columns in order (a list
    # built at each ask, five asks a line), the header's style (a style computed from CSS).
    # A search's results frame draws 20 new lines; here they are asked once a frame.
    # The cells' styles ask four reactives a cell (``cell_styles``); they too are asked once.
    frame_parts: FrameParts | None = None

    def render_lines(self, crop):
        columns = self.ordered_columns
        self.frame_parts = FrameParts(
            self.size, self.scroll_offset, self.rich_style, columns,
            [column.get_render_width(self) for column in columns],
            (self.show_cursor, self._show_hover_cursor, self.cursor_foreground_priority == "css",
             self.cursor_background_priority == "css"))
        try:
            return super().render_lines(crop)
        finally:
            self.frame_parts = None

    def columns_in_order(self) -> list:
        """``ordered_columns`` (as they were when this frame began)."""
        return self.frame_parts.columns if self.frame_parts is not None else self.ordered_columns

    def render_line(self, y: int) -> Strip:
        parts = self.frame_parts
        if parts is None or self.fixed_rows:
            return super().render_line(y)
        scroll_x, scroll_y = parts.scroll
        if y >= (self.header_height if self.show_header else 0):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + parts.size.width, parts.style)

    def plain_lines(self) -> bool:
        """Lines drawn here: a row cursor, no fixed columns, no row labels, within a frame."""
        return (self.frame_parts is not None and not self.fixed_columns and self.cursor_type == "row"
                and not (self._labelled_row_exists and self.show_row_labels))

    def _render_line(self, y: int, x1: int, x2: int, base_style) -> Strip:
        if not self.plain_lines():
            return super()._render_line(y, x1, x2, base_style)
        width = self.frame_parts.size.width  # type: ignore[union-attr]
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        key = (y, x1, x2, width, cursor, hover, base_style, self.cursor_type, self._show_hover_cursor,
               self._update_count, self._pseudo_class_state)
        if key in self._line_cache:
            return self._line_cache[key]
        _, cells = self._render_line_in_row(row_key, line_no, base_style, cursor, hover)
        # (DataTable's simplify() joins nothing here: each cell's mouse target is its own)
        strip = Strip(list(chain.from_iterable(cells))).crop(x1, x2).adjust_cell_length(width, base_style)
        self._line_cache[key] = strip
        return strip

    def _render_line_in_row(self, row_key, line_no: int, base_style, cursor_location, hover_location):
        if not self.plain_lines():
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        key = (row_key, line_no, base_style, cursor_location, hover_location, self.cursor_type, self.show_cursor,
               self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        if key in self._row_render_cache:
            return self._row_render_cache[key]
        size, widths = self.frame_parts.size, self.frame_parts.widths  # type: ignore[union-attr]
        row_index = self._row_locations.get(row_key) if row_key in self._row_locations else -1
        row_style = self._get_row_style(row_index, base_style)
        on_row = cursor_location.row == row_index
        hover_row = hover_location.row == row_index
        cells = [self._render_cell(row_index, i, row_style, width, cursor=on_row, hover=hover_row)[line_no]
                 for i, width in enumerate(widths)]
        # the rest of the width, styled as the row (DataTable's "extend" cell)
        extend, _ = self._get_styles_to_render_cell(
            row_index == -1, False, False, hover_location.row == (row_index or 0), on_row, self.show_cursor,
            self._show_hover_cursor, False, False)
        extend = row_style + extend + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        cells.append([Segment(" " * max(0, size.width - sum(widths)), extend)])
        pair: tuple[list, list] = ([], cells)
        self._row_render_cache[key] = pair
        return pair

    # --- DataTable's private parts -----------------------------------------------------------
    def _on_resize(self, event) -> None:
        super()._on_resize(event)
        self.resized()

    def _update_dimensions(self, new_rows) -> None:
        self.dimensions()

    def _render_cell(self, row_index: int, column_index: int, base_style, width: int, cursor: bool = False,
                     hover: bool = False):
        if column_index < 0:  # a row label: drawn by DataTable
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if row_index < 0 else self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(cache_key)
        if lines is None:
            lines = self.draw_cell(row_key, column_key, row_index, column_index, base_style, width, cursor, hover)
            self._cell_render_cache[cache_key] = lines
        return lines
