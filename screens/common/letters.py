"""A letter-keyed list of forms (issue #18): the account's actions (screens/accounts/actions.py)
and the new-service desk (screens/service/desk.py) are one screen with their own entries.

Each entry is a ``Letter`` (key, label, form, permissions); the list shows those the user may
open (``common.base.permitted``); a letter, or Enter on a line, opens its form.  A letter of an
entry the user lacks does nothing (``check_action``); the core checks again.  A form whose
``prepare`` reads choices from the database gets them in the database thread first, and keys
typed meanwhile wait for the form (``hold_keys``)."""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

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


class LetterListScreen(BaseScreen):
    """Subclasses set ``LETTERS`` (and ``BINDINGS = letter_bindings(LETTERS, ...)``), ``LIST_ID``,
    compose their head in ``compose_head`` and open an entry in ``open_entry``."""

    LETTERS: tuple = ()
    LIST_ID = "letters"

    def entries(self) -> list:
        return permitted(self.LETTERS, self.app.user)

    def label_of(self, entry) -> str:
        return entry.label

    def options(self) -> list[Option]:
        return [Option(f"{e.key.upper()}  {self.label_of(e)}", id=e.key) for e in self.entries()]

    def compose_head(self) -> ComposeResult:
        yield from ()

    def compose_body(self) -> ComposeResult:
        yield from self.compose_head()
        yield OptionList(*self.options(), id=self.LIST_ID)

    def on_mount(self) -> None:
        self.letter_list().focus()

    def letter_list(self) -> OptionList:
        return self.query_one(f"#{self.LIST_ID}", OptionList)

    def relabel(self) -> None:
        """The lines again (labels that depend on what was read), the highlight kept."""
        menu = self.letter_list()
        highlighted = menu.highlighted
        menu.clear_options()
        menu.add_options(self.options())
        if highlighted is not None and highlighted < menu.option_count:
            menu.highlighted = highlighted

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

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == self.LIST_ID:
            self.action_open(event.option.id)

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
