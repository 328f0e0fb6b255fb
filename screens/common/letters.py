"""A letter-keyed list of forms (issue #18): the account's actions (screens/accounts/actions.py)
and the new-service desk (screens/service/desk.py) are one screen with their own entries.

Each entry is a ``Letter`` (key, label, form, permissions); the list shows those the user may
open (``common.base.permitted``); a letter, or Enter on a line, opens its form.  A letter of an
entry the user lacks does nothing (``check_action``); the core checks again.  A form whose
``prepare`` reads choices from the database gets them in the database thread first, and keys
typed meanwhile wait for the form (``hold_keys``).

The entries are a ``LetterGrid`` (issue #17): one column when they fit the height, else as many
columns as it takes (two for a supervisor's 24 account actions at 80x24), so every entry is on
screen and nothing scrolls out of sight.  Up/Down move within a column, Left/Right between
columns, Home/End to the first/last entry, Enter opens the highlighted one."""
from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from screens.common.base import BaseScreen, letter_binding, permitted
from screens.common.form import ActionForm


@dataclass(frozen=True)
class Letter:
    key: str
    label: str
    form: type[ActionForm]
    permissions: tuple[str, ...]


def letter_bindings(entries, prefix: str) -> list[Binding]:
    """The letters as bindings too (not in the footer): F1 help and the palette list them."""
    return [letter_binding(e.key, f"open('{e.key}')", e.label, show=False, id=f"{prefix}.{e.key}") for e in entries]


GAP = 2  # blank columns between two columns of entries


class LetterGrid(Widget, can_focus=True):
    """Letter-keyed lines laid out column by column, never scrolled: as many columns as the
    height needs, each as wide as its longest line (a line cut with "…" only when the columns
    cannot fit the width otherwise).  ``items`` are (key, text) pairs; Enter (or a click) posts
    ``Chosen`` with the highlighted key."""

    DEFAULT_CSS = """
    LetterGrid { height: 1fr; padding: 0 1; }
    LetterGrid > .letter-grid--highlight { text-style: bold; }
    LetterGrid:focus > .letter-grid--highlight { background: $block-cursor-background;
        color: $block-cursor-foreground; text-style: bold; }
    LetterGrid:nocolor > .letter-grid--highlight,
    LetterGrid:nocolor:focus > .letter-grid--highlight { text-style: reverse bold; }
    """
    COMPONENT_CLASSES = {"letter-grid--highlight"}
    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    highlighted: reactive[int] = reactive(0)

    class Chosen(Message):
        def __init__(self, grid: LetterGrid, key: str):
            super().__init__()
            self.grid = grid
            self.key = key

        @property
        def control(self) -> LetterGrid:
            return self.grid

    def __init__(self, items=(), **kw):
        super().__init__(**kw)
        self.items: list[tuple[str, str]] = list(items)

    def set_items(self, items) -> None:
        """New lines (labels that depend on what was read); the highlight stays where it was."""
        self.items = list(items)
        self.highlighted = min(self.highlighted, max(len(self.items) - 1, 0))
        self.refresh()

    # --- layout -------------------------------------------------------------------------------
    def rows(self) -> int:
        """Lines per column: all in one column when the height allows, else balanced columns."""
        n, height = len(self.items), max(self.content_size.height, 1)
        return math.ceil(n / math.ceil(n / height)) if n else 1

    def columns(self) -> list[list[int]]:
        rows = self.rows()
        return [list(range(i, min(i + rows, len(self.items)))) for i in range(0, len(self.items), rows)]

    def widths(self, columns: list[list[int]]) -> list[int]:
        widths = [max(len(self.items[i][1]) for i in col) for col in columns]
        room = self.content_size.width - GAP * (len(columns) - 1)
        while sum(widths) > room and max(widths) > 4:  # too narrow even so: the widest gives way
            widths[widths.index(max(widths))] -= 1
        return widths

    def render(self) -> Text:
        columns = self.columns()
        widths = self.widths(columns)
        high = self.get_component_rich_style("letter-grid--highlight", partial=True)
        lines = []
        for r in range(self.rows()):
            row = Text(no_wrap=True, overflow="crop")
            for c, col in enumerate(columns):
                if r >= len(col):
                    break
                text = self.items[col[r]][1]
                if len(text) > widths[c]:
                    text = text[:widths[c] - 1] + "\u2026"
                row.append(" " * GAP if c else "")
                row.append(text.ljust(widths[c]), high if col[r] == self.highlighted else "")
            lines.append(row)
        return Text("\n", no_wrap=True).join(lines)

    def place(self, index: int) -> tuple[int, int]:
        rows = self.rows()
        return index % rows, index // rows

    # --- keys -----------------------------------------------------------------------------------
    def action_move(self, down: int, right: int) -> None:
        if not self.items:
            return
        rows = self.rows()
        r, c = self.place(self.highlighted)
        if right:  # the same row of the next column (its last line when that column is shorter)
            c += right
            if 0 <= c and c * rows < len(self.items):
                self.highlighted = min(c * rows + r, len(self.items) - 1)
        else:  # in reading order: from the foot of a column on to the top of the next
            self.highlighted = (self.highlighted + down) % len(self.items)

    def action_edge(self, which: int) -> None:
        if self.items:
            self.highlighted = 0 if which == 0 else len(self.items) - 1

    def action_choose(self) -> None:
        if self.items:
            self.post_message(self.Chosen(self, self.items[self.highlighted][0]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.items:
            return
        columns, x = self.columns(), offset.x
        for c, w in enumerate(self.widths(columns)):
            if x < w:
                if offset.y < len(columns[c]):
                    self.highlighted = columns[c][offset.y]
                    self.action_choose()
                return
            x -= w + GAP

    def watch_highlighted(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.refresh()


class LetterListScreen(BaseScreen):
    """Subclasses set ``LETTERS`` (and ``BINDINGS = letter_bindings(LETTERS, ...)``), ``LIST_ID``,
    compose their head in ``compose_head`` and open an entry in ``open_entry``."""

    LETTERS: tuple = ()
    LIST_ID = "letters"

    def entries(self) -> list:
        return permitted(self.LETTERS, self.app.user)

    def label_of(self, entry) -> str:
        return entry.label

    def items(self) -> list[tuple[str, str]]:
        return [(e.key, f"{e.key.upper()}  {self.label_of(e)}") for e in self.entries()]

    def compose_head(self) -> ComposeResult:
        yield from ()

    def compose_body(self) -> ComposeResult:
        yield from self.compose_head()
        yield LetterGrid(self.items(), id=self.LIST_ID)

    def on_mount(self) -> None:
        self.letter_list().focus()

    def letter_list(self) -> LetterGrid:
        return self.query_one(f"#{self.LIST_ID}", LetterGrid)

    def relabel(self) -> None:
        """The lines again (labels that depend on what was read), the highlight kept."""
        self.letter_list().set_items(self.items())

    # --- choosing ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        if action == "open":  # letters of entries the user may not open do nothing
            return any(e.key == parameters[0] for e in self.entries())
        return True

    def action_open(self, key: str) -> None:
        for e in self.entries():
            if e.key == key:
                self.open_entry(e)
                return
        self.set_status("you may not do that here; ask a supervisor", error=True)

    @on(LetterGrid.Chosen)
    def selected(self, event: LetterGrid.Chosen) -> None:
        if event.grid.id == self.LIST_ID:
            self.action_open(event.key)

    def open_entry(self, entry) -> None:
        raise NotImplementedError

    async def prepared(self, form: type[ActionForm], account_id: int | None) -> dict | None:
        """What ``form.prepare`` reads (in the database thread; {} when it reads nothing);
        ``None`` when the read failed (the error is shown)."""
        if form.prepare is ActionForm.prepare:
            return {}
        self.app.hold_keys()  # the form needs more from the database: what is typed next belongs to it
        try:
            return await self.app.try_db(form.prepare, self.app.user, account_id)
        finally:
            self.app.call_after_refresh(self.app.release_keys)
