"""``ubtui ssh-serve``: the SSH door for remote staff, without configuring sshd.

* Only registered staff get in: public-key authentication against the keys registered with
  ``ubtui user add-key`` (``models.StaffKey``); no password is ever asked at the SSH level.
  The app's own sign-in (argon2id, lockout) follows, as the same user: the SSH user name is
  passed to the app, whose sign-in screen then asks only for that user's password.  An
  outsider therefore never reaches a password prompt and cannot lock anybody out.
* Per address: at most ``connections_per_minute`` new connections and ``open_per_address``
  open ones; ``failures_to_block`` connections that end without signing in within
  ``failure_window`` block the address for ``block_seconds`` (``ubtui.throttle.Throttle``,
  which the browser door uses too).
* Each session that asks for a terminal gets its own ``ubtui`` process on a local
  pseudo-terminal sized to the client's window; bytes are relayed both ways and window
  changes passed on.  When the channel closes (the client quits or hangs up, the network
  drops and keepalives go unanswered, the idle timeout or the maximum session length is
  reached) the app gets SIGHUP, finishes the database work under way (a posting), and exits;
  after ``hangup_grace`` seconds it is killed.  Its session slot is then free.
* ``ubtui ssh-serve`` stops cleanly on SIGTERM or Ctrl+C: it stops listening, tells every
  session, lets each app finish what it is posting (``shutdown_grace``), then exits.
* A persistent ed25519 host key (created once, mode 0600) and only current algorithms: no
  DSA, no SHA-1, no CBC (``ALGORITHMS``).

asyncssh is the maintained pure-Python SSH server library (used here instead of writing any
protocol code).  This module imports no Textual: the app runs in the child process.
"""
from __future__ import annotations

import asyncio
import base64
import fcntl
import logging
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    # asyncssh's import names cryptography's DSA classes (for DSA keys, which this door
    # neither offers nor accepts: ALGORITHMS, security.parse_public_key), and cryptography
    # warns at each of those names that DSA is deprecated.  Silence that warning for this
    # import only; any other warning still shows.
    from cryptography.utils import CryptographyDeprecationWarning
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    import asyncssh

from .procs import child_pids  # noqa: E402,F401  (the benches and tests count sessions with it)
from .text import counted
from .throttle import Throttle, ThrottleLimits  # noqa: E402,F401  (Throttle: the tests import it from here)

log = logging.getLogger("ubtui.ssh")

# Offered algorithms: current OpenSSH defaults less SHA-1, DSA and NIST-less exotica.
ALGORITHMS = dict(
    kex_algs=["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
              "ecdh-sha2-nistp521", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
              "diffie-hellman-group14-sha256"],
    encryption_algs=["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
                     "aes256-ctr", "aes128-ctr"],
    mac_algs=["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"],
    signature_algs=["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                    "rsa-sha2-512", "rsa-sha2-256", "sk-ssh-ed25519@openssh.com",
                    "sk-ecdsa-sha2-nistp256@openssh.com"],
    compression_algs=["none"],
)


@dataclass
class DoorLimits(ThrottleLimits):
    """The SSH door's limits; the per-address ones (``ThrottleLimits``) count a connection
    that ends without passing the key check as a failed sign-in."""

    max_sessions: int = 50
    idle_timeout: float = 30 * 60  # seconds without a keystroke
    max_session: float = 12 * 3600  # seconds from connecting
    login_timeout: float = 30  # to finish SSH authentication
    keepalive_interval: float = 30  # a silent client is dropped after keepalive_count_max of these
    keepalive_count_max: int = 3
    hangup_grace: float = 10  # a hung-up app has this long to finish its posting
    shutdown_grace: float = 30  # the server stopping: the same for every session


def set_winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows or 24, cols or 80, 0, 0))


def key_blob(line: str) -> bytes:
    """The key data of an OpenSSH public key line ``type base64 [comment]``."""
    return base64.b64decode(line.split()[1])


class _Server(asyncssh.SSHServer):
    """One connection: throttle by address, then public keys of the named user only."""

    def __init__(self, door: Door):
        self.door = door
        self.addr = "?"
        self.admitted = False
        self.signed_in = False
        self.keys: set[bytes] = set()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername")
        self.addr = str(peer[0]) if peer else "?"
        refused = self.door.throttle.admit(self.addr)
        if refused:
            # Closed before any SSH exchange, as sshd does (MaxStartups): no work for a flood.
            log.info("ssh: refused %s: %s", self.addr, refused)
            asyncio.get_running_loop().call_soon(conn.abort)
            return
        self.admitted = True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.admitted:
            self.door.throttle.closed(self.addr, self.signed_in)

    async def begin_auth(self, username: str) -> bool:
        if self.admitted:
            try:
                lines = await self.door.lookup_keys(username)
                self.keys = {key_blob(line) for line in lines}
            except Exception as e:  # the database is down: nobody gets in, the server stays up
                log.error("ssh: cannot read the keys of %r: %s", username, e)
        return True  # authentication is always required

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self.admitted and key.public_data in self.keys

    def auth_completed(self) -> None:
        self.signed_in = True


class Session:
    """Relays one SSH session to one ubtui child process on a pty, and ends it."""

    def __init__(self, process: asyncssh.SSHServerProcess, door: Door):
        self.process = process
        self.door = door
        self.limits = door.limits
        self.child: subprocess.Popen | None = None
        self.stop_reason: asyncio.Future | None = None
        self.bytes_out = 0
        self.bytes_in = 0

    def stop(self, why: str) -> None:
        """End the session (the server is stopping): the app is told to finish and quit."""
        if self.stop_reason is not None and not self.stop_reason.done():
            self.stop_reason.set_result(why)

    def _say(self, text: str) -> None:
        try:
            self.process.stderr.write(f"\r\nubtui: {text}\r\n".encode())
        except Exception:  # the channel is gone already
            pass

    async def run(self) -> int:
        proc = self.process
        term = proc.get_terminal_type()
        if not term:
            self._say("needs a terminal: connect with ssh -t")
            proc.exit(1)
            return 1
        loop = asyncio.get_running_loop()
        self.stop_reason = loop.create_future()
        cols, rows, *_ = proc.get_terminal_size()
        master, slave = pty.openpty()
        set_winsize(slave, cols, rows)
        env = dict(self.door.env, TERM=term, LINES=str(rows or 24), COLUMNS=str(cols or 80))
        user = proc.get_extra_info("username")
        if user:
            env["UBTUI_DOOR_USER"] = user  # the app's sign-in is for this user only
        try:
            self.child = subprocess.Popen(self.door.argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                          start_new_session=True, close_fds=True)
        except OSError as e:  # out of processes or memory: this session fails, the door stays up
            os.close(master)
            log.error("ssh: cannot start the app for %s: %s", user, e)
            self._say("cannot start the application now; try again later")
            proc.exit(1)
            return 1
        finally:
            os.close(slave)
        log.info("ssh: session of %s from %s started", user, proc.get_extra_info("peername", ("?",))[0])
        channel_open = True
        child_done = asyncio.Event()
        last_input = time.monotonic()

        def readable() -> None:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(master)
                child_done.set()
                return
            if channel_open:
                self.bytes_out += len(data)
                try:
                    proc.stdout.write(data)
                except Exception:
                    pass

        async def pump_input() -> str:
            nonlocal last_input
            while True:
                try:
                    data = await proc.stdin.read(4096)
                except asyncssh.TerminalSizeChanged as change:
                    set_winsize(master, change.width, change.height)
                    self._signal(signal.SIGWINCH)
                    continue
                except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                    continue
                except Exception:  # the connection is gone
                    return "hang-up"
                if not data:
                    return "hang-up"
                last_input = time.monotonic()
                self.bytes_in += len(data)
                try:
                    os.write(master, data)
                except OSError:
                    return "app ended"

        async def watch_time() -> str:
            started = time.monotonic()
            step = max(0.05, min(5.0, self.limits.idle_timeout / 4, self.limits.max_session / 4))
            while True:
                await asyncio.sleep(step)
                now = time.monotonic()
                if now - started >= self.limits.max_session:
                    return f"the session reached its maximum length ({_duration(self.limits.max_session)})"
                if now - last_input >= self.limits.idle_timeout:
                    return f"no key pressed for {_duration(self.limits.idle_timeout)}"

        loop.add_reader(master, readable)
        tasks = [asyncio.ensure_future(pump_input()), asyncio.ensure_future(watch_time()),
                 asyncio.ensure_future(child_done.wait()), self.stop_reason]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            why = next(iter(done)).result() if not child_done.is_set() else None
        except asyncio.CancelledError:
            why = "hang-up"
            raise
        finally:
            for t in tasks[:3]:
                t.cancel()
            if why and why != "hang-up":
                self._say(f"session ended: {why}")
            if why == "hang-up":
                channel_open = False
            code = await asyncio.shield(self._end_child(signal.SIGHUP if why == "hang-up" else signal.SIGTERM,
                                                        self.door.grace))
            loop.remove_reader(master)
            os.close(master)
            log.info("ssh: session of %s from %s ended: %s", user, proc.get_extra_info("peername", ("?",))[0],
                     why or "the app quit")
        try:
            proc.exit(code if code >= 0 else 1)
        except Exception:
            pass
        return code

    def _signal(self, sig: int) -> None:
        if self.child is None:
            return
        try:
            os.killpg(self.child.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    async def _end_child(self, sig: int, grace: float) -> int:
        """Ask the app to finish (it completes the posting under way), kill it after ``grace``."""
        child = self.child
        assert child is not None  # started before the session's loop runs
        if child.poll() is None:
            self._signal(sig)
        deadline = time.monotonic() + grace
        delay = 0.01
        while child.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
        if child.poll() is None:
            self._signal(signal.SIGKILL)
            await asyncio.get_running_loop().run_in_executor(None, child.wait)
        self._signal(signal.SIGKILL)  # anything the app left behind in its process group
        return child.returncode


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


class Door:
    """The running SSH door: the listening server, its sessions and their limits."""

    def __init__(self, argv: list[str], env: dict[str, str], limits: DoorLimits,
                 keys_for: Callable[[str], list[str]]):
        self.argv = argv
        self.env = env
        self.limits = limits
        self.grace = limits.hangup_grace
        self.keys_for = keys_for
        self.throttle = Throttle(limits, door="ssh")
        self.sessions: set[Session] = set()
        self.server: asyncssh.SSHAcceptor | None = None
        self.closing = False
        self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ubtui-ssh-keys")

    async def lookup_keys(self, username: str) -> list[str]:
        return await asyncio.get_running_loop().run_in_executor(self._lookups, self.keys_for, username)

    async def handle(self, process: asyncssh.SSHServerProcess) -> None:
        if self.closing or len(self.sessions) >= self.limits.max_sessions:
            process.stderr.write(b"ubtui: too many sessions; try again later\r\n")
            process.exit(1)
            return
        session = Session(process, self)
        self.sessions.add(session)
        try:
            await session.run()
        finally:
            self.sessions.discard(session)

    def close(self) -> None:
        """Stop listening (sessions go on; ``shutdown`` ends them)."""
        self.closing = True
        if self.server is not None:
            self.server.close()
        self._lookups.shutdown(wait=False)

    async def shutdown(self) -> None:
        """Stop listening, tell every session, let each app finish its posting, then return."""
        self.close()
        self.grace = self.limits.shutdown_grace
        for s in list(self.sessions):
            s.stop("the server is shutting down")
        deadline = time.monotonic() + self.limits.shutdown_grace + 5
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


def ensure_host_key(path: Path) -> None:
    """Create the persistent ed25519 host key once (mode 0600); clients remember it."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.export_private_key())
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key())


async def serve(host: str, port: int, host_key: Path, argv: list[str], env: dict[str, str] | None = None,
                limits: DoorLimits | None = None, keys_for: Callable[[str], list[str]] | None = None) -> Door:
    """Start the door; ``keys_for(username)`` gives the public key lines that may sign in as
    that user (default: those registered in the database, ``security.door_keys``)."""
    if keys_for is None:
        from .security import door_keys
        keys_for = door_keys
    ensure_host_key(host_key)
    limits = limits or DoorLimits()
    door = Door(argv, dict(env or os.environ), limits, keys_for)
    door.server = await asyncssh.create_server(
        lambda: _Server(door), host, port, server_host_keys=[str(host_key)], process_factory=door.handle,
        encoding=None, line_editor=False, login_timeout=limits.login_timeout,
        keepalive_interval=limits.keepalive_interval, keepalive_count_max=limits.keepalive_count_max,
        allow_scp=False, agent_forwarding=False, x11_forwarding=False, **ALGORITHMS)
    return door


def child_argv(database_url: str) -> list[str]:
    return [sys.executable, "-m", "ubtui", "--database", database_url]


def run_forever(host: str, port: int, host_key: Path, database_url: str, limits: DoorLimits | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)  # a line per packet type otherwise

    async def main() -> None:
        door = await serve(host, port, host_key, child_argv(database_url), limits=limits)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(f"ubtui: serving over SSH on {host}:{port} (ssh -t -p {port} USER@{host}, "
              f"with a key registered by 'ubtui user add-key')", flush=True)
        await stop.wait()
        print(f"ubtui: stopping; waiting for {counted(len(door.sessions), 'session')} to finish posting", flush=True)
        await door.shutdown()

    asyncio.run(main())
