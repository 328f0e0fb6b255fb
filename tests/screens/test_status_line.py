"""The status line never cuts what the core said: a long message wraps onto a second (or a
third) line, and a short one gives the line back (found walking the new-service desk at 80x24:
"new account ... turn-on WO0000030, deposit" lost the amount)."""
from __future__ import annotations

from tests.screens.appkit import burst, demo_url, make_app, screen_text, settle, sign_in  # noqa: F401

LONG = ("new account 0001501-6 for Zzyzx [/] [bold]Co, Ana; turn-on WO0000030, deposit $100.00 billed, "
        "stop WO0000031 on 2027-04-30")


async def test_a_long_message_wraps_and_a_short_one_takes_one_line(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        screen = app.screen
        screen.set_status(LONG)
        await settle(pilot)
        line = screen.query_one("#status")
        assert line.size.height == 2
        text = " ".join(screen_text(app).split())
        assert LONG in text  # whole, and as typed (the brackets are text, not markup)
        screen.set_status("saved")
        await settle(pilot)
        assert line.size.height == 1 and "saved" in screen_text(app)
