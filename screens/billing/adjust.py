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
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import FORM_CSS, ActionForm, Field
from screens.common.table import Col, FitTable
from screens.common.text import cell, line
from ubtui import adjustments, billing
from ubtui.accounts import format_account_number, get_account
from ubtui.errors import InputError
from ubtui.money import format_cents
from ubtui.security import approve

KINDS = (("L", "leak credit (policy)"), ("R", "rebill at a corrected usage"))


def _rebill(values: dict[str, str]) -> bool:
    return values.get("kind", "").upper() == "R"


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


class BillAdjustScreen(ActionForm):
    TITLE_TEXT = "Bill adjustment"
    CSS_PATH = [FORM_CSS, "adjust.tcss"]
    PERMISSION = "adjustment.post"
    HELP_TEXT = __doc__
    FIELD_PREFIX = "adj-"
    STRIP_VALUES = True
    SHOW_HINT = False
    LOOKUP_MOVES_ON = False  # a pick shows its preview; the clerk reads it before moving on
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

    def fields(self) -> list[Field]:
        # a leak may span a second bill; a rebill needs the corrected usage: each shown for its kind.
        # Enter on the proof posts unless a supervisor is being typed (over the approval limit)
        return [Field("account", "Account", max_length=12, restrict=r"[0-9\- ]*", row="id"),
                Field("bill", "Bill", max_length=8, restrict=r"[0-9]*", row="id"),
                Field("kind", "Adjustment", "L", max_length=1, restrict=r"[LlRr]*", row="kind", choices=KINDS),
                Field("through", "Second bill", max_length=8, restrict=r"[0-9]*", row="kind",
                      shown=lambda v: not _rebill(v)),
                Field("usage", "Corrected usage", max_length=8, restrict=r"[0-9]*", shown=_rebill),
                Field("note", "Proof / reason", max_length=60, enter_posts=lambda v: not v["approver"]),
                Field("approver", "Supervisor", max_length=32, row="approval"),
                Field("password", "Password", max_length=64, password=True, row="approval")]

    def compose_after(self) -> ComposeResult:
        yield Static("", id="adj-summary")
        yield FitTable((Col("Line", 58, grow=1, key="line"), Col("Amount", 11, right=True, key="amount")),
                       id="adj-lines", cursor_type="none")
        yield Static("", id="adj-total")

    async def on_mount(self) -> None:
        super().on_mount()
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

    async def entered(self, f: Field) -> bool:
        """Enter on the account lists its bills (the latest chosen); on what the preview
        depends on, the preview follows; a second bill refused keeps the cursor."""
        if f.id == "account":
            await self.load_bills()
            return False
        if f.id in ("bill", "kind", "through", "usage"):
            shown = await self.refresh_preview()
            if f.id == "through" and not shown and self.val("through"):
                self.box("through").select_all()  # refused: the clerk types the right bill over it
                return False
        return True

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

    # --- the lists -------------------------------------------------------------------------
    def choices_for(self, f: Field) -> tuple[tuple[str, str], ...]:
        return self.bills if f.id in ("bill", "through") else f.choices

    def lookup_title(self, f: Field) -> str:
        return {"bill": "Bills of the account", "through": "The leak's second bill"}.get(f.id, f.label)

    # --- posting ---------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {**super().values(), "password": self.box("password").value}  # a password is as typed

    def perform(self, user, values: dict[str, str]) -> str:
        if not values["bill"]:
            raise InputError("Bill", "type the account and Enter: its latest bill is chosen")
        return post(user, values["kind"].upper() or "L", int(values["bill"]), values["usage"], values["note"],
                    values["approver"], values["password"], values["through"])

    def posted(self, message: str) -> None:
        """Posted: said on the status line; the form stays (F9 again posts nothing)."""
        self.done = True
        self.box("password").value = ""
        self.set_status(message)

    def failed(self, e: Exception) -> None:
        self.box("password").value = ""
        super().failed(e)

    action_back = BaseScreen.action_back  # a menu screen: F3 goes back, it is not a dialog
