"""A bill as the customer sees it: every line, the amount due and the usage history.

Type an account number and Enter to see its latest bill.  Left/Right step to the older or
newer bill, PgUp/PgDn scroll, F9 writes the bill as a PDF (the path is shown).
"""
from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.text import stored
from ubtui import billing, billprint
from ubtui.accounts import format_account_number, get_account
from ubtui.config import data_dir


def bills_of(text_or_id) -> tuple[str, list[int]]:
    """(DB thread) the account's number and its bill ids, newest first."""
    acct = get_account(text_or_id)
    return acct.number, [b.id for b in billing.account_bills(acct.id, limit=60)]


def write_pdf(bill_id: int, folder: str | None = None) -> Path:
    out = Path(folder) if folder else data_dir() / "bills"
    out.mkdir(parents=True, exist_ok=True)
    return billprint.bill_pdf(bill_id, out / f"bill-{bill_id}.pdf")


class BillViewScreen(BaseScreen):
    TITLE_TEXT = "Bill"
    CSS_PATH = "bill.tcss"
    PERMISSION = "account.view"
    HELP_TEXT = __doc__
    BINDINGS = [
        key_binding("post", "pdf", "PDF"),
        key_binding("refresh", "refresh", "Refresh"),
        Binding("left", "step(1)", "Older", priority=True, id="bill.older", key_display="←"),
        Binding("right", "step(-1)", "Newer", priority=True, id="bill.newer", key_display="→"),
    ]

    def __init__(self, account_id: int | None = None, bill_id: int | None = None, pdf_folder: str | None = None):
        super().__init__()
        self.account_id = account_id
        self.start_bill_id = bill_id
        self.bill_ids: list[int] = []
        self.index = 0
        self.pdf_folder = pdf_folder

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bill-find"):
            yield Label("Account", id="bill-label")
            yield Input(id="bill-account", max_length=12, restrict=r"[0-9\- ]*", compact=True, select_on_focus=True)
            yield Static("", id="bill-pos")
        with VerticalScroll(id="bill-scroll"):
            yield Static("", id="bill-text")

    async def on_mount(self) -> None:
        if self.account_id is not None:
            await self.load(self.account_id)
        else:
            self.query_one("#bill-account", Input).focus()

    @on(Input.Submitted, "#bill-account")
    async def account_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.set_status("type the account number", error=True)
            return
        await self.load(event.value)

    async def load(self, account) -> None:
        found = await self.app.try_db(bills_of, account)
        if found is None:
            return
        number, self.bill_ids = found
        self.query_one("#bill-account", Input).value = format_account_number(number)
        if not self.bill_ids:
            self.query_one("#bill-text", Static).update("No bills yet.")
            self.query_one("#bill-pos", Static).update("")
            return
        self.index = self.bill_ids.index(self.start_bill_id) if self.start_bill_id in self.bill_ids else 0
        self.query_one("#bill-scroll").focus()
        await self.show()

    async def show(self) -> None:
        bill_id = self.bill_ids[self.index]
        text = await self.app.try_db(billprint.bill_text, bill_id)
        if text is None:
            return
        self.query_one("#bill-text", Static).update(stored(text, multiline=True))
        self.query_one("#bill-pos", Static).update(f"bill {len(self.bill_ids) - self.index} of {len(self.bill_ids)}")
        self.query_one("#bill-scroll", VerticalScroll).scroll_home(animate=False)
        self.clear_status()

    async def action_step(self, delta: int) -> None:
        box = self.query_one("#bill-account", Input)
        if self.focused is box:  # the arrows still move the cursor while typing the number
            box.action_cursor_left() if delta > 0 else box.action_cursor_right()
            return
        if not self.bill_ids:
            return
        new = self.index + delta
        if not 0 <= new < len(self.bill_ids):
            self.set_status("no older bill" if delta > 0 else "this is the newest bill")
            return
        self.index = new
        await self.show()

    async def action_refresh(self) -> None:
        if self.bill_ids:
            await self.show()

    async def action_pdf(self) -> None:
        if not self.bill_ids:
            self.set_status("no bill shown", error=True)
            return
        path = await self.app.try_db(write_pdf, self.bill_ids[self.index], self.pdf_folder)
        if path is not None:
            self.set_status(f"PDF written: {path}")
