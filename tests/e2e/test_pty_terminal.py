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
    import time

    from tests.screens.appkit import add_user

    add_user("clerk")
    t = AppTerminal(sqlite_url).start()
    try:
        t.wait_for("Password")
        t.keys("clerk", "enter", "clerk-demo-1", "enter")
        t.wait_for("Main menu")
        time.sleep(1)  # the app idle, writing nothing: the close alone must be noticed
        t.drop()
        started = time.monotonic()
        t.proc.wait(timeout=15)
        assert t.proc.returncode == 129
        assert time.monotonic() - started < 10
    finally:
        t.close()


def test_an_app_whose_tmux_is_killed_does_not_stay_behind(sqlite_url, tmp_path):
    """tmux killed under a signed-in clerk: the app gets its SIGHUP while its terminal is
    already gone.  Textual's shutdown then waited for ever (its writer thread dead on the
    first failed write, stopping it blocked on the full queue), leaving a process holding
    the database; the hang-up ends it within seconds."""
    import os
    import shutil
    import subprocess
    import sys
    import time

    from tests.ptykit import ROOT, app_env
    from tests.screens.appkit import add_user

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    add_user("clerk")
    sock = str(tmp_path / "tmux.sock")
    tmux = ["tmux", "-S", sock]
    env = app_env()
    command = " ".join([sys.executable, "-m", "ubtui", "--database", sqlite_url])
    subprocess.run(tmux + ["new-session", "-d", "-x", "80", "-y", "24", command], check=True, env=env, cwd=str(ROOT))
    try:
        pid = int(subprocess.run(tmux + ["display", "-p", "#{pane_pid}"], capture_output=True, text=True,
                                 check=True).stdout)

        def screen() -> str:
            return subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True, text=True).stdout

        deadline = time.monotonic() + 30
        while "Password" not in screen() and time.monotonic() < deadline:
            time.sleep(0.2)
        subprocess.run(tmux + ["send-keys", "clerk", "Tab", "clerk-demo-1", "Enter"], check=True)
        while "Main menu" not in screen() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Main menu" in screen()
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, 9)
    pytest.fail("the app was still running 15 s after its tmux was killed")
