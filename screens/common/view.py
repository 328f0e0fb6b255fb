"""A long stored value whole (issue #17): Enter on a row whose text a pane shows only in part
(a change of details, a flag's reason) opens it here, wrapped by words and scrollable."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.common.base import KeepsRunning
from screens.common.text import stored


def page_css(screen: str) -> str:
    """A scrollable page in a box over the screen (help, a long value): up to 100 wide."""
    return f"""
    {screen} {{ align: center middle; }}
    {screen} > VerticalScroll {{ width: 100%; max-width: 100; height: auto; max-height: 100%;
                                border: round $primary; padding: 0 1; background: $surface; }}
    """


class TextViewScreen(KeepsRunning, ModalScreen):
    DEFAULT_CSS = page_css("TextViewScreen") + """
    TextViewScreen #view-title { text-style: bold; }
    TextViewScreen #view-text { margin: 1 0; }
    """
    BINDINGS = [Binding("escape,f3,ctrl+b,enter", "close", "Close", priority=True, id="view.close")]

    def __init__(self, title: str, text: str, meta: str = ""):
        super().__init__()
        self.title_text, self.text, self.meta = title, text, meta

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="view-page"):
            yield Static(stored(self.title_text), id="view-title")
            if self.meta:
                yield Static(stored(self.meta), id="view-meta")
            yield Static(stored(self.text or "(nothing more)", multiline=True), id="view-text")
            yield Static(Text("Up/Down/PgUp/PgDn scroll.  F3, Esc or Enter closes."), id="view-hint")

    def on_mount(self) -> None:
        self.query_one("#view-page").focus()

    def action_close(self) -> None:
        self.dismiss(None)
