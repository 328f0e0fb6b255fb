"""The SSH server relays a real terminal session to a child process on a pty."""
import asyncio
import sys

import asyncssh
import pytest

from ubtui.sshserver import serve

CHILD = [sys.executable, "-c",
         "import os, sys; print('TERM=' + os.environ['TERM'], os.get_terminal_size()); "
         "print('hello ' + input('name? ')); sys.exit(3)"]


async def _connect_and_talk(port):
    async with asyncssh.connect("127.0.0.1", port, username="anyone", known_hosts=None) as conn:
        proc = await conn.create_process(term_type="vt100", term_size=(80, 24), encoding=None)
        out = b""
        while b"name? " not in out:
            out += await asyncio.wait_for(proc.stdout.read(1024), 10)
        proc.stdin.write(b"Ada\r")
        while b"hello Ada" not in out:
            out += await asyncio.wait_for(proc.stdout.read(1024), 10)
        await asyncio.wait_for(proc.wait_closed(), 10)
        return out, proc.exit_status


async def test_session_gets_a_pty_with_the_client_terminal(tmp_path, unused_tcp_port):
    server = await serve("127.0.0.1", unused_tcp_port, tmp_path / "key", CHILD)
    try:
        out, status = await _connect_and_talk(unused_tcp_port)
    finally:
        server.close()
    assert b"TERM=vt100 os.terminal_size(columns=80, lines=24)" in out
    assert b"hello Ada" in out and status == 3


async def test_no_terminal_is_refused(tmp_path, unused_tcp_port):
    server = await serve("127.0.0.1", unused_tcp_port, tmp_path / "key", CHILD)
    try:
        async with asyncssh.connect("127.0.0.1", unused_tcp_port, username="x", known_hosts=None) as conn:
            result = await conn.run("", term_type=None)
    finally:
        server.close()
    assert result.exit_status == 1 and "needs a terminal" in result.stderr


@pytest.fixture
def unused_tcp_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
