"""The letter lists at 80x24 (issue #17): a supervisor's 24 account actions were 17 on screen,
the rest scrolled out of sight with nothing saying they were there.  Now they are laid out in
two columns; arrows move the highlight in both, Enter opens the highlighted entry."""
from __future__ import annotations

from screens.accounts.actions import ACTIONS, AccountActionsScreen, actions_for
from screens.accounts.maintenance import PaymentFlagsScreen
from screens.common.letters import LetterGrid
from screens.service.actions import StopServiceScreen
from screens.service.desk import ServiceDeskScreen, desk_for
from tests.screens.appkit import demo_url, make_app, open_account, screen_text, settle, sign_in  # noqa: F401
from tests.screens.test_actions import burst


async def supervisor_actions(pilot):
    await sign_in(pilot, "super")
    await open_account(pilot, "0001006-6")
    await burst(pilot, "a", "a")
    assert isinstance(pilot.app.screen, AccountActionsScreen)
    return pilot.app.screen


async def test_every_action_of_a_supervisor_is_on_screen_at_80x24(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await supervisor_actions(pilot)
        grid = screen.query_one("#actions", LetterGrid)
        shown = screen_text(app)
        entries = actions_for(app.user)
        assert len(entries) == len(ACTIONS) >= 24
        for e in entries:
            assert f"{e.key.upper()}  {screen.label_of(e)}" in shown, shown
        assert screen.ctx is not None and f"({len(screen.ctx.open_orders)} open)" in shown  # relabelled after the read
        assert len(grid.columns()) == 2 and grid.max_scroll_y == 0
        assert grid.region.bottom <= app.size.height - 1  # above the footer, none hidden


async def test_arrows_and_enter_open_the_highlighted_action_in_both_columns(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await supervisor_actions(pilot)
        grid = screen.query_one("#actions", LetterGrid)
        rows = grid.rows()
        keys = [key for key, _ in grid.items]
        await burst(pilot, "down", "enter")  # the first column, second line: Stop service
        assert keys[1] == "t" and isinstance(app.screen, StopServiceScreen)
        await burst(pilot, "f3")
        assert isinstance(app.screen, AccountActionsScreen)
        await burst(pilot, "right", "enter")  # the same row of the second column
        assert isinstance(app.screen, type(screen).LETTERS[rows + 1].form)
        await burst(pilot, "f3", "left", "up", "right", "right")  # left back, up to row 0, right stops at the last column
        assert grid.highlighted == rows
        await burst(pilot, "end", "left")
        assert grid.highlighted == len(keys) - 1 - rows
        await burst(pilot, "home", "right", *["down"] * keys[rows:].index("k"), "enter")
        assert isinstance(app.screen, PaymentFlagsScreen)


async def test_a_clerk_and_the_desk_fit_one_column(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk")
        app.push_screen(ServiceDeskScreen())
        await settle(pilot)
        grid = app.screen.query_one("#desk", LetterGrid)
        shown = screen_text(app)
        for e in desk_for(app.user):
            assert f"{e.key.upper()}  {e.label}" in shown
        assert len(grid.columns()) == 1
