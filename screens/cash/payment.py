"""Take a payment: the counter's most used screen.

Common case (cash, one account): account digits, Enter, amount (the balance is offered,
selected, so typing replaces it), Enter, F9 posts.  The customer without the bill types a
name or an address in Account instead ("garcia oak"): Enter lists the accounts it fits,
best first, and Enter on one takes it.  The tender is cash unless the Tender field
says otherwise (C cash, K check, M money order, D card; F4 lists them); the cash received goes
in Amount tendered (empty = what is still due) and the change due is shown, in plain text and
big.  F6 adds the current tender and starts the next one (split tender: the last tender is
what is still due unless typed); ctrl+a keeps the account and its amount and takes the next
account (one check paying several accounts).  The account's alerts (cash only, no checks,
disconnected, closed, past due, credit, far above the balance, over the confirmation limit)
show as soon as it is found; those that matter are confirmed by re-typing the amount in
Confirm amount before F9 posts.  Each form has one idempotency key, so a double F9 or Enter
posts once; after posting F6 starts the next payment and ctrl+e shows the receipt.
"""
from __future__ import annotations

import peewee
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Input, Label, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.fields import MoneyInput
from screens.common.form import Field, FieldGroup, GroupedFields, LookupScreen, field_box, group_keys
from screens.common.text import stored
from ubtui import drawer, ledger, payments
from ubtui.accounts import format_account_number, get_account, normalize_account_number
from ubtui.errors import InputError, UbtuiError
from ubtui.money import format_cents, format_plain
from ubtui.text import safe_text

TENDER_LETTERS = {"C": "cash", "K": "check", "M": "money_order", "D": "card"}
TENDER_CHOICES = (("C", "cash"), ("K", "check"), ("M", "money order"), ("D", "card (last 4 + auth code only)"))
MONEY = r"[0-9$,.]*"  # an amount: a MoneyInput (screens.common.fields)
# The form's fields (the widget id is the field id; the label names the field in errors).
# the account number, or a name or address to find it by (Enter lists what matches)
ACCOUNT = Field("pay-account", "Account", max_length=60, restrict=None)
AMOUNT = Field("pay-amount", "Amount", restrict=MONEY)
TENDERED = Field("pay-tendered", "Amount tendered", restrict=MONEY)
KIND = Field("pay-kind", "Tender C/K/M/D", "C", 1, r"[CcKkMmDd]*", choices=TENDER_CHOICES)
CONFIRM = Field("pay-confirm", "Confirm amount", restrict=MONEY)
# The details of a tender: one group per tender kind, shown while the Tender field says that
# kind (cash has none); they take turns in the row #pay-details, its boxes pay-d0..pay-d2.
DETAIL_BOXES = ("pay-d0", "pay-d1", "pay-d2")


def details_group(kind: str, *fields: Field) -> FieldGroup:
    return FieldGroup("pay-details", fields, frozenset({kind}), boxes=DETAIL_BOXES)


DETAILS = {
    "check": details_group("check", Field("number", "Check number", max_length=10, restrict=r"[0-9]*"),
                           Field("bank", "Bank", max_length=40, restrict=None),
                           Field("name", "Name on check", max_length=40)),
    "money_order": details_group("money_order",
                                 Field("number", "Money order number", max_length=12, restrict=r"[0-9]*")),
    "card": details_group("card", Field("last4", "Card last 4", max_length=4, restrict=r"[0-9]*"),
                          Field("auth", "Auth code", max_length=12, restrict=r"[A-Za-z0-9]*")),
}
# The form, in the order Enter walks it: the account (Enter finds it), the amount, the tender,
# its details (Enter on the last field shown posts); the Confirm row shows once the core asked
# for the alerts to be confirmed (state "confirm"): Enter there posts, and no field walks into it.
CONFIRM_ROW = FieldGroup("pay-confirm-row", (CONFIRM,), frozenset({"confirm"}), enter_posts=True)
GROUPS = [FieldGroup(f"{f.id}-row", (f,)) for f in (ACCOUNT, AMOUNT, TENDERED, KIND)] + [*DETAILS.values(), CONFIRM_ROW]


def load_account(user, text: str, kinds: tuple[str, ...] = ("cash",)):
    """(DB thread) the account, its name and address, and the alerts for paying its balance
    (one call: the alerts show as the account does)."""
    acct = get_account(text.strip())
    from models import Premise
    name = payments.customer_name(acct.id)
    address = payments.service_address(Premise.get_by_id(acct.premise_id))
    alerts = payments.payment_alerts(user, [acct.id], max(acct.balance_cents, 1), kinds)
    return acct, name, address, alerts


PICK = 20  # accounts the Account field's list shows for a name or address


def find_for_payment(user, text: str, kinds: tuple[str, ...] = ("cash",)):
    """(DB thread) What the Account field's Enter finds: ``("one", load_account(...), "")``
    for an account number, or for words that fit one account; ``("many", choices, more)`` to
    pick from ((number, "name  address  balance  STATUS but active"), best first) when they fit
    several (``more``: a note that more than ``PICK`` do).  Words are searched as on the
    search screen; nothing found names the Account field."""
    from ubtui.search import search_accounts

    t = text.strip()
    if not t or normalize_account_number(t) is not None:  # digits: an account number
        return "one", load_account(user, t, kinds), ""
    hits = search_accounts(user, t, PICK)
    if not hits:
        raise InputError("Account", f"no account matches {t[:40]!r}; type its number, a name or an address")
    if len(hits) == 1:
        return "one", load_account(user, hits[0].number, kinds), ""
    more = "  (more match: type more of it)" if getattr(hits, "more", False) else ""
    return "many", tuple((h.number, f"{safe_text(h.name)}  {safe_text(h.address)}  {format_cents(h.balance_cents)}"
                                    + ("" if h.status == "active" else f"  {h.status.replace('_', ' ').upper()}"))
                         for h in hits), more


def drawer_line(user) -> str:
    s = drawer.current_session(user)
    if s is None:
        return "No drawer open: open one first (main menu, Drawer)."
    from models import Drawer
    return (f"Drawer {Drawer.get_by_id(s.drawer_id).code} open for {s.business_date}  "
            f"float {format_cents(s.opening_float_cents)}")


# The field key each core error carries (``InputError.key``) -> the box to focus: the key of each
# field's label (tender details: of any tender), and the core's other names for them; a numbered
# key ("account_2", "tender_3_amount") falls back to its unnumbered form ("account", "tender_amount").
FIELD_BOX = {**group_keys(GROUPS), "account_amount": "pay-amount", "tender_amount": "pay-tendered", "tender": "pay-kind",
             "confirm": "pay-confirm"}


class PaymentScreen(GroupedFields, BaseScreen):
    TITLE_TEXT = "Take a payment"
    CSS_PATH = "payment.tcss"
    PERMISSION = "payment.take"
    HELP_TEXT = __doc__
    FIELD_WIDGETS = FIELD_BOX
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
        self.key = ledger.new_key("ui:pay:")  # one per form: a double F9 posts once
        self.account = None
        self.accounts: list[tuple[object, str]] = []  # (account, amount typed): one check, several accounts
        self.tenders: list[payments.TenderIn] = []
        self.busy = False
        self.result: payments.PaymentResult | None = None
        self.asked: set[str] = set()  # alert codes the Confirm amount field confirms
        self.confirming = False  # the Confirm row shows: the core asked for the alerts to be confirmed

    def field_groups(self) -> list[FieldGroup]:
        return GROUPS

    def field_state(self) -> frozenset[str]:
        return frozenset({self.kind(), *(("confirm",) if self.confirming else ())})

    # --- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        def row(f: Field, **kw) -> Horizontal:
            return self.field_row(f, row_id=f"{f.id}-row", row_classes="pay-row", label_classes="pay-label", **kw)

        with Vertical(id="pay"):
            yield Static("", id="pay-drawer")
            yield row(ACCOUNT)
            yield Static("", id="pay-who")
            yield Static("", id="pay-alerts")
            yield row(AMOUNT, optional=False)
            yield row(TENDERED, placeholder="= amount")
            with Horizontal(classes="pay-row", id=f"{KIND.id}-row"):
                yield Label(KIND.label, classes="pay-label")
                yield field_box(KIND, KIND.id, suggester=None)  # F4 lists the tenders (action_lookup)
                yield Static("cash", id="pay-kind-name")
            yield self.shared_row(list(DETAILS.values()), row_classes="pay-row", label_classes="pay-dlabel",
                                  classes="pay-detail")  # the boxes take the tender's fields
            with Horizontal(classes="pay-row", id=CONFIRM_ROW.id):
                yield Label(CONFIRM.label, classes="pay-label")
                yield field_box(CONFIRM, CONFIRM.id, optional=False)
                yield Static("", id="pay-confirm-why")
            yield Static("", id="pay-accounts")
            yield Static("", id="pay-tenders")
            with Horizontal(id="pay-bottom"):
                yield Static("", id="pay-result")
                yield Digits("", id="pay-change")

    async def on_mount(self) -> None:
        self.show_kind()
        self.show_confirm(False)
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
    def money(self, wid: str) -> MoneyInput:
        return self.query_one(f"#{wid}", MoneyInput)

    def kind(self) -> str:
        return TENDER_LETTERS.get(self.val("pay-kind").upper(), "cash")

    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({self.kind()} | {t.kind for t in self.tenders}))

    def show_kind(self) -> None:
        self.query_one("#pay-kind-name", Static).update(self.kind().replace("_", " "))
        self.show_groups()  # the tender's details

    def show_confirm(self, shown: bool, why: str = "") -> None:
        self.confirming = shown
        self.show_groups()
        self.query_one("#pay-confirm-why", Static).update(Text(why))
        if not shown:
            self.money("pay-confirm").value = ""
            self.asked = set()

    @on(Input.Changed, "#pay-kind")
    async def kind_changed(self, event: Input.Changed) -> None:
        self.show_kind()
        await self.refresh_alerts()  # CASH ONLY becomes a stop with a check, and back

    @on(Input.Changed, "#pay-amount")
    def amount_changed(self, event: Input.Changed) -> None:
        if self.asked and self.confirming:
            self.money("pay-confirm").value = ""  # a confirmation is of one amount

    def details(self) -> dict:
        group = DETAILS.get(self.kind())
        vals = {f.id: self.val(w) for f, w in zip(group.fields, group.boxes)} if group else {}
        return {"check_number": vals.get("number", ""), "bank": vals.get("bank", ""), "name": vals.get("name", ""),
                "card_last4": vals.get("last4", ""), "auth_code": vals.get("auth", "")}

    def pairs(self) -> list[tuple[object, int]]:
        """(account, cents) of the payment; InputError naming the field that is wrong."""
        pairs = [(a, drawer.amount_cents(t, "Amount")) for a, t in self.accounts]
        if self.account is not None:
            typed = normalize_account_number(self.val("pay-account")) if self.val("pay-account").strip() else None
            if typed != self.account.number:
                raise InputError("Account", f"press Enter to find {self.val('pay-account').strip() or 'the account'} "
                                            f"(the amount is for {format_account_number(self.account.number)})")
            pairs.append((self.account, self.money("pay-amount").cents()))
        elif self.val("pay-account").strip() or not pairs:
            raise InputError("Account", "type the account number and press Enter")
        return pairs

    def due_cents(self) -> int:
        """What is still due after the tenders added so far (InputError: an amount is wrong)."""
        total = sum(c for _, c in self.pairs())
        return max(total - sum(drawer.amount_cents(t.amount, "Amount tendered") for t in self.tenders), 0)

    def current_tender(self) -> payments.TenderIn:
        typed = self.money("pay-tendered").cents()
        cents = typed if typed is not None else self.due_cents()
        return payments.TenderIn(kind=self.kind(), amount=format_plain(cents), **self.details())

    def command(self) -> payments.TakePayment:
        """The payment as the form shows it; InputError naming the field that is wrong."""
        pairs = self.pairs()
        total = sum(c for _, c in pairs)
        if self.val("pay-kind").upper() not in TENDER_LETTERS:
            raise InputError("Tender", "type C (cash), K (check), M (money order) or D (card); F4 lists them")
        tenders = list(self.tenders)
        typed = self.money("pay-tendered").cents()
        if not tenders or typed is not None or self.due_cents() > 0 or self.kind() != "cash" \
                or any(self.details().values()):
            tenders.append(self.current_tender())
        confirmed: list[str] = []
        if self.confirming:
            again = self.money("pay-confirm")
            if again.cents() != total:
                raise InputError("Confirm amount", f"re-type the amount, {format_plain(total)}, to confirm the alerts")
            confirmed = sorted(self.asked)
        return payments.TakePayment(idempotency_key=self.key, tenders=tenders, confirmed=confirmed, accounts=[
            payments.AccountAmount(account=a.id, amount=format_plain(c)) for a, c in pairs])

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.result is None:  # posted: Enter does nothing more
            await self.enter_on(event.input, event.value)

    async def entered(self, f: Field, value: str) -> bool:
        if f is ACCOUNT:  # Enter finds the account; found, the cursor goes to its amount
            await self.find_account(value)
            return False
        return True

    async def moved_on(self, f: Field) -> None:
        if f is AMOUNT:  # the alerts of the amount typed, while the clerk types the tender
            await self.refresh_alerts()

    async def find_account(self, text: str) -> None:
        if not text.strip():
            self.set_status("Account: type the account number, or a name or address", error=True)
            return
        try:
            found = await self.run_core(find_for_payment, self.app.user, text, self.kinds())
        except (UbtuiError, peewee.DatabaseError) as e:
            self.show_core_error(e)
            self.query_one("#pay-account", Input).focus()
            return
        if found[0] == "many":
            self.pick_account(found[1], found[2])
            return
        self.show_account(found[1])

    def pick_account(self, choices: tuple[tuple[str, str], ...], more: str) -> None:
        """Words that fit several accounts: the clerk picks one (Enter), which is then found
        by its number; F3 leaves the words in the box."""
        box = self.query_one("#pay-account", Input)

        async def chosen(number: str | None) -> None:
            box.focus()
            if number:
                box.value = number
                await self.find_account(number)

        self.app.push_screen(LookupScreen(f"Which account?{more}", choices), chosen)

    def show_account(self, found) -> None:
        """The account found: its name, address, balance and alerts; the cursor to Amount."""
        self.account, name, address, alerts = found
        self.query_one("#pay-account", Input).value = format_account_number(self.account.number)
        bal = self.account.balance_cents
        # the name and address wrap (a school district at 1200 North Almond Boulevard Apt 12B
        # is not cut at 80 columns: the clerk checks it is the right customer)
        self.query_one("#pay-who", Static).update(stored(
            f"{safe_text(name)}  {safe_text(address)}\nBalance {format_cents(bal)}  {self.account.status.replace('_', ' ')}",
            multiline=True))
        self.clear_status()
        self.show_confirm(False)
        amount = self.query_one("#pay-amount", Input)
        amount.value = format_plain(bal) if bal > 0 else ""
        amount.focus()
        self.show_alerts(alerts)

    async def refresh_alerts(self) -> None:
        ids, amounts = [], []
        for acct, typed in [*([(self.account, self.val("pay-amount"))] if self.account else []), *self.accounts]:
            try:
                cents = drawer.amount_cents(typed, "Amount")
            except InputError:
                cents = max(acct.balance_cents, 1)
            ids.append(acct.id)
            amounts.append(cents)
        if not ids:
            self.show_alerts([])
            return
        alerts = await self.app.try_db(payments.payment_alerts, self.app.user, ids, amounts, self.kinds())
        if alerts is not None:
            self.show_alerts(alerts)

    def show_alerts(self, alerts: list[payments.Alert]) -> None:
        text = Text()  # each alert wraps: what the clerk must check is never cut at the edge
        for a in sorted(alerts, key=lambda a: (not a.hard, not a.confirm)):  # stops first, then to confirm
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
            drawer.amount_cents(t.amount, "Amount tendered")
        except InputError as e:
            self.show_core_error(e)
            return
        self.tenders.append(t)
        self.query_one("#pay-tenders", Static).update(self.tenders_text())
        for wid in ("pay-tendered", *DETAIL_BOXES):
            self.query_one(f"#{wid}", Input).value = ""
        self.query_one("#pay-kind", Input).value = "C"
        self.query_one("#pay-tendered", Input).focus()
        try:
            due = format_plain(self.due_cents())
        except InputError:
            due = "?"
        self.set_status(f"tender added; {due} still due: type the next tender (empty = all of it), F9 posts")

    def tenders_text(self) -> Text:
        """The tenders line, as text (a check number is typed, not yet checked: never markup)."""
        parts = [f"{t.kind.replace('_', ' ')} {format_cents(drawer.amount_cents(t.amount, 'Amount tendered'))}"
                 + (f" #{safe_text(t.check_number)}" if t.check_number else "") for t in self.tenders]
        return Text("Tenders: " + ", ".join(parts) if parts else "")

    async def action_add_account(self) -> None:
        """Keep this account and amount, and type the next account (one check, several accounts)."""
        if self.result is not None or self.account is None:
            self.set_status("Account: type an account number and Enter first", error=True)
            return
        try:
            cents = self.money("pay-amount").cents()
        except InputError as e:
            self.show_core_error(e)
            return
        self.accounts.append((self.account, format_plain(cents)))
        self.account = None
        for wid in ("pay-account", "pay-amount"):
            self.query_one(f"#{wid}", Input).value = ""
        self.query_one("#pay-who", Static).update("")
        self.show_confirm(False)
        self.query_one("#pay-accounts", Static).update("Accounts: " + ", ".join(
            f"{format_account_number(a.number)} {format_cents(drawer.amount_cents(t, 'Amount'))}"
            for a, t in self.accounts))
        self.query_one("#pay-account", Input).focus()
        total = sum(drawer.amount_cents(t, "Amount") for _, t in self.accounts)
        self.set_status(f"account added; {format_plain(total)} due so far: type the next account (F9 posts)")
        await self.refresh_alerts()

    async def action_post(self) -> None:
        if self.busy or self.result is not None:
            return
        try:
            cmd = self.command()
        except InputError as e:
            self.show_core_error(e)
            return
        self.busy = True
        self.set_status("posting...")
        try:
            result = await self.run_core(payments.take_payment, self.app.user, cmd)
        except payments.AlertsToConfirm as e:
            self.ask_confirmation(e.alerts, sum(drawer.amount_cents(a.amount, "Amount") for a in cmd.accounts))
            return
        except (UbtuiError, peewee.DatabaseError) as e:
            self.show_core_error(e)
            return
        finally:
            self.busy = False
        self.result = result
        if self.tenders:  # split: the tenders line lists every tender the receipt took, the last one too
            self.tenders = list(cmd.tenders)
            self.query_one("#pay-tenders", Static).update(self.tenders_text())
        self.show_result(result)

    def ask_confirmation(self, alerts: list[payments.Alert], total: int) -> None:
        """F9 alone never passes an alert that matters: the clerk re-types the amount."""
        self.asked = {a.code for a in alerts}
        self.show_confirm(True, "re-type the amount, then F9")
        box = self.money("pay-confirm")
        box.value = ""
        box.focus()
        self.app.bell()
        what = alerts[0].message if len(alerts) == 1 else f"{len(alerts)} alerts"
        self.set_status(f"Confirm amount: re-type {format_plain(total)}, then F9 posts ({what})", error=True)

    def show_result(self, r: payments.PaymentResult) -> None:
        lines = [f"Receipt {r.receipt_number}  paid {format_cents(r.total_cents)}  "
                 f"tendered {format_cents(r.tendered_cents)}"]
        shown = r.accounts if len(r.accounts) <= 3 else r.accounts[:2]
        lines += [f"{a.number} new balance {format_cents(a.balance_after_cents)}" for a in shown]
        if len(shown) < len(r.accounts):
            lines.append(f"and {len(r.accounts) - len(shown)} more accounts: ctrl+e shows the receipt")
        lines += r.reconnects  # a disconnected account paid up: the reconnect ordered, its fee
        lines.append(f"CHANGE DUE {format_cents(r.change_cents)}")
        # the alerts were for this payment and the confirmation is given: their rows go to the
        # result, which wraps (a reconnect line is long) and grows under the change due digits
        self.show_alerts([])
        self.show_confirm(False)
        self.query_one("#pay-result", Static).update(Text("\n".join(lines), style="bold"))
        self.query_one("#pay-change", Digits).update(format_cents(r.change_cents))
        self.set_status(f"posted {r.receipt_number}; change due {format_cents(r.change_cents)}; "
                        "F6 next payment, ctrl+e receipt")
        self.set_focus(None)

    def action_receipt(self) -> None:
        if self.result is None:
            self.set_status("post the payment first (F9)")
            return
        from screens.cash.receipt import ReceiptScreen
        self.app.push_screen(ReceiptScreen(self.result.receipt_number))
