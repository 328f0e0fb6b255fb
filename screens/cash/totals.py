"""Supervisor daily totals (live) and the receipts list (drill-down, reprint, void).

Totals: today's receipts by drawer (table), by tender and by operator; open, closed and
unbalanced drawers; voids; over/short.  It refreshes itself every 15 s in a worker (the
screen never waits), F5 refreshes now, Enter on a drawer lists its receipts.
Receipts: Enter shows (reprints) the receipt, ctrl+v voids it (same day, a supervisor signs).
"""
from __future__ import annotations

import datetime as _dt

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import ActionForm, Field
from screens.common.table import Col, FitTable
from screens.common.text import cells
from ubtui import totals, voids
from ubtui.money import format_cents
from ubtui.text import counted

REFRESH_SECONDS = 15
# No cell padding (80 columns tight): each column's last cell is the gap (screens/common/table.py).
# Card/MO holds a day of a channel's card payments ("$1,039.39" and its gap): not split at the comma.
TOTALS_COLUMNS = (Col("Drawer", 10), Col("Operator", 7, grow=1), Col("Status", 7), Col("#", 4, right=True),
                  Col("Total", 11, right=True), Col("Cash", 10, right=True), Col("Checks", 10, right=True),
                  Col("Card/MO", 10, right=True), Col("Over/short", 10, right=True))
# Receipt numbers on one line (the number is what a reprint or a void is asked for): counter
# R00022303, older DM000002040, autopay AP261128-00001; the accounts of a receipt one a line.
RECEIPT_COLUMNS = (Col("Receipt", 15), Col("Time", 6), Col("Operator", 9), Col("Account", 11),
                   Col("Name", 11, grow=2), Col("Tenders", 11, grow=1), Col("Amount", 11, right=True),
                   Col("Void", 5, right=True))


def money(cents: int | None) -> Text:
    return Text("" if cents is None else format_cents(cents), justify="right")


class TotalsScreen(BaseScreen):
    TITLE_TEXT = "Daily totals"
    HELP_TEXT = __doc__
    DEFAULT_CSS = """
    TotalsScreen #tot-summary { height: auto; padding: 0 1; }
    TotalsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [key_binding("refresh", "refresh", "Refresh")]

    def __init__(self, day: _dt.date | None = None):
        super().__init__()
        self.day = day
        self.totals: totals.DailyTotals | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("loading...", id="tot-summary")
        yield FitTable(TOTALS_COLUMNS, id="tot-table", cell_padding=0)

    def on_mount(self) -> None:
        self.day = self.day or self.app.today()
        self.query_one(DataTable).focus()
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="cash-totals")
    async def load(self) -> None:
        day = await self.app.try_db(totals.daily_totals, self.app.user, self.day)
        if day is not None:
            self.show(day)

    def show(self, d: totals.DailyTotals) -> None:
        self.totals = d
        tenders = "  ".join(f"{k.replace('_', ' ')} {format_cents(v)}" for k, v in sorted(d.by_tender.items()))
        ops = "  ".join(f"{k} {format_cents(v)}" for k, v in sorted(d.by_operator.items()))
        self.query_one("#tot-summary", Static).update(Text(
            f"{d.business_date}  receipts {d.receipts}  total {format_cents(d.total_cents)}  voids {d.voids} "
            f"({format_cents(d.void_cents)})  over/short {format_cents(d.over_short_cents)}\n"
            f"By tender: {tenders or '-'}\nBy operator: {ops or '-'}\n"
            f"Open: {' '.join(d.open_drawers) or '-'}   Closed: {' '.join(d.closed_drawers) or '-'}   "
            f"Unbalanced: {' '.join(d.unbalanced_drawers) or '-'}"))  # wrapped: a busy day is shown whole
        t = self.query_one(DataTable)
        t.clear()
        for s in d.sessions:
            operator = "" if s.operator == s.drawer else s.operator  # "(autopay)" once is enough
            t.add_row(*cells(s.drawer, operator, s.status), Text(str(s.receipts), justify="right"), money(s.total_cents),
                      money(s.cash_cents), money(s.checks_cents), money(s.other_cents),
                      money(s.over_short_cents if s.status == "closed" else None),
                      key=str(s.session_id) if s.session_id else s.drawer)  # no drawer: one row a channel

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        # a channel's row (autopay, mail) lists the receipts of no drawer (session 0)
        self.app.push_screen(ReceiptsScreen(self.day, session_id=int(key) if key.isdigit() else 0))



class ReceiptsScreen(BaseScreen):
    TITLE_TEXT = "Receipts"
    HELP_TEXT = __doc__
    DEFAULT_CSS = """
    ReceiptsScreen #rcp-head { height: auto; padding: 0 1; }
    ReceiptsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        key_binding("refresh", "refresh", "Refresh"),
        Binding("ctrl+v", "void", "Void", priority=True, id="receipts.void"),
    ]

    def __init__(self, day: _dt.date | None = None, *, session_id: int | None = None):
        super().__init__()
        self.day = day
        self.session_id = session_id
        self.rows: list[totals.ReceiptRow] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="rcp-head")
        yield FitTable(RECEIPT_COLUMNS, id="rcp-table", cell_padding=0)

    def on_mount(self) -> None:
        self.day = self.day or self.app.today()
        self.query_one(DataTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="cash-receipts")
    async def load(self) -> None:
        rows = await self.app.try_db(totals.list_receipts, self.app.user, self.day, session_id=self.session_id,
                                     hold_keys=True)
        if rows is None:
            return
        kept = self.selected()  # after a void or F5 the cursor stays on its receipt (its VOID in view)
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for r in rows:
            table.add_row(*cells(r.receipt_number, f"{r.created_at:%H:%M}", r.operator, r.accounts, r.name,
                                 r.tenders), money(r.total_cents), "VOID" if r.status == "voided" else "",
                          key=r.receipt_number)
        at = next((i for i, r in enumerate(rows) if r.receipt_number == kept), None)
        if at is not None:
            table.move_cursor(row=at)
        t = totals.tally(rows)  # the daily totals' rule: voids listed, not counted
        voided = f"  {counted(t.voids, 'void')} {format_cents(t.void_cents)}" if t.voids else ""
        self.query_one("#rcp-head", Static).update(Text(
            f"{self.day}  {counted(t.receipts, 'receipt')} {format_cents(t.total_cents)}{voided}  Enter shows, ctrl+v voids"))

    def selected(self) -> str | None:
        t = self.query_one(DataTable)
        if not self.rows or t.cursor_row is None:
            return None
        return self.rows[t.cursor_row].receipt_number

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from screens.cash.receipt import ReceiptScreen
        self.app.push_screen(ReceiptScreen(str(event.row_key.value), reprint=True))

    def action_void(self) -> None:
        number = self.selected()
        if number is None:
            self.set_status("no receipt selected")
            return

        def done(message: str | None) -> None:
            if message:
                self.set_status(message)
                self.action_refresh()
        self.app.push_screen(VoidScreen(number), done)


class VoidScreen(ActionForm):
    TITLE_TEXT = "Void a payment"
    INTRO = ("Same-day payments only; it reverses the posting exactly.  A supervisor types their "
             "own user name and password here.  Later corrections: returned payment handling.")

    def __init__(self, receipt_number: str):
        self.receipt_number = receipt_number
        super().__init__(None)

    def on_mount(self, event) -> None:
        # the receipt is filled from the list: the cursor starts where the clerk types next
        # (a burst of reason, supervisor and password must not overtype the receipt number)
        event.prevent_default()  # not ActionForm's focus on the first field
        self.query_one("#f-reason", Input).focus()

    def fields(self) -> list[Field]:
        return [Field("receipt", "Receipt", self.receipt_number, 12, r"[A-Za-z0-9]*"),
                Field("reason", "Reason", "", 120, None, "why it is voided"),
                Field("super", "Supervisor", "", 32, None, "the approving supervisor's user name"),
                Field("password", "Password", "", 128, None, "", password=True)]

    def perform(self, user, v: dict[str, str]) -> str:
        r = voids.void_payment(user, v["receipt"], v["reason"], v["super"], v["password"])
        bal = "; ".join(format_cents(b) for b in r.balances.values())
        return f"receipt {r.receipt_number} voided; balance now {bal}"
