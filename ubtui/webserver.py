"""``ubtui web``: the browser door for supervisors (textual-serve).

Each browser tab gets its own ``ubtui`` process, the same app as at the counter and over SSH:
the same sign-in (argon2id, lockout), the same permissions, the same audit rows.  It is meant
for read-mostly use (daily totals, reports, looking up an account) from a supervisor's desk.

textual-serve (from the Textual authors) does the web side: an aiohttp server, xterm.js in
the page, one app process per websocket.  This module only adds what a district needs:

* a session limit (``max_sessions``); a tab beyond it gets "503 too many sessions";
* per-address throttling (``ubtui.throttle.Throttle``, the SSH door's): new tabs a minute and
  open tabs per address, and wrong passwords typed into the app's sign-in, which each tab's
  app reports to the door (``throttle.report``): ``failures_to_block`` of them (by default one
  fewer than the app's own lockout, so one address cannot lock a user out) block the address
  for ``block_seconds`` and close its tabs that have not signed in; a refused tab gets "429";
* a page that loads nothing from outside the server (the stock page asks Google for a font);
* one line at start instead of a logo, and SIGTERM/Ctrl+C stop it (textual-serve's own).

It listens on 127.0.0.1 by default.  It has no authentication of its own before the app's
sign-in, so anything wider than this machine should reach it through the district's VPN or
an authenticating reverse proxy (the SSH door, by contrast, checks registered keys first).
This module imports no Textual: the app runs in the child process.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shlex
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .procs import child_pids
from .text import counted
from .throttle import EVENTS_ENV, SESSION_ENV, Throttle, ThrottleLimits

log = logging.getLogger("ubtui.web")

SHUTDOWN_GRACE = 30  # seconds an app has to finish its posting when the server stops
OUTSIDE_FONT = '<link\n      rel="stylesheet"\n      href="https://fonts.googleapis.com/css?family=Roboto%20Mono"\n    />'


def page_template() -> str:
    """textual-serve's page without the link to an outside font server (the terminal uses
    the Roboto Mono files textual-serve ships, or the browser's monospace font)."""
    import textual_serve
    text = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text(encoding="utf-8")
    return text.replace(OUTSIDE_FONT, "")


@dataclass
class WebLimits(ThrottleLimits):
    failures_to_block: int = 4  # wrong passwords from one address: one fewer than the app's lockout (5)


@dataclass
class Tab:
    """One browser tab: where it comes from, its token in the app's environment, its socket."""

    addr: str
    token: str
    websocket: web.WebSocketResponse | None = None
    signed_in: bool = False


class _Events(asyncio.DatagramProtocol):
    """What the tabs' apps report (``throttle.report``): "TOKEN failed" / "TOKEN signed_in"."""

    def __init__(self, door: WebDoor):
        self.door = door

    def datagram_received(self, data: bytes, addr) -> None:
        token, _, event = data.decode("ascii", "replace").partition(" ")
        self.door.sign_in_event(token, event.strip())


class _TabApp(AppService):
    """textual-serve's app process, with the tab's token and the door's event socket."""

    def __init__(self, *args, extra_env: dict[str, str], **kw):
        super().__init__(*args, **kw)
        self.extra_env = extra_env

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width, height), **self.extra_env}


class WebDoor(Server):
    def __init__(self, argv: list[str], host: str = "127.0.0.1", port: int = 8080, max_sessions: int = 20,
                 public_url: str | None = None, limits: ThrottleLimits | None = None):
        # public_url: the address browsers use (the page tells them where its websocket is)
        # "exec": the shell textual-serve starts becomes the app, so the app is our child
        super().__init__("exec " + shlex.join(argv), host=host, port=port, title="ubtui", public_url=public_url)
        self.max_sessions = max_sessions
        self.sessions = 0
        self.throttle = Throttle(limits or WebLimits(), door="web")
        self.tabs: dict[str, Tab] = {}
        self.events_dir = tempfile.mkdtemp(prefix="ubtui-web-")  # mode 0700: only this user's apps report
        self.events_path = os.path.join(self.events_dir, "events")
        self._events_transport: asyncio.BaseTransport | None = None

    def sign_in_event(self, token: str, event: str) -> None:
        """A tab's app reports a sign-in: a wrong password counts against the tab's address;
        when that blocks the address, its tabs that have not signed in are closed."""
        tab = self.tabs.get(token)
        if tab is None:
            return
        if event == "signed_in":
            tab.signed_in = True
        elif event == "failed" and self.throttle.failed(tab.addr):
            for other in list(self.tabs.values()):
                if other.addr == tab.addr and not other.signed_in and other.websocket is not None:
                    asyncio.ensure_future(other.websocket.close(message=b"too many failed sign-ins"))

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        # the same page, from memory, less the outside font (textual-serve 1.x: app_index.html)
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page_template()}))
        return app

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        # (a full server answers 503, a plain response, where the base class always upgrades)
        if self.sessions >= self.max_sessions:
            return web.Response(status=503, text="ubtui: too many sessions; try again later")
        addr = request.remote or "?"  # behind a reverse proxy: the proxy's (throttle it there)
        refused = self.throttle.admit(addr)
        if refused:
            log.info("web: refused %s: %s", addr, refused)
            return web.Response(status=429, text=f"ubtui: {refused}")
        tab = Tab(addr, secrets.token_hex(16))
        self.tabs[tab.token] = tab
        self.sessions += 1
        try:
            return await self._run_tab(request, tab)
        finally:
            self.sessions -= 1
            del self.tabs[tab.token]
            # a tab closed before signing in is no failure here: wrong passwords were counted
            # one by one as the app reported them
            self.throttle.closed(addr, signed_in=True)

    async def _run_tab(self, request: web.Request, tab: Tab) -> web.StreamResponse:
        """textual-serve's ``handle_websocket`` (1.x), its app started with the tab's token."""
        websocket = tab.websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = _TabApp(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                  close=websocket.close, download_manager=self.download_manager, debug=self.debug,
                                  extra_env={EVENTS_ENV: self.events_path, SESSION_ENV: tab.token})
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def listen_for_events(self) -> None:
        """The Unix datagram socket the tabs' apps report sign-ins to (``throttle.report``)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(self.events_path)
        os.chmod(self.events_path, 0o600)
        self._events_transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Events(self), sock=sock)

    def stop_listening_for_events(self) -> None:
        if self._events_transport is not None:
            self._events_transport.close()
            self._events_transport = None
        for path in (self.events_path, self.events_dir):
            try:
                os.unlink(path) if path == self.events_path else os.rmdir(path)
            except OSError:
                pass

    async def on_startup(self, app: web.Application) -> None:
        await self.listen_for_events()
        print(f"ubtui: serving the app to browsers on {self.public_url} (Ctrl+C stops)", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """SIGTERM or Ctrl+C: each app gets SIGTERM, finishes the posting under way and quits
        (its tab says the session ended); one still running after the grace is killed."""
        apps = child_pids()
        if apps:
            print(f"ubtui: stopping; waiting for {counted(len(apps), 'session')} to finish posting", flush=True)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in apps:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + SHUTDOWN_GRACE
            while time.monotonic() < deadline and (apps := [p for p in apps if p in child_pids()]):
                await asyncio.sleep(0.05)
            if not apps:
                break
        self.stop_listening_for_events()


def run_forever(host: str, port: int, database_url: str, max_sessions: int = 20,
                public_url: str | None = None) -> None:
    WebDoor([sys.executable, "-m", "ubtui", "--database", database_url], host, port, max_sessions,
            public_url).serve()
