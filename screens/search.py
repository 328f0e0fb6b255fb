"""F2: find an account.  One box; results appear as you type; arrows and Enter open it.

Each keystroke starts a search in an exclusive worker (the previous one is cancelled) that runs
in the database thread; a result older than the text now in the box is thrown away."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from screens.base import BaseScreen, key_binding
from ubtui.money import format_cents

# 80 columns: widths plus one cell of padding each side of every column.
COLUMNS = (("Account", 9), ("Name", 17), ("Service address", 18), ("Status", 8), ("Balance", 10), ("Flags", 5))


class SearchScreen(BaseScreen):
    TITLE_TEXT = "Find account"
    CSS_PATH = "search.tcss"
    HELP_TEXT = ("Type an account number, a name, a service address, a phone, a meter or parcel "
                 "number.  Down moves into the results, Enter opens the account.")
    BINDINGS = [
        key_binding("refresh", "refresh", show=False),
    ]

    def __init__(self, text: str = ""):
        super().__init__()
        self.initial = text
        self.hits: list = []
        self.searched_for: str | None = None  # the text the rows on screen answer
        self.enter_pending = False  # Enter was pressed before the results came

    def compose_body(self) -> ComposeResult:
        yield Input(value=self.initial, id="query", max_length=60,
                    placeholder="account, name, address, phone, meter or parcel")
        table = DataTable(id="results", cursor_type="row", zebra_stripes=False)
        for label, width in COLUMNS:
            table.add_column(label, width=width, key=label)
        yield table
        yield Static("", id="count")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        if self.initial:
            self.run_search(self.initial)

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

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
        if event.key == "down" and self.focused is self.query_one("#query", Input) and self.hits:
            event.stop()
            self.query_one("#results", DataTable).focus()
        elif event.key == "up" and self.focused is self.query_one("#results", DataTable):
            if self.query_one("#results", DataTable).cursor_row == 0:
                event.stop()
                self.query_one("#query", Input).focus()

    @on(DataTable.RowSelected, "#results")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_hit(event.cursor_row)

    def open_hit(self, index: int) -> None:
        from screens.inquiry import InquiryScreen

        if 0 <= index < len(self.hits):
            self.app.push_screen(InquiryScreen(self.hits[index].account_id))

    def action_refresh(self) -> None:
        self.run_search(self.query_one("#query", Input).value)

    @work(exclusive=True, group="search")
    async def run_search(self, text: str) -> None:
        from ubtui.search import search_accounts

        text = text.strip()
        if not text:
            self.show_hits("", [])
            return
        try:
            hits = await self.app.db(search_accounts, self.app.user, text)
        except Exception as e:  # shown as one line; the box stays usable
            if self.query_one("#query", Input).value.strip() == text:
                self.show_hits(text, [])
                self.app.show_error(e)
                if self.enter_pending:
                    self.enter_pending = False
                    self.app.release_keys()
            return
        if self.query_one("#query", Input).value.strip() != text:
            return  # stale: the clerk kept typing
        self.show_hits(text, hits)
        if self.enter_pending:
            self.enter_pending = False
            self.enter_results()
            self.app.call_after_refresh(self.app.release_keys)

    def show_hits(self, text: str, hits: list) -> None:
        hits = list(hits)
        same = hits == self.hits  # typing on often finds the same accounts: skip the redraw
        self.hits = hits
        self.searched_for = text
        table = self.query_one("#results", DataTable)
        if not same:
            table.clear()
            table.add_rows([(h.number, h.name, h.address, h.status.replace("_", " "),
                             Text(format_cents(h.balance_cents), justify="right"), h.flags) for h in self.hits])
        if not text:
            msg = ""
        elif not self.hits:
            msg = f"no account matches {text!r}"
        else:
            msg = f"{len(self.hits)} account{'s' if len(self.hits) != 1 else ''}; Down and Enter to open"
        self.query_one("#count", Static).update(msg)
        if self.hits or not text:
            self.clear_status()
