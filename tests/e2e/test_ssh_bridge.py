"""The SSH door, driven by the real OpenSSH client (``ssh`` from openssh-client).

Loopback only, free ports, bounded loops.  The child is a small Python program unless a test
says otherwise; the child's pid file tells whether its process is still there."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from ubtui.sshserver import DoorLimits, Throttle, asyncssh, serve  # asyncssh: imported without its DSA warning

# Skipped only off CI: .ci/run installs the client, so there a missing one fails the tests.
pytestmark = pytest.mark.skipif(shutil.which("ssh") is None and not os.environ.get("CI"),
                                reason="no OpenSSH client (.ci/run installs it)")

# Writes its pid, shows the terminal it got, answers one line, then waits for its input to end.
CHILD = [sys.executable, "-c",
         "import os, sys; open(os.environ['PIDDIR'] + '/' + str(os.getpid()), 'w').close(); "
         "print('TERM=' + os.environ['TERM'], os.get_terminal_size(), 'USER=' + os.environ.get('UBTUI_DOOR_USER', ''));"
         "print('hello ' + input('name? ')); sys.stdin.read(); sys.exit(3)"]


@pytest.fixture
def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def keys(tmp_path):
    """Two client key pairs: ``good`` (registered for ada) and ``bad`` (registered nowhere)."""
    out = {}
    for name in ("good", "bad"):
        key = asyncssh.generate_private_key("ssh-ed25519")
        path = tmp_path / f"id_{name}"
        path.write_bytes(key.export_private_key())
        path.chmod(0o600)
        out[name] = (path, key.export_public_key().decode().strip())
    return out


@pytest.fixture
def piddir(tmp_path):
    d = tmp_path / "pids"
    d.mkdir()
    return d


async def start(tmp_path, port, keys, piddir, argv=CHILD, **limits):
    registered = {"ada": [keys["good"][1]]}
    env = dict(os.environ, PIDDIR=str(piddir))
    return await serve("127.0.0.1", port, tmp_path / "host_key", argv, env,
                       limits=DoorLimits(**limits), keys_for=lambda user: registered.get(user, []))


def ssh_argv(tmp_path, port, key, user="ada", tty="-tt", source="127.0.0.1"):
    return ["ssh", tty, "-b", source, "-p", str(port), "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={tmp_path / 'known_hosts'}",
            "-o", "PasswordAuthentication=no", "-o", "LogLevel=ERROR", "-F", "/dev/null", f"{user}@127.0.0.1"]


async def ssh(tmp_path, port, key, user="ada", tty="-tt", source="127.0.0.1"):
    return await asyncio.create_subprocess_exec(
        *ssh_argv(tmp_path, port, key, user, tty, source), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def read_until(stream, marker: bytes, timeout: float = 15) -> bytes:
    out = b""
    async with asyncio.timeout(timeout):
        while marker not in out:
            chunk = await stream.read(4096)
            if not chunk:
                break
            out += chunk
    return out


def alive(piddir) -> list[int]:
    """Children that wrote their pid and still exist (zombies count as gone)."""
    left = []
    for f in piddir.iterdir():
        try:
            with open(f"/proc/{f.name}/stat") as st:
                if st.read().rsplit(")", 1)[1].split()[0] != "Z":
                    left.append(int(f.name))
        except OSError:
            pass
    return left


async def until(cond, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


async def test_registered_key_gets_a_terminal_and_the_user_name(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir)
    try:
        client = await ssh(tmp_path, port, keys["good"][0])
        out = await read_until(client.stdout, b"name? ")
        client.stdin.write(b"Ada\r")
        out += await read_until(client.stdout, b"hello Ada")
        client.stdin.close()
        await asyncio.wait_for(client.wait(), 15)
    finally:
        door.close()
    assert b"TERM=xterm" in out or b"TERM=" in out
    assert b"USER=ada" in out and b"hello Ada" in out
    assert await until(lambda: not alive(piddir))


async def test_unknown_key_or_user_is_refused(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir)
    try:
        for key, user in ((keys["bad"][0], "ada"), (keys["good"][0], "bob")):
            client = await ssh(tmp_path, port, key, user)
            _, err = await asyncio.wait_for(client.communicate(), 15)
            assert client.returncode == 255 and b"Permission denied (publickey)" in err
    finally:
        door.close()
    assert not list(piddir.iterdir())  # no app was started


async def test_no_terminal_is_refused(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir)
    try:
        client = await ssh(tmp_path, port, keys["good"][0], tty="-T")
        _, err = await asyncio.wait_for(client.communicate(), 15)
    finally:
        door.close()
    assert client.returncode == 1 and b"needs a terminal" in err
    assert not list(piddir.iterdir())


async def drop(tmp_path, port, key, piddir, started: int) -> None:
    """Connect, wait for the app to start, then kill the client as a network drop would."""
    client = await ssh(tmp_path, port, key)
    await read_until(client.stdout, b"name? ")
    assert await until(lambda: len(list(piddir.iterdir())) > started, 5)
    client.kill()
    await client.wait()


async def test_a_dropped_client_frees_its_slot_and_ends_its_app(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir, max_sessions=1)
    try:
        await drop(tmp_path, port, keys["good"][0], piddir, 0)
        assert await until(lambda: not door.sessions and not alive(piddir))
        client = await ssh(tmp_path, port, keys["good"][0])  # the one slot is free again
        out = await read_until(client.stdout, b"name? ")
        assert b"too many sessions" not in out and b"name? " in out
        client.kill()
        await client.wait()
    finally:
        door.close()


async def test_a_hundred_dropped_connections_leave_no_process(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir, max_sessions=10, connections_per_minute=1000)
    try:
        for batch in range(10):  # ten at a time: at most ten children alive at once
            await asyncio.gather(*(drop(tmp_path, port, keys["good"][0], piddir, 0) for _ in range(10)))
            assert await until(lambda: not door.sessions, 15), f"batch {batch}: sessions left"
        assert len(list(piddir.iterdir())) == 100
        assert await until(lambda: not alive(piddir))
        client = await ssh(tmp_path, port, keys["good"][0])
        assert b"name? " in await read_until(client.stdout, b"name? ")
        client.kill()
        await client.wait()
    finally:
        door.close()


async def test_idle_session_ends_and_its_app_goes(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir, idle_timeout=0.5)
    try:
        client = await ssh(tmp_path, port, keys["good"][0])
        out = await read_until(client.stdout, b"name? ")
        out += await asyncio.wait_for(client.stdout.read(), 15)
        await asyncio.wait_for(client.wait(), 15)
        err = await client.stderr.read()
    finally:
        door.close()
    assert b"no key pressed for 0.5 s" in out + err
    assert await until(lambda: not alive(piddir) and not door.sessions)


async def test_failed_sign_ins_block_the_address_not_the_staff(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir, failures_to_block=3)
    try:
        for _ in range(3):
            client = await ssh(tmp_path, port, keys["bad"][0])
            await asyncio.wait_for(client.communicate(), 15)
        assert await until(lambda: not door.throttle.open)
        client = await ssh(tmp_path, port, keys["good"][0])  # even the right key: address blocked
        _, err = await asyncio.wait_for(client.communicate(), 15)
        assert client.returncode == 255 and b"USER=" not in err
        assert not list(piddir.iterdir())
        # staff elsewhere (another loopback address) still get in: nobody was locked out
        client = await ssh(tmp_path, port, keys["good"][0], source="127.0.0.2")
        assert b"USER=ada" in await read_until(client.stdout, b"name? ")
        client.kill()
        await client.wait()
    finally:
        door.close()


def test_throttle_counts_connections_per_address_and_forgets_them():
    now = [0.0]
    t = Throttle(DoorLimits(connections_per_minute=2, open_per_address=5, failures_to_block=2,
                            failure_window=60, block_seconds=100), clock=lambda: now[0])
    assert t.admit("10.0.0.1") is None and t.admit("10.0.0.1") is None
    assert "a minute" in t.admit("10.0.0.1")
    assert t.admit("10.0.0.2") is None  # another address is not affected
    now[0] = 61
    assert t.admit("10.0.0.1") is None
    t.closed("10.0.0.1", signed_in=False)
    t.closed("10.0.0.1", signed_in=True)
    t.closed("10.0.0.1", signed_in=False)
    assert "failed sign-ins" in t.admit("10.0.0.1")
    now[0] = 162
    assert t.admit("10.0.0.1") is None


# Finishes its "posting" (half a second) when told to stop, then exits.
POSTING_CHILD = [sys.executable, "-c",
                 "import os, signal, sys, time\n"
                 "def stop(sig, frame):\n"
                 "    time.sleep(0.5); open(os.environ['PIDDIR'] + '/posted', 'w').close(); sys.exit(0)\n"
                 "signal.signal(signal.SIGTERM, stop)\n"
                 "open(os.environ['PIDDIR'] + '/' + str(os.getpid()), 'w').close()\n"
                 "print('name? ', flush=True)\n"
                 "while True: time.sleep(1)\n"]


async def test_shutdown_tells_the_session_and_lets_the_posting_finish(tmp_path, port, keys, piddir):
    door = await start(tmp_path, port, keys, piddir, argv=POSTING_CHILD, shutdown_grace=20)
    client = await ssh(tmp_path, port, keys["good"][0])
    await read_until(client.stdout, b"name? ")
    await door.shutdown()
    out, err = await asyncio.wait_for(client.communicate(), 15)
    assert (piddir / "posted").exists() and not door.sessions and not alive(piddir)
    assert b"the server is shutting down" in out + err and client.returncode == 0


def test_ssh_serve_starts_without_warnings_and_keeps_its_host_key(tmp_path, port):
    url = f"sqlite:///{tmp_path / 'door.db'}"
    key = tmp_path / "keys" / "host"
    env = dict(os.environ, UBTUI_CONFIG="/nonexistent.toml", PYTHONWARNINGS="default")
    seen = []
    for _ in range(2):
        server = subprocess.Popen([sys.executable, "-m", "ubtui", "--database", url, "ssh-serve", "--port", str(port),
                                   "--host-key", str(key)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            first = server.stdout.readline()
        finally:
            server.send_signal(signal.SIGTERM)
            out, err = server.communicate(timeout=30)
        assert b"serving over SSH" in first and server.returncode == 0, err
        assert b"Warning" not in err and b"DSA" not in err, err
        assert key.stat().st_mode & 0o777 == 0o600
        seen.append(key.with_name("host.pub").read_bytes())
    assert seen[0] == seen[1]  # the same host key: clients do not see a new server


@pytest.mark.parametrize("options, what", [
    (["KexAlgorithms=diffie-hellman-group14-sha1"], b"key exchange"),
    (["Ciphers=aes128-cbc"], b"cipher"),
    (["Ciphers=aes128-ctr", "MACs=hmac-sha1"], b"MAC"),  # an AEAD cipher has no separate MAC
    (["PubkeyAcceptedAlgorithms=ssh-rsa"], b"Permission denied"),
])
async def test_deprecated_algorithms_are_not_offered(tmp_path, port, keys, piddir, options, what):
    door = await start(tmp_path, port, keys, piddir)
    try:
        rsa = asyncssh.generate_private_key("ssh-rsa", key_size=3072)  # an RSA key, allowed, but not signed with SHA-1
        (tmp_path / "id_rsa").write_bytes(rsa.export_private_key())
        (tmp_path / "id_rsa").chmod(0o600)
        door.keys_for = lambda user: [rsa.export_public_key().decode()]
        argv = ssh_argv(tmp_path, port, tmp_path / "id_rsa")
        argv[argv.index("LogLevel=ERROR")] = "LogLevel=INFO"
        extra = [a for option in options for a in ("-o", option)]
        client = await asyncio.create_subprocess_exec(*argv[:1], *extra, *argv[1:], stdin=asyncio.subprocess.PIPE,
                                                      stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await asyncio.wait_for(client.communicate(), 15)
    finally:
        door.close()
    assert client.returncode == 255 and what in err, err
    assert not list(piddir.iterdir())
