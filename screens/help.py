"""F1: the keys of the screen underneath, as the user's keymap has them."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.base import KeepsRunning, bindings_with_keymap, key_text


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for every binding of ``screen`` and the app, keymap applied."""
    by_action: dict[str, tuple[list[str], str]] = {}
    for node in (screen, screen.app):
        for key, binding in bindings_with_keymap(node):
            if binding.system or not binding.description or binding.action == "screen.copy_text":
                continue
            slot = by_action.setdefault(binding.id or binding.action, ([], binding.description))
            if key_text(key) not in slot[0]:
                slot[0].append(key_text(key))
    return [(" / ".join(keys), desc) for keys, desc in by_action.values()]


def key_table(rows: list[tuple[str, str]], one_column_max: int = 10, column_width: int = 36) -> str:
    """``keys  description`` lines; two columns side by side when there are many (80x24)."""
    width = max((len(k) for k, _ in rows), default=8)
    lines = [f"{k:<{width}}  {d}" for k, d in rows]
    if len(lines) <= one_column_max:
        return "\n".join(lines)
    half = (len(lines) + 1) // 2
    left, right = lines[:half], lines[half:]
    return "\n".join(f"{a[:column_width]:<{column_width}}  {b[:column_width]}".rstrip()
                     for a, b in zip(left, right + [""]))


class HelpScreen(KeepsRunning, ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 78; height: auto; max-height: 22; border: round $primary;
                            padding: 0 1; background: $surface; }
    HelpScreen #help-title { text-style: bold; }
    """
    BINDINGS = [
        Binding("escape,f1,ctrl+g,f3,ctrl+b,enter", "dismiss", "Close", priority=True, id="help.close"),
    ]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        title = getattr(self.under, "TITLE_TEXT", "") or "ubtui"
        text = key_table(screen_keys(self.under))
        extra = getattr(self.under, "HELP_TEXT", "")
        with Vertical():
            yield Static(f"Keys: {title}", id="help-title")
            yield Static(text, id="help-keys")
            if extra:
                yield Static(extra, id="help-extra")
            yield Static("Esc, Enter or F1 closes this help.", id="help-foot")

    def action_dismiss(self, result=None) -> None:
        self.dismiss(None)
