"""Proposals from field results (issue #14): the rebills a reread showed and the adjustments a
meter test outside tolerance showed, waiting for someone who may post adjustments.

The table lists what waits (F5 reloads); the box under it explains the highlighted proposal
line by line.  Y approves it (posts the rebill or the adjustment; over the approval limit a
supervisor types their user name and password in the form), N rejects it with the reason.
Opened from the work order queue (R)."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding, letter_binding
from screens.common.form import ActionForm, Field, data_table
from screens.common.text import stored
from ubtui import proposals
from ubtui.money import format_cents
from ubtui.security import approve, has_permission

COLUMNS = (("No.", 5), ("Account", 10), ("Kind", 10), ("Order", 9), ("Amount", 11), ("Done", 10))


class ProposalsScreen(BaseScreen):
    TITLE_TEXT = "Proposals from field results"
    HELP_TEXT = ("Rebills and meter test adjustments proposed by completed work orders.  Y approves the "
                 "highlighted one (posts it; over the approval limit a supervisor approves in the form), "
                 "N rejects it with the reason; F5 reloads.")
    DEFAULT_CSS = """
    ProposalsScreen #proposals-table { height: 8; }
    ProposalsScreen #proposal-box { height: 1fr; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        key_binding("refresh", "refresh"),
        letter_binding("y", "decide('approve')", "Approve", id="proposals.approve"),
        letter_binding("n", "decide('reject')", "Reject", id="proposals.reject"),
    ]

    def __init__(self):
        super().__init__()
        self.rows: list = []

    def compose_body(self) -> ComposeResult:
        yield data_table("proposals-table", COLUMNS)
        with VerticalScroll(id="proposal-box"):
            yield Static("", id="proposal-text")

    def on_mount(self) -> None:
        self.query_one("#proposals-table", DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters) -> bool | None:
        if action.startswith("decide") and not has_permission(self.app.user, "adjustment.post"):
            return False
        return True

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="proposals-load")
    async def load(self) -> None:
        rows = await self.app.try_db(proposals.list_proposals, self.app.user, hold_keys=True)
        if rows is None:
            return
        self.rows = rows
        table = self.query_one("#proposals-table", DataTable)
        table.clear()
        for r in rows:
            table.add_row(f"#{r.proposal_id}", r.account_number, r.kind.replace("_", " "), r.work_order,
                          Text(format_cents(r.amount_cents), justify="right"), r.done_on.isoformat(),
                          key=str(r.proposal_id))
        self.show_current()

    def current(self):
        row = self.query_one("#proposals-table", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#proposals-table")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_current()

    def show_current(self) -> None:
        r = self.current()
        self.query_one("#proposal-text", Static).update(
            stored(r.explanation, multiline=True) if r else "No proposals waiting.")

    def action_decide(self, how: str) -> None:
        r = self.current()
        if r is None:
            self.set_status("no proposal chosen", error=True)
            return
        form = ApproveProposalScreen if how == "approve" else RejectProposalScreen
        self.app.push_screen(form(None, proposal=r), self.form_done)

    def form_done(self, message: str | None) -> None:
        if message:
            self.set_status(message)
            self.load()


class _ProposalForm(ActionForm):
    def extra_lines(self) -> list[str]:
        r = self.options["proposal"]
        return [f"#{r.proposal_id} {r.kind.replace('_', ' ')} on account {r.account_number} from {r.work_order}: "
                f"{format_cents(r.amount_cents)}"]


class ApproveProposalScreen(_ProposalForm):
    TITLE_TEXT = "Approve proposal"
    INTRO = ("Posts the rebill or the adjustment.  Over the approval limit a supervisor types their "
             "user name and password.")

    def fields(self) -> list[Field]:
        return [Field("note", "Note", "", 200, None, "Why it is right (optional)."),
                Field("approver", "Supervisor", "", 32, None, "Over the limit: the supervisor's user name."),
                Field("password", "Password", "", 64, None, "The supervisor's password.", password=True)]

    def perform(self, user, v: dict[str, str]) -> str:
        approver = approve(v["approver"].strip(), v["password"], "approve.adjustment") if v["approver"].strip() else None
        r = self.options["proposal"]
        proposals.approve(user, r.proposal_id, approver=approver, note=v["note"])
        return f"proposal #{r.proposal_id} approved: {format_cents(r.amount_cents)} posted on {r.account_number}"


class RejectProposalScreen(_ProposalForm):
    TITLE_TEXT = "Reject proposal"

    def fields(self) -> list[Field]:
        return [Field("reason", "Reason", "", 200, None, "Why the bills stand as they are.")]

    def perform(self, user, v: dict[str, str]) -> str:
        r = self.options["proposal"]
        proposals.reject(user, r.proposal_id, v["reason"])
        return f"proposal #{r.proposal_id} rejected"
