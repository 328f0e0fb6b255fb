"""How each screen looks at 80x24, in colour and with NO_COLOR (fixed demo data and "today").

Update after a deliberate change with ``pytest tests/screens/test_snapshots.py --snapshot-update``
and look at the SVGs (tests/screens/__snapshots__/) before committing them."""
from __future__ import annotations

import pytest

from screens.shell import menu
from screens.shell.menu import MenuEntry
from tests.screens.appkit import burst, demo_url, make_app, open_account, settle, sign_in  # noqa: F401

SIZE = (80, 24)


async def nothing(pilot) -> None:
    await settle(pilot)


async def login_error(pilot) -> None:
    await sign_in(pilot, "clerk", "wrong-password")


async def main_menu(pilot) -> None:
    await sign_in(pilot)


async def search_results(pilot) -> None:
    await sign_in(pilot)
    await burst(pilot, "f2", *"kow")


async def inquiry_transactions(pilot) -> None:
    await sign_in(pilot)
    await open_account(pilot, "0001006-6")


def inquiry_pane(key: str):
    async def run(pilot) -> None:
        await inquiry_transactions(pilot)
        await burst(pilot, key)
    return run


async def bill_lines(pilot) -> None:
    await inquiry_transactions(pilot)
    await burst(pilot, "2", "enter")


async def contact_form(pilot) -> None:
    await inquiry_transactions(pilot)
    await burst(pilot, "f6", *"Leak at meter", "enter")


async def help_screen(pilot) -> None:
    await inquiry_transactions(pilot)
    await burst(pilot, "f1")


async def lock_screen(pilot) -> None:
    await inquiry_transactions(pilot)
    await burst(pilot, "ctrl+l")


async def quit_question(pilot) -> None:
    await sign_in(pilot)
    await burst(pilot, "ctrl+q")


async def palette(pilot) -> None:
    """Searched, not browsed: the browse list is in the order the providers answer (the
    system's and ours run at once), so its picture changed from run to run."""
    await sign_in(pilot)
    await burst(pilot, "ctrl+p", *"pay")


def steady(run):
    """Run the steps, then let the last repaint land (a loaded machine is slow to draw)."""
    async def run_before(pilot) -> None:
        await run(pilot)
        for _ in range(3):
            await settle(pilot)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0.05)
    return run_before


SCREENS = {
    "login": nothing,
    "login_error": login_error,
    "main_menu": main_menu,
    "search": search_results,
    "inquiry_transactions": inquiry_transactions,
    "inquiry_bills": inquiry_pane("2"),
    "inquiry_consumption": inquiry_pane("3"),
    "inquiry_payments": inquiry_pane("4"),
    "inquiry_contacts": inquiry_pane("6"),
    "bill_lines": bill_lines,
    "contact_form": contact_form,
    "help": help_screen,
    "lock": lock_screen,
    "quit": quit_question,
    "palette": palette,
}


# The menu as it stands in these pictures: other modules add entries as they land, which
# must not change how this screen is drawn.
FIXED_MENU = [MenuEntry("a", "Find an account (F2)", "screens.accounts.search:SearchScreen", "account.view"),
              MenuEntry("p", "Take a payment (F7)", "tests.screens.appkit:StandInScreen", "payment.take"),
              MenuEntry("r", "Reports", "tests.screens.appkit:StandInScreen", "report.view"),
              MenuEntry("u", "Users", "tests.screens.appkit:StandInScreen", "user.manage")]


@pytest.fixture(autouse=True)
def fixed_menu(monkeypatch):
    monkeypatch.setattr(menu, "MENU", FIXED_MENU)


@pytest.mark.parametrize("colour", ["colour", "no_color"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(name, colour, demo_url, snap_compare, monkeypatch):
    utf8_locale(monkeypatch)
    monkeypatch.setenv("TERM", "xterm-256color")
    if colour == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(demo_url)
    assert snap_compare(app, terminal_size=SIZE, run_before=steady(SCREENS[name]))


@pytest.mark.parametrize("name", ["login", "contact_form"])
def test_linux_console_snapshot(name, demo_url, snap_compare, monkeypatch):
    """TERM=linux: ASCII borders (the console font has no rounded corners)."""
    utf8_locale(monkeypatch)
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(demo_url)
    assert app.plain_glyphs
    assert snap_compare(app, terminal_size=SIZE, run_before=steady(SCREENS[name]))


def utf8_locale(monkeypatch) -> None:
    """The pictures do not depend on the machine's locale (a non-UTF-8 one means ASCII)."""
    for name in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.mark.parametrize("term", ["linux", "vt100"])
@pytest.mark.parametrize("name", ["login", "inquiry_transactions", "contact_form", "help", "palette"])
def test_plain_terminal_no_color_snapshot(name, term, demo_url, snap_compare, monkeypatch):
    """TERM=linux or vt100 with NO_COLOR: only ASCII (and the console's box set), focus in
    reverse video, a vt100 footer naming the Ctrl keys."""
    utf8_locale(monkeypatch)
    monkeypatch.setenv("TERM", term)
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_url)
    assert app.plain_glyphs
    assert snap_compare(app, terminal_size=SIZE, run_before=steady(SCREENS[name]))
