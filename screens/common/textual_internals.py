"""The one module that reaches into Textual's private parts (issue #18).

Textual has no public way to do these; each is one line here, so a Textual upgrade that
moves them breaks one module and one test (tests/screens/test_textual_internals.py pins the
Textual versions this was written for), not the app and the test helpers here and there.
"""
from __future__ import annotations

from typing import Any

from textual.widgets import TextArea

# The Textual versions these were checked against (pyproject: textual>=8,<9).
WRITTEN_FOR = ((8, 0), (9, 0))  # from, up to (not including)


def has_queued_messages(node: Any) -> bool:
    """Messages posted to ``node`` (an App, Screen or Widget) and not handled yet."""
    return not node._message_queue.empty()


def send_from_terminal(app: Any, event: Any) -> None:
    """Hand ``event`` to the app as the terminal driver does (keys typed, in order, without
    waiting for anything: tests of the type-ahead backlog)."""
    app._driver.send_message(event)


def screen_strips(screen: Any) -> list:
    """The screen's lines as drawn (Strips, ``.text`` for plain text)."""
    return list(screen._compositor.render_strips())


class KeyFirstTextArea(TextArea):
    """A TextArea that sees each key before its editing does: ``key_first(event)`` True
    means the key was used (TextArea inserts text in its private key handler, which a
    binding cannot pre-empt for Enter)."""

    def key_first(self, event) -> bool:
        return False

    async def _on_key(self, event) -> None:
        if self.key_first(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)
