"""The browser door's per-address throttle (``ubtui.throttle``, shared with the SSH door): new
tabs a minute, and wrong passwords the tabs' apps report, which block the address and close
its tabs that have not signed in.  The door runs in this process (aiohttp's test server); each
tab's "app" is a small child that reports what it is told and quits when the door says so."""
from __future__ import annotations

import asyncio
import sys

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from ubtui.throttle import EVENTS_ENV, SESSION_ENV, Throttle, ThrottleLimits, report
from ubtui.webserver import WebDoor, WebLimits

# Reports EVENT (argv) to the door the way the sign-in screen does, then waits for the door's
# quit (anything on stdin) - as textual-serve stops an app.
CHILD = ("import sys; from ubtui.throttle import report; report(sys.argv[1]); print('ok', flush=True); "
         "sys.stdin.buffer.read(1)")


async def door_with(event: str, limits: ThrottleLimits):
    door = WebDoor([sys.executable, "-c", CHILD, event], limits=limits)
    server = TestServer(await door._make_app(), host="127.0.0.1")
    await server.start_server()
    return door, server


async def open_tab(session: aiohttp.ClientSession, server: TestServer):
    """A tab's websocket, or the HTTP status that refused it."""
    try:
        return await session.ws_connect(server.make_url("/ws?width=80&height=24"))
    except aiohttp.WSServerHandshakeError as e:
        return e.status


async def closed_by_door(ws, timeout: float = 10) -> bool:
    """Read the tab until the door closes it (what the page would show as the session ending)."""
    try:
        while True:
            msg = await ws.receive(timeout)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return True
    except TimeoutError:
        return False


async def until(check, timeout: float = 10) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_wrong_passwords_block_the_address_and_close_its_tabs():
    door, server = await door_with("failed", WebLimits(failures_to_block=2, connections_per_minute=100))
    try:
        async with aiohttp.ClientSession() as session:
            first = await open_tab(session, server)
            assert not isinstance(first, int)
            assert await until(lambda: "127.0.0.1" in door.throttle.failures
                               and len(door.throttle.failures["127.0.0.1"]) == 1)
            assert not door.throttle.blocked("127.0.0.1")
            second = await open_tab(session, server)  # its app's wrong password is the second
            assert not isinstance(second, int)
            assert await until(lambda: door.throttle.blocked("127.0.0.1"))
            assert await closed_by_door(first) and await closed_by_door(second)  # neither had signed in
            assert await open_tab(session, server) == 429
            assert await until(lambda: not door.tabs and door.sessions == 0 and not door.throttle.open)
    finally:
        await server.close()


async def test_a_tab_that_signed_in_stays_open_and_new_tabs_a_minute_are_limited():
    door, server = await door_with("signed_in", WebLimits(connections_per_minute=2))
    try:
        async with aiohttp.ClientSession() as session:
            tabs = [await open_tab(session, server) for _ in range(2)]
            assert all(not isinstance(t, int) for t in tabs)
            assert await until(lambda: all(t.signed_in for t in door.tabs.values()) and len(door.tabs) == 2)
            assert await open_tab(session, server) == 429  # a third in the same minute
            for _ in range(door.throttle.limits.failures_to_block):
                door.sign_in_event("not-a-tab", "failed")  # unknown tokens count for nothing
            assert not door.throttle.failures
            assert not any(await asyncio.gather(*(closed_by_door(t, 0.5) for t in tabs)))
            for t in tabs:
                await t.close()
    finally:
        await server.close()


def test_one_throttle_counts_failures_it_is_told_of():
    now = [0.0]
    t = Throttle(ThrottleLimits(failures_to_block=3, failure_window=60, block_seconds=100), clock=lambda: now[0])
    assert t.failed("10.0.0.1") is False and t.failed("10.0.0.1") is False
    now[0] = 61  # the first two have left the window
    assert t.failed("10.0.0.1") is False and t.failed("10.0.0.1") is False
    assert t.failed("10.0.0.1") is True and t.blocked("10.0.0.1") and "failed" in t.admit("10.0.0.1")
    assert t.admit("10.0.0.2") is None
    now[0] = 162
    assert not t.blocked("10.0.0.1") and t.admit("10.0.0.1") is None


def test_report_outside_a_door_session_does_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv(EVENTS_ENV, raising=False)
    report("failed")  # no socket named: nothing to do
    monkeypatch.setenv(EVENTS_ENV, str(tmp_path / "gone"))
    monkeypatch.setenv(SESSION_ENV, "x")
    report("failed")  # the door is gone: the app goes on


@pytest.mark.parametrize("limits", [WebLimits()])
def test_one_address_cannot_reach_the_apps_lockout(limits):
    from ubtui.config import settings

    assert limits.failures_to_block < settings().login_attempts


async def test_the_sign_in_screen_reports_each_wrong_password_and_the_sign_in(sqlite_url, tmp_path, monkeypatch):
    import socket

    from tests.screens.appkit import add_user, burst, make_app, settle

    add_user("clerk")
    path = tmp_path / "events"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    monkeypatch.setenv(EVENTS_ENV, str(path))
    monkeypatch.setenv(SESSION_ENV, "tab1")
    try:
        app = make_app(sqlite_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await burst(pilot, *"clerk", "enter", *"wrong-one", "enter")
            await settle(pilot)
            await burst(pilot, *"clerk-demo-1", "enter")
            await settle(pilot)
            assert app.user is not None
        assert [sock.recv(100) for _ in range(2)] == [b"tab1 failed", b"tab1 signed_in"]
    finally:
        sock.close()
