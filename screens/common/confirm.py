"""A yes/no question (Y or Enter on Yes; N, F3 or Esc says no)."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.common.base import KeepsRunning, letter_binding
from screens.common.text import stored


class ConfirmScreen(KeepsRunning, ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 44; height: auto; border: round $warning; padding: 0 1;
                               background: $surface; }
    ConfirmScreen #question { text-style: bold; }
    """
    BINDINGS = [
        letter_binding("y", "answer(True)", "Yes", id="confirm.yes"),
        letter_binding("n,escape,f3,ctrl+b", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, hint: str = "Y yes, N no"):
        super().__init__()
        self.question = question
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(stored(self.question, multiline=True), id="question")
            yield Static(stored(self.hint, multiline=True), id="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
