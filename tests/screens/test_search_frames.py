"""How the search screen draws: typing in its box asks for no new layout of the screen; keys
typed ahead and their results come in one frame, held no longer than ANSWER_WAIT."""
from __future__ import annotations

from contextlib import asynccontextmanager

from textual.geometry import Size

from screens.search import QueryInput
from tests.screens.appkit import burst, demo_url, make_app, sign_in  # noqa: F401


@asynccontextmanager
async def on_search_screen(url: str):
    """(app, pilot) with the clerk signed in and the search screen open."""
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f2")
        yield app, pilot


async def test_typing_in_the_box_asks_for_no_layout(demo_url, monkeypatch):
    """Input keeps its virtual size in a reactive that lays the whole screen out again on
    every change; the search box sets it without a layout (and keeps it right)."""
    layouts: list[str] = []
    real = QueryInput.refresh

    def refresh(self, *regions, layout=False, **kw):
        if layout:
            layouts.append(self.value)
        return real(self, *regions, layout=layout, **kw)

    monkeypatch.setattr(QueryInput, "refresh", refresh)
    async with on_search_screen(demo_url) as (app, pilot):
        await burst(pilot, *"kowalski", "backspace")
        box = app.screen.query_one("#query")
        assert box.value == "kowalsk" and layouts == []
        assert box.virtual_size == Size(len("kowalsk") + 1, 1)  # text and cursor: its scrolling
