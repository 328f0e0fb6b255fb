"""New service from the keyboard (main menu N): a new customer, a service address (premise)
and its meter, service started for a customer at an address, a move (stop here, start
there), and a credit left after a final bill refunded or transferred.

Each form calls one core function (``ubtui.accounts.new_customer``, ``new_premise``,
``readings.new_meter``, ``ubtui.workorders.start_service``, ``ubtui.moves.move_service``,
``settle_final_credit``).  A customer or address like one on file is not created: the records
found are listed, Enter on one uses it, "create a new one" creates it anyway, F3 goes back to
the form.  The desk remembers the customer and the address made or chosen last and fills
them in for the next form, so a vacant address is served in one sitting: C, P, M, S."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.common.base import KeepsRunning, permitted
from screens.common.form import ActionForm, Field, choice_from, day_from
from screens.common.letters import Letter, LetterListScreen, letter_bindings
from screens.common.text import line, stored
from screens.service.actions import (
    DATE_HINT,
    ROLE_CHOICES,
    service_choices,
    started_line,
    terms_fields,
    terms_from,
)
from ubtui.errors import DuplicateFound, InputError

KIND_CHOICES = (("person", "a person: last and first name"), ("business", "a business: its name in Last name"))
SETTLE_CHOICES = (("refund", "pay the credit back to the customer"),
                  ("transfer", "move it to another account (the new one)"))


def _whole(text: str, field: str, *, low: int = 0) -> int:
    t = (text or "").strip()
    if not t.isdigit() or int(t) < low:
        raise InputError(field, f"{t!r} is not a whole number" + (f" of {low} or more" if low else ""))
    return int(t)


def customer_from(text: str, field: str = "Customer"):
    """(DB thread) the customer whose number is typed."""
    from models import Customer
    if (text or "").strip() and not text.strip().isdigit():
        raise InputError(field, f"{text.strip()[:40]!r} is not a customer number: F4 finds the customer by name")
    c = Customer.get_or_none(Customer.id == _whole(text, field, low=1))
    if c is None or c.merged_into_id is not None:
        raise InputError(field, f"no customer {text.strip()}")
    return c


def premise_from(text: str, field: str = "Premise"):
    """(DB thread) the premise whose number is typed, or whose address is typed in full."""
    from models import Premise
    from ubtui.accounts import fold
    t = (text or "").strip()
    if not t:
        raise InputError(field, "type the premise number (or the address in full)")
    if t.isdigit():
        p = Premise.get_or_none(Premise.id == int(t))
    else:
        hits = list(Premise.select().where(Premise.search_address == fold(t)).limit(2))
        p = hits[0] if len(hits) == 1 else None
    if p is None:
        raise InputError(field, f"no premise {t[:40]!r} (P makes one)")
    return p


def customers_like(user, text: str) -> list[tuple[str, str]]:
    """(DB thread) F4 on a customer field: the customers whose name holds the words typed."""
    from ubtui.search import find_customers
    return find_customers(user, text)


def premises_like(user, text: str) -> list[tuple[str, str]]:
    """(DB thread) F4 on an address field: the premises whose address holds the words typed."""
    from ubtui.search import find_premises
    return find_premises(user, text)


@dataclass(frozen=True)
class Picked:
    kind: str  # customer, premise, meter, account
    id: int
    text: str


# --- duplicates: use one of them, or create anyway -------------------------------------------------
class DuplicateScreen(KeepsRunning, ModalScreen[str | None]):
    """The records like the new one: Enter on one uses it ("use:<id>"); the last line creates
    the new one anyway ("new"); F3 or Esc goes back to the form (None)."""

    DEFAULT_CSS = """
    DuplicateScreen { align: center middle; }
    DuplicateScreen > Vertical { width: 66; height: auto; max-height: 20; border: round $warning;
                                 background: $surface; padding: 0 1; }
    DuplicateScreen OptionList, DuplicateScreen OptionList:focus { height: auto; max-height: 14; border: none; }
    """
    BINDINGS = [Binding("escape,f3,ctrl+b", "close", "Back", priority=True, id="duplicate.close")]

    def __init__(self, error: DuplicateFound):
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        what = "customer" if self.error.kind == "customer" else "service address"
        same = "the same name and phone" if self.error.kind == "customer" else "the same address"
        with Vertical():
            yield Static(Text(f"On file with {same}:", style="bold"))
            # a long name or address wraps onto a second line of its option: never cut
            options = [Option(stored(f"Use {m_id}: {text}"), id=f"use:{m_id}")
                       for m_id, text in self.error.matches]
            options.append(Option(f"Create a new {what} anyway", id="new"))
            yield OptionList(*options, id="duplicate-list")
            yield Static("Enter picks, F3 goes back to the form.")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


class DeskForm(ActionForm):
    """A desk form: ``picked`` is what it made or chose (the desk fills it in next time)."""

    CSS = ".form-row { margin-top: 0; }"  # up to thirteen fields at 80x24 (scoped to the screen)

    def __init__(self, ctx=None, **options):
        super().__init__(ctx, **options)
        self.allow_duplicate = False
        self.picked: Picked | None = None

    def failed(self, e: Exception) -> None:
        if not isinstance(e, DuplicateFound):
            super().failed(e)
            return
        self.app.show_error(e)

        def chosen(answer: str | None) -> None:
            if answer is None:
                return
            if answer == "new":
                self.allow_duplicate = True
                self.action_post()
                return
            m_id = int(answer.partition(":")[2])
            text = dict(e.matches).get(m_id, "")
            self.picked = Picked(e.kind, m_id, text)
            self.done = True
            self.dismiss(f"using {'customer' if e.kind == 'customer' else 'premise'} {m_id}: {text}")

        self.app.push_screen(DuplicateScreen(e), chosen)


class NewCustomerScreen(DeskForm):
    TITLE_TEXT = "New customer"
    INTRO = "A customer with the same name and phone on file is shown first, to use instead."

    def fields(self) -> list[Field]:
        from ubtui.validators import LANGUAGES
        return [
            Field("name", "Last name", "", 60, None, "A business: its name here, Kind business."),
            Field("first_name", "First name", "", 40),
            Field("kind", "Kind", "person", 8, r"[a-zA-Z]*", choices=KIND_CHOICES),
            Field("mailing_street", "Mailing street", "", 80, None, "Where bills go; empty: the service address."),
            Field("mailing_line_2", "Mailing line 2", "", 80),
            Field("city", "City", "", 40),
            Field("state", "State", "", 2, r"[a-zA-Z]*"),
            Field("zip", "ZIP", "", 10, r"[0-9\-]*"),
            Field("phone", "Phone", "", 20, r"[0-9()+\-. ]*", "Home or work phone."),
            Field("mobile", "Mobile", "", 20, r"[0-9()+\-. ]*"),
            Field("e_mail", "E-mail", "", 80),
            Field("language", "Language", "en", 2, r"[a-zA-Z]*", choices=LANGUAGES),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.accounts import customer_line, new_customer
        kind = choice_from(v["kind"], KIND_CHOICES)
        if kind not in ("person", "business"):
            raise InputError("Kind", "person or business (F4)")
        phones = [(k, v[f]) for k, f in (("home", "phone"), ("mobile", "mobile")) if v[f].strip()]
        c = new_customer(user, last_name=v["name"], first_name=v["first_name"] if kind == "person" else "", kind=kind,
                         phones=phones, emails=[v["e_mail"]] if v["e_mail"].strip() else [],
                         mail={"line1": v["mailing_street"], "line2": v["mailing_line_2"], "city": v["city"],
                               "state": v["state"], "zip": v["zip"]},
                         language=v["language"].strip().lower() or "en", allow_duplicate=self.allow_duplicate)
        self.picked = Picked("customer", c.id, customer_line(c))
        return f"new customer {c.id}: {c.display_name}"


class NewPremiseScreen(DeskForm):
    TITLE_TEXT = "New service address"
    INTRO = "The same address on file is shown first, to use instead."

    def fields(self) -> list[Field]:
        return [
            Field("house_number", "House number", "", 10),
            Field("street", "Street", "", 60),
            Field("unit", "Unit", "", 10),
            Field("city", "City", "", 40),
            Field("state", "State", "", 2, r"[a-zA-Z]*"),
            Field("zip", "ZIP", "", 10, r"[0-9\-]*"),
            Field("parcel", "Parcel", "", 20, None, "The county's parcel number (APN)."),
            Field("route", "Route", "", 8, None, "The meter reading route."),
            Field("read_sequence", "Read sequence", "0", 6, r"[0-9]*", "Where on the route the reader comes."),
            Field("dwelling_units", "Dwelling units", "1", 3, r"[0-9]*"),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.accounts import new_premise, premise_line
        p = new_premise(user, house_number=v["house_number"], street=v["street"], unit=v["unit"], city=v["city"],
                        state=v["state"], zip=v["zip"], parcel_number=v["parcel"], route=v["route"],
                        read_sequence=_whole(v["read_sequence"], "Read sequence"),
                        dwelling_units=_whole(v["dwelling_units"], "Dwelling units", low=1),
                        allow_duplicate=self.allow_duplicate)
        self.picked = Picked("premise", p.id, premise_line(p))
        return f"new premise {p.id}: {premise_line(p)}"


class NewMeterScreen(DeskForm):
    TITLE_TEXT = "New meter"
    INTRO = "Set a meter at a service address with its first read."

    def fields(self) -> list[Field]:
        from ubtui.readings import METER_SIZES, METER_UNITS
        return [
            Field("premise", "Premise", self.options.get("premise", ""), 60, None,
                  "Premise number or full address.",
                  search=premises_like),
            Field("serial", "Serial", "", 24),
            Field("size", "Size", '5/8"', 8, None, choices=tuple((s, "") for s in METER_SIZES)),
            Field("make", "Make", "", 24),
            Field("dials", "Dials", "6", 2, r"[0-9]*", "Digits on the register (3 to 10)."),
            Field("unit", "Unit", "HCF", 4, r"[a-zA-Z]*", choices=tuple((u, "") for u in METER_UNITS)),
            Field("multiplier", "Multiplier", "1", 4, r"[0-9]*"),
            Field("installed_on", "Installed on", "+0", 10, r"[0-9+\-]*", DATE_HINT),
            Field("reading", "Reading", "0", 10, r"[0-9]*", "The first read, on the day it was set."),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.readings import new_meter
        p = premise_from(v["premise"])
        m = new_meter(user, p.id, serial=v["serial"], on=day_from(v["installed_on"], "Installed on", self.app.today()),
                      reading=v["reading"].strip() or "0", size=v["size"].strip(), make=v["make"],
                      dials=_whole(v["dials"], "Dials"), unit=v["unit"].strip().upper(),
                      multiplier=_whole(v["multiplier"], "Multiplier"))
        self.picked = Picked("meter", m.id, m.serial)
        return f"meter {m.serial} set at premise {p.id} on {m.installed_on}"


class StartAtAddressScreen(DeskForm):
    TITLE_TEXT = "Start service at an address"
    INTRO = ("A customer (C makes one) at a service address (P); the deposit and the turn-on follow "
             "(a new install where the address has no meter).")

    @staticmethod
    def prepare(user, account_id) -> dict:
        return service_choices(user)

    def fields(self) -> list[Field]:
        return [
            Field("customer", "Customer", self.options.get("customer", ""), 60, None,
                  "Customer number.", search=customers_like),
            Field("premise", "Premise", self.options.get("premise", ""), 60, None,
                  "Premise number or full address.",
                  search=premises_like),
            Field("role", "Role", "tenant", 8, r"[a-zA-Z]*", choices=ROLE_CHOICES),
            *terms_fields(self.options),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui import workorders
        customer = customer_from(v["customer"])
        premise = premise_from(v["premise"])
        started = workorders.start_service(user, premise=premise, customer=customer,
                                           role=choice_from(v["role"], ROLE_CHOICES),
                                           turn_on=day_from(v["turn_on"], "Turn on", self.app.today()),
                                           **terms_from(self, user, v))
        self.picked = Picked("account", started.account.id, started.account.number)
        return started_line(started, customer.display_name)


class MoveScreen(DeskForm):
    """Stop here, start there: from an account (its actions, H) or from the desk (the account
    typed).  The new account's terms are the old one's unless typed."""

    TITLE_TEXT = "Move: stop here, start there"
    INTRO = "Final read at the old address, service at the new one; a credit follows the customer."

    @staticmethod
    def prepare(user, account_id) -> dict:
        return service_choices(user)

    def fields(self) -> list[Field]:
        head = [] if self.ctx is not None else [
            Field("account", "Account", self.options.get("account", ""), 12, r"[0-9\-]*", "The account service stops on.")]
        terms = terms_fields(self.options, account_class="", cycle="", turn_on="", debt=False)
        for i, f in enumerate(terms):
            if f.id == "account_class":
                terms[i] = Field(f.id, f.label, "", f.max_length, f.restrict, "Empty: the old account's.", choices=f.choices)
            elif f.id == "turn_on":
                terms[i] = Field(f.id, "Start on", "", 10, f.restrict, "First day at the new address; empty: the stop day.")
        return [*head,
                Field("premise", "New address", self.options.get("premise", ""), 60, None,
                      "Premise number or full address.",
                      search=premises_like),
                Field("stop_on", "Stop on", "+0", 10, r"[0-9+\-]*", "Last day at the old address. " + DATE_HINT),
                *terms]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui import moves
        from ubtui.accounts import format_account_number, get_account
        if self.ctx is not None:
            account_id = self.ctx.account_id
        else:
            if not v["account"].strip():
                raise InputError("Account", "type the account service stops on")
            account_id = get_account(v["account"].strip()).id
        premise = premise_from(v["premise"], "New address")
        today = self.app.today()
        terms = terms_from(self, user, v)
        terms["cycle"] = terms["cycle"] or None
        moved = moves.move_service(user, account_id, premise=premise,
                                   stop_on=day_from(v["stop_on"], "Stop on", today),
                                   start_on=day_from(v["turn_on"], "Start on", today, required=False), **terms)
        new = moved.started
        self.picked = Picked("account", new.account.id, new.account.number)
        return (f"stop {moved.stop_order.number} on {moved.stop_order.scheduled_on}; "
                f"{started_line(new, premise_text(premise))}"
                .replace(f"new account {format_account_number(new.account.number)} for ",
                         f"new account {format_account_number(new.account.number)} at "))


def premise_text(p) -> str:
    return " ".join(x for x in (p.house_number, p.street, p.unit) if x)


class SettleCreditScreen(DeskForm):
    TITLE_TEXT = "Credit after a final bill"
    INTRO = "Refund the credit, or transfer it to the customer's new account."

    @staticmethod
    def prepare(user, account_id) -> dict:
        from ubtui.money import format_cents
        from ubtui.moves import final_credits
        return {"credits": tuple((c.number, f"credit {format_cents(c.credit_cents)}"
                                  + (f", moved to {c.moved_to}" if c.moved_to else ""))
                                 for c in final_credits(user, limit=200))}

    def fields(self) -> list[Field]:
        credits = self.options.get("credits", ())
        return [
            Field("account", "Account", credits[0][0] if credits else "", 12, r"[0-9\-]*",
                  "A final-billed account with a credit (F4 lists them).", choices=credits),
            Field("how", "Refund or transfer", "transfer", 8, r"[a-zA-Z]*", choices=SETTLE_CHOICES),
            Field("to_account", "To account", "", 12, r"[0-9\-]*", "Empty: the account the customer moved to."),
            Field("reason", "Reason", "", 200),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        from ubtui.money import format_cents
        from ubtui.moves import settle_final_credit
        if not v["account"].strip():
            raise InputError("Account", "type the account (F4 lists them)")
        r = settle_final_credit(user, v["account"].strip(), choice_from(v["how"], SETTLE_CHOICES), reason=v["reason"],
                                to_account=v["to_account"].strip() or None)
        return f"{r.how} of {format_cents(r.amount_cents)} posted" + (f" to {r.to_number}" if r.to_number else "")


# --- the desk -------------------------------------------------------------------------------------
DeskAction = Letter


DESK = (
    DeskAction("c", "New customer", NewCustomerScreen, ("account.create",)),
    DeskAction("p", "New service address (premise)", NewPremiseScreen, ("account.create",)),
    DeskAction("m", "New meter at an address", NewMeterScreen, ("account.edit",)),
    DeskAction("s", "Start service: a customer at an address", StartAtAddressScreen, ("account.create", "workorder.create")),
    DeskAction("v", "Move: stop here, start there", MoveScreen, ("account.create", "workorder.create")),
    DeskAction("r", "Credit after a final bill: refund or transfer", SettleCreditScreen, ("balance.transfer",)),
)


def desk_for(user) -> list[DeskAction]:
    return permitted(DESK, user)


class ServiceDeskScreen(LetterListScreen):
    TITLE_TEXT = "New service"
    CSS_PATH = "desk.tcss"
    HELP_TEXT = ("Press a letter, or move with the arrows and press Enter.  The customer and address "
                 "made or chosen last are filled in for the next form.")
    BINDINGS = letter_bindings(DESK, "desk")
    LETTERS = DESK
    LIST_ID = "desk"

    def __init__(self):
        super().__init__()
        self.customer: Picked | None = None
        self.premise: Picked | None = None
        self.account: Picked | None = None

    def compose_head(self) -> ComposeResult:
        customer, premise = self.picks()
        with Vertical(id="desk-head"):
            yield Static(customer, id="desk-customer")
            yield Static(premise, id="desk-premise")

    def picks(self) -> tuple:
        c, p = self.customer, self.premise
        return (line(f"Customer: {c.id}  {c.text}") if c else "Customer: none yet (C makes one)",
                line(f"Address:  {p.id}  {p.text}") if p else "Address:  none yet (P makes one)")

    def show_picks(self) -> None:
        customer, premise = self.picks()
        self.query_one("#desk-customer", Static).update(customer)
        self.query_one("#desk-premise", Static).update(premise)

    def open_entry(self, a: DeskAction) -> None:
        self.open_form(a)

    @work(exclusive=True, group="desk-open")
    async def open_form(self, a: DeskAction) -> None:
        self.clear_status()
        picks = {"customer": str(self.customer.id) if self.customer else "",
                 "premise": str(self.premise.id) if self.premise else ""}
        options = await self.prepared(a.form, None)
        if options is None:
            return
        form = a.form(None, **picks, **options)
        self.app.push_screen(form, lambda message: self.form_done(form, message))

    def form_done(self, form: DeskForm, message: str | None) -> None:
        if message:
            self.set_status(message)
        got = form.picked
        if got is not None and got.kind in ("customer", "premise", "account"):
            setattr(self, got.kind, got)
        self.show_picks()
