"""A receipt on screen (ubtui.receipts): P prints it on the receipt printer, S saves it as a
text file and a PDF in the data folder; F3 goes back.  Reprints are marked REPRINT."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.common.base import KeepsRunning, letter_binding
from screens.common.text import stored
from ubtui import receipts
from ubtui.errors import UbtuiError


def save_receipt(user, number: str) -> str:
    """(DB thread) write <data dir>/receipts/NUMBER.txt and .pdf; returns the folder."""
    from ubtui.config import data_dir
    r = receipts.receipt(user, number)
    folder = data_dir() / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    receipts.save_text(r, folder / f"{r.receipt_number}.txt")
    receipts.to_pdf(r, folder / f"{r.receipt_number}.pdf")
    return str(folder / r.receipt_number) + ".txt/.pdf"


def print_receipt(user, number: str) -> str:
    receipts.print_receipt(receipts.receipt(user, number))
    return f"{number} sent to the receipt printer"


class ReceiptScreen(KeepsRunning, ModalScreen):
    DEFAULT_CSS = """
    ReceiptScreen { align: center middle; }
    ReceiptScreen > Vertical { width: 46; height: 22; border: round $primary; background: $surface; }
    ReceiptScreen VerticalScroll { height: 1fr; padding: 0 1; }
    ReceiptScreen #receipt-keys { height: 1; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,f3,ctrl+b", "close", "Back", priority=True, id="receipt.close"),
        letter_binding("p,ctrl+p", "print", "Print", id="receipt.print"),
        letter_binding("s,ctrl+s", "save", "Save", id="receipt.save"),
    ]

    def __init__(self, number: str, *, reprint: bool = False):
        super().__init__()
        self.number = number
        self.reprint = reprint

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static("", id="receipt-text")
            yield Static("P print  S save .txt/.pdf  F3 back", id="receipt-keys")

    async def on_mount(self) -> None:
        r = await self.app.try_db(receipts.receipt, self.app.user, self.number, reprint=self.reprint)
        if r is not None:
            self.query_one("#receipt-text", Static).update(stored(receipts.to_text(r), multiline=True))

    async def run(self, fn) -> None:
        try:
            message = await self.app.db(fn, self.app.user, self.number)
        except UbtuiError as e:
            message = str(e)
        self.query_one("#receipt-keys", Static).update(stored(message[:44]))

    async def action_print(self) -> None:
        await self.run(print_receipt)

    async def action_save(self) -> None:
        await self.run(save_receipt)

    def action_close(self) -> None:
        self.dismiss(None)
