"""Account actions that move money (``ubtui.accounting``): returned payment, refund of a
credit, balance transfer, applying the held deposit, write-off.  Each posts with the form's
idempotency key; amounts go through ``ubtui.money.parse_amount``."""
from __future__ import annotations

from screens.common.form import ActionForm, Field, yes_no
from ubtui import accounting, ledger, returns
from ubtui.accounts import format_account_number, get_account
from ubtui.errors import InputError
from ubtui.money import format_cents, format_plain


def balance_text(account_id: int) -> str:
    """(DB thread) the account's balance after the posting, for the result line."""
    return f"; balance now {format_cents(ledger.account_balance(account_id))}"


class ReturnedPaymentScreen(ActionForm):
    TITLE_TEXT = "Returned payment"
    INTRO = ("A payment the bank returned (NSF, closed account, stop payment): reversed exactly, "
             "with the returned-payment fee; repeated returned checks stop checks on the account.")

    def fields(self) -> list[Field]:
        pays = self.ctx.payments if self.ctx else []
        choices = tuple((p.receipt_number, f"{p.posted_on.isoformat()} {format_cents(p.amount_cents):>10} {p.tenders}")
                        for p in pays)
        return [
            Field("receipt", "Receipt", "", 20, r"[A-Za-z0-9\-]*", "The receipt number; F4 lists this account's.",
                  choices=choices),
            Field("reason", "Reason", "NSF", 100, None, "NSF, account closed, stop payment..."),
            Field("fee", "Charge fee", "Y", 3, r"[yYnNeEsSoO]*", "Y charges the returned-payment fee, N does not."),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        fee = yes_no(v["fee"], "Charge fee")
        r = returns.return_payment(user, v["receipt"], v["reason"], charge_fee=fee)
        text = f"receipt {r.receipt_number} returned"
        if r.fee_cents:
            text += f", fee {format_cents(r.fee_cents)} charged"
        if r.no_checks_set:
            text += "; checks no longer accepted"
        return text + balance_text(self.ctx.account_id)


class RefundScreen(ActionForm):
    TITLE_TEXT = "Refund a credit"

    def extra_lines(self) -> list[str]:
        credit = max(0, -self.ctx.balance_cents)
        return [f"Credit on the account: {format_cents(credit)}"]

    def fields(self) -> list[Field]:
        credit = max(0, -self.ctx.balance_cents) if self.ctx else 0
        return [
            Field("amount", "Refund amount", format_plain(credit) if credit > 0 else "", 14, r"[0-9$,.\-]*",
                  "At most the credit, e.g. 25.00"),
            Field("reason", "Reason", "", 100, None, "e.g. moved away, overpaid"),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        cents = self.amount(v["amount"], "Refund amount")
        accounting.refund_credit(user, self.ctx.account_id, cents, v["reason"], key=self.key)
        return f"refund {format_cents(cents)} posted{balance_text(self.ctx.account_id)}"


class TransferScreen(ActionForm):
    TITLE_TEXT = "Balance transfer"
    INTRO = "Move this account's balance (owed or credit) to another account, e.g. a final bill to the new address."

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        return {"related": accounting.related_accounts(user, account_id)}

    def fields(self) -> list[Field]:
        related = tuple((r.number, f"{r.status.replace('_', ' ')} {format_cents(r.balance_cents):>10} {r.address}")
                        for r in self.options.get("related", []))
        return [
            Field("to", "To account", related[0][0] if related else "", 12, r"[0-9\- ]*",
                  "The account number that takes the balance; F4 lists the customer's other accounts.",
                  choices=related),
            Field("amount", "Amount", "", 14, r"[0-9$,.\-]*", "Empty moves the whole balance."),
            Field("reason", "Reason", "", 100, None),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        if not v["to"].strip():
            raise InputError("To account", "type the account number that takes the balance")
        to = get_account(v["to"].strip())
        amount = None
        if v["amount"].strip():
            amount = self.amount(v["amount"], "Amount", allow_negative=True)
        r = accounting.transfer_balance(user, self.ctx.account_id, to.id, v["reason"], key=self.key,
                                        amount_cents=amount)
        moved = r.balances.get(to.id)
        what = "balance" if amount is None else format_cents(amount)  # a part says how much
        return (f"{what} moved to {format_account_number(to.number)}{balance_text(self.ctx.account_id)}"
                + (f"; {format_account_number(to.number)} now {format_cents(moved)}" if moved is not None else ""))


class ApplyDepositScreen(ActionForm):
    TITLE_TEXT = "Apply deposit"
    INTRO = ("Apply the service deposit held on the account to what it owes (usually at the final "
             "bill).  Any excess stays as a credit to refund.  F9 applies it.")

    def extra_lines(self) -> list[str]:
        return [f"Deposit held: {format_cents(self.ctx.deposit_held_cents)}"]

    def perform(self, user, v: dict[str, str]) -> str:
        accounting.apply_deposit(user, self.ctx.account_id, key=self.key)
        return f"deposit applied{balance_text(self.ctx.account_id)}"


class WriteOffScreen(ActionForm):
    TITLE_TEXT = "Write off"
    INTRO = "Write off what a final-billed or closed account still owes (uncollectible). Supervisors only."

    def extra_lines(self) -> list[str]:
        return [f"Owed: {format_cents(max(0, self.ctx.balance_cents))}"]

    def fields(self) -> list[Field]:
        return [Field("reason", "Reason", "", 100, None, "e.g. uncollectible, customer deceased, sent to agency")]

    def perform(self, user, v: dict[str, str]) -> str:
        accounting.write_off(user, self.ctx.account_id, v["reason"], key=self.key)
        return f"written off{balance_text(self.ctx.account_id)}"
