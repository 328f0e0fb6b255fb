"""Bill adjustments: a leak credit or a rebill, previewed line by line before posting.

Account, Enter: its latest bill is chosen (F4 on Bill lists the others).  Adjustment: L for a
leak credit (the district's policy: a share of the usage above normal, priced at the tiers
that applied) or R for a rebill at a corrected usage.  A leak over two bills: type the bill
after it in Second bill (F4 lists the bills; blank: one bill), where the policy allows it.
The preview below follows what you type: for a leak, how each bill's normal usage, usage
above normal and credited units were reached, then each credit line with its units and rate
(PageUp/PageDown scroll it).  Proof of repair (leak) or the reason (rebill) is required.
Over the approval limit a supervisor types their user name and password here.  F9 posts once.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import LookupScreen
from screens.common.table import Col, FitTable
from screens.common.text import cell, line
from ubtui import adjustments, billing
from ubtui.accounts import format_account_number, get_account
from ubtui.errors import InputError
from ubtui.money import format_cents
from ubtui.security import approve

FIELDS = (("account", "Account", 12, r"[0-9\- ]*"), ("bill", "Bill", 8, r"[0-9]*"),
          ("kind", "Adjustment", 1, r"[LlRr]*"), ("through", "Second bill", 8, r"[0-9]*"),
          ("usage", "Corrected usage", 8, r"[0-9]*"), ("note", "Proof / reason", 60, None),
          ("approver", "Supervisor", 32, None), ("password", "Password", 64, None))
ROWS = (("account", "bill"), ("kind", "through"), ("usage",), ("note",), ("approver", "password"))
KINDS = (("L", "leak credit (policy)"), ("R", "rebill at a corrected usage"))


@dataclass
class Preview:
    lines: list[tuple[str, int | None]]  # (text, amount); no amount: how an amount was reached
    total_cents: int
    summary: str


def _second(through: str) -> int | None:
    return int(through) if through.strip() else None


def bill_choices(account_text: str) -> tuple[int, str, tuple[tuple[str, str], ...]]:
    """(DB thread) the account id, its number and its posted bills (newest first)."""
    acct = get_account(account_text)
    bills = [b for b in billing.account_bills(acct.id, limit=24) if b.status == "posted"]
    return acct.id, acct.number, tuple(
        (str(b.id), f"{b.period_end} {b.usage:>5} {b.usage_unit}{' E' if b.estimated else '  '} "
                    f"{format_cents(b.total_cents):>10}") for b in bills)


def preview(kind: str, bill_id: int, usage: str, through: str = "") -> Preview:
    """(DB thread) what would be posted; nothing is written."""
    if kind == "L":
        calc = adjustments.leak_preview(bill_id, through=_second(through))
        rows: list[tuple[str, int | None]] = [(e, None) for e in calc.explain]
        return Preview(rows + [(l.description, l.amount_cents) for l in calc.lines], calc.credit_cents,
                       f"usage {calc.usage}, normal {calc.normal_usage}, {calc.credited_units} units credited"
                       + (" over 2 bills" if calc.through else "")
                       + (f"; last leak credit {calc.last_leak_on}" if calc.last_leak_on else ""))
    if not usage.strip():
        raise InputError("Corrected usage", "type the corrected usage")
    r = adjustments.preview_rebill(bill_id, usage=int(usage))
    lines: list[tuple[str, int | None]] = [(l.description, l.amount_cents) for l in r.calc.lines]
    return Preview(lines, r.difference_cents,
                   f"usage {r.old_usage} -> {r.new_usage}: {format_cents(r.old_total_cents)} -> "
                   f"{format_cents(r.new_total_cents)}")


def post(user, kind: str, bill_id: int, usage: str, note: str, approver_name: str, password: str,
         through: str = "") -> str:
    """(DB thread) post the adjustment; the supervisor (if named) approves with their password."""
    approver = approve(approver_name, password, "approve.adjustment") if approver_name.strip() else None
    if kind == "L":
        second = _second(through)
        calc = adjustments.post_leak_adjustment(user, bill_id, proof=note, approver=approver, through=second)
        return (f"leak credit {format_cents(calc.credit_cents)} posted on bill {bill_id}"
                + (f" and bill {second}" if second else ""))
    if not usage.strip():
        raise InputError("Corrected usage", "type the corrected usage")
    r = adjustments.rebill(user, bill_id, usage=int(usage), reason=note, approver=approver)
    return f"bill {bill_id} rebilled as bill {r.new_bill_id}: difference {format_cents(r.difference_cents)}"


class BillAdjustScreen(BaseScreen):
    TITLE_TEXT = "Bill adjustment"
    CSS_PATH = "adjust.tcss"
    PERMISSION = "adjustment.post"
    HELP_TEXT = __doc__
    FIELD_PREFIX = "adj-"
    STRIP_VALUES = True
    FIELD_WIDGETS = {"account": "adj-account", "bill": "adj-bill", "adjustment": "adj-kind",
                     "corrected_usage": "adj-usage", "usage": "adj-usage", "proof_of_repair": "adj-note",
                     "reason": "adj-note", "supervisor": "adj-approver", "password": "adj-password",
                     "second_bill": "adj-through"}
    BINDINGS = [
        key_binding("post", "post", "Post"),
        key_binding("lookup", "lookup", "List"),
        Binding("pageup", "scroll_lines(-1)", "Lines up", show=False, priority=True, id="adjust_lines_up"),
        Binding("pagedown", "scroll_lines(1)", "Lines down", show=False, priority=True, id="adjust_lines_down"),
    ]

    def __init__(self, account_id: int | None = None):
        super().__init__()
        self.account_id = account_id
        self.bills: tuple[tuple[str, str], ...] = ()
        self.shown: Preview | None = None
        self.busy = self.done = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="adj"):
            spec = {f[0]: f for f in FIELDS}
            for row in ROWS:
                with Horizontal(classes="adj-row"):
                    for fid, label, length, restrict in (spec[r] for r in row):
                        yield Label(label, classes="adj-label")
                        yield Input(id=f"adj-{fid}", max_length=length, restrict=restrict, compact=True,
                                    select_on_focus=True, password=fid == "password")
            yield Static("", id="adj-summary")
            yield FitTable((Col("Line", 58, grow=1, key="line"), Col("Amount", 11, right=True, key="amount")),
                           id="adj-lines", cursor_type="none")
            yield Static("", id="adj-total")

    async def on_mount(self) -> None:
        self.box("kind").value = "L"
        self.box("account").focus()
        if self.account_id is not None:
            acct = await self.app.try_db(get_account, self.account_id)
            if acct is not None:
                self.box("account").value = format_account_number(acct.number)
                await self.load_bills()

    async def load_bills(self) -> None:
        found = await self.try_core(bill_choices, self.val("account"))
        if found is None:
            return
        self.account_id, number, self.bills = found
        self.box("account").value = format_account_number(number)
        if not self.bills:
            self.set_status("this account has no posted bills", error=True)
            return
        self.box("bill").value = self.bills[0][0]
        self.box("kind").focus()
        await self.refresh_preview()

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fid = event.input.id.removeprefix("adj-")
        if fid == "account":
            await self.load_bills()
            return
        order = [f[0] for f in FIELDS]
        shown = True
        if fid in ("bill", "kind", "through", "usage"):
            shown = await self.refresh_preview()
        nxt = order[order.index(fid) + 1] if fid != order[-1] else None
        if fid == "kind":
            nxt = "usage" if self.val("kind").upper() == "R" else "through"
        elif fid == "through":
            if not shown and self.val("through"):
                self.box("through").select_all()  # refused: the clerk types the right bill over it
                return
            nxt = "note"
        if nxt is None or (fid == "note" and not self.val("approver")):
            await self.action_post()
        else:
            self.box(nxt).focus()

    async def refresh_preview(self) -> bool:
        """Show what would be posted; False when there is nothing to show (an error is)."""
        if not self.val("bill"):
            return False
        kind = self.val("kind").upper() or "L"
        if kind == "R" and not self.val("usage"):
            self.box("usage").focus()
            self.set_status("type the corrected usage")
            return False
        p = await self.try_core(preview, kind, int(self.val("bill")), self.val("usage"), self.val("through"))
        self.shown = p
        table = self.query_one("#adj-lines", DataTable)
        table.clear()
        if p is None:
            self.query_one("#adj-summary", Static).update("")
            self.query_one("#adj-total", Static).update("")
            return False
        for desc, cents in p.lines:
            table.add_row(cell(desc), Text("" if cents is None else format_cents(cents), justify="right"))
        what = "Credit" if kind == "L" else "Difference"
        limit = self.app.config.adjustment_approval_cents
        over = p.total_cents < 0 and -p.total_cents > limit
        self.query_one("#adj-summary", Static).update(line(p.summary))
        self.query_one("#adj-total", Static).update(
            f"{what} {format_cents(p.total_cents)}" + ("   over the limit: a supervisor must approve" if over else ""))
        self.clear_status()
        return True

    def action_scroll_lines(self, pages: int) -> None:
        table = self.query_one("#adj-lines", DataTable)
        table.scroll_to(y=table.scroll_y + pages * max(1, table.scrollable_content_region.height - 1),
                        animate=False)

    async def action_post(self) -> None:
        if self.busy or self.done:
            return
        if self.shown is None:
            await self.refresh_preview()
            if self.shown is None:
                return
        self.busy = True
        msg = await self.try_core(post, self.app.user, self.val("kind").upper() or "L", int(self.val("bill") or 0),
                                    self.val("usage"), self.val("note"), self.val("approver"),
                                    self.box("password").value, self.val("through"))
        self.busy = False
        self.box("password").value = ""
        if msg:
            self.done = True
            self.set_status(msg)

    def action_lookup(self) -> None:
        fid = (self.focused.id or "").removeprefix("adj-") if self.focused is not None else ""
        choices = {"bill": (self.bills, "Bills of the account"), "through": (self.bills, "The leak's second bill"),
                   "kind": (KINDS, "Adjustment")}.get(fid)
        if not choices or not choices[0]:
            self.set_status("F4 lists on Bill, Adjustment and Second bill")
            return
        box = self.box(fid)

        async def chosen(value: str | None) -> None:
            if value:
                box.value = value
                box.focus()
                await self.refresh_preview()
        self.app.push_screen(LookupScreen(choices[1], choices[0]), chosen)
