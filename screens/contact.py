"""F6 on an account: log a contact in a few keys.

Channel (counter by default; c/p/e/m/f picks), subject, text, follow-up date (optional,
YYYY-MM-DD or +N days).  Enter moves on; Enter on the last field or F9 saves; F3 cancels.
The core validates and audits; its one-line error names the field."""
from __future__ import annotations

import datetime as _dt

import peewee
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from models.service import CONTACT_CHANNELS
from screens.base import KeepsRunning, key_binding
from screens.text import stored
from ubtui import inquiry
from ubtui.dates import parse_date
from ubtui.errors import InputError, UbtuiError

FIELDS = ("channel", "subject", "text", "follow")


def follow_up_text(text: str, today: _dt.date) -> str | None:
    """``+7`` -> the date 7 days after ``today``; anything else is passed to the core as typed
    (its message names the field)."""
    try:
        day = parse_date(text, "Follow-up", today=today)
    except InputError:
        return text.strip()
    return day.isoformat() if day else None


def channel_from(text: str) -> str:
    """A channel from its first letters (``p`` -> phone); unknown text goes to the core as typed."""
    t = (text or "").strip().lower()
    matches = [c for c in CONTACT_CHANNELS if t and c.startswith(t)]
    return matches[0] if len(matches) == 1 else t


class ContactScreen(KeepsRunning, ModalScreen):
    DEFAULT_CSS = """
    ContactScreen { align: center middle; }
    ContactScreen > Vertical { width: 70; height: auto; border: round $primary; padding: 0 1;
                               background: $surface; }
    ContactScreen Input { width: 100%; }
    ContactScreen #contact-error { color: $error; text-style: bold; height: 1; }
    """
    BINDINGS = [
        key_binding("post", "save", "Save"),
        key_binding("back", "cancel", "Cancel"),
        key_binding("help", "help"),
        key_binding("lookup", "lookup", "Next channel"),
    ]

    def __init__(self, account_id: int):
        super().__init__()
        self.account_id = account_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Log a contact", id="contact-title")
            yield Label(f"Channel ({', '.join(CONTACT_CHANNELS)})")
            yield Input(value="counter", id="channel", max_length=8, restrict=r"[a-zA-Z]*",
                        suggester=SuggestFromList(CONTACT_CHANNELS, case_sensitive=False), select_on_focus=True)
            yield Label("Subject")
            yield Input(id="subject", max_length=inquiry.MAX_SUBJECT)
            yield Label("Text")
            yield Input(id="text", max_length=inquiry.MAX_TEXT)
            yield Label("Follow up on (YYYY-MM-DD or +days, empty for none)")
            yield Input(id="follow", max_length=10, restrict=r"[0-9+\-]*")
            yield Static("", id="contact-error")
            yield Static("Enter: next field / save.  F4 next channel, F9 saves, F3 cancels.", id="contact-hint")

    def on_mount(self) -> None:
        self.query_one("#subject", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        i = FIELDS.index(event.input.id)
        if i == len(FIELDS) - 1:
            self.action_save()
        else:
            self.query_one(f"#{FIELDS[i + 1]}", Input).focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def action_save(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.save(channel_from(self.value("channel")), self.value("subject"), self.value("text"),
                  follow_up_text(self.value("follow"), self.app.today()))

    @work(exclusive=True)
    async def save(self, channel: str, subject: str, text: str, follow: str | None) -> None:
        try:
            await self.app.db(inquiry.add_contact, self.app.user, self.account_id, channel, subject, text,
                              follow_up_on=follow)
        except (UbtuiError, peewee.DatabaseError) as e:  # a database error must not close the app
            from ubtui.app import database_message

            self.busy = False
            self.set_status(str(e) if isinstance(e, UbtuiError) else database_message(e), error=True)
            if isinstance(e, InputError):
                field = {"channel": "channel", "subject": "subject", "text": "text",
                         "follow_up": "follow"}.get(e.key)
                if field:
                    self.query_one(f"#{field}", Input).focus()
            return
        self.dismiss(subject.strip())

    def set_status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#contact-error", Static).update(stored(text))

    def action_lookup(self) -> None:
        """F4 on the channel: the next channel of the list (counter, phone, email...)."""
        box = self.query_one("#channel", Input)
        if self.focused is not box:
            self.set_status("F4 lists values for the channel only; type the other fields")
            return
        current = channel_from(box.value)
        i = CONTACT_CHANNELS.index(current) if current in CONTACT_CHANNELS else -1
        box.value = CONTACT_CHANNELS[(i + 1) % len(CONTACT_CHANNELS)]
        box.cursor_position = len(box.value)
        self.set_status("")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        from screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))
