"""Account inquiry: the header (who, where, balance with aging, alerts) and six panes.

Keys: 1 transactions, 2 bills, 3 consumption, 4 payments, 5 work orders, 6 contact log, 7 changes
(who changed which details, from the audit trail);
Enter on a bill shows its lines, on a contact, a change or a read its whole text (the line under
those panes shows a few wrapped rows of it and says "Enter: all" when there is more); F6 adds a contact-log entry; F7 takes a payment (when the
cashiering screens are installed); C / P export the history of the pane (usage on the
consumption pane, transactions elsewhere) to CSV / PDF; F5 reloads.

Letters that write (C, P) or lead to forms (A) fire only when typed twice in a row ("CC"):
the first one says what the second will do, any other key cancels (and is not used).  Stray
typing meant for a form that has closed cannot export or open one; the pane digits, which
only show, stay single keys.  Every read runs in the
database thread; the transactions pane loads 100 rows at a time as the cursor nears the end."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, DataTable, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.table import Col, FitTable
from screens.common.text import Preview, cells, line, stored, wrapped
from screens.common.view import TextViewScreen
from ubtui import inquiry
from ubtui.money import format_cents
from ubtui.text import counted, safe_text

# short labels: the seven tabs fit one line of 80 columns
PANES = (("tx", "Transactions"), ("bills", "Bills"), ("usage", "Usage"), ("payments", "Payments"),
         ("orders", "Orders"), ("contacts", "Contacts"), ("changes", "Changes"))
PAGE = 100
BAR_WIDTH = 16
WHOLE = 64  # a reference is shown whole: the column wraps it


def money(cents: int) -> Text:
    return Text(format_cents(cents), justify="right")


def short_date(d) -> str:
    return d.isoformat() if d else ""


def usage_bar(usage: int | None, largest: int, width: int = BAR_WIDTH) -> str:
    """A text bar: ``usage`` as a share of ``largest`` in ``width`` cells (at least one when > 0)."""
    if not usage or usage <= 0 or largest <= 0:
        return ""
    return "#" * max(1, round(width * usage / largest))


# characters of a change in its table row: about three lines of the What column at 80 columns
# (a name, street and ZIP changed at once read whole; a 1,000-character premise note would
# fill the pane and hide every other change)
CHANGE_CELL = 150


def follow_up_cell(r) -> str:
    """The contact's follow-up: its date, "done" once done."""
    if not r.follow_up_on:
        return ""
    return "done" if r.follow_up_done else r.follow_up_on.isoformat()


def packed(parts: list[str], width: int, sep: str = "; ") -> str:
    """``parts`` joined by ``sep``, a new line where the next one would not fit ``width``: a
    customer and their phone stay on one line (the header wraps what is longer)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return "\n".join(lines)


def change_text(r, sep: str = " | ") -> str:
    """A change of details whole: what was done, what changed, why."""
    return sep.join(p for p in (r.action, r.what, r.detail) if p)


def pane_of(table_id: str | None) -> str:
    return {"usage-table": "usage", "contacts-table": "contacts", "changes-table": "changes"}.get(
        table_id or "", table_id or "")


class PaneTable(FitTable):
    """A pane's table.  Enter pressed before the pane's rows arrived (keys typed ahead of the
    database) is kept and acted on when they do, instead of falling on an empty table."""

    def action_select_cursor(self) -> None:
        screen = self.screen
        if self.row_count == 0 and isinstance(screen, InquiryScreen) and screen.loading(self.id):
            screen.select_when_loaded = self.id or ""
            return
        super().action_select_cursor()


class InquiryScreen(BaseScreen):
    TITLE_TEXT = "Account inquiry"
    CSS_PATH = "inquiry.tcss"
    HELP_TEXT = ("1-7 switch panes (7: changes of details, who and when); Enter on a transaction shows "
                 "it in full, on a bill its lines, on a contact, change or read its whole text.  "
                 "CC / PP export this pane's history (usage or transactions) to CSV / PDF in the exports folder; "
                 "AA lists what can "
                 "be done to the account (service, work orders, refunds, transfers, autopay, customer "
                 "details, roles, flags).  These letters are typed twice so that stray typing cannot "
                 "write a file or open a form; any other key after the first cancels.  Ref on "
                 "transactions: B bill number, LF late fee of that bill, P payment, R receipt, "
                 "an account number: the other account of a transfer.")
    BINDINGS = [
        key_binding("refresh", "refresh"),
        key_binding("new", "add_contact", "Contact"),
        key_binding("pay", "pay"),
        *(Binding(str(i + 1), f"pane('{pid}')", label, show=False, priority=True, id=f"inquiry.pane{i + 1}")
          for i, (pid, label) in enumerate(PANES)),
        letter_binding("c", "twice('c', \"export('csv')\")", "CSV", id="inquiry.csv"),
        letter_binding("p", "twice('p', \"export('pdf')\")", "PDF", id="inquiry.pdf"),
        letter_binding("a", "twice('a', 'actions')", "Actions", id="inquiry.actions"),
    ]

    def __init__(self, account_id: int):
        super().__init__()
        self.account_id = account_id
        self.summary = None
        self.pane = "tx"
        self.tx_rows: list = []
        self.tx_done = False
        self.bill_rows: list = []
        self.usage = None
        self.contact_rows: list = []
        self.change_rows: list = []
        self.loaded: set[str] = set()
        self.select_when_loaded = ""  # a pane whose Enter came before its rows (type-ahead)
        self.armed = ""  # the letter typed once (C, P, A): typed again it fires

    # --- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="header"):
            yield Static("", id="h-account")
            yield Static("", id="h-customers")
            yield Static("", id="h-address")
            yield Static("", id="h-balance")
            yield Preview(3, "(more: 6)", tall_rows=5, id="h-alerts")
        yield Static(self.tabs_text(), id="tabs")
        with ContentSwitcher(initial="tx", id="panes"):
            # the columns' widths at 80 columns; those with a grow share take what a wider
            # terminal adds, and a value that does not fit wraps (screens/common/table.py)
            yield self.table("tx", ("Date", 10), ("Kind", 8), ("Description", 18, 3), Col("Ref", 10, grow=1, most=14),
                             Col("Amount", 10, right=True), Col("Balance", 10, right=True))
            yield self.table("bills", ("Bill", 9), ("Bill date", 10), ("Period from", 14), ("Usage", 5),
                             ("Kind", 7), Col("Total", 10, right=True), ("Due", 10))
            with Vertical(id="usage"):
                yield Static("", id="usage-average")
                yield self.table("usage-table", ("Period", 8), ("Read on", 10), Col("Reading", 8, right=True),
                                 Col("Usage", 6, right=True), ("", BAR_WIDTH), ("Flag", 9, 1))
                yield Preview(2, tall_rows=4, id="usage-reason")
            # receipts up to 14 characters: R00022303, DM000002031, AP261128-00001 (autopay)
            yield self.table("payments", ("Date", 10), ("Receipt", 14), Col("Amount", 10, right=True),
                             Col("Tenders", 15, grow=1, most=40), ("Channel", 8), ("Status", 8))
            yield self.table("orders", ("Number", 9), ("Kind", 12, 1), ("Status", 9), ("Requested", 10),
                             ("Done", 10), ("Instructions", 16, 2))
            with Vertical(id="contacts"):
                yield self.table("contacts-table", ("Date", 10), ("Channel", 7), ("Subject", 24, 1), ("By", 8),
                                 ("Follow-up", 10))
                yield Preview(3, tall_rows=8, id="contact-text")
            with Vertical(id="changes"):
                yield self.table("changes-table", ("When", 16), ("By", 8), ("What", 44, 1))
                yield Preview(3, tall_rows=8, id="change-text")

    @staticmethod
    def table(table_id: str, *columns) -> DataTable:
        return PaneTable(columns, id=table_id)

    def tabs_text(self) -> Text:
        out = Text()
        for i, (pid, label) in enumerate(PANES):
            style = "reverse bold" if pid == self.pane else ""
            out.append(f" {i + 1} {label} ", style=style)
        return out

    def on_mount(self) -> None:
        self.load_header()
        self.action_pane("tx")

    # --- the header ------------------------------------------------------------------------
    @work(exclusive=True, group="inquiry-header")
    async def load_header(self, panes_if_changed: bool = False) -> None:
        """The header; with ``panes_if_changed`` (back from another screen) the panes too when
        the balance or status moved meanwhile (a refund, a payment), keeping the cursor else;
        the changes pane always (a name or phone changed by a form)."""
        s = await self.app.try_db(inquiry.account_summary, self.app.user, self.account_id, as_of=self.app.today())
        if s is not None:
            before, self.summary = self.summary, s
            self.show_header(s)
            if panes_if_changed and before is not None and (
                    (before.balance_cents, before.status, before.deposit_held_cents)
                    != (s.balance_cents, s.status, s.deposit_held_cents)):
                self.loaded.clear()
                self.tx_rows, self.tx_done = [], False
                self.load_pane(self.pane)
            elif panes_if_changed:  # a details form changes no balance: the changes pane reads again
                self.loaded.discard("changes")
                if self.pane == "changes":
                    self.load_pane("changes")

    def show_header(self, s) -> None:
        meter = f"  Meter {s.meter}" if s.meter else "  No meter"
        self.query_one("#h-account", Static).update(Text.assemble(
            (s.number, "bold"), f"  {s.account_class.title()}  ", (s.status.upper().replace("_", " "), "bold"),
            line(meter), f"  {s.rate_code} cycle {s.cycle}" if s.rate_code else "", overflow="fold"))
        # one line each when they do not fit one together (a name's own line breaks are not kept)
        people = [safe_text(f"{p.name} ({p.role}){' ' + p.phone if p.phone else ''}") for p in s.customers]
        self.query_one("#h-customers", Static).update(stored(packed(people, self.app.size.width - 2),
                                                             multiline=True))
        self.query_one("#h-address", Static).update(line(f"Service: {s.service_address}"))
        a = s.aging
        self.query_one("#h-balance", Static).update(Text.assemble(
            ("Balance ", ""), (format_cents(s.balance_cents), "bold"),
            f"  Cur {format_cents(a.get('current', 0))} 30 {format_cents(a.get('30', 0))}"
            f" 60 {format_cents(a.get('60', 0))} 90+ {format_cents(a.get('90+', 0))}"
            f"  Dep {format_cents(s.deposit_held_cents)}", overflow="fold"))
        notes = list(s.alerts) + [f"follow up {d.isoformat()}: {subj}" for d, subj in s.open_followups]
        alerts = self.query_one("#h-alerts", Preview)
        alerts.show(" | ".join(notes) if notes else "No alerts")
        alerts.set_class(bool(notes), "alert")
        self.query_one("#title", Static).update(f"Account {s.number}")

    # --- panes -----------------------------------------------------------------------------
    def action_pane(self, pane: str) -> None:
        self.armed = ""
        self.pane = pane
        self.query_one("#panes", ContentSwitcher).current = pane
        self.query_one("#tabs", Static).update(self.tabs_text())
        table = {"usage": "#usage-table", "contacts": "#contacts-table", "changes": "#changes-table"}.get(pane, f"#{pane}")
        self.query_one(table, DataTable).focus()
        self.clear_status()
        if pane not in self.loaded:
            self.load_pane(pane)

    def action_refresh(self) -> None:
        self.armed = ""
        self.loaded.clear()
        self.tx_rows, self.tx_done = [], False
        self.load_header()
        self.load_pane(self.pane)
        self.set_status("reloaded")

    @work(exclusive=True, group="inquiry-pane")
    async def load_pane(self, pane: str) -> None:
        user, acct = self.app.user, self.account_id
        if pane == "tx":
            rows = await self.app.try_db(inquiry.transactions, user, acct, offset=0, limit=PAGE)
            if rows is not None:
                self.tx_rows, self.tx_done = [], False
                self.query_one("#tx", DataTable).clear()
                self.add_tx(rows)
        elif pane == "bills":
            rows = await self.app.try_db(inquiry.bills, user, acct)
            if rows is not None:
                self.show_bills(rows)
        elif pane == "usage":
            usage = await self.app.try_db(inquiry.consumption, user, acct, months=24)
            if usage is not None:
                self.show_usage(usage)
        elif pane == "payments":
            rows = await self.app.try_db(inquiry.payments, user, acct)
            if rows is not None:
                self.fill("#payments", [(short_date(r.posted_on), r.receipt_number, money(r.amount_cents),
                                         r.tenders, r.channel, r.status) for r in rows])
        elif pane == "orders":
            rows = await self.app.try_db(inquiry.work_orders, user, acct)
            if rows is not None:
                self.fill("#orders", [(r.number, r.kind.replace("_", " "), r.status, short_date(r.requested_on),
                                       short_date(r.completed_on), r.instructions) for r in rows])
        elif pane == "contacts":
            rows = await self.app.try_db(inquiry.contacts, user, acct)
            if rows is not None:
                self.contact_rows = rows
                self.fill("#contacts-table", [(r.created_at.date().isoformat(), r.channel, r.subject, r.user,
                                               follow_up_cell(r)) for r in rows])
                self.show_contact_text(0)
        elif pane == "changes":
            from ubtui.maintenance import account_changes

            rows = await self.app.try_db(account_changes, user, acct)
            if rows is not None:
                self.change_rows = rows
                self.fill("#changes-table", [(f"{r.at:%Y-%m-%d %H:%M}", r.user,
                                              stored(wrapped(r.what or r.action, CHANGE_CELL, rows=1,
                                                             more="(Enter: all)")[0]))
                                             for r in rows])
                self.show_change_text(0)
        else:
            return
        self.loaded.add(pane)

    def fill(self, selector: str, rows: list[tuple]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        for row in rows:
            table.add_row(*cells(*row))
        if not rows:
            self.set_status("nothing to show on this pane")
        elif self.select_when_loaded == table.id and self.pane == pane_of(table.id):
            table.action_select_cursor()  # "2 Enter" typed faster than the bills came
        self.select_when_loaded = ""

    def loading(self, table_id: str | None) -> bool:
        """Is the shown pane this table's, still waiting for its rows?"""
        return self.pane == pane_of(table_id) and self.pane not in self.loaded

    # transactions: paged
    def add_tx(self, rows: list) -> None:
        table = self.query_one("#tx", DataTable)
        for r in rows:
            kind = r.kind + ("*" if r.reversed else "")
            table.add_row(*cells(short_date(r.posted_on), kind, r.description, inquiry.short_reference(r.reference, WHOLE),
                                 money(r.amount_cents), money(r.running_balance_cents)))
        self.tx_rows += rows
        self.tx_done = len(rows) < PAGE
        more = "" if self.tx_done else "; more load as you move down"
        n = len(self.tx_rows)
        self.set_status(f"{counted(n, 'entry', 'entries')}{more}" if n else "no ledger entries yet")

    @on(DataTable.RowSelected, "#tx")
    def tx_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an entry: what the columns cut short, on the status line."""
        if 0 <= event.cursor_row < len(self.tx_rows):
            r = self.tx_rows[event.cursor_row]
            parts = [r.description, f"effective {r.effective_on}" if r.effective_on else "",
                     f"ref {r.reference}" if r.reference else "", "reversed" if r.reversed else ""]
            self.set_status(" | ".join(p for p in parts if p))

    @on(DataTable.RowHighlighted, "#tx")
    def tx_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not self.tx_done and event.cursor_row >= len(self.tx_rows) - 5:
            self.load_more_tx()

    @work(exclusive=True, group="inquiry-more")
    async def load_more_tx(self) -> None:
        if self.tx_done:
            return
        offset = len(self.tx_rows)
        rows = await self.app.try_db(inquiry.transactions, self.app.user, self.account_id, offset=offset, limit=PAGE)
        if rows is not None and offset == len(self.tx_rows):
            self.add_tx(rows)

    # bills: Enter shows lines
    def show_bills(self, rows: list) -> None:
        self.bill_rows = rows
        # the bill's number as the transactions pane shows it in Ref
        # one date format on the row: ISO dates; the period is its first day and its length
        self.fill("#bills", [(inquiry.short_reference(f"bill:{r.bill_id}", WHOLE), short_date(r.bill_date),
                              f"{short_date(r.period_start)} {(r.period_end - r.period_start).days + 1}d",
                              f"{r.usage}{' E' if r.estimated else ''}", r.kind, money(r.total_cents),
                              short_date(r.due_date)) for r in rows])

    @on(DataTable.RowSelected, "#bills")
    def bill_selected(self, event: DataTable.RowSelected) -> None:
        from screens.billing.bill_lines import BillLinesScreen

        if 0 <= event.cursor_row < len(self.bill_rows):
            self.app.push_screen(BillLinesScreen(self.bill_rows[event.cursor_row]))

    # consumption: table with a bar, average, reason of the highlighted row
    def show_usage(self, usage) -> None:
        self.usage = usage
        largest = max((r.usage or 0 for r in usage.rows), default=0)
        self.fill("#usage-table", [(r.period, short_date(r.read_on), str(r.reading),
                                    "" if r.usage is None else str(r.usage),
                                    Text(usage_bar(r.usage, largest), style="bold" if r.flag else ""),
                                    r.flag) for r in usage.rows])
        flagged = sum(1 for r in usage.rows if r.flag)
        self.query_one("#usage-average", Static).update(
            f"Average {usage.average_usage} {usage.unit}/read over 12 months; "
            f"{counted(len(usage.rows), 'read')}, {flagged} flagged")
        self.show_reason(0)

    @on(DataTable.RowHighlighted, "#usage-table")
    def usage_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_reason(event.cursor_row)

    def show_reason(self, index: int) -> None:
        rows = self.usage.rows if self.usage else []
        text = rows[index].reason if 0 <= index < len(rows) else ""
        self.query_one("#usage-reason", Preview).show(text)

    @on(DataTable.RowSelected, "#usage-table")
    def usage_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a read: its flag and the reason whole."""
        rows = self.usage.rows if self.usage else []
        if 0 <= event.cursor_row < len(rows):
            r = rows[event.cursor_row]
            self.app.push_screen(TextViewScreen(
                f"Read of {short_date(r.read_on)}: {r.flag or 'not flagged'}", r.reason or "Nothing unusual.",
                f"Reading {r.reading}  usage {'' if r.usage is None else r.usage} {self.usage.unit}"))

    # contacts: the text of the highlighted entry; Enter shows it whole (F9 there: follow-up done)
    @on(DataTable.RowSelected, "#contacts-table")
    def contact_selected(self, event: DataTable.RowSelected) -> None:
        from screens.accounts.contact import ContactViewScreen

        def closed(changed) -> None:
            if changed:
                self.loaded.discard("contacts")
                self.load_header()
                self.action_pane("contacts")
                self.set_status("follow-up marked done")

        if 0 <= event.cursor_row < len(self.contact_rows):
            self.app.push_screen(ContactViewScreen(self.contact_rows[event.cursor_row]), closed)

    @on(DataTable.RowHighlighted, "#contacts-table")
    def contact_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_contact_text(event.cursor_row)

    def show_contact_text(self, index: int) -> None:
        rows = self.contact_rows
        text = rows[index].text if 0 <= index < len(rows) else ""
        self.query_one("#contact-text", Preview).show(text)

    # changes: the whole change of the highlighted row (action, what, reason)
    @on(DataTable.RowHighlighted, "#changes-table")
    def change_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_change_text(event.cursor_row)

    def show_change_text(self, index: int) -> None:
        rows = self.change_rows
        self.query_one("#change-text", Preview).show(change_text(rows[index]) if 0 <= index < len(rows) else "")

    @on(DataTable.RowSelected, "#changes-table")
    def change_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a change: the whole of it (a long note or address changed)."""
        if 0 <= event.cursor_row < len(self.change_rows):
            r = self.change_rows[event.cursor_row]
            whole = "\n".join(p for p in (r.what, r.detail) if p)
            self.app.push_screen(TextViewScreen(r.action, whole, f"{r.at:%Y-%m-%d %H:%M}  by {r.user}"))

    # --- letters typed twice ----------------------------------------------------------------
    TWICE = {"c": "write this pane's history to a CSV file", "p": "write this pane's history to a PDF file",
             "a": "open the account's actions"}

    async def action_twice(self, letter: str, action: str) -> None:
        """A letter that writes or opens forms fires when typed twice in a row; the first says
        what the second does.  Another letter in between cancels (and does nothing else)."""
        armed, self.armed = self.armed, ""
        if armed == letter:
            self.clear_status()
            await self.run_action(action)
        elif armed:
            self.set_status("cancelled")
        else:
            self.armed = letter
            self.set_status(f"{letter.upper()} again to {self.TWICE[letter]}; any other key cancels")

    def on_key(self, event) -> None:
        if self.armed:  # any key the bindings did not take cancels the armed letter
            self.armed = ""
            self.set_status("cancelled")
            event.stop()
            event.prevent_default()

    def on_screen_suspend(self) -> None:
        self.armed = ""  # F1, F6, F7... opened another screen: the first letter is forgotten

    def on_screen_resume(self) -> None:
        """Back on the account (F3 from a refund, a payment, a form): what was posted there
        shows at once, header and pane, without F5."""
        if self.summary is not None:
            self.load_header(panes_if_changed=True)

    # --- actions ---------------------------------------------------------------------------
    def action_add_contact(self) -> None:
        from screens.accounts.contact import ContactScreen

        def saved(result) -> None:
            if result:
                self.loaded.discard("contacts")
                self.load_header()
                self.action_pane("contacts")
                self.set_status(f"contact logged: {result}")

        self.app.push_screen(ContactScreen(self.account_id), saved)

    def action_pay(self) -> None:
        from screens.shell.menu import KEY_TARGETS

        target = KEY_TARGETS.get("pay")
        if not target:
            self.set_status("taking payments is not installed on this system", error=True)
            return
        self.app.open_target(target, account_id=self.account_id)

    def action_actions(self) -> None:
        from screens.accounts.actions import AccountActionsScreen

        def back(_result=None) -> None:
            self.loaded.clear()
            self.load_header()
            self.action_pane(self.pane)

        self.app.push_screen(AccountActionsScreen(self.account_id), back)

    def action_export(self, fmt: str) -> None:
        kind = "usage" if self.pane == "usage" else "transactions"
        self.export(kind, fmt)

    @work(exclusive=True, group="inquiry-export")
    async def export(self, kind: str, fmt: str) -> None:
        number = self.summary.number if self.summary else str(self.account_id)
        self.set_status(f"writing {kind} {fmt.upper()}...")
        written = await self.app.try_db(write_export, self.app.user, self.account_id, number, kind, fmt,
                                        self.app.today())
        if written is not None:
            self.set_status(f"wrote {written}")


def write_export(user, account_id: int, number: str, kind: str, fmt: str, today):
    """(In the database thread) write ``<data dir>/exports/<account>-<kind>-<date>.<fmt>``."""
    from ubtui.config import data_dir

    folder = data_dir() / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}-{kind}-{today.isoformat()}.{fmt}"
    return inquiry.export_history(user, account_id, kind, fmt, path)
