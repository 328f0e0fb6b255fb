"""The Textual app shell: the signed-in user, one database thread, errors, keys, lock.

* ``UbtuiApp(database_url)`` opens the database in its own worker thread (one thread, so the
  Peewee connection is reused) and shows the login screen.
* ``await app.db(fn, *args, **kw)`` runs a core function in that thread; the event loop never
  waits on the database, so keys typed meanwhile are queued, never lost.
* ``app.show_error(e)`` shows a core error (``UbtuiError``) as one line.
* Keys follow one convention (screens/common/base.py); the config's ``keymap`` (binding id -> keys)
  remaps them through ``App.set_keymap``; every action is in the command palette (ctrl+p).
* After ``Settings.idle_lock_minutes`` without a key the screen locks (customer data hidden).
"""
from __future__ import annotations

import asyncio
import collections
import datetime as _dt
import functools
import gc
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import peewee

# Textual draws a change at its next frame, at most TEXTUAL_FPS frames a second (read when
# textual is imported).  After drawing a frame its timer sleeps one to two frame periods
# before it looks again, so a search's results, ready a few ms after the echo of the key
# that started it, waited 8-17 ms for a frame at 120 (up to 33 ms at the default 60).  At
# 500 they wait at most 4 ms; frames are still drawn only when something changed, and keys
# typed ahead share one (``SearchScreen.hold_frame``).
os.environ.setdefault("TEXTUAL_FPS", "500")

from textual import events  # noqa: E402
from textual.app import App  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.filter import Monochrome, NoColor  # noqa: E402
from textual.theme import Theme  # noqa: E402

from models import User, database
from screens.common.base import BaseScreen, KeepsRunning, key_binding, key_text
from screens.common.palette import UbtuiCommands
from screens.common.terminal import GlyphFilter, has_function_keys, terminal_class
from screens.common.textual_internals import (
    UnhandledErrors,
    draw_changes_sooner,
    exit_deadline,
    exiting,
    has_queued_messages,
)
from ubtui import clock
from ubtui.config import Settings, settings, use_settings
from ubtui.db import open_database
from ubtui.errlog import log_exception, one_line_error
from ubtui.errors import UbtuiError
from ubtui.text import safe_text

# A 16-colour theme: only the terminal's own ANSI colours, so it reads on a linux console,
# a vt100 profile or a light terminal alike.
UBTUI_THEME = Theme(
    name="ubtui",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    accent="ansi_cyan",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "border-blurred": "ansi_bright_black",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_cyan",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": "ansi_black",
        "block-cursor-blurred-background": "ansi_white",
        "input-cursor-background": "ansi_white",
        "input-cursor-foreground": "ansi_black",
        "input-cursor-text-style": "none",
        "input-selection-background": "ansi_blue",
        "input-selection-foreground": "ansi_bright_white",
        "footer-key-foreground": "ansi_bright_cyan",
        "footer-background": "ansi_default",
        "footer-description-foreground": "ansi_default",
        "footer-item-background": "ansi_default",
        "scrollbar": "ansi_bright_black",
        "scrollbar-hover": "ansi_white",
        "scrollbar-active": "ansi_bright_white",
        "scrollbar-background": "ansi_default",
        "scrollbar-corner-color": "ansi_default",
        "button-color-foreground": "ansi_black",
        "link-background": "ansi_default",
        "link-color": "ansi_cyan",
    },
)


class UbtuiApp(UnhandledErrors, KeepsRunning, App):
    """The counter application."""

    TITLE = "ubtui"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    COMMANDS = App.COMMANDS | {UbtuiCommands}
    ENABLE_COMMAND_PALETTE = True
    ORDERED_TYPEAHEAD = True
    _key_busy = False
    _holding = False
    BINDINGS = [
        key_binding("quit", "request_quit", show=False),
        key_binding("lock", "lock", show=False),  # also from dialogs and other modules' screens
        key_binding("palette", "command_palette", show=False),
        Binding("ctrl+c", "help_quit", show=False, system=True, id="ctrl_c"),
    ]

    @property
    def config(self) -> Settings:
        """The process's one settings object (``config.settings()``), never a copy."""
        return settings()

    def __init__(self, database_url: str, *, config: Settings | None = None,
                 today: Callable[[], _dt.date] | None = None, idle_check_seconds: float = 20.0,
                 door_user: str | None = None):
        super().__init__()
        draw_changes_sooner()  # before the first screen makes its drawing timer
        self.database_url = database_url
        # Set by the SSH door (ubtui.sshserver) to the user its public key proved: the sign-in
        # (and the lock screen) is for that user only.
        self.door_user = (door_user or "").strip().lower() or None
        self.hang_up_signals = False  # run_app: SIGHUP/SIGTERM finish the posting, then exit
        if config is not None:
            use_settings(config)  # one settings object: the screens and the core check the same limits
        self.user: User | None = None
        self.locked = False
        if today is not None:
            clock.set_today(today)  # one clock: a test that freezes the screens freezes the core too
        self.today = clock.today
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ubtui-db")
        self._db_ready: asyncio.Future | None = None
        self._backlog: collections.deque[events.Key] = collections.deque()
        self._db_waits = 0  # database calls a screen waits on to know where keys go
        self._db_calls = 0  # all database calls in flight
        self._db_idle = asyncio.Event()
        self._db_idle.set()
        # Tests slow every database call down (UBTUI_TEST_DB_DELAY_MS) to prove type-ahead
        # lands where it belongs whatever the database's speed.
        self.db_delay = _env_ms("UBTUI_TEST_DB_DELAY_MS")
        self.last_activity = time.monotonic()
        self.idle_check_seconds = idle_check_seconds
        self.animation_level = "none"
        # One rendering policy per terminal class (screens/common/terminal.py): a linux console or
        # vt100 (or a locale that is not UTF-8) gets ASCII borders, and every character it
        # lacks, whoever drew it, is rewritten to ASCII by a filter on each frame.
        self.terminal_class = terminal_class()
        self.plain_glyphs = self.terminal_class != "full"
        self.function_keys = has_function_keys()
        self.register_theme(UBTUI_THEME)
        self.theme = self.config.theme if self.config.theme in self.available_themes else "ubtui"
        if self.no_color and self.native_ansi_color:
            # Textual chose its filter for the default theme (Monochrome, which turns the
            # terminal's default colours into black); with ANSI colours NO_COLOR means none.
            self._filters = [f for f in self._filters if not isinstance(f, (Monochrome, NoColor))] + [NoColor()]
        if self.plain_glyphs:
            self._filters.append(GlyphFilter(console=self.terminal_class == "console"))
        if self.config.keymap:
            self.set_keymap(dict(self.config.keymap))

    # --- the database thread ---------------------------------------------------------------
    async def db(self, fn: Callable[..., Any], *args, **kw) -> Any:
        """Run ``fn(*args, **kw)`` in the one database thread and return its result.

        Called from a screen's handler (not a worker), it holds the keys typed meanwhile until
        the handler has used the answer (moved the focus): see ``_settle_key``."""
        return await self._db_call(not _in_worker(), fn, args, kw)

    async def db_holding_keys(self, fn: Callable[..., Any], *args, **kw) -> Any:
        """Like ``db``, and keys typed meanwhile wait even when called from a worker: the
        screen decides where they go once it has the answer (``BaseScreen.run_core``)."""
        return await self._db_call(True, fn, args, kw)

    async def _db_call(self, hold: bool, fn: Callable[..., Any], args: tuple, kw: dict) -> Any:
        self._db_calls += 1
        if hold:
            self._db_waits += 1
            self._db_idle.clear()
        try:
            if self._db_ready is not None and fn is not open_database:
                await asyncio.shield(self._db_ready)
            loop = asyncio.get_running_loop()
            call = functools.partial(fn, *args, **kw)
            if self.db_delay:
                call = functools.partial(_slowly, self.db_delay, call)
            return await loop.run_in_executor(self._executor, call)
        finally:
            self._db_calls -= 1
            if hold:
                self._db_waits -= 1
                if not self._db_waits:
                    self._db_idle.set()
                    # keys typed meanwhile go on once the answer is drawn (focus moved)
                    self.call_after_refresh(self._next_key)

    def db_now(self, fn: Callable[..., Any], *args, **kw) -> asyncio.Future | None:
        """Start ``fn(*args, **kw)`` in the database thread at once and return its future
        (awaited like ``db``, keys not held), or None while the database is still being
        opened (then use ``db``).  ``db`` starts the call when its coroutine first runs, a
        turn or more of the event loop later: a worker started from a key handler runs after
        the key's other messages (1-1.5 ms of a search screen's key, issue #20)."""
        ready = self._db_ready
        if ready is not None and (not ready.done() or ready.cancelled() or ready.exception() is not None):
            return None
        call = functools.partial(fn, *args, **kw)
        if self.db_delay:
            call = functools.partial(_slowly, self.db_delay, call)
        self._db_calls += 1
        future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        future.add_done_callback(self._db_now_done)
        return future

    def _db_now_done(self, future: asyncio.Future) -> None:
        self._db_calls -= 1
        if not future.cancelled():
            future.exception()  # whoever awaits it sees it; nobody may (its worker replaced)

    long_lived_kept = False  # once a process: gc.freeze (keep_long_lived)

    def keep_long_lived(self) -> None:
        """Leave every object alive now out of the garbage collector's passes, once a process
        (``gc.freeze``): the modules, styles and screens of a session that has started.  A full
        pass walked them all every 30-odd keys of a search, 60-100 ms on the main thread (a
        key's results drawn that much later, issue #20); afterwards it walks only what came
        since.  What is alive now and later becomes garbage is not reclaimed (the screens
        left on the way: a few thousand objects, once)."""
        if not UbtuiApp.long_lived_kept:
            UbtuiApp.long_lived_kept = True
            gc.freeze()

    async def try_db(self, fn: Callable[..., Any], *args, hold_keys: bool = False, **kw) -> Any:
        """Like ``db`` but a core error is shown as one line and ``None`` returned.  With
        ``hold_keys`` keys typed meanwhile wait for the answer even from a worker (a list the
        next keys act on: Ctrl+V on the receipt that is about to be listed)."""
        try:
            if hold_keys:
                return await self.db_holding_keys(fn, *args, **kw)
            return await self.db(fn, *args, **kw)
        except UbtuiError as e:
            self.show_error(e)
        except peewee.DatabaseError as e:
            self.show_error(database_message(e))
        return None

    def show_error(self, err: Exception | str) -> None:
        message = one_line(str(err))
        screen = self.screen
        if isinstance(screen, BaseScreen) or hasattr(screen, "set_status"):
            screen.set_status(message, error=True)
        else:
            self.notify(safe_text(message), severity="error", timeout=8, markup=False)
        self.bell()

    # --- the last resort ---------------------------------------------------------------------
    def unhandled_error(self, error: Exception) -> bool:
        """Textual's handler for what nobody caught (a failed worker, a timer, a callback)
        ends the app with a traceback; once the app runs, the error is shown and logged and
        the session goes on."""
        if not self.is_running or exiting(self) or not self.screen_stack:
            return False
        self.unexpected_error(error)
        return True

    def unexpected_error(self, error: BaseException) -> None:
        """Show ``error`` on the status line as one line; a bug's traceback goes to the log
        file in the data folder (``ubtui.errlog``).  Never raises."""
        from textual.worker import WorkerFailed

        if isinstance(error, WorkerFailed) and isinstance(error.error, Exception):
            error = error.error
        if self._in_unexpected:
            return  # showing the error failed too: it is in the log
        self._in_unexpected = True
        try:
            if isinstance(error, UbtuiError):
                self.show_error(error)
            elif isinstance(error, peewee.DatabaseError):
                log_exception(error, "app")
                self.show_error(database_message(error))
            else:
                self.show_error(one_line_error(error, log_exception(error, f"app {type(self.screen).__name__}")))
                if self.is_headless and self._exception is None:
                    self._exception = error  # tests still fail on a bug (run_test re-raises it at the end)
        except Exception as again:  # noqa: BLE001
            log_exception(again, "app: showing an error")
        finally:
            self._in_unexpected = False

    _in_unexpected = False

    def show_message(self, text: str) -> None:
        screen = self.screen
        if hasattr(screen, "set_status"):
            screen.set_status(one_line(text))
        else:
            self.notify(safe_text(one_line(text)), timeout=6, markup=False)

    def get_key_display(self, binding: Binding) -> str:
        """The footer's name of a key: on a terminal without F-keys (vt100) the Ctrl
        alternative of a convention key ("^X Post", not "F9 Post")."""
        if not self.function_keys:
            ctrl = self.ctrl_alternative(binding)
            if ctrl:
                return ctrl
        if binding.key_display:
            return binding.key_display
        return key_text(binding.key.split(",")[0])

    def ctrl_alternative(self, binding: Binding) -> str:
        from screens.common.base import KEYS

        keys = (getattr(self, "_keymap", None) or {}).get(binding.id or "") or KEYS.get(binding.id or "", ("",))[0]
        if not keys and binding.key.startswith("ctrl+"):
            keys = binding.key
        for key in keys.split(","):
            key = key.strip()
            if key.startswith("ctrl+") and len(key) == 6:
                return "^" + key[-1].upper()
        return ""

    # --- start and stop --------------------------------------------------------------------
    async def on_mount(self) -> None:
        from screens.shell.login import LoginScreen

        if self.plain_glyphs:
            self.add_class("-plain-glyphs")
        self._db_ready = asyncio.get_running_loop().create_future()
        self.push_screen(LoginScreen(self.door_user or ""))
        if self.hang_up_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self.hang_up)
            # A terminal can also go without a SIGHUP (a pseudo-terminal that is not the
            # controlling one, closed by the program that made it): stdin then reads as at
            # its end forever and Textual's input thread spins on it (100% of a CPU, found
            # when a benchmark's driver was killed).  Checked once a second: one poll().
            self.set_interval(TERMINAL_CHECK_SECONDS, self.check_terminal)
        try:
            await self.db(open_database, self.database_url)
            self._db_ready.set_result(True)
        except UbtuiError as e:
            self._db_ready.set_exception(e)
            self.show_error(e)
        if self.config.idle_lock_minutes and self.idle_check_seconds:
            self.set_interval(self.idle_check_seconds, self.check_idle_lock)

    def check_terminal(self) -> None:
        """Hang up (``hang_up``) once the terminal on stdin has gone."""
        if terminal_gone(sys.__stdin__):
            self.hang_up()

    _hung_up = False
    exit_deadline: threading.Timer | None = None  # hang_up's: ends a process whose exit blocks

    def hang_up(self) -> None:
        """The terminal went away (SSH hang-up) or the server stops: let the database work
        under way (a posting) finish in the db thread, then exit; nothing is left half done.
        Once: a SIGHUP, a SIGTERM and the terminal check may each come."""
        if self._hung_up:
            return
        self._hung_up = True

        async def finish() -> None:
            await asyncio.get_running_loop().run_in_executor(self._executor, lambda: None)
            # The database work is done.  Textual's shutdown can block for ever on a terminal
            # that is gone (``exit_deadline``: found as a process left behind by a killed
            # tmux), so the process ends anyway a few seconds later.
            if self.hang_up_signals:  # a process of its own (run_app), which cancels it on exit
                self.exit_deadline = exit_deadline(HANG_UP_GRACE_SECONDS, 129)
            self.exit(return_code=129)

        asyncio.ensure_future(finish())

    async def on_unmount(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, _close_thread_connection)
        finally:
            self._executor.shutdown(wait=False)

    # --- sessions --------------------------------------------------------------------------
    def start_session(self, user: User) -> None:
        """``user`` signed in: drop every screen (another user's customer) and show the menu.

        Runs on the app's own queue, not in the calling screen's worker (that screen goes)."""
        self.user = user
        self.locked = False
        self.last_activity = time.monotonic()
        self.call_later(self._reset_to_menu)

    async def _reset_to_menu(self) -> None:
        from screens.shell.menu import MainMenuScreen

        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(MainMenuScreen())
        self.call_after_refresh(self.release_keys)

    def action_lock(self) -> None:
        from screens.shell.lock import LockScreen

        if self.user is None or self.locked:
            return
        self.locked = True
        self.push_screen(LockScreen(self.user))

    def unlock(self) -> None:
        self.locked = False
        self.last_activity = time.monotonic()
        self.pop_screen()
        self.call_after_refresh(self.release_keys)

    def check_idle_lock(self, now: float | None = None) -> bool:
        """Lock when nobody typed for ``idle_lock_minutes``; returns True when it locked."""
        minutes = self.config.idle_lock_minutes
        if not minutes or self.user is None or self.locked:
            return False
        now = time.monotonic() if now is None else now
        if now - self.last_activity >= minutes * 60:
            self.action_lock()
            return True
        return False

    # --- type-ahead in order --------------------------------------------------------------
    # Textual hands each key to the widget focused when the key is read, and runs a widget's
    # key binding (Enter submitting an Input) only when the key bubbles back to the app, behind
    # keys already typed: fast type-ahead lands in the wrong field.  Here a key typed while the
    # previous one is still being handled (its messages, the focus or screen change it asked
    # for) waits in a backlog and is handed on afterwards, in order.  Database work runs in
    # workers and is not waited for; a screen that must wait for the database to know where
    # keys go (signing in, Enter on a search) holds them with ``hold_keys``.
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        if not (isinstance(event, events.Key) and not event.is_forwarded and self.ORDERED_TYPEAHEAD):
            await super().on_event(event)
            return
        if event.key == "ctrl+j":
            # Enter typed before the terminal went raw arrives as a line feed: still Enter
            event = events.Key("enter", "\r")
        if not getattr(event, "_ubtui_replay", False) and (
                self._key_busy or self._holding or self._db_waits or self._backlog):
            self._backlog.append(event)
            return
        self._key_busy = True
        try:
            await super().on_event(event)
        finally:
            asyncio.get_running_loop().create_task(self._settle_key())

    async def _settle_key(self) -> None:
        """The key is handled when every widget has handled what it sent (a key bubbles up one
        widget per round) and no handler waits on the database: a handler waiting on it (Enter
        on an account number) moves the focus only when the answer comes, and a message queue
        is empty while its handler runs, so the rounds alone would let the next key overtake."""
        try:
            rounds = 0
            while rounds < 20:
                if self._db_waits:
                    await self._db_idle.wait()
                    continue
                if not await self._quiesce() and not self._db_waits:
                    break
                rounds += 1
        finally:
            self._key_busy = False
            self._next_key()

    def _next_key(self) -> None:
        if self._key_busy or self._holding or self._db_waits or not self._backlog:
            return
        old = self._backlog.popleft()
        event = events.Key(old.key, old.character)
        event._ubtui_replay = True
        self._key_busy = True  # nothing typed meanwhile overtakes it
        self.post_message(event)

    HOLD_KEYS_MAX_SECONDS = 10.0

    def hold_keys(self) -> None:
        """Keep keys typed from now on until ``release_keys`` (a screen waits on the database
        to decide where they go: after signing in they belong to the menu, not the login).
        A hold nobody releases ends by itself after ``HOLD_KEYS_MAX_SECONDS``."""
        self._holding = True
        self._hold_serial = serial = getattr(self, "_hold_serial", 0) + 1
        self.set_timer(self.HOLD_KEYS_MAX_SECONDS, lambda: self._hold_expired(serial))

    def _hold_expired(self, serial: int) -> None:
        if not self._holding or self._hold_serial != serial:
            return
        if self._db_calls:  # a slow database, not a forgotten hold: wait for its answer
            self.set_timer(self.HOLD_KEYS_MAX_SECONDS, lambda: self._hold_expired(serial))
            return
        self.release_keys()

    def release_keys(self) -> None:
        """Hand the held keys on, in order (ahead of anything typed later)."""
        self._holding = False
        self._next_key()

    def typed_ahead(self) -> bool:
        """A printable key typed after the one being handled waits its turn (a fast typist or
        a pasted number): work for the text as it is now would be replaced at once."""
        return bool(self._backlog) and not self._holding and self._backlog[0].is_printable

    @property
    def keys_pending(self) -> bool:
        return self._key_busy or bool(self._backlog)

    async def _quiesce(self, timeout: float = 2.0) -> bool:
        """Wait (briefly) until the app and every widget of the screen have handled what they
        were sent; True when more was sent meanwhile (a message bubbling up)."""
        try:
            nodes = [self, *self.screen.walk_children(with_self=True)]
        except Exception:
            return False
        count = 0
        done = asyncio.Event()

        def one_less() -> None:
            nonlocal count
            count -= 1
            if count == 0:
                done.set()

        for node in nodes:
            if node.call_later(one_less):
                count += 1
        if count:
            try:
                await asyncio.wait_for(done.wait(), timeout)
            except TimeoutError:
                return False
        try:
            nodes = [self, *self.screen.walk_children(with_self=True)]
        except Exception:
            return False
        return any(has_queued_messages(node) for node in nodes)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # No animations: a steady cursor (also keeps snapshots and screen readers calm).
        if hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False

    def action_command_palette(self) -> None:
        if self.user is None or self.locked:
            return  # the palette could reach customer data
        super().action_command_palette()

    # --- quitting --------------------------------------------------------------------------
    def action_request_quit(self) -> None:
        from screens.common.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen("Quit ubtui?", "Y quits, N or Esc stays."), done)

    # --- screens by name -------------------------------------------------------------------
    def open_target(self, target: str, **kw) -> None:
        """Push the screen named ``"module:ScreenClass"`` (menu entries, F7 and friends)."""
        import importlib

        module_name, _, cls_name = target.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except (ImportError, AttributeError) as e:
            self.show_error(f"{target}: not available ({e.__class__.__name__})")
            return
        self.push_screen(cls(**kw))


def _in_worker() -> bool:
    from textual.worker import NoActiveWorker, get_current_worker

    try:
        get_current_worker()
    except NoActiveWorker:
        return False
    return True


def _env_ms(name: str) -> float:
    try:
        return max(float(os.environ.get(name) or 0), 0.0) / 1000
    except ValueError:
        return 0.0


def _slowly(seconds: float, call: Callable[[], Any]) -> Any:
    time.sleep(seconds)  # in the database thread: a slow database, as tests ask for
    return call()


def one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[0] if lines else "error"


def database_message(e: Exception) -> str:
    return f"database error: {one_line(str(e)) if str(e).strip() else e.__class__.__name__}; nothing was written"


def _close_thread_connection() -> None:
    try:
        if database.obj is not None and not database.is_closed():
            database.close()
    except Exception:
        pass


TERMINAL_CHECK_SECONDS = 1.0
HANG_UP_GRACE_SECONDS = 5.0  # after a hang-up's database work, the exit may take this long


def terminal_gone(stream) -> bool:
    """Whether the terminal behind ``stream`` hung up (its other end closed): poll() says
    POLLHUP, POLLERR or POLLNVAL without waiting.  False when it cannot tell."""
    try:
        poller = select.poll()
        poller.register(stream.fileno(), select.POLLIN)
        return any(ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def run_app(url: str) -> int:
    """Run the app on ``url`` until the user quits (``ubtui`` and ``ubtui demo`` call this)."""
    app = UbtuiApp(url, door_user=os.environ.get("UBTUI_DOOR_USER"))
    app.hang_up_signals = True
    app.run()
    if app.exit_deadline is not None:  # the exit did not block
        app.exit_deadline.cancel()
    return app.return_code or 0
