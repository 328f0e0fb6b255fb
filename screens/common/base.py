"""The key convention every screen shares, and ``BaseScreen``.

Each key has an id (the user's config remaps it: ``[keymap] help = "f1,ctrl+h"``), a Ctrl
alternative for terminals that lose F-keys (TERM=linux, vt100), and ``priority=True`` so a
focused Input cannot swallow it.  Nothing critical is on bare Esc.

    F1/ctrl+g help      F2/ctrl+f find account   F3/ctrl+b back     F4/ctrl+k lookup
    F5/ctrl+r refresh   F6/ctrl+n new/add        F7/ctrl+t payment  F9/ctrl+x post/commit
    F10/ctrl+o menu     ctrl+l lock              ctrl+p palette     ctrl+q quit
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import peewee
from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from screens.common.text import stored
from screens.common.textual_internals import GuardedDispatch, bindings_of, keymap_of
from ubtui.errors import InputError, UbtuiError
from ubtui.security import has_permission
from ubtui.text import safe_text

# binding id -> (keys, footer key label, description)
KEYS: dict[str, tuple[str, str, str]] = {
    "help": ("f1,ctrl+g", "F1", "Help"),
    "find": ("f2,ctrl+f", "F2", "Find"),
    "back": ("f3,ctrl+b", "F3", "Back"),
    "lookup": ("f4,ctrl+k", "F4", "Lookup"),
    "refresh": ("f5,ctrl+r", "F5", "Refresh"),
    "new": ("f6,ctrl+n", "F6", "New"),
    "pay": ("f7,ctrl+t", "F7", "Payment"),
    "post": ("f9,ctrl+x", "F9", "Post"),
    "menu": ("f10,ctrl+o", "F10", "Menu"),
    "lock": ("ctrl+l", "^L", "Lock"),
    "palette": ("ctrl+p", "^P", "Palette"),
    "quit": ("ctrl+q", "^Q", "Quit"),
}


def key_binding(key_id: str, action: str, description: str | None = None, *, show: bool = True) -> Binding:
    """The Binding for one key of the convention (id, keys, Ctrl alternative, priority)."""
    keys, label, default = KEYS[key_id]
    return Binding(keys, action, description or default, show=show, key_display=label,
                   priority=True, id=key_id)


def letter_binding(keys: str, action: str, description: str, *, id: str, show: bool = True) -> Binding:
    """A screen's letter key (``"a"``, or ``"n,escape,f3"``): its letters also in capitals.

    The footer shows letters in capitals ("A Actions"), and Shift or Caps Lock sends them so:
    a Binding for "a" alone ignored "A"."""
    parts = keys.split(",")
    capitals = [k.upper() for k in parts if len(k) == 1 and k.isalpha()]
    return Binding(",".join(parts + capitals), action, description, show=show, priority=True, id=id,
                   key_display=parts[0].upper() if len(parts[0]) == 1 else None)


def key_text(key: str) -> str:
    """``f2`` -> ``F2``, ``ctrl+f`` -> ``Ctrl+F``: how help and the palette name a key."""
    parts = key.strip().split("+")
    return "+".join(p.capitalize() if len(p) > 1 else p.upper() for p in parts)


def bindings_with_keymap(node) -> list[tuple[str, object]]:
    """(key, binding) of ``node`` with the app's keymap applied (what really fires)."""
    bindings = bindings_of(node).copy()
    keymap = keymap_of(node.app)
    if keymap:
        bindings.apply_keymap(keymap)
    return list(bindings)


def permitted(entries, user) -> list:
    """The entries of a letter-keyed list (``key, label, form, permissions``) this user may
    open: every permission held.  The account's actions and the new-service desk both ask."""
    return [e for e in entries if user is not None and all(has_permission(user, p) for p in e.permissions)]


class StatusLine(Static):
    """One line at the bottom: the last message or core error."""


class KeepsRunning(GuardedDispatch):
    """A screen (or the app) whose handler raised something unexpected stays usable.

    Textual stops a message pump for good after one of its handlers raises (and the app
    with it): here the error goes to ``app.unexpected_error`` (logged with its traceback,
    shown on the status line) and the pump carries on with the next message."""

    def dispatch_failed(self, error: Exception) -> bool:
        handler = getattr(self.app, "unexpected_error", None)  # type: ignore[attr-defined]
        if handler is None:
            return False
        handler(error)
        return True


class FormFields:
    """The fields of a screen's form, and the one way a core error lands on them.

    ``FIELD_WIDGETS`` maps the stable field key an ``InputError`` carries (``e.key``:
    ``"check_number"``, ``"amount_tendered"``) to the id of the widget that holds it; a
    numbered key (``account_2_amount``, ``check_3``) falls back to its unnumbered form
    (``account_amount``, ``check``).  ``FIELD_PREFIX`` is put before a field id to make the
    widget id (``adj-`` + ``account``); ``STRIP_VALUES`` strips what ``val`` returns."""

    FIELD_WIDGETS: ClassVar[dict[str, str]] = {}
    FIELD_PREFIX: ClassVar[str] = ""
    STRIP_VALUES: ClassVar[bool] = False

    def box(self, fid: str) -> Input:
        """The Input of field ``fid``."""
        return self.query_one(f"#{self.FIELD_PREFIX}{fid}", Input)  # type: ignore[attr-defined]

    def val(self, fid: str) -> str:
        """The text typed in field ``fid`` (an Input or a TextArea; stripped when the screen says so)."""
        widget = self.query_one(f"#{self.FIELD_PREFIX}{fid}")  # type: ignore[attr-defined]
        value = widget.text if isinstance(widget, TextArea) else widget.value
        return value.strip() if self.STRIP_VALUES else value

    def focus_after(self, order: Sequence[str], wid: str | None) -> bool:
        """Enter on the widget ``wid`` of ``order`` (widget ids, in the order Enter walks them):
        the cursor goes to the next one.  False on the last one (the caller posts)."""
        i = list(order).index(wid) if wid in order else len(order) - 1
        if i >= len(order) - 1:
            return False
        self.query_one(f"#{order[i + 1]}").focus()  # type: ignore[attr-defined]
        return True

    def widget_for_key(self, key: str) -> str | None:
        """The id of the widget holding the field ``key`` names (None: no such field here)."""
        found = self.FIELD_WIDGETS.get(key)
        if found is None:
            found = self.FIELD_WIDGETS.get(re.sub(r"_\d+(?=_|$)", "", key))
        return found

    def focus_key(self, key: str) -> bool:
        """Put the cursor in the field ``key`` names, if it is on screen; True when it moved."""
        wid = self.widget_for_key(key)
        if not wid:
            return False
        found = self.query(f"#{wid}")  # type: ignore[attr-defined]
        if not found:
            return False
        widget = found.first()
        node = widget
        while node is not None and node is not self:
            if not node.display:
                return False
            node = node.parent
        widget.focus()
        return True

    def show_core_error(self, e: Exception) -> None:
        """Show a core error (a database error as one line saying nothing was written) on the
        status line; an ``InputError`` also puts the cursor in the field its key names."""
        from screens.app import database_message

        self.app.show_error(e if isinstance(e, UbtuiError) else database_message(e))  # type: ignore[attr-defined]
        if isinstance(e, InputError):
            self.focus_key(e.key)


class BaseScreen(FormFields, KeepsRunning, Screen):
    """A signed-in screen: title line, body (``compose_body``), status line and Footer.

    Subclasses add their own keys with ``key_binding(...)`` and override ``action_refresh``,
    ``action_new``, ``action_post`` ... as they need.  ``TITLE_TEXT`` names the screen."""

    TITLE_TEXT = ""
    DEFAULT_CSS = """
    BaseScreen { layout: vertical; }
    BaseScreen #title-bar { height: 1; background: $primary; color: $text; }
    BaseScreen #title-bar .left { width: 1fr; padding: 0 1; text-style: bold; }
    BaseScreen #title-bar .right { width: auto; padding: 0 1; }
    BaseScreen #body { height: 1fr; }
    BaseScreen StatusLine { height: 1; padding: 0 1; }
    BaseScreen StatusLine.error { color: $error; text-style: bold; }
    """
    BINDINGS = [
        key_binding("help", "help"),
        key_binding("find", "find"),
        key_binding("back", "back"),
        key_binding("menu", "menu", show=False),
        key_binding("lock", "app.lock", show=False),
        key_binding("pay", "pay", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(self.TITLE_TEXT, classes="left", id="title")
            yield Static(self.user_text(), classes="right", id="who")
        yield from self.compose_body()
        yield StatusLine("", id="status")
        yield Footer(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def user_text(self) -> str:
        user = getattr(self.app, "user", None)
        return f"{user.username} ({user.role})" if user else ""

    # --- messages --------------------------------------------------------------------------
    def set_status(self, text: str, *, error: bool = False) -> None:
        try:
            line = self.query_one("#status", StatusLine)
        except Exception:
            self.app.notify(safe_text(text), severity="error" if error else "information", markup=False)
            return
        if getattr(line, "shown", None) != text:  # a fixed height: no new layout, only a repaint
            line.shown = text
            # a message longer than the line wraps onto a second or third (a new layout, only
            # then): what the core said is never cut at the screen's edge
            width = max(10, (line.size.width or self.app.size.width) - 2)
            rows = min(3, max(1, -(-cell_len(text) // width)))
            if rows != (line.styles.height.value if line.styles.height else 1):
                line.styles.height = rows
            line.update(stored(text), layout=False)  # messages quote stored and typed text: never markup
        line.set_class(error, "error")

    def clear_status(self) -> None:
        self.set_status("")

    def status_text(self) -> str:
        try:
            return str(self.query_one("#status", StatusLine).content)
        except Exception:
            return ""

    # --- the core --------------------------------------------------------------------------
    async def run_core(self, fn, *args, **kw):
        """Run the core function ``fn(*args, **kw)`` in the database thread and return its
        result (a core error is raised).  Keys typed meanwhile wait and are handed on, in
        order, once this screen has used the answer (moved the focus, shown the error): they
        land where they would have had the typist waited.  From a handler ``app.db`` already
        does this; ``run_core`` does it from a worker too (posting in the background)."""
        return await self.app.db_holding_keys(fn, *args, **kw)

    async def try_core(self, fn, *args, **kw):
        """``fn(*args, **kw)`` in the database thread, as ``app.try_db``: a core or database
        error is shown (``show_core_error``: an ``InputError`` puts the cursor in the field its
        key names) and ``None`` returned."""
        try:
            return await self.app.db(fn, *args, **kw)
        except (UbtuiError, peewee.DatabaseError) as e:
            self.show_core_error(e)
        return None

    # --- the common keys -------------------------------------------------------------------
    def action_help(self) -> None:
        from screens.common.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_find(self) -> None:
        from screens.accounts.search import SearchScreen

        if isinstance(self, SearchScreen):
            self.query_one("#query").focus()
            return
        self.app.push_screen(SearchScreen())

    def action_pay(self) -> None:
        """F7 from any screen opens payment entry (an account screen opens it for its account)."""
        from screens.shell.menu import KEY_TARGETS

        target = KEY_TARGETS.get("pay")
        if not target:
            self.set_status("taking payments is not installed on this system", error=True)
            return
        if type(self).__name__ == target.partition(":")[2]:
            return  # already on it
        self.app.open_target(target)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_menu(self) -> None:
        from screens.shell.menu import MainMenuScreen

        while len(self.app.screen_stack) > 2 and not isinstance(self.app.screen, MainMenuScreen):
            self.app.pop_screen()
