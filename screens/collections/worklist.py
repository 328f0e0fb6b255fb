"""The collections worklist (the day's steps, ``ubtui.collections.worklist``) and the payment-plan form.

The worklist shows, for every account past due, what today brings: who gets which notice,
who is on the shut-off list, who is protected and why, who waits and for what; the lines
above the table count the accounts and amounts of each step.  1-7 show one step (0 all),
Enter opens the account, P makes a payment plan for the highlighted account, A lists the
pending appeals (record, decide: ``screens.collections.appeals``), R sends the
day's letters (after a Y/N question; PDF and mail-merge CSV in the data folder's
``letters``), D orders the disconnects of the shut-off list (supervisors; asks first).
Every rule lives in the core: the screen only shows what it returns."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.form import ActionForm, Field, data_table, day_from
from screens.common.table import Col
from screens.common.text import cell
from ubtui import collections
from ubtui.errors import InputError
from ubtui.money import format_cents
from ubtui.security import has_permission
from ubtui.text import counted

ACTION_SHORT = {"shutoff": "SHUT-OFF", "final": "final notice", "notice": "15-day notice", "reminder": "reminder",
                "plan_broken": "plan broken", "ordered": "ordered", "protected": "protected", "wait": "waiting"}
FILTERS = ("shutoff", "final", "notice", "reminder", "protected", "wait", "ordered")  # keys 1-7
# 80 wide; name and reason take what a wider terminal adds, and wrap rather than being cut
COLUMNS = (Col("Account", 9), Col("Name", 13, grow=2), Col("Past due", 10, right=True), Col("Step", 13),
           Col("Why / when", 24, grow=1))
MANAGE = {"run", "disconnects"}
PAGE_ROWS = 500  # table rows added at a time (see CollectionsScreen.add_rows)


def letters_folder():
    from ubtui.config import data_dir

    folder = data_dir() / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_letters(user, today):
    """(DB thread) the day's letters to ``<data dir>/letters/notices-<date>.pdf`` and ``.csv``."""
    folder = letters_folder()
    stem = f"notices-{today.isoformat()}"
    return collections.run_notices(user, today, pdf=folder / f"{stem}.pdf", csv=folder / f"{stem}.csv")


def summary_lines(wl) -> list[str]:
    """Two lines: accounts and amounts of each step."""
    c = wl.counts()

    def part(action: str, label: str) -> str:
        n, cents = c[action]
        return f"{label} {n} {format_cents(cents)}"

    first = "  ".join(part(a, t) for a, t in (("shutoff", "Shut-off"), ("final", "Final"), ("notice", "15-day"),
                                              ("reminder", "Reminder")))
    second = "  ".join(part(a, t) for a, t in (("protected", "Protected"), ("wait", "Waiting"),
                                               ("ordered", "Ordered"), ("plan_broken", "Plan broken")))
    if wl.closed:
        second += f"  Office closed: {wl.closed}"
    return [first, second]


class CollectionsScreen(BaseScreen):
    TITLE_TEXT = "Collections worklist"
    CSS_PATH = "worklist.tcss"
    HELP_TEXT = ("Each account past due and its step today: shut-off list, final notice, 15-day notice, reminder, "
                 "protected (and why) or waiting (and for what).  1-7 show one step, 0 all.  Enter opens the "
                 "account; P makes a payment plan for it; A lists the pending appeals.  R sends today's letters "
                 "(asks first; a second run the same day sends nothing); D orders the disconnects of the shut-off "
                 "list (asks first).")
    BINDINGS = [
        key_binding("refresh", "refresh"),
        letter_binding("r", "run", "Send letters", id="collections.run"),
        letter_binding("d", "disconnects", "Disconnects", id="collections.disconnects"),
        letter_binding("p", "plan", "Plan", id="collections.plan"),
        letter_binding("a", "appeals", "Appeals", id="collections.appeals"),
        *(letter_binding(str(i + 1), f"only('{a}')", f"Only {a}", show=False, id=f"collections.only_{a}")
          for i, a in enumerate(FILTERS)),
        letter_binding("0", "only('')", "All", show=False, id="collections.all"),
    ]

    def __init__(self):
        super().__init__()
        self.wl = None
        self.rows: list = []
        self.filled = 0  # how many of self.rows the table holds
        self.only = ""
        self.busy = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="counts")
        yield data_table("worklist", COLUMNS)

    def on_mount(self) -> None:
        self.query_one("#worklist", DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "run" and not has_permission(self.app.user, "collections.manage"):
            return False
        if action == "disconnects" and not has_permission(self.app.user, "collections.disconnect"):
            return False
        if action == "plan" and not has_permission(self.app.user, "plan.create"):
            return False
        return True

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="collections-load")
    async def load(self) -> None:
        wl = await self.app.try_db(collections.worklist, self.app.user, self.app.today())
        if wl is not None:
            self.show(wl)

    def show(self, wl) -> None:
        self.wl = wl
        self.query_one("#counts", Static).update("\n".join(summary_lines(wl)))
        self.fill()

    def fill(self) -> None:
        self.rows = [d for d in self.wl.items if not self.only or d.action == self.only]
        self.query_one("#worklist", DataTable).clear()
        self.filled = 0
        self.add_rows()

    def add_rows(self) -> None:
        """The next ``PAGE_ROWS`` lines into the table: a district's 236,000 lines at once held
        the screen for a minute (each table row costs the app about 0.2 ms); the counts above
        are of all of them, and reaching the last row shown adds the next ones."""
        table = self.query_one("#worklist", DataTable)
        for d in self.rows[self.filled:self.filled + PAGE_ROWS]:
            why = d.why or (f"since {d.shutoff_on:%m/%d}" if d.shutoff_on and d.action == "shutoff" else "")
            table.add_row(d.number, cell(d.name),
                          Text(format_cents(d.past_due_cents), justify="right"),
                          Text(ACTION_SHORT[d.action], style="bold" if d.action == "shutoff" else ""),
                          cell(why), key=str(d.account_id))
        self.filled = table.row_count
        if self.filled < len(self.rows):
            self.set_status(f"first {self.filled:,} of {len(self.rows):,} lines: the last one shows more")

    @on(DataTable.RowHighlighted, "#worklist")
    def more_at_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.filled - 1 and self.filled < len(self.rows):
            self.add_rows()
            if self.filled >= len(self.rows):
                self.set_status(f"all {len(self.rows):,} lines shown")

    def action_only(self, action: str) -> None:
        if self.wl is not None:
            self.only = action
            self.fill()
            shown = "all steps" if not self.only else ACTION_SHORT[self.only]
            self.set_status(f"{counted(len(self.rows), 'account')} shown ({shown}); 1-7 one step, 0 all")

    def current(self):
        table = self.query_one("#worklist", DataTable)
        if not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#worklist")
    def open_account(self, event: DataTable.RowSelected) -> None:
        if not 0 <= event.cursor_row < len(self.rows):
            return
        try:
            from screens.accounts.inquiry import InquiryScreen
        except ImportError:
            from screens.accounts.actions import AccountActionsScreen as InquiryScreen
        self.app.push_screen(InquiryScreen(self.rows[event.cursor_row].account_id))

    def action_appeals(self) -> None:
        from screens.collections.appeals import AppealsScreen

        self.app.push_screen(AppealsScreen(), lambda _: self.load())

    # --- payment plan --------------------------------------------------------------------------
    def action_plan(self) -> None:
        d = self.current()
        if d is None:
            self.set_status("no account highlighted", error=True)
            return
        self.app.hold_keys()  # what is typed while the account is read belongs to the form
        self.open_plan(d.account_id)

    @work(exclusive=True, group="collections-plan")
    async def open_plan(self, account_id: int) -> None:
        from screens.common.form import load_context

        def read(user, today):
            return load_context(user, account_id, today), PaymentPlanScreen.prepare(user, account_id)

        def done(message: str | None) -> None:
            if message:
                self.set_status(message)
                self.load()

        try:
            got = await self.app.try_db(read, self.app.user, self.app.today())
            if got is not None:
                self.app.push_screen(PaymentPlanScreen(got[0], **got[1]), done)
        finally:
            self.app.call_after_refresh(self.app.release_keys)

    # --- letters and disconnects ---------------------------------------------------------------
    def ask_then(self, question: str, detail: str, then) -> None:
        """Y/N first; on Y (and nothing running) start ``then``."""
        from screens.common.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes and not self.busy:
                self.busy = True
                then()

        self.app.push_screen(ConfirmScreen(question, detail), answered)

    def action_run(self) -> None:
        if self.wl is None or self.busy:
            return
        c = self.wl.counts()
        due = sum(c[a][0] for a in collections.SEND_STEPS)
        if not due:
            self.set_status("no letter is due today")
            return
        self.ask_then(f"Send {counted(due, 'letter')} for today?",
                      "Y sends them (PDF and mail-merge CSV), N does not.", self.run_letters)

    @work(exclusive=True, group="collections-run")
    async def run_letters(self) -> None:
        self.set_status("sending letters...")
        result = await self.app.try_db(run_letters, self.app.user, self.app.today())
        self.busy = False
        if result is not None:
            parts = [f"{n} {step.replace('_', ' ')}" for step, n in result.sent.items() if n]
            text = (", ".join(parts) or "no new letter") + f": {result.pdf}"
            if not result.unicode_font:
                text += " (no Unicode font: accents folded)"
            self.set_status(text)
            self.load()

    def action_disconnects(self) -> None:
        due = [d for d in (self.wl.items if self.wl else []) if d.action == "shutoff"]
        if not due:
            self.set_status("nobody is on today's shut-off list")
            return
        self.ask_then(f"Order {counted(len(due), 'disconnect')}?", "Y orders them, N does not.",
                      self.disconnects)

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


def _whole(text: str, field: str) -> int:
    t = (text or "").strip()
    if not t.isdigit():
        raise InputError(field, "type a whole number")
    return int(t)


class PaymentPlanScreen(ActionForm):
    """A payment arrangement: instalments of the balance (or the amount typed) from a first due date."""

    TITLE_TEXT = "Payment plan"
    INTRO = ("Instalments of the balance; while the customer keeps them the account stays off the shut-off "
             "list.  The confirmation letter is logged and printed to the letters folder.")

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        return {"plan": collections.plan_summary(account_id)}

    def extra_lines(self) -> list[str]:
        plan = self.options.get("plan") if self.options else ""
        return [plan or "No payment plan on this account."]

    def fields(self) -> list[Field]:
        return [
            Field("count", "Instalments", "3", 2, r"[0-9]*", "How many payments (at most 12)."),
            Field("first", "First due", "+14", 10, r"[0-9+\-]*", "YYYY-MM-DD or +days from today."),
            Field("every", "Every", "30", 2, r"[0-9]*", "Days between instalments (7 to 31)."),
            Field("amount", "Amount", "", 14, r"[0-9$,.]*", "Empty: the whole balance; at least what is past due."),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        today = self.app.today()
        count = _whole(v["count"], "Instalments")
        first = day_from(v["first"], "First due", today)
        every = _whole(v["every"], "Every")
        total = self.amount(v["amount"], "Amount") if v["amount"].strip() else None
        pdf = letters_folder() / f"plan-{self.ctx.number}-{today.isoformat()}.pdf"
        new = collections.create_plan(user, self.ctx.account_id, instalments=count, first_due=first,
                                      every_days=every, total_cents=total, as_of=today, pdf=pdf)
        return (f"payment plan {format_cents(new.plan.total_cents)} in {count}, first "
                f"{format_cents(new.schedule[0][1])} due {first:%m/%d/%Y}; letter {pdf.name}")
