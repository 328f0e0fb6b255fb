"""Cold start child: start the app headless, sign in, open the search screen, print, exit.

    python bench/coldstart_child.py DATABASE_URL USER PASSWORD

Prints one JSON line the moment the search screen is mounted and has focus in its box (the
parent times the line from process start): seconds since this script began for the import of
the app, the login screen, and the search screen.  The user name and password are put in
their boxes directly (no simulated typing), so the figure is the app's own work: start,
login screen, one argon2id check, main menu, search screen.  Then it exits without waiting for the
app's teardown.
"""
import time

T0 = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("UBTUI_CONFIG", "/nonexistent/ubtui-bench-config.toml")


async def main(url: str, user: str, password: str) -> dict:
    from screens.accounts.search import SearchScreen
    from screens.app import UbtuiApp
    from screens.shell.login import LoginScreen
    out = {"import_s": time.perf_counter() - T0}
    app = UbtuiApp(url)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, LoginScreen):
            await pilot.pause(0.001)
        out["login_screen_s"] = time.perf_counter() - T0
        # Fill the boxes directly and press Enter once: Pilot spends ~90 ms a key waiting for
        # the screen to settle, which is the test harness, not the app (19 keys were 1.8 s).
        app.screen.query_one("#username").value = user
        app.screen.query_one("#password").value = password
        out["typed_s"] = time.perf_counter() - T0
        await pilot.press("enter")
        while app.user is None or isinstance(app.screen, LoginScreen):
            await pilot.pause(0.001)
        await pilot.press("ctrl+f")
        while not (isinstance(app.screen, SearchScreen) and app.screen.focused is not None
                   and app.screen.focused.id == "query"):
            await pilot.pause(0.001)
        out["search_screen_s"] = time.perf_counter() - T0
        print(json.dumps(out), flush=True)
        os._exit(0)  # the parent has its figure; skip the teardown
    return out


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
