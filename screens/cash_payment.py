"""Take a payment: the counter's most used screen.

Common case (cash, one account): account digits, Enter, amount (the balance is offered,
selected, so typing replaces it), Enter, F9 posts.  The tender is cash unless the Tender field
says otherwise (C cash, K check, M money order, D card; F4 lists them); the cash received goes
in Tendered (empty = exactly the amount) and the change due is shown big.  F6 adds the current
tender and starts the next one (split tender); ctrl+a keeps the account and its amount and
takes the next account (one check paying several accounts).  Alerts (past due, cash only, disconnected, far
above the balance) are shown before posting.  Each form has one idempotency key, so a double
F9 or Enter posts once; after posting F6 starts the next payment and ctrl+e shows the receipt.
"""
from __future__ import annotations

import uuid

import peewee
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Input, Label, Static

from screens.actions_form import LookupScreen
from screens.base import BaseScreen, key_binding
from screens.text import stored
from ubtui import cashier
from ubtui.accounts import format_account_number, get_account
from ubtui.errors import InputError, UbtuiError
from ubtui.money import format_cents, format_plain
from ubtui.text import safe_text

TENDER_LETTERS = {"C": "cash", "K": "check", "M": "money_order", "D": "card"}
TENDER_CHOICES = (("C", "cash"), ("K", "check"), ("M", "money order"), ("D", "card (last 4 + auth code only)"))
DETAIL_FIELDS = {
    "check": (("number", "Check number", 10, r"[0-9]*"), ("bank", "Bank", 40, None), ("name", "Name on check", 40, None)),
    "money_order": (("number", "Money order number", 12, r"[0-9]*"),),
    "card": (("last4", "Card last 4", 4, r"[0-9]*"), ("auth", "Auth code", 12, r"[A-Za-z0-9]*")),
}


def load_account(user, text: str):
    """(DB thread) the account, its name and address, and the alerts for paying its balance."""
    acct = get_account(text.strip())
    from models import Premise
    name = cashier.customer_name(acct.id)
    address = cashier.service_address(Premise.get_by_id(acct.premise_id))
    return acct, name, address


def drawer_line(user) -> str:
    s = cashier.current_session(user)
    if s is None:
        return "No drawer open: open one first (main menu, Drawer)."
    from models import Drawer
    return (f"Drawer {Drawer.get_by_id(s.drawer_id).code} open for {s.business_date}  "
            f"float {format_cents(s.opening_float_cents)}")


class PaymentScreen(BaseScreen):
    TITLE_TEXT = "Take a payment"
    CSS_PATH = "cash_payment.tcss"
    PERMISSION = "payment.take"
    HELP_TEXT = __doc__
    BINDINGS = [
        key_binding("post", "post", "Post"),
        key_binding("new", "add_tender", "Add tender"),
        key_binding("lookup", "lookup", "List", show=False),
        Binding("ctrl+a", "add_account", "Account+", priority=True, id="cash.add_account"),
        Binding("ctrl+e", "receipt", "Receipt", priority=True, id="cash.receipt"),
    ]

    def __init__(self, account_id: int | None = None):
        super().__init__()
        self.start_account_id = account_id
        self.reset_state()

    def reset_state(self) -> None:
        self.key = "ui:pay:" + uuid.uuid4().hex  # one per form: a double F9 posts once
        self.account = None
        self.accounts: list[tuple[object, str]] = []  # (account, amount typed): one check, several accounts
        self.tenders: list[cashier.TenderIn] = []
        self.busy = False
        self.result: cashier.PaymentResult | None = None

    # --- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="pay"):
            yield Static("", id="pay-drawer")
            with Horizontal(classes="pay-row"):
                yield Label("Account", classes="pay-label")
                yield Input(id="pay-account", max_length=12, restrict=r"[0-9\- ]*", compact=True, select_on_focus=True)
            yield Static("", id="pay-who")
            yield Static("", id="pay-alerts")
            with Horizontal(classes="pay-row"):
                yield Label("Amount", classes="pay-label")
                yield Input(id="pay-amount", max_length=14, restrict=r"[0-9$,.]*", compact=True, select_on_focus=True)
            with Horizontal(classes="pay-row"):
                yield Label("Tendered", classes="pay-label")
                yield Input(id="pay-tendered", max_length=14, restrict=r"[0-9$,.]*", compact=True,
                            select_on_focus=True, placeholder="= amount")
            with Horizontal(classes="pay-row"):
                yield Label("Tender C/K/M/D", classes="pay-label")
                yield Input("C", id="pay-kind", max_length=1, restrict=r"[CcKkMmDd]*", compact=True,
                            select_on_focus=True)
                yield Static("cash", id="pay-kind-name")
            with Horizontal(classes="pay-row", id="pay-details"):
                for i in range(3):
                    yield Label("", id=f"pay-dl{i}", classes="pay-dlabel")
                    yield Input(id=f"pay-d{i}", compact=True, select_on_focus=True, classes="pay-detail")
            yield Static("", id="pay-accounts")
            yield Static("", id="pay-tenders")
            with Horizontal(id="pay-bottom"):
                yield Static("", id="pay-result")
                yield Digits("", id="pay-change")

    async def on_mount(self) -> None:
        self.show_kind("cash")
        self.query_one("#pay-account", Input).focus()
        line = await self.app.try_db(drawer_line, self.app.user)
        self.query_one("#pay-drawer", Static).update(stored(line))
        if self.start_account_id is not None:
            acct = await self.app.try_db(get_account, self.start_account_id)
            if acct is not None:
                box = self.query_one("#pay-account", Input)
                box.value = format_account_number(acct.number)
                await self.find_account(box.value)

    # --- fields ----------------------------------------------------------------------------
    def val(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value

    def kind(self) -> str:
        return TENDER_LETTERS.get(self.val("pay-kind").upper(), "cash")

    def show_kind(self, kind: str) -> None:
        self.query_one("#pay-kind-name", Static).update(kind.replace("_", " "))
        fields = DETAIL_FIELDS.get(kind, ())
        for i in range(3):
            label = self.query_one(f"#pay-dl{i}", Label)
            box = self.query_one(f"#pay-d{i}", Input)
            if i < len(fields):
                _, text, length, restrict = fields[i]
                label.update(text)
                box.max_length, box.restrict = length, restrict
                box.display = label.display = True
            else:
                box.value = ""
                box.display = label.display = False
        self.query_one("#pay-details").display = bool(fields)

    @on(Input.Changed, "#pay-kind")
    def kind_changed(self, event: Input.Changed) -> None:
        self.show_kind(self.kind())

    def details(self) -> dict:
        kind = self.kind()
        vals = {f[0]: self.val(f"pay-d{i}") for i, f in enumerate(DETAIL_FIELDS.get(kind, ()))}
        return {"check_number": vals.get("number", ""), "bank": vals.get("bank", ""), "name": vals.get("name", ""),
                "card_last4": vals.get("last4", ""), "auth_code": vals.get("auth", "")}

    def remaining_text(self) -> str:
        """What is still due after the tenders added so far (for an empty Tendered)."""
        from ubtui.money import parse_amount
        try:
            due = sum(parse_amount(text, field="Amount", max_cents=self.app.config.max_amount_cents)
                      for text in [a for _, a in self.accounts] + ([self.val("pay-amount")] if self.account else []))
        except InputError:
            return self.val("pay-amount")
        added = 0
        for t in self.tenders:
            added += parse_amount(str(t.amount), field="Tendered")
        return format_plain(max(due - added, 0))

    def current_tender(self) -> cashier.TenderIn:
        amount = self.val("pay-tendered").strip() or self.remaining_text()
        return cashier.TenderIn(kind=self.kind(), amount=amount, **self.details())

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        wid = event.input.id
        if self.result is not None:
            return
        if wid == "pay-account":
            await self.find_account(event.value)
        elif wid == "pay-amount":
            self.query_one("#pay-tendered", Input).focus()
            await self.refresh_alerts()
        elif wid == "pay-tendered":
            self.query_one("#pay-kind", Input).focus()
        elif wid == "pay-kind":
            if DETAIL_FIELDS.get(self.kind()):
                self.query_one("#pay-d0", Input).focus()
            else:
                self.action_post()
            await self.refresh_alerts()
        elif wid and wid.startswith("pay-d"):
            i = int(wid[-1])
            nxt = self.query_one(f"#pay-d{i + 1}", Input) if i < 2 else None
            if nxt is not None and nxt.display:
                nxt.focus()
            else:
                self.action_post()

    async def find_account(self, text: str) -> None:
        if not text.strip():
            self.set_status("type the account number", error=True)
            return
        found = await self.app.try_db(load_account, self.app.user, text)
        if found is None:
            self.query_one("#pay-account", Input).focus()
            return
        self.account, name, address = found
        self.query_one("#pay-account", Input).value = format_account_number(self.account.number)
        bal = self.account.balance_cents
        self.query_one("#pay-who", Static).update(stored(
            f"{safe_text(name)}  {safe_text(address)}\nBalance {format_cents(bal)}  {self.account.status.replace('_', ' ')}",
            multiline=True, no_wrap=True, overflow="ellipsis"))
        self.clear_status()
        amount = self.query_one("#pay-amount", Input)
        amount.value = format_plain(bal) if bal > 0 else ""
        amount.focus()
        await self.refresh_alerts()

    async def refresh_alerts(self) -> None:
        if self.account is None:
            return
        from ubtui.money import parse_amount
        try:
            cents = parse_amount(self.val("pay-amount"), field="Amount", max_cents=self.app.config.max_amount_cents)
        except InputError:
            cents = max(self.account.balance_cents, 1)
        kinds = {self.kind()} | {t.kind for t in self.tenders}
        alerts = await self.app.try_db(cashier.payment_alerts, self.app.user, [self.account.id], cents, kinds)
        if alerts is None:
            return
        text = Text()
        for a in alerts or []:
            text.append(("STOP " if a.hard else "! ") + safe_text(a.message), style="bold reverse" if a.hard else "bold")
            text.append("\n")
        text.rstrip()
        self.query_one("#pay-alerts", Static).update(text)

    # --- keys ------------------------------------------------------------------------------
    def action_lookup(self) -> None:
        if self.focused is not None and self.focused.id == "pay-kind":
            box = self.query_one("#pay-kind", Input)

            def chosen(value: str | None) -> None:
                if value:
                    box.value = value
                    box.focus()
            self.app.push_screen(LookupScreen("Tender", TENDER_CHOICES), chosen)
        else:
            self.set_status("F4 lists the tenders on the Tender field; F2 finds an account")

    async def action_add_tender(self) -> None:
        if self.result is not None:  # the payment is done: start the next one
            self.app.switch_screen(PaymentScreen())
            return
        try:
            t = self.current_tender()
            cashier.amount_cents(t.amount, "Tendered")
        except (InputError, ValueError) as e:
            self.app.show_error(e)
            return
        self.tenders.append(t)
        self.query_one("#pay-tenders", Static).update(self.tenders_text())
        for wid in ("pay-tendered", "pay-d0", "pay-d1", "pay-d2"):
            self.query_one(f"#{wid}", Input).value = ""
        self.query_one("#pay-kind", Input).value = "C"
        self.query_one("#pay-tendered", Input).focus()
        self.set_status(f"tender added; {self.remaining_text()} still due (F9 posts)")

    def tenders_text(self) -> str:
        parts = [f"{t.kind.replace('_', ' ')} {format_cents(cashier.amount_cents(t.amount, 'Tendered'))}"
                 + (f" #{t.check_number}" if t.check_number else "") for t in self.tenders]
        return "Tenders: " + ", ".join(parts) if parts else ""

    def action_add_account(self) -> None:
        """Keep this account and amount, and type the next account (one check, several accounts)."""
        if self.result is not None or self.account is None:
            self.set_status("type an account number and Enter first", error=True)
            return
        try:
            cashier.amount_cents(self.val("pay-amount"), "Amount")
        except InputError as e:
            self.app.show_error(e)
            self.query_one("#pay-amount", Input).focus()
            return
        self.accounts.append((self.account, self.val("pay-amount")))
        self.account = None
        for wid in ("pay-account", "pay-amount"):
            self.query_one(f"#{wid}", Input).value = ""
        for wid in ("pay-who", "pay-alerts"):
            self.query_one(f"#{wid}", Static).update("")
        self.query_one("#pay-accounts", Static).update("Accounts: " + ", ".join(
            f"{format_account_number(a.number)} {format_cents(cashier.amount_cents(t, 'Amount'))}"
            for a, t in self.accounts))
        self.query_one("#pay-account", Input).focus()
        self.set_status(f"account added; {self.remaining_text()} due so far (F9 posts)")

    def action_post(self) -> None:
        if self.busy or self.result is not None:
            return
        if self.account is None and not self.accounts:
            self.set_status("Account: type the account number and press Enter", error=True)
            self.query_one("#pay-account", Input).focus()
            return
        try:
            tenders = list(self.tenders)
            if not tenders or self.val("pay-tendered").strip():
                tenders.append(self.current_tender())
        except ValueError as e:
            self.app.show_error(e)
            return
        pairs = self.accounts + ([(self.account, self.val("pay-amount"))] if self.account is not None else [])
        cmd = cashier.TakePayment(idempotency_key=self.key, tenders=tenders, accounts=[
            cashier.AccountAmount(account=a.id, amount=amount) for a, amount in pairs])
        self.busy = True
        self.set_status("posting...")
        self.post(cmd)

    @work(exclusive=True, group="cash-payment")
    async def post(self, cmd: cashier.TakePayment) -> None:
        try:
            result = await self.app.db(cashier.take_payment, self.app.user, cmd)
        except (UbtuiError, peewee.DatabaseError) as e:
            self.busy = False
            self.failed(e)
            return
        self.busy = False
        self.result = result
        self.show_result(result)

    def failed(self, e: Exception) -> None:
        from ubtui.app import database_message
        self.app.show_error(e if isinstance(e, UbtuiError) else database_message(e))
        if isinstance(e, InputError):
            target = {"amount": "pay-amount", "account": "pay-account", "amount tendered": "pay-tendered",
                      "tender": "pay-kind", "check number": "pay-d0", "money order number": "pay-d0",
                      "card last 4": "pay-d0", "auth code": "pay-d1", "bank": "pay-d1", "name on check": "pay-d2"}
            wid = target.get(e.field.lower())
            if wid:
                self.query_one(f"#{wid}", Input).focus()

    def show_result(self, r: cashier.PaymentResult) -> None:
        balances = "  ".join(format_cents(a.balance_after_cents) for a in r.accounts)
        self.query_one("#pay-result", Static).update(Text(
            f"Receipt {r.receipt_number}\nPaid {format_cents(r.total_cents)}  "
            f"tendered {format_cents(r.tendered_cents)}\nNew balance {balances}\n"
            f"CHANGE DUE", style="bold", no_wrap=True, overflow="ellipsis"))
        self.query_one("#pay-change", Digits).update(format_cents(r.change_cents))
        self.set_status(f"posted {r.receipt_number}; F6 next payment, ctrl+e receipt")
        self.set_focus(None)

    def action_receipt(self) -> None:
        if self.result is None:
            self.set_status("post the payment first (F9)")
            return
        from screens.cash_receipt import ReceiptScreen
        self.app.push_screen(ReceiptScreen(self.result.receipt_number))
