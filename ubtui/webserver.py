"""``ubtui web``: the browser door for supervisors (textual-serve).

Each browser tab gets its own ``ubtui`` process, the same app as at the counter and over SSH:
the same sign-in (argon2id, lockout), the same permissions, the same audit rows.  It is meant
for read-mostly use (daily totals, reports, looking up an account) from a supervisor's desk.

textual-serve (from the Textual authors) does the web side: an aiohttp server, xterm.js in
the page, one app process per websocket.  This module only adds what a district needs:

* a session limit (``max_sessions``); a tab beyond it gets "503 too many sessions";
* a page that loads nothing from outside the server (the stock page asks Google for a font);
* one line at start instead of a logo, and SIGTERM/Ctrl+C stop it (textual-serve's own).

It listens on 127.0.0.1 by default.  It has no authentication of its own before the app's
sign-in, so anything wider than this machine should reach it through the district's VPN or
an authenticating reverse proxy (the SSH door, by contrast, checks registered keys first).
This module imports no Textual: the app runs in the child process.
"""
from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
import time
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from .procs import child_pids

SHUTDOWN_GRACE = 30  # seconds an app has to finish its posting when the server stops
OUTSIDE_FONT = '<link\n      rel="stylesheet"\n      href="https://fonts.googleapis.com/css?family=Roboto%20Mono"\n    />'


def page_template() -> str:
    """textual-serve's page without the link to an outside font server (the terminal uses
    the Roboto Mono files textual-serve ships, or the browser's monospace font)."""
    import textual_serve
    text = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text(encoding="utf-8")
    return text.replace(OUTSIDE_FONT, "")


class WebDoor(Server):
    def __init__(self, argv: list[str], host: str = "127.0.0.1", port: int = 8080, max_sessions: int = 20,
                 public_url: str | None = None):
        # public_url: the address browsers use (the page tells them where its websocket is)
        # "exec": the shell textual-serve starts becomes the app, so the app is our child
        super().__init__("exec " + shlex.join(argv), host=host, port=port, title="ubtui", public_url=public_url)
        self.max_sessions = max_sessions
        self.sessions = 0

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        # the same page, from memory, less the outside font (textual-serve 1.x: app_index.html)
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page_template()}))
        return app

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        # (a full server answers 503, a plain response, where the base class always upgrades)
        if self.sessions >= self.max_sessions:
            return web.Response(status=503, text="ubtui: too many sessions; try again later")
        self.sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1

    async def on_startup(self, app: web.Application) -> None:
        print(f"ubtui: serving the app to browsers on {self.public_url} (Ctrl+C stops)", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """SIGTERM or Ctrl+C: each app gets SIGTERM, finishes the posting under way and quits
        (its tab says the session ended); one still running after the grace is killed."""
        apps = child_pids()
        if apps:
            print(f"ubtui: stopping; {len(apps)} session(s) finish what they are posting", flush=True)
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


def run_forever(host: str, port: int, database_url: str, max_sessions: int = 20,
                public_url: str | None = None) -> None:
    WebDoor([sys.executable, "-m", "ubtui", "--database", database_url], host, port, max_sessions,
            public_url).serve()
