"""``ubtui ssh-serve``: serve the app to remote staff over SSH without configuring sshd.

Each SSH session that asks for a terminal gets its own ``ubtui`` process on a local
pseudo-terminal sized to the client's window; bytes are relayed both ways and window changes
are passed on.  The app's own login screen (argon2id, lockout) does the authentication, so
the SSH layer accepts the connection without a password of its own.  With ``sshd`` already
running, the same is reached with a dedicated account whose shell is ``ubtui``.

asyncssh is the maintained pure-Python SSH server library (used here instead of writing any
protocol code).  This module imports no Textual: the app runs in the child process.
"""
from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import asyncssh


def set_winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows or 24, cols or 80, 0, 0))


class _Server(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return False  # the app's login screen authenticates


class Bridge:
    """Relays one SSH session to one ubtui child process on a pty."""

    def __init__(self, process: asyncssh.SSHServerProcess, argv: list[str], env: dict[str, str]):
        self.process = process
        self.argv = argv
        self.env = env
        self.bytes_out = 0
        self.bytes_in = 0

    async def run(self) -> None:
        proc = self.process
        term = proc.get_terminal_type()
        if not term:
            proc.stderr.write(b"ubtui needs a terminal: connect with ssh -t\r\n")
            proc.exit(1)
            return
        cols, rows, *_ = proc.get_terminal_size()
        master, slave = pty.openpty()
        set_winsize(slave, cols, rows)
        env = dict(self.env, TERM=term, LINES=str(rows or 24), COLUMNS=str(cols or 80))
        child = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                 start_new_session=True, close_fds=True)
        os.close(slave)
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def readable() -> None:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(master)
                done.set()
                return
            self.bytes_out += len(data)
            proc.stdout.write(data)

        loop.add_reader(master, readable)

        async def pump_input() -> None:
            while not done.is_set():
                try:
                    data = await proc.stdin.read(4096)
                except asyncssh.TerminalSizeChanged as change:
                    set_winsize(master, change.width, change.height)
                    os.killpg(child.pid, signal.SIGWINCH)
                    continue
                except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                    continue
                if not data:
                    break
                self.bytes_in += len(data)
                os.write(master, data)

        reader = asyncio.ensure_future(pump_input())
        await done.wait()
        reader.cancel()
        code = await loop.run_in_executor(None, child.wait)
        os.close(master)
        proc.exit(code if code >= 0 else 1)


async def serve(host: str, port: int, host_key: Path, argv: list[str], env: dict[str, str] | None = None,
                max_sessions: int = 50):
    """Start the server; returns the asyncssh server object."""
    if not host_key.exists():
        host_key.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        key.write_private_key(str(host_key))
        os.chmod(host_key, 0o600)
    sessions = 0
    base_env = dict(env or os.environ)

    async def handle(process: asyncssh.SSHServerProcess) -> None:
        nonlocal sessions
        if sessions >= max_sessions:
            process.stderr.write(b"ubtui: too many sessions; try again later\r\n")
            process.exit(1)
            return
        sessions += 1
        try:
            await Bridge(process, argv, base_env).run()
        finally:
            sessions -= 1

    return await asyncssh.create_server(_Server, host, port, server_host_keys=[str(host_key)],
                                        process_factory=handle, encoding=None, line_editor=False)


def child_argv(database_url: str) -> list[str]:
    return [sys.executable, "-m", "ubtui", "--database", database_url]


def run_forever(host: str, port: int, host_key: Path, database_url: str) -> None:
    async def main() -> None:
        await serve(host, port, host_key, child_argv(database_url))
        print(f"ubtui: serving over SSH on {host}:{port} (ssh -p {port} -t anyname@{host})", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
