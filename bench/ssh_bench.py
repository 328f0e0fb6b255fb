"""Keystrokes over SSH: latency to the screen, bytes per keystroke, memory per session.

    python bench/ssh_bench.py DATABASE_URL [--user clerk --password clerk-demo-1] [--query garcia]

Starts ``ubtui.sshserver`` on a free local port, connects with an SSH client (asyncssh, an
80x24 xterm), signs in, opens the search screen (Ctrl+F) and types the query one key at a
time.  For each key: the time from sending it to the last byte of the screen update it caused
(the output then stays quiet for ``QUIET`` seconds), and the bytes of that update.  The bare
figures come from the same bridge running a raw-mode echo program instead of the app.  When
the app has a payment screen, F7 opens it and an account number and an amount are typed.
Memory: resident set size of the session's child process (the app vs. the echo program).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, figure, median, p95, unavailable  # noqa: E402

QUIET = 0.35  # seconds without output that end one screen update
CTRL_F, CTRL_T, CTRL_Q, ENTER = b"\x06", b"\x14", b"\x11", b"\r"
ECHO_CHILD = [sys.executable, "-c",
              "import os, tty; tty.setraw(0)\n"
              "while True:\n"
              "    b = os.read(0, 1024)\n"
              "    if not b or b'\\x04' in b: break\n"
              "    os.write(1, b)\n"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_mb(pid: int, file: str, field: str) -> float | None:
    """A kB figure of /proc/PID/FILE (``field`` starts its line), in MB."""
    try:
        with open(f"/proc/{pid}/{file}") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_mb(pid: int) -> float | None:
    return proc_mb(pid, "status", "VmRSS:")


class Terminal:
    """The client end of one SSH session: send keys, time the output they cause."""

    def __init__(self, proc):
        self.proc = proc
        self.total = 0

    async def settle(self, timeout: float = 60.0, quiet: float = QUIET,
                     min_chunk: int = 1) -> tuple[float | None, int]:
        """Read until ``quiet`` seconds pass without output (after at least one byte).
        Returns (time of the last byte, bytes read).  With ``min_chunk``, smaller writes
        (a blinking cursor) do not count as output: used to wait for a whole new screen."""
        last, n = None, 0
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            wait = quiet if last is None else max(0.0, last + quiet - time.perf_counter())
            try:
                data = await asyncio.wait_for(self.proc.stdout.read(65536), max(wait, 0.01))
            except TimeoutError:
                if last is not None:
                    break
                continue
            if not data:
                break
            n += len(data)
            if len(data) >= min_chunk:
                last = time.perf_counter()
        self.total += n
        return last, n

    async def screen(self, data: bytes, marker: bytes, timeout: float = 60.0) -> bool:
        """Send ``data`` (maybe nothing), wait until ``marker`` (text on the new screen) has
        been drawn and the output has settled.  (A blinking cursor never lets the output go
        quiet for long, so a screen is recognised by its text.)"""
        if data:
            self.proc.stdin.write(data)
        seen = b""
        deadline = time.perf_counter() + timeout
        while marker not in seen and time.perf_counter() < deadline:
            try:
                chunk = await asyncio.wait_for(self.proc.stdout.read(65536), 0.5)
            except TimeoutError:
                continue
            if not chunk:
                break
            seen = seen[-4096:] + chunk
        await self.settle(timeout=5, quiet=0.3)
        return marker in seen

    async def key(self, data: bytes) -> tuple[float | None, int]:
        """Send one key; (seconds until the screen stopped changing, bytes it took)."""
        sent = time.perf_counter()
        self.proc.stdin.write(data)
        last, n = await self.settle(timeout=5)
        return (None if last is None else last - sent), n

    async def keys(self, text: bytes) -> dict:
        lat, sizes = [], []
        for ch in text:
            t, n = await self.key(bytes([ch]))
            if t is not None:
                lat.append(t)
                sizes.append(n)
        return {"latency_s": lat, "bytes": sizes}


CLIENT_KEY = None


def client_key():
    """One ed25519 key for every bench session; the door lets it in as any user."""
    global CLIENT_KEY
    if CLIENT_KEY is None:
        from ubtui.sshserver import asyncssh
        CLIENT_KEY = asyncssh.generate_private_key("ssh-ed25519")
    return CLIENT_KEY


async def start_door(port: int, key_file: Path, argv: list[str], env: dict, **limits):
    from ubtui.sshserver import DoorLimits, serve
    public = client_key().export_public_key().decode()
    return await serve("127.0.0.1", port, key_file, argv, env, limits=DoorLimits(**limits),
                       keys_for=lambda user: [public])


async def _session(port: int, body, user: str = "bench") -> dict:
    from ubtui.sshserver import asyncssh
    async with asyncssh.connect("127.0.0.1", port, username=user, known_hosts=None,
                                client_keys=[client_key()]) as conn:
        proc = await conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
        term = Terminal(proc)
        try:
            return await body(term)
        finally:
            conn.close()


async def run(url: str, user: str, password: str, query: str, account_number: str | None) -> dict:
    key_dir = tempfile.mkdtemp(prefix="ubtui-ssh-bench-")
    try:
        return await _run(Path(key_dir) / "host_key", url, user, password, query, account_number)
    finally:
        shutil.rmtree(key_dir, ignore_errors=True)


async def _run(key_file: Path, url: str, user: str, password: str, query: str, account_number: str | None) -> dict:
    from ubtui.sshserver import child_argv, child_pids
    env = dict(os.environ, PYTHONPATH=str(ROOT), UBTUI_CONFIG=os.environ.get("UBTUI_CONFIG", "/nonexistent"))
    result: dict = {}

    # bare: the same bridge, an echo program instead of the app
    port = free_port()
    server = await start_door(port, key_file, ECHO_CHILD, env)

    async def echo_body(term: Terminal) -> dict:
        await asyncio.sleep(0.5)
        kids = [p for p in child_pids()]
        mem = max((rss_mb(p) or 0) for p in kids) if kids else None
        typed = await term.keys(query.encode())
        term.proc.stdin.write(b"\x04")
        return {"typed": typed, "rss_mb": mem}

    try:
        bare = await _session(port, echo_body)
    finally:
        server.close()

    port = free_port()
    server = await start_door(port, key_file, child_argv(url), env)
    payment_screen = (ROOT / "screens" / "cash" / "payment.py").exists()

    async def app_body(term: Terminal) -> dict:
        out: dict = {}
        if not await term.screen(b"", b"Password"):  # the door's user name is filled in
            raise RuntimeError("no login screen over SSH")
        if not await term.screen(password.encode() + ENTER, b"Main menu", timeout=30):
            raise RuntimeError(f"could not sign in as {user} over SSH")
        if not await term.screen(CTRL_F, b"meter or parcel", timeout=30):  # not where the cursor is
            raise RuntimeError("the search screen did not open over SSH")
        kids = child_pids()
        out["rss_mb"] = max((rss_mb(p) or 0) for p in kids) if kids else None
        out["search"] = await term.keys(query.encode())
        if payment_screen and account_number:
            # F7 from the search screen: account digits, Enter, amount (the common case)
            await term.screen(CTRL_T, b"payment", timeout=10)
            typed = await term.keys(account_number.encode())
            await term.key(ENTER)
            amount = await term.keys(b"12.50")
            out["payment"] = {k: typed[k] + amount[k] for k in typed}
        await term.screen(CTRL_Q, b"Quit", timeout=5)
        term.proc.stdin.write(b"y")
        return out

    try:
        app = await _session(port, app_body, user)
    finally:
        server.close()
        for pid in child_pids():  # a session that did not quit
            try:
                os.kill(pid, 15)
            except OSError:
                pass

    def keystroke_figures(measured: dict) -> dict:
        b = bare["typed"]
        if not measured["latency_s"] or not b["latency_s"]:
            return {"latency_median_ms": unavailable("no screen update seen"),
                    "latency_p95_ms": unavailable("no screen update seen"),
                    "bytes_per_keystroke": unavailable("no screen update seen")}
        return {
            "keystrokes": len(measured["latency_s"]),
            "latency_median_ms": figure(median(measured["latency_s"]) * 1000, median(b["latency_s"]) * 1000, "ms",
                                        quiet_window_ms=QUIET * 1000),
            "latency_p95_ms": figure(p95(measured["latency_s"]) * 1000, p95(b["latency_s"]) * 1000, "ms"),
            "bytes_per_keystroke": figure(median(measured["bytes"]), median(b["bytes"]), "bytes"),
        }

    result["search_screen"] = keystroke_figures(app["search"])
    if "payment" in app:
        result["payment_screen"] = keystroke_figures(app["payment"])
    else:
        result["payment_screen"] = unavailable("no payment screen in screens/ yet" if not payment_screen
                                               else "no account number to open")
    result["memory_per_session_mb"] = figure(app["rss_mb"], bare["rss_mb"], "MB",
                                             note="resident set of the session's child process")
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--user", default="clerk")
    ap.add_argument("--password", default="clerk-demo-1")
    ap.add_argument("--query", default="garcia")
    ap.add_argument("--account", default=None, help="account number to open for the payment screen")
    args = ap.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.url, args.user, args.password, args.query, args.account)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
