"""The app in a real pseudo-terminal (tests/ptykit.py): signing in and quitting typed as bursts."""
from __future__ import annotations

import pytest

from tests.ptykit import AppTerminal, key_bytes

pytestmark = pytest.mark.slow


def test_key_bytes_are_what_a_terminal_sends():
    assert key_bytes("f9") == b"\x1b[20~"
    assert key_bytes("ctrl+x") == b"\x18"
    assert key_bytes("enter") == b"\r"
    assert key_bytes("12.03") == b"12.03"


@pytest.mark.parametrize("term", ["xterm-256color", "linux"])
def test_sign_in_and_quit_typed_as_one_burst(sqlite_url, term):
    from tests.screens.appkit import add_user

    add_user("clerk")
    with AppTerminal(sqlite_url, term=term) as t:
        t.wait_for("Password")
        # the whole sign-in and the quit confirmation in one write: nothing may be lost
        t.keys("clerk", "enter", "clerk-demo-1", "enter", "ctrl+q", "y")
        t.proc.wait(timeout=30)
        assert t.proc.returncode == 0, t.screen_text()


def test_a_terminal_closed_without_a_hang_up_signal_ends_the_app(sqlite_url):
    """The program holding the terminal closes it, and the app is not told by SIGHUP (the
    terminal is not its controlling one; a dropped session's pty can be): stdin then reads
    as at its end forever, on which Textual's input thread spins at full CPU.  The app
    notices within a second or two and exits as on a hang-up (129), signed in or not."""
    import os
    import time

    from tests.screens.appkit import add_user

    add_user("clerk")
    t = AppTerminal(sqlite_url).start()
    try:
        t.wait_for("Password")
        t.keys("clerk", "enter", "clerk-demo-1", "enter")
        t.wait_for("Main menu")
        os.close(t.fd)
        t.fd = -1
        started = time.monotonic()
        t.proc.wait(timeout=15)
        assert t.proc.returncode == 129
        assert time.monotonic() - started < 10
    finally:
        t.close()
