"""One rendering policy per terminal class: TERM=linux/vt100 or a non-UTF-8 locale get only the
characters the terminal has, focus shows in reverse video without colour, and a vt100 footer
names the Ctrl alternatives of the F-keys it lacks."""
from __future__ import annotations

import pytest

from screens.common.terminal import GlyphFilter, has_function_keys, plain_text, terminal_class
from screens.common.textual_internals import screen_strips
from tests.screens.appkit import burst, demo_url, make_app, open_account, screen_text, settle, sign_in  # noqa: F401


@pytest.mark.parametrize("env, expected", [
    ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, "full"),
    ({"TERM": "screen-256color"}, "full"),
    ({"TERM": "linux", "LANG": "C.UTF-8"}, "console"),
    ({"TERM": "linux", "LANG": "C"}, "ascii"),
    ({"TERM": "vt100", "LANG": "en_US.UTF-8"}, "ascii"),
    ({"TERM": "vt220"}, "ascii"),
    ({"TERM": "xterm", "LC_ALL": "en_US.ISO-8859-1", "LANG": "en_US.UTF-8"}, "ascii"),
    ({"TERM": "xterm", "LC_ALL": "", "LC_CTYPE": "POSIX"}, "ascii"),
])
def test_terminal_class(env, expected):
    assert terminal_class(env) == expected


def test_function_keys():
    assert has_function_keys({"TERM": "linux"})
    assert has_function_keys({"TERM": "xterm-256color"})
    assert not has_function_keys({"TERM": "vt100"})
    assert not has_function_keys({"TERM": "vt220"})


def test_plain_text_keeps_widths_and_letters():
    for text in ("Nguyễn Construction…", "╭─ Søren ─╮", "••••••", "🔎 Search", "▔▁█▇ x", "日本"):
        out = plain_text(text)
        assert out.isascii(), out
        from rich.cells import cell_len
        assert cell_len(out) == cell_len(text), (text, out)
    assert plain_text("Nguyễn Müller") == "Nguyen Muller"
    assert plain_text("…") == "~"
    assert plain_text("▁▂▃▄▅▆▇▉▊▋▌▍▎▏▔") == " " * 15  # scrollbar ends, the palette's tall rules
    # the linux console has the light box set: kept; rounded corners become square ones
    assert plain_text("╭──┐│", console=True) == "┌──┐│"
    assert plain_text("é", console=True) == "e"


def test_filter_rewrites_segments():
    from rich.segment import Segment
    from textual.color import Color

    out = GlyphFilter().apply([Segment("Ca…"), Segment("ok")], Color(0, 0, 0))
    assert [s.text for s in out] == ["Ca~", "ok"]


def only_ascii(text: str) -> str:
    bad = sorted({c for c in text if not c.isascii()})
    return "".join(bad)


async def walk(pilot) -> list[str]:
    """Screens a new user meets: login, menu, an account, its help, the palette."""
    shots = [screen_text(pilot.app)]
    await sign_in(pilot)
    shots.append(screen_text(pilot.app))
    await open_account(pilot, "0001006-6")
    shots.append(screen_text(pilot.app))
    await burst(pilot, "f1")
    shots.append(screen_text(pilot.app))
    await burst(pilot, "escape", "ctrl+p")
    shots.append(screen_text(pilot.app))
    return shots


@pytest.mark.parametrize("term", ["vt100", "linux"])
async def test_plain_terminals_get_only_ascii(term, demo_url, monkeypatch):
    monkeypatch.setenv("TERM", term)
    monkeypatch.setenv("LANG", "C" if term == "linux" else "en_US.UTF-8")
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        for shot in await walk(pilot):
            assert only_ascii(shot) == "", shot


async def test_vt100_footer_names_ctrl_keys(demo_url, monkeypatch):
    monkeypatch.setenv("TERM", "vt100")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await open_account(pilot, "0001006-6")
        footer = screen_text(app).splitlines()[-1]
        assert "^G Help" in footer and "^F Find" in footer and "^B Back" in footer, footer
        assert "F1" not in footer and "F5" not in footer, footer


async def test_xterm_footer_keeps_f_keys(demo_url, monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await open_account(pilot, "0001006-6")
        assert "F1 Help" in screen_text(app).splitlines()[-1]


def styled_lines(app) -> list[str]:
    """Each line with reverse-video (or underlined) cells marked by [ ] (what NO_COLOR leaves
    of focus)."""
    out = []
    for strip in screen_strips(app.screen):
        line = ""
        for seg in strip:
            if seg.style and (seg.style.reverse or seg.style.underline):
                line += "[" + seg.text + "]"
            else:
                line += seg.text
        out.append(line)
    return out


async def test_no_color_focus_is_reverse_video(demo_url, monkeypatch):
    """A focused empty field shows in reverse video, the palette's highlighted command
    underlined, and Down moves it."""
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        login = "\n".join(styled_lines(app))
        assert "[" in login, login  # the focused (empty) username field
        await sign_in(pilot)
        await burst(pilot, "ctrl+p")
        before = styled_lines(app)
        await burst(pilot, "down")
        after = styled_lines(app)
        assert before != after
        assert any("[" in ln for ln in after)


@pytest.mark.parametrize("term", ["xterm-256color", "screen", "linux", "vt100"])
async def test_what_is_typed_in_a_form_shows_with_no_color_on_every_terminal(term, demo_url, monkeypatch):
    """NO_COLOR marks focus by style; a border on a one-line box would cover its text (an
    xterm with NO_COLOR drew a heavy bar over the field being typed into)."""
    monkeypatch.setenv("TERM", term)
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "senior")
        await burst(pilot, "f10", "n", "c", *"Nakamura", "enter", *"Aiko")
        lines = screen_text(app).splitlines()
        assert any(line.split() == ["Last", "name", "Nakamura"] for line in lines), screen_text(app)
        assert any(line.split() == ["First", "name", "Aiko"] for line in lines), screen_text(app)
