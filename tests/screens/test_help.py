"""F1 is one scrollable page per screen: keys first, then the screen's help wrapped by words,
all of it reachable with PageDown/End/Down."""
from __future__ import annotations

from screens.common.help import HelpScreen, key_table, reflow
from tests.screens.appkit import burst, demo_url, make_app, open_account, screen_text, settle, sign_in  # noqa: F401


def test_reflow_joins_broken_lines_and_keeps_lists():
    doc = """Take a payment: the counter's most used screen.

    Common case (cash, one account): account digits, Enter, amount (the
    balance is offered), Enter, F9 posts.
    - first item that is
      continued
    - second item
    """
    out = reflow(doc, 40)
    assert "Common case (cash, one account): account\ndigits, Enter, amount (the balance is\noffered), Enter, F9 posts." in out
    assert "- first item that is continued\n- second item" in out
    assert all(len(ln) <= 40 for ln in out.splitlines())


def test_key_table_wraps_descriptions_under_themselves():
    out = key_table([("F1 / Ctrl+G", "Help"), ("C", "export this pane's history to CSV in the exports folder")], 40)
    assert out.splitlines() == ["F1 / Ctrl+G  Help",
                                "C            export this pane's history",
                                "             to CSV in the exports",
                                "             folder"]


async def test_payment_help_reads_to_the_end(demo_url):
    """The payment screen's long help: nothing cut, End reaches its last sentence."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f7")
        await burst(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        first = screen_text(app)
        assert first.splitlines()[1].strip("│ ").startswith("Keys:")
        pages = [first]
        for _ in range(10):
            await burst(pilot, "pagedown")
            if screen_text(app) == pages[-1]:
                break
            pages.append(screen_text(app))
        assert len(pages) > 1
        read = words("\n".join(pages))
        assert "ctrl+a keeps the account and its amount and takes the next account" in read
        assert "after posting F6 starts the next payment and ctrl+e shows the receipt." in read
        await burst(pilot, "home")
        assert screen_text(app) == first
        await burst(pilot, "end")
        assert screen_text(app) == pages[-1]


def words(text: str) -> str:
    """The words on screen, box borders dropped, lines joined."""
    return " ".join(text.replace("│", " ").split())


async def test_help_is_wide_at_132_columns(demo_url):
    app = make_app(demo_url)
    async with app.run_test(size=(132, 43)) as pilot:
        await sign_in(pilot)
        await open_account(pilot, "0001006-6")
        await burst(pilot, "f1")
        assert isinstance(app.screen, HelpScreen), app.screen
        lines = screen_text(app).splitlines()
        assert max(len(ln.rstrip()) for ln in lines) > 90, "\n".join(lines)
        assert "Ref on transactions: B bill" in screen_text(app)
