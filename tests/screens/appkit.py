"""Helpers for Pilot and snapshot tests of the app (not a test module)."""
from __future__ import annotations

import datetime as _dt

from ubtui.app import UbtuiApp

PASSWORDS = {"clerk": "clerk-demo-1", "senior": "senior-demo-1", "super": "super-demo-1"}
TODAY = _dt.date(2026, 3, 15)


def add_user(username: str, role: str = "clerk", full_name: str | None = None, password: str | None = None):
    from ubtui.security import create_user, get_user, system_user
    from ubtui.errors import NotFound
    try:
        return get_user(username)
    except NotFound:
        return create_user(system_user(), username, full_name or username.title() + " Demo", role,
                           password or PASSWORDS.get(username, username + "-pass-1"))


def make_app(url: str, **kw) -> UbtuiApp:
    kw.setdefault("today", lambda: TODAY)
    return UbtuiApp(url, **kw)


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers and the database thread finish, then the screen repaint."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def sign_in(pilot, username: str = "clerk", password: str | None = None) -> None:
    await settle(pilot)
    await pilot.press(*username, "enter", *(password or PASSWORDS[username]), "enter")
    await settle(pilot)


def text_of(widget) -> str:
    """The plain text a Static/Label shows."""
    r = widget.render()
    return getattr(r, "plain", str(r))


def screen_text(app) -> str:
    """Everything on the terminal as plain text (what the clerk sees)."""
    from rich.console import Console

    console = Console(width=app.size.width, record=True, file=open("/dev/null", "w"), color_system=None)
    for line in app.screen._compositor.render_strips():
        console.print(line.text, markup=False, highlight=False, soft_wrap=True)
    return console.export_text()
