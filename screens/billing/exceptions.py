"""Reading exceptions: the reads the checks flagged (high, low, zero, negative, rollover).

Move with the arrows; on a read press A to accept it (it is billed as read), R to order a
reread (a work order for the meter reader; the period is estimated unless the reread comes
first) or E to estimate the period.  F5 refreshes the list.
"""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.table import Col, FitTable
from screens.common.text import cells, stored
from ubtui import readings
from ubtui.accounts import format_account_number
from ubtui.text import counted


class ReadingExceptionsScreen(BaseScreen):
    TITLE_TEXT = "Reading exceptions"
    CSS_PATH = "exceptions.tcss"
    PERMISSION = "reading.enter"
    HELP_TEXT = __doc__
    BINDINGS = [
        key_binding("refresh", "refresh", "Refresh"),
        letter_binding("a", "resolve('accept')", "Accept", id="reads.accept"),
        letter_binding("r", "resolve('reread')", "Reread", id="reads.reread"),
        letter_binding("e", "resolve('estimate')", "Estimate", id="reads.estimate"),
    ]

    def __init__(self, route: str | None = None):
        super().__init__()
        self.route = route
        self.rows: list[readings.ExceptionRow] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="exc-head")
        yield FitTable((Col("Read on", 10, key="on"), Col("Account", 9, key="acct"), Col("Meter", 10, key="meter"),
                        Col("Flag", 8, key="flag"), Col("Usage", 6, right=True, key="usage"),
                        Col("Why", 23, grow=1, key="why")), id="exc-table")
        yield Static("", id="exc-detail")

    async def on_mount(self) -> None:
        self.query_one("#exc-table", DataTable).focus()
        await self.action_refresh()

    async def action_refresh(self) -> None:
        rows = await self.app.try_db(readings.list_exceptions, route=self.route)
        if rows is None:
            return
        self.rows = rows
        table = self.query_one("#exc-table", DataTable)
        table.clear()
        for r in rows:
            table.add_row(*cells(str(r.read_on), format_account_number(r.account_number), r.meter_serial, r.flag,
                                 Text("" if r.usage is None else f"{r.usage:,}", justify="right"), r.reason),
                          key=str(r.reading_id))
        where = f" on route {self.route}" if self.route else ""
        self.query_one("#exc-head", Static).update(
            f"{counted(len(rows), 'read')} waiting{where}.  A accept  R reread  E estimate" if rows
            else f"No reads waiting{where}: the bill run can go ahead.")
        self.show_detail()

    def current(self) -> readings.ExceptionRow | None:
        table = self.query_one("#exc-table", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show_detail(self) -> None:
        r = self.current()
        self.query_one("#exc-detail", Static).update(stored(
            f"{r.address}  route {r.route or '-'}  meter {r.meter_serial} read {r.reading:,}\n{r.reason}"
            if r else "", multiline=True, no_wrap=True, overflow="ellipsis"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    async def action_resolve(self, how: str) -> None:
        r = self.current()
        if r is None:
            self.set_status("nothing selected", error=True)
            return
        fn = {"accept": readings.accept_reading, "reread": readings.order_reread,
              "estimate": readings.estimate_reading}[how]
        done = await self.app.try_db(fn, self.app.user, r.reading_id)
        if done is None:
            return
        row = self.query_one("#exc-table", DataTable).cursor_row
        await self.action_refresh()
        table = self.query_one("#exc-table", DataTable)
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        msg = {"accept": "accepted: it will be billed as read",
               "reread": f"reread ordered: work order {getattr(done, 'number', '')}",
               "estimate": "the period will be estimated"}[how]
        self.set_status(f"Meter {r.meter_serial} {r.read_on}: {msg}")
