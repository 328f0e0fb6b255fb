"""The test helpers themselves: ``settle`` fails a test instead of going on unsettled."""
import pytest

from screens.app import UbtuiApp
from tests.screens import appkit


async def test_settle_fails_when_the_app_never_settles(sqlite_url, monkeypatch):
    app = appkit.make_app(sqlite_url)
    async with app.run_test() as pilot:
        await appkit.settle(pilot)  # settles on a quiet app
        monkeypatch.setattr(appkit, "ROUNDS", 3)
        monkeypatch.setattr(appkit, "SETTLE_SECONDS", 0.2)
        monkeypatch.setattr(UbtuiApp, "keys_pending", property(lambda self: True))
        with pytest.raises(AssertionError, match="still busy"):
            await appkit.settle(pilot)
