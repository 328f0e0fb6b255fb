"""The real app in a real pseudo-terminal, for tests that type as clerks do (not a test module).

``AppTerminal`` spawns ``python -m ubtui --database URL`` on a pty of the given size and TERM,
reads everything it writes on a thread, and feeds it to a terminal emulator (pyte) so a test
can read the screen as a person sees it.  ``keys(...)`` turns key names into the bytes a
terminal sends and writes them in ONE write: a burst, the way a fast typist or a paste arrives,
with nothing waiting between keys.  ``raw`` keeps every byte the app wrote, to check that no
stored text reached the terminal as a control sequence.

    with AppTerminal(db_url) as t:
        t.sign_in("clerk1", "password-clerk1")
        t.keys("f7", *"0001464-7", "enter", *"5.25", "enter", "f9")
        t.wait_idle()
        assert "Receipt" in t.screen_text()
"""
from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parent.parent

# What an xterm (and tmux, screen, most emulators) sends for each named key.
KEY_BYTES: dict[str, bytes] = {
    "enter": b"\r", "tab": b"\t", "shift+tab": b"\x1b[Z", "backspace": b"\x7f", "escape": b"\x1b",
    "space": b" ", "up": b"\x1b[A", "down": b"\x1b[B", "right": b"\x1b[C", "left": b"\x1b[D",
    "home": b"\x1b[H", "end": b"\x1b[F", "pageup": b"\x1b[5~", "pagedown": b"\x1b[6~",
    "delete": b"\x1b[3~", "insert": b"\x1b[2~",
    "f1": b"\x1bOP", "f2": b"\x1bOQ", "f3": b"\x1bOR", "f4": b"\x1bOS", "f5": b"\x1b[15~",
    "f6": b"\x1b[17~", "f7": b"\x1b[18~", "f8": b"\x1b[19~", "f9": b"\x1b[20~", "f10": b"\x1b[21~",
    "f11": b"\x1b[23~", "f12": b"\x1b[24~",
}


def key_bytes(key: str) -> bytes:
    """``"f9"`` -> the bytes of F9, ``"ctrl+x"`` -> 0x18, any other text -> its UTF-8."""
    if key in KEY_BYTES:
        return KEY_BYTES[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - 96])
    return key.encode("utf-8")


def app_env(term: str = "xterm-256color", cols: int = 80, rows: int = 24, **extra: str) -> dict[str, str]:
    """The environment of the app under test: the given TERM and size, no user config."""
    env = dict(os.environ, TERM=term, COLUMNS=str(cols), LINES=str(rows), PYTHONPATH=str(ROOT))
    env["UBTUI_CONFIG"] = env.get("UBTUI_CONFIG") or "/nonexistent/ubtui-test-config.toml"
    for k in ("UBTUI_DATABASE_URL", "NO_COLOR", "TEXTUAL"):
        env.pop(k, None)
    env.update(extra)
    return env


class AppTerminal:
    """The app on a pty of ``size`` (cols, rows), its output emulated by pyte."""

    def __init__(self, database_url: str, *, term: str = "xterm-256color", size: tuple[int, int] = (80, 24),
                 env: dict[str, str] | None = None, argv: list[str] | None = None):
        self.cols, self.rows = size
        self.argv = argv or [sys.executable, "-m", "ubtui", "--database", database_url]
        self.env = app_env(term, self.cols, self.rows, **(env or {}))
        self.screen = pyte.Screen(self.cols, self.rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.cond = threading.Condition()
        self.closed = False
        self.proc: subprocess.Popen | None = None
        self.fd = -1
        self.reader: threading.Thread | None = None
        self.stop_reading = threading.Event()

    # --- life ------------------------------------------------------------------------------
    def start(self) -> AppTerminal:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env,
                                     cwd=str(ROOT), start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def __enter__(self) -> AppTerminal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self) -> None:
        # Waits in select() with a timeout, never in a read that could outlive the fd: an
        # os.close() of the master while another thread is blocked reading it does not close
        # it (the read holds it open until the app writes again), so ``drop`` stops this first.
        while True:
            try:
                ready = select.select([self.fd], [], [], 0.05)[0]
                if self.stop_reading.is_set():
                    return
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
            except (OSError, ValueError):
                data = b""
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.raw += data
                self.stream.feed(data)
                self.cond.notify_all()

    def close(self) -> None:
        """End the app (SIGTERM to its process group, SIGKILL after 5 s) and the pty."""
        if self.proc is not None and self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1

    def drop(self) -> None:
        """Close the terminal under the app without signalling it (the program that held a
        pty went away): stop reading, then close the master, so it is closed at once."""
        self.stop_reading.set()
        if self.reader is not None:
            self.reader.join(timeout=5)
        os.close(self.fd)
        self.fd = -1
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def kill(self) -> None:
        """SIGKILL the app at once (a crash or a dropped session)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    # --- typing ----------------------------------------------------------------------------
    def write(self, data: bytes | str) -> None:
        """Write ``data`` to the terminal in one write (a burst)."""
        os.write(self.fd, data.encode("utf-8") if isinstance(data, str) else data)

    def keys(self, *keys: str) -> None:
        """Type ``keys`` (names like ``"f9"``, ``"enter"``, ``"ctrl+x"`` or plain characters and
        strings) as ONE burst: all their bytes in a single write."""
        self.write(b"".join(key_bytes(k) for k in keys))

    # --- reading ---------------------------------------------------------------------------
    def screen_text(self) -> str:
        """What the screen shows now, a line per row (trailing blanks kept)."""
        with self.cond:
            return "\n".join(self.screen.display)

    def wait_for(self, pattern: str | re.Pattern, timeout: float = 30.0) -> str:
        """Wait until the screen shows ``pattern``; the screen's text.  Fails with the screen."""
        return self.wait_for_all(pattern, timeout=timeout)

    def wait_for_all(self, *wanted: str | re.Pattern, timeout: float = 30.0) -> str:
        """Wait until one screen shows every pattern of ``wanted``; the screen's text.

        A notice can be drawn a frame before the screen under it changes, so asserting a second
        text on the frame that showed the first is a race: wait for them together.
        """
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                text = "\n".join(self.screen.display)
                if all(p.search(text) if isinstance(p, re.Pattern) else p in text
                       for p in wanted):
                    return text
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    why = "the app ended" if self.closed else f"not shown in {timeout} s"
                    raise AssertionError(f"{wanted!r} {why}; screen:\n{text}\n--- last output: "
                                         f"{bytes(self.raw[-400:])!r}")
                self.cond.wait(min(left, 0.2))

    def wait_idle(self, quiet: float = 0.6, timeout: float = 30.0) -> str:
        """Wait until the app has written nothing for ``quiet`` seconds; the screen's text."""
        deadline = time.monotonic() + timeout
        with self.cond:
            n = len(self.raw)
            while time.monotonic() < deadline and not self.closed:
                self.cond.wait(quiet)
                if len(self.raw) == n:
                    break
                n = len(self.raw)
            return "\n".join(self.screen.display)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # --- common steps ----------------------------------------------------------------------
    def sign_in(self, username: str, password: str, *, then: str = "Main menu", timeout: float = 60.0) -> str:
        """Wait for the login screen, type the user name and password in one burst, and wait
        for ``then`` (the main menu)."""
        self.wait_for("Password", timeout)
        self.keys(username, "enter", password, "enter")
        return self.wait_for(then, timeout)
