"""What can be done to one account: a letter-keyed list; each letter opens a small form
(screens/actions_*.py) that posts with F9 and comes back here with the result.

Actions the signed-in user lacks the permission for are not listed; the core still checks."""
from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from models.customers import SERVICE_ENDED
from screens.accounts.autopay import AutopayCancelScreen, AutopayEnrolScreen
from screens.accounts.maintenance import (
    AddRoleScreen,
    CodesNotesScreen,
    EndRoleScreen,
    MergeScreen,
    NameAddressScreen,
    PaymentFlagsScreen,
    PhonesEmailsScreen,
    PreferencesScreen,
    ProtectionsScreen,
    StatusScreen,
)
from screens.accounts.money import (
    ApplyDepositScreen,
    RefundScreen,
    ReturnedPaymentScreen,
    TransferScreen,
    WriteOffScreen,
)
from screens.collections.appeals import AppealScreen
from screens.collections.worklist import PaymentPlanScreen
from screens.common.base import key_binding, permitted
from screens.common.form import LookupScreen, load_context
from screens.common.letters import Letter, LetterListScreen, letter_bindings
from screens.common.text import line
from screens.service.actions import (
    CancelWorkOrderScreen,
    CompleteWorkOrderScreen,
    NewWorkOrderScreen,
    ServiceEndScreen,
    StartServiceScreen,
    StopServiceScreen,
    order_choices,
)
from screens.service.desk import MoveScreen
from ubtui.money import format_cents

Action = Letter


ACTIONS = (
    Action("s", "Start service at this address", StartServiceScreen, ("account.create", "workorder.create")),
    Action("t", "Stop service: final read, forwarding", StopServiceScreen, ("workorder.create",)),
    Action("h", "Move: stop here, start elsewhere", MoveScreen, ("account.create", "workorder.create")),
    Action("w", "New work order", NewWorkOrderScreen, ("workorder.create",)),
    Action("c", "Complete an open work order", CompleteWorkOrderScreen, ("workorder.update",)),
    Action("x", "Cancel an open work order", CancelWorkOrderScreen, ("workorder.update",)),
    Action("r", "Returned payment (NSF)", ReturnedPaymentScreen, ("payment.return",)),
    Action("f", "Refund a credit", RefundScreen, ("refund.issue",)),
    Action("b", "Balance transfer to another account", TransferScreen, ("balance.transfer",)),
    Action("d", "Apply the deposit held", ApplyDepositScreen, ("adjustment.post",)),
    Action("a", "Autopay: enrol or cancel", AutopayEnrolScreen, ("autopay.manage",)),
    Action("o", "Write off (final-billed or closed)", WriteOffScreen, ("writeoff.post",)),
    # changes of details (ubtui.maintenance): customers, roles, codes, flags, status
    Action("n", "Name and mailing address", NameAddressScreen, ("account.edit",)),
    Action("p", "Phones and e-mails", PhonesEmailsScreen, ("account.edit",)),
    Action("l", "Language and contact preferences", PreferencesScreen, ("account.edit",)),
    Action("g", "Add customer: owner/tenant/billing", AddRoleScreen, ("account.edit",)),
    Action("e", "End a customer's role", EndRoleScreen, ("account.edit",)),
    Action("i", "Info codes and premise notes", CodesNotesScreen, ("account.edit",)),
    Action("m", "Merge duplicates (supervisor OK)", MergeScreen, ("account.edit",)),
    Action("k", "Cash only / no checks", PaymentFlagsScreen, ("account.payment_flags",)),
    Action("v", "Protections: medical, no shutoff", ProtectionsScreen, ("account.protections",)),
    Action("u", "Account status", StatusScreen, ("account.status",)),
    Action("y", "Payment plan (instalments)", PaymentPlanScreen, ("plan.create",)),
    Action("j", "Appeal for a supervisor to decide", AppealScreen, ("contact.add",)),
    Action("z", "Temporary service: new end date", ServiceEndScreen, ("account.edit", "workorder.update")),
)


# The actions an account whose service has ended (SERVICE_ENDED) cannot have: their line
# in the list says so (short: 80 columns hold two columns of 37), and the letter gives the
# reason without opening a form (the core refuses them too).
NEEDS_SERVICE = {  # key: (the line instead of the label, the reason)
    "t": ("Stop service: none to stop", "there is no service to stop"),
    "h": ("Move: no service to move", "there is no service to move; start service at the new address instead"),
    "a": ("Autopay: needs open account", "autopay needs an open account"),
    "z": ("Temporary service: ended", "the service has ended; there is no end date to change"),
}


def actions_for(user) -> list[Action]:
    return permitted(ACTIONS, user)


class AccountActionsScreen(LetterListScreen):
    TITLE_TEXT = "Account actions"
    CSS_PATH = "actions.tcss"
    HELP_TEXT = "Press a letter, or move with the arrows and press Enter.  Each form posts with F9."
    BINDINGS = [key_binding("refresh", "refresh"), *letter_bindings(ACTIONS, "actions")]
    LETTERS = ACTIONS
    LIST_ID = "actions"

    def __init__(self, account_id: int):
        super().__init__()
        self.account_id = account_id
        self.ctx = None

    def compose_head(self) -> ComposeResult:
        with Vertical(id="actions-head"):
            yield Static("", id="a-account")
            yield Static("", id="a-money")
            yield Static("", id="a-extra")

    def needs_service(self, a: Action) -> tuple[str, str] | None:
        """(its line, the reason) when ``a`` cannot be done: the account's service has ended."""
        if self.ctx is None or self.ctx.status not in SERVICE_ENDED or (a.key == "a" and self.ctx.autopay):
            return None
        return NEEDS_SERVICE.get(a.key)

    def label_of(self, a: Action) -> str:
        ended = self.needs_service(a)
        if ended:
            return ended[0]
        if a.key == "a" and self.ctx is not None:
            return "Autopay: cancel" if self.ctx.autopay else "Autopay: enrol"
        if a.key in "cx" and self.ctx is not None:
            return f"{a.label} ({len(self.ctx.open_orders)} open)"
        return a.label

    def on_mount(self) -> None:
        super().on_mount()
        self.app.hold_keys()  # a letter typed before the account is read waits for it
        self.load(release=True)

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="actions-load")
    async def load(self, release: bool = False) -> None:
        try:
            ctx = await self.app.try_db(load_context, self.app.user, self.account_id, self.app.today())
            if ctx is not None:
                self.show(ctx)
        finally:
            if release:
                self.app.call_after_refresh(self.app.release_keys)

    def show(self, ctx) -> None:
        self.ctx = ctx
        self.query_one("#title", Static).update(f"Account actions: {ctx.number}")
        self.query_one("#a-account", Static).update(Text.assemble(
            (ctx.number, "bold"), line(f"  {ctx.name}  {ctx.address}  "), (ctx.status.upper().replace("_", " "), "bold"),
            overflow="fold"))
        self.query_one("#a-money", Static).update(
            f"Balance {format_cents(ctx.balance_cents)}  Deposit held {format_cents(ctx.deposit_held_cents)}")
        ap = ctx.autopay
        autopay = f"Autopay {ap.bank_account_type} {ap.bank_account}" if ap else "No autopay"
        self.query_one("#a-extra", Static).update(f"{autopay}  Open work orders: {len(ctx.open_orders)}")
        self.relabel()

    # --- choosing ---------------------------------------------------------------------------
    def open_entry(self, a: Action) -> None:
        self.open_action(a)

    @work(exclusive=True, group="actions-open")
    async def open_action(self, a: Action) -> None:
        if self.ctx is None:
            self.set_status("the account is still loading; try again", error=True)
            return
        form = a.form
        ended = self.needs_service(a)
        if ended:
            self.set_status(f"{self.ctx.number} is {self.ctx.status.replace('_', ' ')}: {ended[1]}", error=True)
            return
        if a.key == "a" and self.ctx.autopay is not None:
            form = AutopayCancelScreen
        elif a.key in "cx" and not self.ctx.open_orders:
            self.set_status("no open work orders on this account", error=True)
            return
        self.clear_status()
        if a.key == "c" and len(self.ctx.open_orders) > 1:
            self.pick_order_to_complete()
            return
        options = await self.prepared(form, self.account_id)
        if options is not None:
            self.app.push_screen(form(self.ctx, **options), self.form_done)

    def pick_order_to_complete(self) -> None:
        """Several open orders: the clerk picks one first, and gets the form its kind needs (a
        meter test's result, the meter an exchange or a new install sets, a reread's read)."""
        ctx = self.ctx

        def picked(number: str | None) -> None:
            if number is not None:
                self.app.push_screen(CompleteWorkOrderScreen(ctx, number=number), self.form_done)

        self.app.push_screen(LookupScreen("Complete which work order?", order_choices(ctx.open_orders)), picked)

    def form_done(self, message: str | None) -> None:
        if message:
            self.set_status(message)
        self.load()
