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
