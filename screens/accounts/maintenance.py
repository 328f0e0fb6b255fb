"""Account actions that change details, not money (``ubtui.maintenance``, ``ubtui.accounts``):
a customer's name and mailing address, phones and e-mails, language and contact preferences;
adding a customer in a role from a date and ending a role; info codes and premise notes;
cash only / no checks (senior clerks), protections (supervisors), status (supervisors); and
merging a duplicate customer record with a supervisor's password.

The forms about one customer start with a Customer field (a number; F4 lists the account's
customers, the customer of record first chosen); changing it fills the other fields with that
customer's details.  Each form calls one core function, which checks every field and names
the bad one."""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.widgets import Input, Static

from models.customers import ACCOUNT_STATUSES, BILL_DELIVERY, CONTACT_BY
from screens.common.form import ActionForm, Field, choice_from, day_from, yes_no
from screens.common.text import line
from ubtui import maintenance as mt
from ubtui.errors import InputError
from ubtui.text import counted, safe_text
from ubtui.validators import LANGUAGES

DATE_HINT = "YYYY-MM-DD or +days (+0 is today)."
YES_NO = r"[yYnNeEsSoO]*"
ROLE_CHOICES = (("owner", "owns the address"), ("tenant", "rents and lives there"), ("billing", "gets the bills"))
PHONE_HINT = "Number and kind: 541-555-0100 mobile (home, mobile, work, fax); the first is the primary."


def yn(value: bool) -> str:
    return "Y" if value else "N"


def record_change(account_id: int, day, change) -> str:
    """(DB thread) ``change()``, and what it did to the customer of record on ``day``
    (``accounts.customer_of_record``, the one rule): "; bills go to X" when it moved."""
    from ubtui.accounts import customer_of_record

    before = customer_of_record(account_id, day)
    said = change()
    after = customer_of_record(account_id, day)
    if after is not None and (before is None or before.customer_id != after.customer_id):
        said += f"; bills go to {after.name} from {day.isoformat()}"
    return said


def _index(text: str, count: int, field: str) -> int:
    t = (text or "").strip()
    if not t.isdigit() or not 1 <= int(t) <= count:
        raise InputError(field, f"pick 1 to {count} (F4 lists them)" if count else "nothing to pick here")
    return int(t) - 1


class CustomerForm(ActionForm):
    """A form about one of the account's customers: the Customer field first."""

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        from ubtui.accounts import customer_of_record

        parties = mt.account_customers(user, account_id)
        record = customer_of_record(account_id)
        pick = next((i for i, (p, _) in enumerate(parties) if record and p.link_id == record.link_id), 0)
        return {"parties": parties, "pick": pick}

    def __init__(self, ctx=None, **options):
        self.pick = options.get("pick", 0)
        super().__init__(ctx, **options)

    @property
    def parties(self) -> list:
        return self.options.get("parties") or []

    def details(self, i: int | None = None):
        parties = self.parties
        i = self.pick if i is None else i
        return parties[i][1] if 0 <= i < len(parties) else None

    def chosen_line(self) -> str:
        """Whose details the form shows: the Customer field is a number, this says who."""
        d = self.details()
        if d is None:
            return "No customer chosen: F4 on Customer lists the account's customers."
        return f"Changing: {d.display_name} ({self.parties[self.pick][0].role})"

    def extra_lines(self) -> list[str]:
        return [self.chosen_line()]

    def customer_field(self) -> Field:
        choices = tuple((str(i + 1), f"{d.display_name} ({p.role})") for i, (p, d) in enumerate(self.parties))
        return Field("customer", "Customer", str(self.pick + 1) if choices else "", 2, r"[0-9]*",
                     "Which of the account's customers (a number).", choices=choices)

    def detail_fields(self, d) -> list[Field]:
        return []

    def fields(self) -> list[Field]:
        return [self.customer_field(), *self.detail_fields(self.details())]

    def on_mount(self, event) -> None:
        """Focus the first field, or with one customer (nobody to choose) the first detail."""
        event.prevent_default()  # instead of ActionForm.on_mount
        first = 1 if len(self.parties) == 1 and len(self.field_list) > 1 else 0
        self.query_one(f"#f-{self.field_list[first].id}", Input).focus()

    @on(Input.Changed, "#f-customer")
    def customer_changed(self, event: Input.Changed) -> None:
        t = event.value.strip()
        if not t.isdigit() or not 1 <= int(t) <= len(self.parties) or int(t) - 1 == self.pick:
            return
        self.pick = int(t) - 1
        self.query_one(".form-extra", Static).update(line(self.chosen_line()))
        for f in self.detail_fields(self.details()):
            self.query_one(f"#f-{f.id}", Input).value = safe_text(f.value)  # as ActionForm fills it

    def customer_id(self, values: dict[str, str]) -> int:
        return self.details(_index(values["customer"], len(self.parties), "Customer")).customer_id


class NameAddressScreen(CustomerForm):
    TITLE_TEXT = "Name and mailing address"
    DEFAULT_CSS = "NameAddressScreen .form-row { margin-top: 0; } NameAddressScreen #form-account { margin-bottom: 0; }"

    def detail_fields(self, d) -> list[Field]:
        g = (lambda name: getattr(d, name)) if d else (lambda name: "")
        return [
            Field("first", "First name", g("first_name"), 40),
            Field("last", "Last name", g("last_name"), 60, hint="The organisation's name for a business."),
            Field("line1", "Mail line 1", g("mail_line1"), 80, hint="Where bills go: PO Box 12, or empty for the service address."),
            Field("line2", "Mail line 2", g("mail_line2"), 80),
            Field("city", "City", g("mail_city"), 40),
            Field("state", "State", g("mail_state"), 2, r"[A-Za-z]*", "Two letters: CA, OR..."),
            Field("zip", "ZIP", g("mail_zip"), 10, r"[0-9\-]*", "5 digits, or 5+4: 95000-1234."),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        c = mt.update_customer(user, self.customer_id(v), first_name=v["first"], last_name=v["last"],
                               mail_line1=v["line1"], mail_line2=v["line2"], mail_city=v["city"],
                               mail_state=v["state"], mail_zip=v["zip"])
        return f"{c.display_name}: name and mailing address saved"


def phone_text(row) -> str:
    from ubtui.inquiry import format_phone

    return f"{format_phone(row.digits)} {row.kind}"


def phone_from(text: str) -> tuple[str, str] | None:
    """``541-555-0100 mobile`` -> ``("mobile", "541-555-0100")``; empty -> None; no kind: home."""
    words = (text or "").split()
    if not words:
        return None
    if len(words) > 1 and words[-1].isalpha():
        kind = choice_from(words[-1], tuple((k, "") for k in mt.PHONE_KINDS))
        return kind, " ".join(words[:-1])
    return "home", " ".join(words)


class PhonesEmailsScreen(CustomerForm):
    TITLE_TEXT = "Phones and e-mails"

    def detail_fields(self, d) -> list[Field]:
        phones = list(d.phones) if d else []
        emails = list(d.emails) if d else []
        out = [Field(f"phone{i}", f"Phone {i}", phone_text(phones[i - 1]) if i <= len(phones) else "", 30,
                     r"[0-9A-Za-z ()+.\-]*", PHONE_HINT) for i in range(1, max(3, len(phones)) + 1)]
        out += [Field(f"email{i}", f"E-mail {i}", emails[i - 1] if i <= len(emails) else "", 120, None,
                      "The first is the primary; empty removes it.") for i in range(1, max(2, len(emails)) + 1)]
        return out

    def perform(self, user, v: dict[str, str]) -> str:
        phones = [p for k in sorted(x for x in v if x.startswith("phone")) if (p := phone_from(v[k]))]
        emails = [v[k].strip() for k in sorted(x for x in v if x.startswith("email")) if v[k].strip()]
        # an empty line in between: the numbering of what is kept is the numbering of the fields kept
        for prefix, label in (("phone", "Phone"), ("email", "E-mail")):
            typed = [v[k].strip() for k in sorted(x for x in v if x.startswith(prefix))]
            if "" in typed[:len([t for t in typed if t])]:
                raise InputError(f"{label} {typed.index('') + 1}", "fill the lines in order (empty ones last)")
        cid = self.customer_id(v)
        mt.set_phones_and_emails(user, cid, phones, emails)
        return f"{self.details().display_name}: {counted(len(phones), 'phone')}, {counted(len(emails), 'e-mail')} saved"


class PreferencesScreen(CustomerForm):
    TITLE_TEXT = "Language and contact preferences"

    def detail_fields(self, d) -> list[Field]:
        return [
            Field("language", "Language", d.language if d else "en", 8, r"[a-zA-Z]*", choices=LANGUAGES),
            Field("contact_by", "Contact by", d.contact_by if d else "", 8, r"[a-zA-Z]*",
                  "How the customer wants to be reached; empty: no preference.",
                  choices=tuple((c, "") for c in CONTACT_BY)),
            Field("bills_by", "Bills by", d.bill_delivery if d else "mail", 8, r"[a-zA-Z\-]*",
                  "mail, or email (the primary e-mail address).", choices=tuple((c, "") for c in BILL_DELIVERY)),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        c = mt.update_customer(user, self.customer_id(v), language=choice_from(v["language"], LANGUAGES),
                               contact_by=choice_from(v["contact_by"], tuple((c, "") for c in CONTACT_BY)),
                               bill_delivery=choice_from(v["bills_by"], tuple((c, "") for c in BILL_DELIVERY)))
        return f"{c.display_name}: language {c.language}, contact by {c.contact_by or 'any'}, bills by {c.bill_delivery}"


class AddRoleScreen(ActionForm):
    TITLE_TEXT = "Add a customer to the account"
    INTRO = ("Someone new (type the name) or a customer on file at this address (F4 on Customer). "
             "The customer of record follows the dates: billing, then tenant, then owner.")

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        return {"known": mt.customers_at_address(user, account_id)}

    def fields(self) -> list[Field]:
        known = tuple((str(cid), name) for cid, name in self.options.get("known", []))
        return [
            Field("customer", "Customer", "new", 8, r"[0-9a-zA-Z]*",
                  "new, or the number of a customer on file; F4 lists those at this address.", choices=known),
            Field("last", "Last name", "", 60, hint="For a new customer (or the organisation's name)."),
            Field("first", "First name", "", 40),
            Field("phone", "Phone", "", 30, r"[0-9 ()+.\-]*", "For a new customer: 10 digits."),
            Field("role", "Role", "tenant", 8, r"[a-zA-Z]*", choices=ROLE_CHOICES),
            Field("start", "From", "+0", 10, r"[0-9+\-]*", DATE_HINT),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        who = v["customer"].strip().lower()
        start = day_from(v["start"], "From", self.app.today())
        role = choice_from(v["role"], ROLE_CHOICES)
        if who in ("", "new"):
            whom = {"new_customer": mt.NewCustomer(v["last"], v["first"], v["phone"])}
        elif who.isdigit():
            whom = {"customer_id": int(who)}
        else:
            raise InputError("Customer", "type new, or a customer number (F4 lists them)")

        def add() -> str:
            p = mt.add_role(user, self.ctx.account_id, role, start, **whom)
            return f"{p.name} is {p.role} from {p.start_date.isoformat()}"

        return record_change(self.ctx.account_id, start, add)


def role_span(p) -> str:
    """``tenant from 2026-01-01``, and ``until ...`` when its end is set (it may still move)."""
    return f"{p.role} from {p.start_date or '?'}" + (f" until {p.end_date}" if p.end_date else "")


class EndRoleScreen(ActionForm):
    TITLE_TEXT = "End a customer's role"
    INTRO = ("The last day the customer answers for the account (moved out, sold, no longer pays).  "
             "A last day not passed yet can be moved.")

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        return {"parties": [p for p, _ in mt.account_customers(user, account_id)]}  # ending today or later: movable

    def extra_lines(self) -> list[str]:
        """The roles that can end, numbered (four at most; F4 lists them all)."""
        parties = self.options.get("parties", [])
        shown = [f"{i + 1}: {p.name}, {role_span(p)}" for i, p in enumerate(parties[:4])]
        return shown + ([f"...and {len(parties) - 4} more (F4)"] if len(parties) > 4 else []) or ["No role to end."]

    def fields(self) -> list[Field]:
        parties = self.options.get("parties", [])
        choices = tuple((str(i + 1), f"{p.name} ({role_span(p)})") for i, p in enumerate(parties))
        return [Field("which", "Role", "", 2, r"[0-9]*", "Which role ends (a number); F4 lists them.", choices=choices),
                Field("last_day", "Last day", "+0", 10, r"[0-9+\-]*", DATE_HINT)]

    def perform(self, user, v: dict[str, str]) -> str:
        parties = self.options.get("parties", [])
        party = parties[_index(v["which"], len(parties), "Role")]
        last = day_from(v["last_day"], "Last day", self.app.today())

        def end() -> str:
            p = mt.end_role(user, self.ctx.account_id, party.link_id, last)
            return f"{p.name}: {p.role} until {p.end_date.isoformat()}"

        return record_change(self.ctx.account_id, last + dt.timedelta(days=1), end)


class CodesNotesScreen(ActionForm):
    TITLE_TEXT = "Info codes and premise notes"

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        from models import Account, Premise

        acct = Account.get_by_id(account_id)
        return {"codes": acct.info_codes, "notes": Premise.get_by_id(acct.premise_id).notes}

    def fields(self) -> list[Field]:
        from ubtui.accounts import INFO_CODE_CHOICES

        codes = self.options.get("codes", "").replace(",", ", ")
        return [Field("codes", "Info codes", codes, 120, None,
                      "Comma separated: dog, locked gate.  F4 lists common ones (a pick adds it).",
                      choices=INFO_CODE_CHOICES),
                Field("notes", "Premise notes", self.options.get("notes", ""), mt.MAX_NOTES, None,
                      "About the service address: where the meter is, gate code...")]

    def action_lookup(self) -> None:
        """A code picked from F4 is added to those typed, not put in their place."""
        f = self.field_of(self.focused)
        if f is None or f.id != "codes":
            super().action_lookup()
            return
        from screens.common.form import LookupScreen

        box = self.query_one("#f-codes", Input)

        def chosen(value: str | None) -> None:
            if value:
                have = [c.strip() for c in box.value.split(",") if c.strip()]
                box.value = ", ".join(have + ([value] if value not in have else []))

        self.app.push_screen(LookupScreen(f.label, f.choices), chosen)

    def perform(self, user, v: dict[str, str]) -> str:
        mt.set_codes_and_notes(user, self.ctx.account_id, v["codes"], v["notes"])
        return "info codes and premise notes saved"


class _FlagsForm(ActionForm):
    FLAGS: tuple[tuple[str, str], ...] = ()  # (column, label)

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        from models import Account

        return {"account": Account.get_by_id(account_id)}

    def fields(self) -> list[Field]:
        acct = self.options.get("account")
        return [*(Field(col, label, yn(getattr(acct, col)) if acct else "N", 3, YES_NO, "Y or N.")
                  for col, label in self.FLAGS),
                Field("reason", "Reason", "", 200, None, "Why: it is kept with the change.")]

    def flag_values(self, v: dict[str, str]) -> dict[str, bool]:
        return {col: yes_no(v[col], label) for col, label in self.FLAGS}

    def said(self, acct) -> str:
        return ", ".join(f"{label.lower()} {'yes' if getattr(acct, col) else 'no'}" for col, label in self.FLAGS)


class PaymentFlagsScreen(_FlagsForm):
    TITLE_TEXT = "Cash only / no checks"
    INTRO = "What the counter may take from this account.  Senior clerks, with a reason."
    FLAGS = (("cash_only", "Cash only"), ("no_checks", "No checks"))

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.accounts import set_payment_flags

        return self.said(set_payment_flags(user, self.ctx.account_id, reason=v["reason"], **self.flag_values(v)))


class ProtectionsScreen(_FlagsForm):
    TITLE_TEXT = "Protections"
    INTRO = "A medical certificate on file or do not disconnect keeps service on.  Supervisors, with a reason."
    FLAGS = (("medical_certificate", "Medical certificate"), ("do_not_disconnect", "Do not disconnect"))

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.accounts import set_protections

        return self.said(set_protections(user, self.ctx.account_id, reason=v["reason"], **self.flag_values(v)))


STATUS_CHOICES = tuple((s, s.replace("_", " ")) for s in ACCOUNT_STATUSES)


class StatusScreen(ActionForm):
    TITLE_TEXT = "Account status"
    INTRO = ("Normally set by completing work orders (turn on, disconnect, stop).  Supervisors "
             "correct it here, with a reason.")

    def fields(self) -> list[Field]:
        return [Field("status", "Status", self.ctx.status if self.ctx else "", 14, r"[a-zA-Z_ ]*",
                      choices=STATUS_CHOICES),
                Field("reason", "Reason", "", 200, None, "Why: it is kept with the change.")]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.accounts import set_status

        a = set_status(user, self.ctx.account_id, choice_from(v["status"], STATUS_CHOICES), reason=v["reason"])
        return f"status {a.status.replace('_', ' ')}"


class MergeScreen(ActionForm):
    TITLE_TEXT = "Merge duplicate customers"
    INTRO = ("Two records of one person (same name, a phone or e-mail in common): the survivor "
             "takes every role, phone and e-mail; the other is marked merged.  A supervisor approves.")

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        return {"pairs": mt.find_duplicates(user, account_id=account_id)}

    def extra_lines(self) -> list[str]:
        pairs = self.options.get("pairs", [])
        lines = [f"{i + 1}: customer {d.keep_id} + {d.merge_id} {d.keep_name}, {d.shared}" for i, d in enumerate(pairs[:2])]
        return lines + ([f"...and {len(pairs) - 2} more (F4)"] if len(pairs) > 2 else []) or ["No duplicates found."]

    def fields(self) -> list[Field]:
        pairs = self.options.get("pairs", [])
        choices = tuple((str(i + 1), f"{d.keep_id} + {d.merge_id} {d.keep_name}, {d.shared}")
                        for i, d in enumerate(pairs))
        return [Field("pair", "Duplicates", "1" if pairs else "", 2, r"[0-9]*",
                      "Which pair (a number); F4 lists them." if pairs else "No duplicates of this account's customers.",
                      choices=choices),
                Field("keep", "Keep customer", str(pairs[0].keep_id) if pairs else "", 10, r"[0-9]*",
                      "The record that stays (either of the pair; the older by default)."),
                Field("supervisor", "Supervisor", "", 32, None, "The approving supervisor's user name."),
                Field("password", "Password", "", 128, None, password=True)]

    def failed(self, e: Exception) -> None:
        """A refused approval: the password is cleared and the supervisor's name is next."""
        super().failed(e)
        if not isinstance(e, InputError):
            self.query_one("#f-password", Input).value = ""
            self.query_one("#f-supervisor", Input).focus()

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.security import approve

        pairs = self.options.get("pairs", [])
        d = pairs[_index(v["pair"], len(pairs), "Duplicates")]
        keep = v["keep"].strip()
        if keep not in (str(d.keep_id), str(d.merge_id)):
            raise InputError("Keep customer", f"type {d.keep_id} or {d.merge_id}")
        keep_id, merge_id = (d.keep_id, d.merge_id) if keep == str(d.keep_id) else (d.merge_id, d.keep_id)
        if not v["supervisor"].strip():
            raise InputError("Supervisor", "a supervisor types their user name and password")
        approver = approve(v["supervisor"], v["password"], "customer.merge")
        r = mt.merge_customers(user, keep_id, merge_id, approver=approver)
        return f"customer {r.merge_id} merged into {r.keep_id}: {r.moved()} moved"
