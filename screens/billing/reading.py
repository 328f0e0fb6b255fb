"""Key in a meter read: meter number (or account number), Enter; the date (today unless
changed, YYYY-MM-DD); the register as read, Enter.  The usage and any check that flagged it
(high, low, zero, negative, rollover) are shown; a flagged read waits in the exceptions list.
F6 starts the next read.
"""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import FORM_CSS, ActionForm, Field, short_key
from screens.common.text import stored
from ubtui import readings
from ubtui.dates import parse_date
from ubtui.errors import InputError


def enter(user, meter_id: int, date_text: str, reading: str):
    on = parse_date(date_text, "Read date")
    if on is None:
        raise InputError("Read date", "type the date of the read, YYYY-MM-DD")
    return readings.enter_reading(user, meter_id, on, reading)


class ReadingEntryScreen(ActionForm):
    TITLE_TEXT = "Meter read"
    CSS_PATH = [FORM_CSS, "reading.tcss"]
    PERMISSION = "reading.enter"
    HELP_TEXT = __doc__
    FIELD_PREFIX = "rd-"
    SHOW_HINT = False
    FIELD_WIDGETS = {"meter": "rd-meter", "read_date": "rd-date", "reading": "rd-reading"}
    BINDINGS = [
        key_binding("post", "post", "Save"),
        key_binding("new", "next", "Next read"),
    ]

    def __init__(self):
        super().__init__()
        self.meter: readings.MeterInfo | None = None

    def fields(self) -> list[Field]:
        return [Field("meter", "Meter / account", max_length=24),
                Field("date", "Read date", max_length=10, restrict=r"[0-9\-]*"),
                Field("reading", "Reading", max_length=10, restrict=r"[0-9,]*")]

    def compose_after(self) -> ComposeResult:
        yield Static("", id="rd-meter-info")
        yield Static("", id="rd-result")

    def on_mount(self) -> None:
        self.box("date").value = self.app.today().isoformat()
        super().on_mount()

    async def entered(self, f: Field) -> bool:
        """Enter on the meter finds it (and its last read): the cursor goes to the reading."""
        if f.id != "meter":
            return True
        self.app.hold_keys()  # keys typed ahead belong to the Reading field once the meter is found
        try:
            info = await self.try_core(readings.find_meter, self.val("meter"))
        finally:
            self.app.call_after_refresh(self.app.release_keys)
        if info is not None:
            self.meter = info
            last = f"last read {info.last_reading:,} on {info.last_read_on}" if info.last_read_on else "no reads yet"
            self.query_one("#rd-meter-info", Static).update(stored(
                f"Meter {info.serial} {info.size} {info.unit}, {info.dials} dials  {info.account_number}  "
                f"{info.address}\n{last}", multiline=True, no_wrap=True, overflow="ellipsis"))
            self.box("reading").focus()
        return False

    def action_post(self) -> None:
        if self.meter is None and not self.done:
            self.set_status("Meter: type the meter or account number and Enter", error=True)
            self.box("meter").focus()
            return
        super().action_post()

    def perform(self, user, values: dict[str, str]):
        return enter(user, self.meter.meter_id, values["date"], values["reading"])

    def posted(self, row) -> None:
        """Saved: the usage (and any check that flagged it) shown; F6 starts the next read."""
        self.done = True
        usage = "first read of the meter" if row.usage is None else f"usage {row.usage:,} {self.meter.unit}"
        text = Text(f"Saved: {row.reading:,} on {row.read_on}, {usage}.")
        if row.status == "exception":
            text.append(stored(f"\n{row.flag.upper()}: {row.flag_reason}. It waits in the exceptions list.",
                               multiline=True, style="bold"))
        self.query_one("#rd-result", Static).update(text)
        self.set_status("F6 for the next read")

    def action_next(self) -> None:
        self.meter = None
        self.done = False
        self.key = short_key()
        for fid in ("meter", "reading"):
            self.box(fid).value = ""
        self.query_one("#rd-meter-info", Static).update("")
        self.query_one("#rd-result", Static).update("")
        self.box("meter").focus()
        self.clear_status()

    action_back = BaseScreen.action_back  # a menu screen: F3 goes back, it is not a dialog
