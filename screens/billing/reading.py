"""Key in a meter read: meter number (or account number), Enter; the date (today unless
changed, YYYY-MM-DD); the register as read, Enter.  The usage and any check that flagged it
(high, low, zero, negative, rollover) are shown; a flagged read waits in the exceptions list.
F6 starts the next read.
"""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.text import stored
from ubtui import readings
from ubtui.dates import parse_date
from ubtui.errors import InputError

ORDER = ("rd-meter", "rd-date", "rd-reading")


def enter(user, meter_id: int, date_text: str, reading: str):
    on = parse_date(date_text, "Read date")
    if on is None:
        raise InputError("Read date", "type the date of the read, YYYY-MM-DD")
    return readings.enter_reading(user, meter_id, on, reading)


class ReadingEntryScreen(BaseScreen):
    TITLE_TEXT = "Meter read"
    CSS_PATH = "reading.tcss"
    PERMISSION = "reading.enter"
    HELP_TEXT = __doc__
    FIELD_WIDGETS = {"meter": "rd-meter", "read_date": "rd-date", "reading": "rd-reading"}
    BINDINGS = [
        key_binding("post", "post", "Save"),
        key_binding("new", "next", "Next read"),
    ]

    def __init__(self):
        super().__init__()
        self.meter: readings.MeterInfo | None = None
        self.saved = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="rd"):
            for wid, label, length, restrict in (("rd-meter", "Meter / account", 24, None),
                                                 ("rd-date", "Read date", 10, r"[0-9\-]*"),
                                                 ("rd-reading", "Reading", 10, r"[0-9,]*")):
                with Horizontal(classes="rd-row"):
                    yield Label(label, classes="rd-label")
                    yield Input(id=wid, max_length=length, restrict=restrict, compact=True, select_on_focus=True)
            yield Static("", id="rd-meter-info")
            yield Static("", id="rd-result")

    def on_mount(self) -> None:
        self.query_one("#rd-date", Input).value = self.app.today().isoformat()
        self.query_one("#rd-meter", Input).focus()

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        wid = event.input.id
        if wid == "rd-meter":
            self.app.hold_keys()  # keys typed ahead belong to the Reading field once the meter is found
            try:
                await self.find(event.value)
            finally:
                self.app.call_after_refresh(self.app.release_keys)
        elif wid == "rd-date":
            self.query_one("#rd-reading", Input).focus()
        else:
            await self.action_post()

    async def find(self, text: str) -> None:
        info = await self.try_core(readings.find_meter, text)
        if info is not None:
            self.meter = info
            last = f"last read {info.last_reading:,} on {info.last_read_on}" if info.last_read_on else "no reads yet"
            self.query_one("#rd-meter-info", Static).update(stored(
                f"Meter {info.serial} {info.size} {info.unit}, {info.dials} dials  {info.account_number}  "
                f"{info.address}\n{last}", multiline=True, no_wrap=True, overflow="ellipsis"))
            self.query_one("#rd-reading", Input).focus()

    async def action_post(self) -> None:
        if self.saved:
            return
        if self.meter is None:
            self.set_status("Meter: type the meter or account number and Enter", error=True)
            self.query_one("#rd-meter", Input).focus()
            return
        row = await self.try_core(enter, self.app.user, self.meter.meter_id, self.val("rd-date"),
                                    self.val("rd-reading"))
        if row is None:
            return
        self.saved = True
        usage = "first read of the meter" if row.usage is None else f"usage {row.usage:,} {self.meter.unit}"
        text = Text(f"Saved: {row.reading:,} on {row.read_on}, {usage}.")
        if row.status == "exception":
            text.append(stored(f"\n{row.flag.upper()}: {row.flag_reason}. It waits in the exceptions list.",
                               multiline=True, style="bold"))
        self.query_one("#rd-result", Static).update(text)
        self.set_status("F6 for the next read")

    def action_next(self) -> None:
        self.meter = None
        self.saved = False
        for wid in ("rd-meter", "rd-reading"):
            self.query_one(f"#{wid}", Input).value = ""
        self.query_one("#rd-meter-info", Static).update("")
        self.query_one("#rd-result", Static).update("")
        self.query_one("#rd-meter", Input).focus()
        self.clear_status()
