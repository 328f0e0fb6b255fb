"""The district's work order queue (main menu W), most urgent and oldest first.

The filter line on top narrows it by kind, status, crew, route and date
(``kind:reread crew:north_2 date:+1``; Enter applies it, F4 lists the words it takes); the
line under the table counts what matches by status.  On the table: Enter or C completes the
highlighted order (its form asks what its kind needs: a reread's read, a meter test's
result, the meter an exchange or install sets), X cancels it, D assigns it to a crew for a
day (again: reschedules), A opens its account, P writes its crew's field sheet for its day
and T the door tag of its account (PDF and text, in the exports folder); R lists the rebills
and adjustments completed orders proposed (approve or reject); F4 goes to the filter line.  The
footer (80 columns) shows F4, C, D, X and R; F1 lists them all.  New orders are made from an
account (its actions, W)."""
from __future__ import annotations

import re

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.form import LookupScreen, data_table
from screens.common.text import line
from screens.service.actions import AssignWorkOrderScreen, CancelWorkOrderScreen, CompleteWorkOrderScreen
from ubtui import workorders
from ubtui.errors import UbtuiError
from ubtui.text import counted

# 80 wide: eight columns and their gaps; address and crew take what a wider terminal adds
COLUMNS = (("Number", 9), ("Kind", 12, 1), ("Status", 8), ("Pri", 4), ("Crew", 8, 1), ("Rte", 3),
           ("Address", 14, 2), ("Sched", 5))
LETTER_ACTIONS = ("close_order", "account", "print_sheet", "print_tag", "proposals")


def _short_day(day) -> str:
    return day.strftime("%m-%d") if day else ""


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:24] or "crew"


def _write_both(name: str, pdf_of, text_of, thing) -> str:
    """(DB thread) ``thing`` as ``<exports>/<name>.pdf`` and ``.txt``; returns the path without suffix."""
    from ubtui.config import data_dir
    folder = data_dir() / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / name
    pdf_of(thing, base.with_suffix(".pdf"))
    base.with_suffix(".txt").write_text(text_of(thing), encoding="utf-8")
    return str(base)


def write_sheet(user, crew: str, day) -> str:
    """(DB thread) the crew's field sheet for the day as PDF and text in the exports folder."""
    from ubtui import fieldsheets
    sheet = fieldsheets.field_sheet(user, crew, day)
    base = _write_both(f"fieldsheet-{_file_part(crew)}-{day.isoformat()}", fieldsheets.sheet_pdf,
                       fieldsheets.sheet_text, sheet)
    return f"field sheet of {counted(len(sheet.stops), 'stop')}: {base}.pdf and .txt"


def write_tag(user, work_order_id: int, number: str) -> str:
    """(DB thread) the door tag of the order's account as PDF and text in the exports folder."""
    from ubtui import fieldsheets
    tag = fieldsheets.door_tag(user, work_order_id)
    base = _write_both(f"doortag-{number}", fieldsheets.door_tag_pdf, fieldsheets.door_tag_text, tag)
    return f"door tag: {base}.pdf and .txt"


class WorkOrdersScreen(BaseScreen):
    TITLE_TEXT = "Work order queue"
    CSS_PATH = "workorders.tcss"
    HELP_TEXT = ("The filter line takes kind:, status:, crew:, route: and date: words (kind:reread "
                 "crew:north_2 date:+1; status:all shows done and cancelled too); Enter applies it, F4 "
                 "lists the words.  On the table: Enter or C completes the highlighted order, X cancels "
                 "it, D assigns it to a crew (or reschedules it), A opens its account, P writes its "
                 "crew's field sheet for its day, T its door tag (PDF and text in the exports folder); "
                 "R lists what completed orders proposed (approve, reject); F4 goes back to the filter line.")
    BINDINGS = [
        # the footer (80 columns) shows what a dispatcher uses most; F1 lists the rest
        key_binding("lookup", "lookup", "Filter"),
        letter_binding("c", "close_order('complete')", "Complete", id="workorders.complete"),
        letter_binding("d", "close_order('assign')", "Dispatch", id="workorders.assign"),
        letter_binding("x", "close_order('cancel')", "Cancel", id="workorders.cancel"),
        letter_binding("r", "proposals", "Proposals", id="workorders.proposals"),
        letter_binding("p", "print_sheet", "Sheet", id="workorders.sheet", show=False),
        letter_binding("t", "print_tag", "Door tag", id="workorders.tag", show=False),
        letter_binding("a", "account", "Account", id="workorders.account", show=False),
        key_binding("refresh", "refresh", show=False),
    ]

    def __init__(self):
        super().__init__()
        self.rows: list = []
        self.crews: list[str] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="orders-filter-row"):
            yield Label("Filter", id="orders-filter-label")
            yield Input(id="orders-filter", placeholder="kind: status: crew: route: date:  (Enter applies, F4 lists)",
                        max_length=120, compact=True, select_on_focus=False)
        yield data_table("orders-table", COLUMNS)
        yield Static("", id="orders-count")

    def on_mount(self) -> None:
        self.query_one("#orders-table", DataTable).focus()
        self.load()

    def on_key(self, event) -> None:
        """A printable key that is no command, typed on the list, goes to the filter line with
        the keys after it, as one more word of the filter (a dispatcher typing "kind:leak" on
        opening the queue filters it; the command letters stay commands)."""
        table = self.query_one("#orders-table", DataTable)
        if self.focused is table and event.is_printable and event.character and not event.character.isspace():
            event.stop()
            event.prevent_default()
            box = self.query_one("#orders-filter", Input)
            self.set_focus(box)  # at once: the keys typed after this one land there too
            box.cursor_position = len(box.value)
            box.insert_text_at_cursor(("" if not box.value or box.value.endswith(" ") else " ") + event.character)

    def check_action(self, action: str, parameters) -> bool | None:
        if action in LETTER_ACTIONS and isinstance(self.focused, Input):
            return False  # letters typed into the filter line are text
        return True

    def action_refresh(self) -> None:
        self.load()

    @on(Input.Submitted, "#orders-filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.load(focus_table=True)

    @work(exclusive=True, group="workorders-load")
    async def load(self, focus_table: bool = False) -> None:
        text = self.query_one("#orders-filter", Input).value
        today = self.app.today()

        def read(user):
            flt = workorders.parse_queue_filter(text, today)
            return workorders.work_order_queue(user, flt), workorders.known_crews(user)

        try:
            queue, crews = await self.run_core(read, self.app.user)
        except UbtuiError as e:
            self.app.show_error(e)
            self.query_one("#orders-filter", Input).focus()
            return
        self.rows, self.crews = queue.rows, crews
        table = self.query_one("#orders-table", DataTable)
        table.clear()
        for o in queue.rows:
            table.add_row(o.number, o.kind.replace("_", " "), o.status,
                          o.priority[:4], line(o.crew), line(o.route), line(o.address), _short_day(o.scheduled_on),
                          key=str(o.work_order_id))
        flt = queue.filter.text()
        self.query_one("#orders-count", Static).update(
            line(queue.summary() + (f"  [{flt}]" if flt else "")))
        if focus_table:
            table.focus()

    def action_lookup(self) -> None:
        box = self.query_one("#orders-filter", Input)
        if self.focused is not box:
            self.set_focus(box)  # at once: an F4 typed next lists the words
            return
        words = ([(f"kind:{k}", k.replace("_", " ")) for k in workorders.WORK_ORDER_KINDS]
                 + [(f"status:{s}", "") for s in workorders.QUEUE_STATUSES + ("all",)]
                 + [(f"crew:{c.replace(' ', '_')}", c) for c in self.crews]
                 + sorted({(f"route:{o.route}", "") for o in self.rows if o.route})
                 + [("date:+0", "scheduled today"), ("date:+1", "scheduled tomorrow")])

        def chosen(word: str | None) -> None:
            if word is None:
                return
            key = word.split(":", 1)[0]
            kept = [w for w in box.value.split() if not w.startswith(key + ":")]
            box.value = " ".join([*kept, word])
            box.cursor_position = len(box.value)
            self.load()

        self.app.push_screen(LookupScreen("Filter by", tuple(words)), chosen)

    def current(self):
        row = self.query_one("#orders-table", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowSelected, "#orders-table")
    def selected(self, event: DataTable.RowSelected) -> None:
        self.action_close_order("complete")

    def action_close_order(self, how: str) -> None:
        o = self.current()
        if o is None:
            self.set_status("no work order chosen", error=True)
            return
        if o.status not in workorders.ACTIVE:
            self.set_status(f"work order {o.number} is already {o.status}", error=True)
            return
        form = {"complete": CompleteWorkOrderScreen, "cancel": CancelWorkOrderScreen,
                "assign": AssignWorkOrderScreen}[how]
        self.app.push_screen(form(None, orders=[o], number=o.number), self.form_done)

    def form_done(self, message: str | None) -> None:
        if message:
            self.set_status(message)
            self.load()

    def action_account(self) -> None:
        from screens.accounts.actions import AccountActionsScreen

        o = self.current()
        if o is None or o.account_id is None:
            self.set_status("this work order names no account", error=True)
            return
        self.app.push_screen(AccountActionsScreen(o.account_id))

    def action_proposals(self) -> None:
        from screens.billing.proposals import ProposalsScreen

        self.app.push_screen(ProposalsScreen())

    def action_print_sheet(self) -> None:
        o = self.current()
        if o is None or not o.crew or o.scheduled_on is None:
            self.set_status("a field sheet is of a crew's day: choose an assigned order (D assigns)", error=True)
            return
        self.write(write_sheet, o.crew, o.scheduled_on)

    def action_print_tag(self) -> None:
        o = self.current()
        if o is None:
            self.set_status("no work order chosen", error=True)
            return
        self.write(write_tag, o.work_order_id, o.number)

    @work(exclusive=True, group="workorders-print")
    async def write(self, fn, *args) -> None:
        self.set_status("writing...")
        message = await self.app.try_db(fn, self.app.user, *args)
        if message is not None:
            self.set_status(message)
