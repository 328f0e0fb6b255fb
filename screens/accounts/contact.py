"""F6 on an account: log a contact in a few keys; Enter on a contact: read it whole.

Channel (counter by default; c/p/e/m/f picks), subject, note, follow-up date (optional,
YYYY-MM-DD or +N days).  Enter moves on; the note is a multi-line editor where Enter starts a
new line and Enter on an empty last line (Enter twice) or Tab moves on; Enter on the last
field or F9 saves; F3 cancels.  The core validates and audits; its one-line error names the
field.  ``ContactViewScreen`` shows a logged contact whole (scrollable) and F9 there marks its
follow-up done."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from models.service import CONTACT_CHANNELS
from screens.common.base import KeepsRunning, key_binding
from screens.common.form import Field, ModalForm, choice_from, day_from
from screens.common.text import stored
from ubtui import inquiry
from ubtui.errors import UbtuiError

CHANNELS = tuple((c, "") for c in CONTACT_CHANNELS)


class ContactScreen(ModalForm):
    TITLE_TEXT = "Log a contact"
    FIELD_PREFIX = ""
    COMPACT = False
    FIRST_FIELD = "subject"  # the channel is the counter unless changed
    STATUS_ID = "contact-error"
    HINT = "Enter: next field / save.  F4 next channel, F9 saves, F3 cancels."
    HELP_TEXT = __doc__
    FIELD_WIDGETS = {"channel": "channel", "subject": "subject", "text": "text", "follow_up": "follow"}
    BINDINGS = [
        key_binding("post", "post", "Save"),
        key_binding("lookup", "lookup", "Next channel"),
    ]

    def __init__(self, account_id: int):
        super().__init__()
        self.account_id = account_id

    def fields(self) -> list[Field]:
        return [Field("channel", "Channel", "counter", max_length=8, restrict=r"[a-zA-Z]*", choices=CHANNELS,
                      cycle=True, caption=f"Channel ({', '.join(CONTACT_CHANNELS)})"),
                Field("subject", "Subject", max_length=inquiry.MAX_SUBJECT),
                Field("text", "Text", lines=7,
                      caption=f"Note, up to {inquiry.MAX_TEXT} characters (Enter twice or Tab: next field)"),
                Field("follow", "Follow-up", max_length=10, restrict=r"[0-9+\-]*",
                      caption="Follow up on (YYYY-MM-DD or +days, empty for none)")]

    def perform(self, user, values: dict[str, str]) -> str:
        follow = day_from(values["follow"], "Follow-up", self.app.today(), required=False)
        inquiry.add_contact(user, self.account_id, choice_from(values["channel"], CHANNELS), values["subject"],
                            values["text"], follow_up_on=follow)
        return values["subject"].strip()


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
