"""F2: find an account.  One box; results appear as you type; arrows and Enter open it.

Each keystroke starts a search in an exclusive worker (the previous one is cancelled) that runs
in the database thread (on PostgreSQL the key's handler starts it and the worker waits for it);
while more typed characters wait their turn no search starts (the next key replaces the
worker), and a result older than the text now in the box is thrown away.  Keys
typed ahead and the results of their search are drawn in one frame (``hold_frame``).  The
results are drawn by a ``FitTable`` (screens/common/table.py), which skips measuring and Rich
rendering of its plain cells; names and addresses take the width the terminal has and wrap
onto a second line rather than being cut.

A search shows its best ``PAGE`` accounts; when more match, the line under the list says so
("first 50 of about 8,300: type more") and PageDown at the end of the list (or in the box)
adds the next page."""
from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.table import Col, FitTable
from screens.common.textual_internals import FixedSizeInput
from ubtui.money import format_cents
from ubtui.text import counted, safe_text

# 80 columns: widths plus one cell of padding each side of every column; names and
# addresses share what a wider terminal adds, and wrap (never cut) where they do not fit.
# The status column holds the longest status whole ("disconnected").
COLUMNS = (Col("Account", 9), Col("Name", 16, grow=1), Col("Service address", 15, grow=1), Col("Status", 12),
           Col("Balance", 10, right=True), Col("Flags", 5))
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


class QueryInput(FixedSizeInput):
    """The search box.  Input keeps its virtual size (text width + cursor) in a reactive that
    asks for a new layout of the whole screen on every change: each key reflowed the screen
    and repainted the results' scrollbar in a frame of its own after the echo.  The box has a
    fixed size, so its virtual size only bounds its own scrolling: it is set without a
    layout, and Input then finds it unchanged (screens/common/textual_internals.py).

    A change typed into the box goes to the screen's handler in the key's own call, not as
    a Changed message: the message went through the box's queue and then the screen's, a
    task switch each, about a millisecond before the search could start (keystroke_bench
    --phases, box_to_changed)."""

    def post_message(self, message) -> bool:
        screen = self.parent
        if type(message) is Input.Changed and self.has_focus and isinstance(screen, SearchScreen):
            screen.query_changed(message)
            return True
        return super().post_message(message)


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
        yield FitTable(COLUMNS, id="results", zebra_stripes=False)
        yield Static("", id="count")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        if self.initial:
            self.run_search(self.initial)
        self.call_after_refresh(self.warm_up)

    def warm_up(self) -> None:
        """Import the search module (and what it imports) once the screen is drawn, not on the
        first key: that key would otherwise pay for it (a few ms; about 30 ms where Python
        keeps no bytecode, PYTHONDONTWRITEBYTECODE), and when many sessions start typing
        together, every one of them at once.  Then what the session has made so far is kept
        out of the garbage collector's full passes (``App.keep_long_lived``)."""
        import importlib

        importlib.import_module("ubtui.search")
        self.app.keep_long_lived()

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        if self.app.typed_ahead():
            self.hold_frame()
            self.run_search(event.value)  # the worker waits for the keys typed ahead
        else:
            self.run_search(event.value, self.start_search(event.value))

    def start_search(self, text: str) -> asyncio.Future | None:
        """The search of ``text`` started in the database thread now, while the key's echo is
        drawn and before its worker runs (``App.db_now``), where ``search_at_once``; None:
        the worker asks."""
        from ubtui.search import search_accounts

        text = text.strip()
        if not text or not self.search_at_once():
            return None
        return self.app.db_now(search_accounts, self.app.user, text, PAGE)

    @staticmethod
    def search_at_once() -> bool:
        """A search waits on a database server (PostgreSQL): started at once, it runs there
        while this process draws the echo.  SQLite searches in this process, holding the
        interpreter lock most of the time: started before the echo is drawn it only delays
        the echo (1M demo, instrumented: echo 4.2 -> 6.7 ms median, results no sooner)."""
        from ubtui.db import is_postgres

        return is_postgres()

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
        """A hit's cells: plain strings, which FitTable draws as text, never markup (a
        ``Text`` each, as ``cell`` makes for DataTable, is 100 objects more a key)."""
        return (h.number, safe_text(h.name), safe_text(h.address), h.status.replace("_", " "),
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
    async def run_search(self, text: str, started: asyncio.Future | None = None) -> None:
        try:
            await self.search_and_show(text, started)
        except asyncio.CancelledError:
            raise  # replaced by the search of a newer key, which releases the frame
        except BaseException:
            self.release_frame()
            raise
        self.release_frame()

    async def search_and_show(self, text: str, started: asyncio.Future | None = None) -> None:
        """Search ``text`` (or await ``started``, its search already under way) and show it."""
        from ubtui.search import search_accounts

        text = text.strip()
        if not text:
            self.show_hits("", [])
            return
        while started is None and self.app.typed_ahead():
            # the next key will most likely change the text and replace this worker (exclusive):
            # no search, no redraw for text the clerk has already typed past
            await asyncio.sleep(0.002)
        try:
            hits = await (started or self.app.db(search_accounts, self.app.user, text, PAGE))
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
        if not self.query("#results"):
            return  # F3 while the search ran: the screen is being taken down
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
            msg = f"{counted(n, 'account')}; Down and Enter to open"
        count = self.query_one_optional("#count", Static)  # None: F3 took the screen down meanwhile
        if count is not None and msg != self.count_text:  # one line of fixed height: a repaint, no new layout
            self.count_text = msg
            count.update(Content(msg), layout=False)  # typed text is no markup
