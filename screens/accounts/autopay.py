"""Autopay enrolment and cancellation (``ubtui.autopay``).

The bank account number is typed into a masked box and goes straight to the core, which
encrypts it; the screen only ever shows the last four digits the core returns."""
from __future__ import annotations

from screens.common.form import ActionForm, Field, choice_from
from ubtui import autopay

TYPE_CHOICES = (("checking", ""), ("savings", ""))


class AutopayEnrolScreen(ActionForm):
    TITLE_TEXT = "Autopay: enrol"
    INTRO = "Draft the balance from a bank account each billing day.  The account number is shown masked."

    def fields(self) -> list[Field]:
        return [
            Field("holder", "Account holder", self.ctx.name if self.ctx else "", 60, None,
                  "The name on the bank account."),
            Field("routing", "Routing number", "", 9, r"[0-9]*", "9 digits, bottom left of a check."),
            Field("bank", "Bank account", "", 20, r"[0-9\- ]*", "4 to 17 digits; only the last 4 are kept in clear.",
                  password=True),
            Field("type", "Account type", "checking", 8, r"[a-zA-Z]*", choices=TYPE_CHOICES),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        e = autopay.enroll(user, self.ctx.account_id, holder_name=v["holder"], routing_number=v["routing"],
                           bank_account=v["bank"], bank_account_type=choice_from(v["type"], TYPE_CHOICES),
                           start_on=self.app.today())
        return f"autopay on: {e.bank_account_type} {e.bank_account} at {e.routing_number} for {e.holder_name}"


class AutopayCancelScreen(ActionForm):
    TITLE_TEXT = "Autopay: cancel"

    def extra_lines(self) -> list[str]:
        e = self.ctx.autopay
        return [f"On autopay since {e.start_on.isoformat()}: {e.bank_account_type} {e.bank_account}, {e.holder_name}"
                if e else "The account is not on autopay."]

    def fields(self) -> list[Field]:
        return [Field("reason", "Reason", "", 100, None, "e.g. customer asked, bank account closed")]

    def perform(self, user, v: dict[str, str]) -> str:
        e = autopay.cancel(user, self.ctx.account_id, v["reason"])
        return f"autopay cancelled ({e.bank_account_type} {e.bank_account})"
