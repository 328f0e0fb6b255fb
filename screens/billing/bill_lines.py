"""Enter on a bill: its lines (what was charged and why), then F3/Esc back."""
from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen
from screens.common.table import Col, FitTable
from screens.common.text import cells
from ubtui import inquiry
from ubtui.money import format_cents


class BillLinesScreen(BaseScreen):
    TITLE_TEXT = "Bill lines"
    DEFAULT_CSS = """
    BillLinesScreen #bill-head { height: 2; padding: 0 1; }
    BillLinesScreen #lines { height: 1fr; }
    BillLinesScreen #bill-total { height: 1; padding: 0 1; text-style: bold; }
    """

    def __init__(self, bill):
        super().__init__()
        self.bill = bill

    def compose_body(self) -> ComposeResult:
        b = self.bill
        yield Static(f"Bill of {b.bill_date.isoformat()} ({b.kind}{', estimated' if b.estimated else ''}), "
                     f"period {b.period_start.isoformat()} to {b.period_end.isoformat()}\n"
                     f"Usage {b.usage} {b.usage_unit}; due {b.due_date.isoformat()}; "
                     f"previous balance {format_cents(b.previous_balance_cents)}", id="bill-head")
        yield FitTable((Col("Category", 10), Col("Description", 30, grow=1), Col("Qty", 8, right=True),
                        Col("Rate", 10, right=True), Col("Amount", 11, right=True)), id="lines")
        yield Static(f"Total {format_cents(b.total_cents)}", id="bill-total")

    def on_mount(self) -> None:
        self.query_one("#lines", DataTable).focus()
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        lines = await self.app.try_db(inquiry.bill_lines, self.app.user, self.bill.bill_id)
        if lines is None:
            return
        table = self.query_one("#lines", DataTable)
        table.clear()
        for ln in lines:
            table.add_row(*cells(ln.category, ln.description, ln.quantity, ln.rate),
                          Text(format_cents(ln.amount_cents), justify="right"))
        total = sum(ln.amount_cents for ln in lines)
        check = "" if total == self.bill.total_cents else f" (lines add up to {format_cents(total)})"
        self.query_one("#bill-total", Static).update(f"Total {format_cents(self.bill.total_cents)}{check}")
