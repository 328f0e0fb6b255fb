"""F6 on an account: log a contact in a few keys; Enter on a contact: read it whole.

Channel (counter by default; c/p/e/m/f picks), subject, note, follow-up date (optional,
YYYY-MM-DD or +N days).  Enter moves on; the note is a multi-line editor where Enter starts a
new line and Enter on an empty last line (Enter twice) or Tab moves on; Enter on the last
field or F9 saves; F3 cancels.  The core validates and audits; its one-line error names the
field.  ``ContactViewScreen`` shows a logged contact whole (scrollable) and F9 there marks its
follow-up done."""
from __future__ import annotations

import datetime as _dt

import peewee
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static, TextArea

from models.service import CONTACT_CHANNELS
from screens.common.base import FormFields, KeepsRunning, key_binding
from screens.common.text import stored
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


class NoteArea(TextArea):
    """The note: Enter starts a new line; Enter on an empty last line ends the note (the empty
    line is dropped) and moves on, as Enter does in the other fields."""

    class Done(Message):
        pass

    async def _on_key(self, event) -> None:
        if event.key == "enter":
            row, _col = self.cursor_location
            last = self.document.line_count - 1
            if row == last and not self.document.get_line(row).strip():
                event.stop()
                event.prevent_default()
                if self.text.endswith("\n"):
                    self.text = self.text.rstrip("\n")
                self.post_message(self.Done())
                return
        await super()._on_key(event)


class ContactScreen(FormFields, KeepsRunning, ModalScreen):
    DEFAULT_CSS = """
    ContactScreen { align: center middle; }
    ContactScreen > Vertical { width: 100%; max-width: 100; height: auto; max-height: 100%;
                               border: round $primary; padding: 0 1; background: $surface; }
    ContactScreen Input { width: 100%; }
    ContactScreen NoteArea { width: 100%; height: 7; }
    ContactScreen #contact-error { color: $error; text-style: bold; height: 1; }
    """
    FIELD_WIDGETS = {"channel": "channel", "subject": "subject", "text": "text", "follow_up": "follow"}
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
            yield Label(f"Note, up to {inquiry.MAX_TEXT} characters (Enter twice or Tab: next field)")
            yield NoteArea(id="text", soft_wrap=True, tab_behavior="focus", show_line_numbers=False)
            yield Label("Follow up on (YYYY-MM-DD or +days, empty for none)")
            yield Input(id="follow", max_length=10, restrict=r"[0-9+\-]*")
            yield Static("", id="contact-error")
            yield Static("Enter: next field / save.  F4 next channel, F9 saves, F3 cancels.", id="contact-hint")

    def on_mount(self) -> None:
        self.query_one("#subject", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.focus_after(FIELDS, event.input.id):
            self.action_save()

    @on(NoteArea.Done)
    def note_done(self) -> None:
        self.query_one("#follow", Input).focus()

    def action_save(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.save(channel_from(self.val("channel")), self.val("subject"), self.val("text"),
                  follow_up_text(self.val("follow"), self.app.today()))

    @work(exclusive=True)
    async def save(self, channel: str, subject: str, text: str, follow: str | None) -> None:
        try:
            await self.app.db(inquiry.add_contact, self.app.user, self.account_id, channel, subject, text,
                              follow_up_on=follow)
        except (UbtuiError, peewee.DatabaseError) as e:  # a database error must not close the app
            self.busy = False
            self.show_core_error(e)
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
        from screens.common.help import HelpScreen

        self.app.push_screen(HelpScreen(self))


class ContactViewScreen(KeepsRunning, ModalScreen):
    """A logged contact whole: who, when, channel, subject, the note (every line, scrollable)
    and its follow-up; F9 marks an open follow-up done (the core checks and audits)."""

    DEFAULT_CSS = """
    ContactViewScreen { align: center middle; }
    ContactViewScreen > VerticalScroll { width: 100%; max-width: 100; height: auto; max-height: 100%;
                                         border: round $primary; padding: 0 1; background: $surface; }
    ContactViewScreen #view-head { text-style: bold; }
    ContactViewScreen #view-note { margin: 1 0; }
    ContactViewScreen #view-error { color: $error; text-style: bold; }
    """
    BINDINGS = [
        key_binding("post", "done", "Follow-up done"),
        key_binding("back", "close", "Close"),
        key_binding("help", "help"),
    ]

    def __init__(self, row):
        super().__init__()
        self.row = row
        self.changed = False

    def compose(self) -> ComposeResult:
        r = self.row
        with VerticalScroll(id="view-page"):
            yield Static(stored(f"{r.subject}"), id="view-head")
            yield Static(stored(f"{r.created_at:%Y-%m-%d %H:%M}  {r.channel}  by {r.user}"), id="view-meta")
            yield Static(stored(r.text or "(no note)", multiline=True), id="view-note")
            yield Static(self.follow_text(), id="view-follow")
            yield Static("", id="view-error")
            yield Static("Up/Down/PgUp/PgDn scroll.  F9 marks the follow-up done.  F3, Esc or Enter closes.",
                         id="view-hint")

    def follow_text(self) -> str:
        r = self.row
        if not r.follow_up_on:
            return "No follow-up."
        if r.follow_up_done or self.changed:
            return f"Follow up on {r.follow_up_on.isoformat()}: done."
        return f"Follow up on {r.follow_up_on.isoformat()}: open (F9 marks it done)."

    def on_mount(self) -> None:
        self.query_one("#view-page").focus()

    def key_escape(self) -> None:
        self.action_close()

    def key_enter(self) -> None:
        self.action_close()

    def action_done(self) -> None:
        if not self.row.follow_up_on or self.row.follow_up_done or self.changed:
            self.query_one("#view-error", Static).update("no open follow-up on this contact")
            return
        self.mark_done()

    @work(exclusive=True)
    async def mark_done(self) -> None:
        try:
            await self.app.db(inquiry.complete_followup, self.app.user, self.row.contact_id)
        except UbtuiError as e:
            self.query_one("#view-error", Static).update(stored(str(e)))
            return
        self.changed = True
        self.query_one("#view-follow", Static).update(self.follow_text())
        self.query_one("#view-error", Static).update("")

    def action_close(self) -> None:
        self.dismiss(self.changed)

    def action_help(self) -> None:
        from screens.common.help import HelpScreen

        self.app.push_screen(HelpScreen(self))
