"""F1: one scrollable page per screen: the keys of the screen underneath (as the user's keymap
has them) first, then what the screen does, wrapped by words to the terminal's width.

Up/Down, PageUp/PageDown, Home/End scroll; Esc, Enter, F1 or F3 close."""
from __future__ import annotations

import inspect
import re
import textwrap

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.common.base import KeepsRunning, bindings_with_keymap, key_text
from screens.common.view import page_css


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


def key_table(rows: list[tuple[str, str]], width: int = 74) -> str:
    """``keys  description`` lines, one key a line; a long description wraps by words under
    itself (a hanging indent), never cut."""
    keys_width = min(max((len(k) for k, _ in rows), default=8), max(width // 2, 10))
    out: list[str] = []
    for keys, desc in rows:
        indent = " " * (keys_width + 2)
        first = f"{keys:<{keys_width}}  "
        if len(keys) > keys_width:  # a very long key list: the description on the next line
            out.append(keys)
            first = indent
        out.extend(textwrap.wrap(desc, width, initial_indent=first, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False) or [first.rstrip()])
    return "\n".join(out)


_ITEM = re.compile(r"^\s*([-*•]|\d+[.)])\s")
_NEW_LINE = re.compile(r"^\s*([-*•]|\d+[.)])\s|^[A-Z][A-Za-z0-9+/ ]{0,12}:\s")


def reflow(text: str, width: int = 74) -> str:
    """A screen's help (often its docstring, broken at 96 columns) as paragraphs wrapped by
    words at ``width``: lines of one paragraph are joined; a blank line, a list item ("- ",
    "1. ") or an indented line starts a new one."""
    paragraphs: list[list[str]] = []
    new = True
    for raw in inspect.cleandoc(text or "").splitlines():
        if not raw.strip():
            paragraphs.append([])
            new = True
            continue
        indented = raw.startswith("  ") and not (paragraphs and paragraphs[-1] and _ITEM.match(paragraphs[-1][0]))
        if new or indented or _NEW_LINE.match(raw) or not paragraphs:
            paragraphs.append([raw.rstrip()])
        else:
            paragraphs[-1].append(raw.strip())
        new = False
    out: list[str] = []
    for para in paragraphs:
        if not para:
            if out and out[-1] != "":
                out.append("")
            continue
        first = para[0]
        lead = len(first) - len(first.lstrip())
        marker = re.match(r"\s*([-*•]|\d+[.)])\s+", first)
        hang = " " * (marker.end() if marker else lead)
        out.extend(textwrap.wrap(" ".join(p.strip() for p in para), width, initial_indent=" " * lead,
                                 subsequent_indent=hang, break_long_words=False, break_on_hyphens=False))
    return "\n".join(out).strip("\n")


class HelpScreen(KeepsRunning, ModalScreen):
    DEFAULT_CSS = page_css("HelpScreen") + """
    HelpScreen #help-title { text-style: bold; }
    HelpScreen #help-extra { margin-top: 1; }
    HelpScreen #help-foot { margin-top: 1; text-style: italic; }
    """
    BINDINGS = [
        Binding("escape,f1,ctrl+g,f3,ctrl+b,enter", "dismiss", "Close", priority=True, id="help.close"),
    ]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    def text_width(self) -> int:
        return max(min(self.app.size.width, 100) - 4 - 1, 30)  # border, padding, scrollbar

    def compose(self) -> ComposeResult:
        title = getattr(self.under, "TITLE_TEXT", "") or "ubtui"
        width = self.text_width()
        extra = reflow(getattr(self.under, "HELP_TEXT", ""), width)
        with VerticalScroll(id="help-page"):
            yield Static(Text(f"Keys: {title}"), id="help-title")
            yield Static(Text(key_table(screen_keys(self.under), width)), id="help-keys")
            if extra:
                yield Static(Text(extra), id="help-extra")
            yield Static(Text("Up/Down, PgUp/PgDn, Home/End scroll.  Esc, Enter or F1 closes."), id="help-foot")

    def on_mount(self) -> None:
        self.query_one("#help-page").focus()

    def action_dismiss(self, result=None) -> None:
        self.dismiss(None)
