"""The collections worklist: delinquent accounts worst first (``ubtui.collections``).

Enter opens the account; R prints the reminder letters and S the shut-off notices to a PDF
in the data folder's ``letters`` (the path shows in the status line); D orders the
disconnects after a Y/N question.  Letters and disconnects need ``collections.manage``; their
keys are hidden from users without it (the core checks anyway)."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.actions_form import data_table
from screens.base import BaseScreen, key_binding, letter_binding
from screens.text import line
from ubtui import collections
from ubtui.money import format_cents
from ubtui.security import has_permission

STEP_TEXT = {"reminder": "reminder", "shutoff_notice": "shut-off", "disconnect": "disconnect"}
COLUMNS = (("Account", 10), ("Name", 13), ("Past due", 10), ("90+", 10), ("Step", 10), ("Note", 13))  # 80 wide
EXEMPT_TEXT = {"medical certificate": "medical cert.", "do not disconnect": "no disconnect"}
MANAGE = {"letters", "disconnects"}


def write_letters(user, kind: str, today):
    """(DB thread) ``<data dir>/letters/<kind>-<date>.pdf``; returns (path, count)."""
    from ubtui.config import data_dir

    folder = data_dir() / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    return collections.send_letters(user, kind, folder / f"{kind}-{today.isoformat()}.pdf", today)


def note_of(d) -> str:
    if d.exempt:
        return EXEMPT_TEXT.get(d.exempt, d.exempt)
    if d.open_disconnect:
        return "disc. ordered"
    return ""


class CollectionsScreen(BaseScreen):
    TITLE_TEXT = "Collections worklist"
    CSS_PATH = "actions_collections.tcss"
    HELP_TEXT = ("Accounts 30+ days past due, worst first.  Enter opens the account.  R prints the "
                 "reminder letters, S the shut-off notices (PDF); D orders the disconnects (asks first).")
    BINDINGS = [
        key_binding("refresh", "refresh"),
        letter_binding("r", "letters('reminder')", "Reminders", id="collections.reminders"),
        letter_binding("s", "letters('shutoff_notice')", "Shut-off", id="collections.shutoff"),
        letter_binding("d", "disconnects", "Disconnects", id="collections.disconnects"),
    ]

    def __init__(self):
        super().__init__()
        self.rows: list = []
        self.busy = False

    def compose_body(self) -> ComposeResult:
        yield data_table("worklist", COLUMNS)
        yield Static("", id="totals")

    def on_mount(self) -> None:
        self.query_one("#worklist", DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters) -> bool | None:
        if action in MANAGE and not has_permission(self.app.user, "collections.manage"):
            return False
        return True

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="collections-load")
    async def load(self) -> None:
        rows = await self.app.try_db(collections.delinquency_list, self.app.user, self.app.today())
        if rows is not None:
            self.show(rows)

    def show(self, rows: list) -> None:
        self.rows = rows
        table = self.query_one("#worklist", DataTable)
        table.clear()
        for d in rows:
            table.add_row(d.number, line(d.name),
                          Text(format_cents(d.past_due_cents), justify="right"),
                          Text(format_cents(d.aging["90+"]), justify="right"), STEP_TEXT.get(d.step, d.step),
                          note_of(d), key=str(d.account_id))
        counts = {s: sum(1 for d in rows if d.step == s) for s in STEP_TEXT}
        total = sum(d.past_due_cents for d in rows)
        self.query_one("#totals", Static).update(
            f"{len(rows)} accounts, {format_cents(total)} past due: {counts['reminder']} reminder, "
            f"{counts['shutoff_notice']} shut-off, {counts['disconnect']} disconnect")

    @on(DataTable.RowSelected, "#worklist")
    def open_account(self, event: DataTable.RowSelected) -> None:
        if not 0 <= event.cursor_row < len(self.rows):
            return
        account_id = self.rows[event.cursor_row].account_id
        try:
            from screens.inquiry import InquiryScreen
        except ImportError:
            from screens.actions import AccountActionsScreen as InquiryScreen
        self.app.push_screen(InquiryScreen(account_id))

    # --- letters and disconnects ---------------------------------------------------------------
    def action_letters(self, kind: str) -> None:
        if not self.busy:
            self.busy = True
            self.letters(kind)

    @work(exclusive=True, group="collections-letters")
    async def letters(self, kind: str) -> None:
        what = "reminder letters" if kind == "reminder" else "shut-off notices"
        self.set_status(f"writing {what}...")
        done = await self.app.try_db(write_letters, self.app.user, kind, self.app.today())
        self.busy = False
        if done is not None:
            path, count = done
            self.set_status(f"{count} {what} in {path}")

    def action_disconnects(self) -> None:
        from screens.confirm import ConfirmScreen

        due = [d for d in self.rows if d.step == "disconnect" and not d.exempt and not d.open_disconnect
               and d.status == "active"]
        if not due:
            self.set_status("no account is due a disconnect order")
            return

        def answered(yes: bool | None) -> None:
            if yes and not self.busy:
                self.busy = True
                self.disconnects()

        self.app.push_screen(ConfirmScreen(f"Order {len(due)} disconnect{'s' if len(due) != 1 else ''}?",
                                           "Y orders them, N does not."), answered)

    @work(exclusive=True, group="collections-disconnects")
    async def disconnects(self) -> None:
        run = await self.app.try_db(collections.order_disconnects, self.app.user, self.app.today())
        self.busy = False
        if run is not None:
            orders = run.ordered
            numbers = ", ".join(o.number for o in orders[:3]) + (" ..." if len(orders) > 3 else "")
            text = f"{len(orders)} disconnect orders: {numbers}" if orders else "no disconnect ordered"
            if run.skipped:
                text += f"; {len(run.skipped)} skipped ({run.skipped[0][0]}: {run.skipped[0][1]})"
            self.set_status(text)
            self.load()
