"""Appeals: the pending ones listed (``ubtui.collections.pending_appeals``), recorded and decided.

A pending appeal keeps the account off the shut-off list.  Whoever takes the customer's word
records it (account, the day it was received, what the customer contests); a supervisor
decides it, upheld or denied, with a note.  The list opens from the collections worklist (A);
on an account, J on its actions records an appeal or, when one is pending, decides it.
F6 records one for an account typed; D or Enter decides the highlighted one.  Every rule
(permissions, audit, dates) lives in the core: the screens only show what it returns."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.form import ActionForm, Field, data_table, day_from, load_context
from screens.common.text import line
from ubtui import collections
from ubtui.accounts import get_account
from ubtui.errors import InputError, NotFound
from ubtui.security import has_permission
from ubtui.text import counted

COLUMNS = (("Account", 9), ("Name", 16), ("Received", 10), ("Days", 4), ("Reason", 31))  # 80 wide
DECISIONS = (("upheld", "the customer was right: correct the bill"), ("denied", "the notices stand"))


class AppealScreen(ActionForm):
    """Record an appeal (of the account shown, or of an account typed), or decide the pending
    one (``pending``: a ``collections.Appeal``)."""

    TITLE_TEXT = "Appeal"
    INTRO = ("While an appeal is pending the account stays off the shut-off list.  A supervisor "
             "decides it: upheld or denied, with a note.")

    def __init__(self, ctx=None, **options):
        super().__init__(ctx, **options)
        self.pending = options.get("pending")
        self.TITLE_TEXT = "Decide an appeal" if self.pending else "Record an appeal"

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        got = collections.pending_appeals(user, account_id=account_id)
        return {"pending": got[0] if got else None}

    def extra_lines(self) -> list[str]:
        a = self.pending
        if a is None:
            return ["No appeal pending on this account." if self.ctx else "The account, the day, the reason."]
        return [f"Received {a.opened_on:%m/%d/%Y} ({a.days} days): {a.note}"]

    def fields(self) -> list[Field]:
        if self.options.get("pending"):
            return [Field("decision", "Decision", "", 6, r"[A-Za-z]*", "Upheld or denied (U or D).",
                          choices=DECISIONS),
                    Field("note", "Note", "", 200, None, "Why: what was found.")]
        head = [] if self.ctx is not None else [
            Field("account", "Account", "", 12, r"[0-9\- ]*", "The account number (check digit optional).")]
        return head + [Field("received", "Received", "", 10, r"[0-9\-]*", "YYYY-MM-DD; empty: today."),
                       Field("reason", "Reason", "", 200, None, "What the customer contests.")]

    def perform(self, user, v: dict[str, str]) -> str:
        today = self.app.today()
        if self.pending is not None:
            decision = v["decision"].strip().lower()
            decision = {"u": "upheld", "d": "denied"}.get(decision, decision)
            collections.decide_appeal(user, self.pending.hold_id, decision, v["note"], as_of=today)
            return f"appeal of {self.pending.number} {decision}: the account is no longer protected by it"
        if self.ctx is not None:
            account_id, number = self.ctx.account_id, self.ctx.number
        else:
            if not v["account"].strip():
                raise InputError("Account", "type the account number")
            try:
                acct = get_account(v["account"])
            except NotFound:
                raise InputError("Account", f"no account {v['account'].strip()}") from None
            account_id, number = acct.id, v["account"].strip()
        received = day_from(v["received"], "Received", today, required=False) or today
        collections.open_appeal(user, account_id, v["reason"], as_of=today, opened_on=received)
        return f"appeal recorded on {number}: off the shut-off list until it is decided"


class AppealsScreen(BaseScreen):
    TITLE_TEXT = "Appeals pending"
    HELP_TEXT = ("The appeals not yet decided, oldest first; each keeps its account off the shut-off list.  "
                 "F6 records an appeal (account, day received, reason).  D or Enter decides the highlighted "
                 "one (supervisors): upheld or denied, with a note.  F5 reads the list again.")
    BINDINGS = [
        key_binding("refresh", "refresh"),
        key_binding("new", "record", "Record"),
        letter_binding("d", "decide", "Decide", id="appeals.decide"),
    ]

    def __init__(self):
        super().__init__()
        self.rows: list = []
        self.opening = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="appeals-count")
        yield data_table("appeals", COLUMNS)

    def on_mount(self) -> None:
        self.query_one("#appeals", DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "decide" and not has_permission(self.app.user, "collections.manage"):
            return False
        if action == "record" and not has_permission(self.app.user, "contact.add"):
            return False
        return True

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="appeals-load")
    async def load(self) -> None:
        rows = await self.app.try_db(collections.pending_appeals, self.app.user, self.app.today())
        if rows is not None:
            self.show(rows)

    def show(self, rows) -> None:
        self.rows = rows
        n = len(rows)
        self.query_one("#appeals-count", Static).update(
            f"{counted(n, 'appeal')} pending" + (f"; oldest {rows[0].days} days" if rows else ""))
        table = self.query_one("#appeals", DataTable)
        table.clear()
        for a in rows:
            table.add_row(a.number, line(a.name), f"{a.opened_on:%m/%d/%Y}", Text(str(a.days), justify="right"),
                          line(a.note), key=str(a.hold_id))

    def done(self, message: str | None) -> None:
        if message:
            self.set_status(message)
        self.load()

    def action_record(self) -> None:
        self.app.push_screen(AppealScreen(), self.done)

    @on(DataTable.RowSelected, "#appeals")
    def selected(self, event: DataTable.RowSelected) -> None:
        self.action_decide()

    def action_decide(self) -> None:
        if not has_permission(self.app.user, "collections.manage"):
            self.set_status("a supervisor decides appeals", error=True)
            return
        table = self.query_one("#appeals", DataTable)
        if not 0 <= table.cursor_row < len(self.rows) or self.opening:
            if not self.rows:
                self.set_status("no appeal pending", error=True)
            return
        self.opening = True
        self.app.hold_keys()  # what is typed while the account is read belongs to the form
        self.open_decision(self.rows[table.cursor_row])

    @work(exclusive=True, group="appeals-open")
    async def open_decision(self, appeal) -> None:
        try:
            ctx = await self.app.try_db(load_context, self.app.user, appeal.account_id, self.app.today())
            if ctx is not None:
                self.app.push_screen(AppealScreen(ctx, pending=appeal), self.done)
        finally:
            self.opening = False
            self.app.call_after_refresh(self.app.release_keys)
