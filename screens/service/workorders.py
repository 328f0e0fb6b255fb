"""Open work orders of the whole district (main menu), most urgent and oldest first.

Enter or C completes the highlighted order, X cancels it, D assigns it to a crew for a day
(again: reschedules), A opens its account's actions;
F5 reloads.  New orders are made from an account (its actions, W)."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.form import data_table
from screens.common.text import cell
from screens.service.actions import AssignWorkOrderScreen, CancelWorkOrderScreen, CompleteWorkOrderScreen
from ubtui import workorders

# 80 wide; kind and address take what a wider terminal adds, and wrap rather than being cut
COLUMNS = (("Number", 9), ("Kind", 13, 1), ("Priority", 9), ("Account", 10), ("Address", 16, 2), ("Scheduled", 10))



class WorkOrdersScreen(BaseScreen):
    TITLE_TEXT = "Open work orders"
    CSS_PATH = "workorders.tcss"
    HELP_TEXT = ("Enter or C completes the highlighted order, X cancels it, D assigns it to a crew "
                 "(or reschedules it), A opens its account.")
    BINDINGS = [
        key_binding("refresh", "refresh"),
        letter_binding("c", "close_order('complete')", "Complete", id="workorders.complete"),
        letter_binding("x", "close_order('cancel')", "Cancel", id="workorders.cancel"),
        letter_binding("d", "close_order('assign')", "Dispatch", id="workorders.assign"),
        letter_binding("a", "account", "Account", id="workorders.account"),
    ]

    def __init__(self):
        super().__init__()
        self.rows: list = []

    def compose_body(self) -> ComposeResult:
        yield data_table("orders-table", COLUMNS)
        yield Static("", id="orders-count")

    def on_mount(self) -> None:
        self.query_one("#orders-table", DataTable).focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="workorders-load")
    async def load(self) -> None:
        rows = await self.app.try_db(workorders.open_work_orders, self.app.user)
        if rows is None:
            return
        self.rows = rows
        table = self.query_one("#orders-table", DataTable)
        table.clear()
        for o in rows:
            table.add_row(o.number, o.kind.replace("_", " "), o.priority, o.account_number,
                          cell(o.address),
                          o.scheduled_on.isoformat() if o.scheduled_on else "", key=str(o.work_order_id))
        self.query_one("#orders-count", Static).update(f"{len(rows)} open work orders" if rows else "no open work orders")

    def current(self):
        row = self.query_one("#orders-table", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowSelected, "#orders-table")
    def selected(self, event: DataTable.RowSelected) -> None:
        self.action_close_order("complete")

    def action_close_order(self, how: str) -> None:
        o = self.current()
        if o is None:
            self.set_status("no work order chosen", error=True)
            return
        form = {"complete": CompleteWorkOrderScreen, "cancel": CancelWorkOrderScreen,
                "assign": AssignWorkOrderScreen}[how]
        self.app.push_screen(form(None, orders=[o], number=o.number), self.form_done)

    def form_done(self, message: str | None) -> None:
        if message:
            self.set_status(message)
            self.load()

    def action_account(self) -> None:
        from screens.accounts.actions import AccountActionsScreen

        o = self.current()
        if o is None or o.account_id is None:
            self.set_status("this work order names no account", error=True)
            return
        self.app.push_screen(AccountActionsScreen(o.account_id))
