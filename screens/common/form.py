"""The small form every account action uses (screens/actions_*.py), and the F4 lookup list.

A form is a list of ``Field``s, one compact line each.  Enter moves to the next field (on the
last one it posts), F4 lists the choices of the field, F9 posts, F3 goes back.  ``perform``
runs in the database thread: it turns the typed text into values (amounts through
``ubtui.money.parse_amount``), calls ONE core function and returns the line to show.  A core
error is shown in the status line and the field it names gets the focus; nothing is written.
Each opened form has one idempotency key, and a second F9 while (or after) posting does
nothing, so a double key press posts once.

When the core refuses for want of a supervisor's approval (``ApprovalNeeded``: a fee or
deposit over the fee schedule, prior debt moved), the form asks for it (``ApprovalScreen``:
the supervisor's user name and password) and posts again with them, under the same key;
``perform`` finds them in ``values`` as ``approver_username`` / ``approver_password`` and
passes them to the core function, which checks them and audits who approved.
"""
from __future__ import annotations

import datetime as _dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import peewee
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.common.base import BaseScreen, KeepsRunning, key_binding
from screens.common.fields import MoneyInput
from screens.common.text import line, stored
from ubtui.dates import parse_date
from ubtui.errors import ApprovalNeeded, InputError, UbtuiError, field_key
from ubtui.money import format_cents, parse_amount
from ubtui.text import safe_text


@dataclass(frozen=True)
class Field:
    id: str
    label: str  # also the name the core uses in InputError("Label", ...)
    value: str = ""
    max_length: int = 60
    restrict: str | None = None
    hint: str = ""
    password: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, what it means): F4 lists them

    @property
    def money(self) -> bool:
        """An amount (its restrict takes "$"): typed into a ``MoneyInput``, which keeps every
        key and says at once, naming the field, when the text cannot be an amount."""
        return self.restrict is not None and "$" in self.restrict


@dataclass(frozen=True)
class AccountContext:
    """What the actions list and its forms show about the account (read in the DB thread)."""

    account_id: int
    number: str
    name: str
    address: str
    status: str
    balance_cents: int
    deposit_held_cents: int
    autopay: object | None  # ubtui.autopay.Enrollment
    open_orders: list  # ubtui.workorders.OpenOrder
    payments: list  # ubtui.inquiry.PaymentRow, posted only

    def line(self) -> str:
        return (f"{self.number}  {self.name}  {self.address}  {self.status.replace('_', ' ')}  "
                f"Balance {format_cents(self.balance_cents)}")


def load_context(user, account_id: int, today: _dt.date) -> AccountContext:
    """(DB thread) the account summary, autopay enrolment, open orders and posted receipts."""
    from ubtui import accounts, autopay, inquiry, workorders

    s = inquiry.account_summary(user, account_id, as_of=today)
    party = accounts.customer_of_record(account_id, today)  # the one rule: bill, receipt, letters, search
    name = party.name if party else ""
    pays = [p for p in inquiry.payments(user, account_id) if p.status == "posted" and p.receipt_number]
    return AccountContext(account_id, s.number, name, s.service_address, s.status, s.balance_cents,
                          s.deposit_held_cents, autopay.active_enrollment(user, account_id),
                          workorders.open_work_orders(user, account_id=account_id), pays)


# --- typed text to values (the screen's half of the job; the core validates the rest) ----------
def choice_from(text: str, choices: tuple[tuple[str, str], ...]) -> str:
    """The choice ``text`` starts (``leak`` -> ``leak_investigation``); otherwise the text as typed,
    so the core's message names the field and the allowed values."""
    t = (text or "").strip().lower().replace(" ", "_")
    if any(t == v.lower() for v, _ in choices):
        return next(v for v, _ in choices if t == v.lower())
    hits = [v for v, _ in choices if t and v.lower().startswith(t)]
    return hits[0] if len(hits) == 1 else t


def day_from(text: str, field: str, today: _dt.date, *, required: bool = True) -> _dt.date | None:
    """``YYYY-MM-DD`` or ``+N`` days from ``today``; empty is ``None``, or refused when required."""
    day = parse_date(text, field, today=today)
    if day is None and required:
        raise InputError(field, "type a date YYYY-MM-DD or +days")
    return day


def yes_no(text: str, field: str) -> bool:
    t = (text or "").strip().lower()
    if t in ("y", "yes"):
        return True
    if t in ("n", "no"):
        return False
    raise InputError(field, "type Y or N")


def short_key() -> str:
    return "ui:" + uuid.uuid4().hex


def data_table(table_id: str, columns) -> DataTable:
    """A row-cursor table of ``Col``s (or ``(label, width[, grow])``): the app's one width
    policy, screens/common/table.py (the worklists of these screens)."""
    from screens.common.table import FitTable

    return FitTable(columns, id=table_id)


# --- the F4 list ---------------------------------------------------------------------------------
LOOKUP_TEXT = 56  # characters of a choice line that fit the 64-wide box


def clip(text: str, width: int) -> str:
    """One line: ``text`` cut to ``width`` with an ellipsis (OptionList would wrap it)."""
    return text if len(text) <= width else text[:width - 1] + "…"


class LookupScreen(KeepsRunning, ModalScreen[str | None]):
    """A list of choices: Enter picks (returns the value), F3 or Esc returns nothing."""

    DEFAULT_CSS = """
    LookupScreen { align: center middle; }
    LookupScreen > Vertical { width: 64; height: auto; max-height: 20; border: round $primary;
                              background: $surface; padding: 0 1; }
    LookupScreen OptionList, LookupScreen OptionList:focus { height: auto; max-height: 16; border: none; }
    """
    BINDINGS = [Binding("escape,f3,ctrl+b,f4,ctrl+k", "close", "Close", priority=True, id="lookup.close")]

    def __init__(self, title: str, choices: tuple[tuple[str, str], ...]):
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            width = max((len(v) for v, _ in self.choices), default=0)
            # a long choice wraps onto a second line of its option (never cut: #17)
            yield OptionList(*(Option(stored(f"{v:<{width}}  {d}"), id=str(i))
                               for i, (v, d) in enumerate(self.choices)), id="lookup-list")
            yield Static("Enter picks, F3 closes.")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id)][0])

    def action_close(self) -> None:
        self.dismiss(None)


class ApprovalScreen(KeepsRunning, ModalScreen[tuple[str, str] | None]):
    """A supervisor approves at this terminal: user name and password.  Enter (on the
    password) or F9 returns them; F3 or Esc returns nothing (the form is left as it was)."""

    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > Vertical { width: 64; height: auto; border: round $warning; background: $surface;
                                padding: 0 1; }
    ApprovalScreen #approval-why { height: auto; margin-bottom: 1; }
    ApprovalScreen .form-row { height: 1; margin-bottom: 1; }
    ApprovalScreen .form-label { width: 12; }
    ApprovalScreen Input { width: 1fr; text-style: underline; }
    """
    BINDINGS = [Binding("escape,f3,ctrl+b", "close", "Cancel", priority=True, id="approval.close"),
                Binding("f9,ctrl+x", "approve", "Approve", priority=True, id="approval.approve")]

    def __init__(self, why: str):
        super().__init__()
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Supervisor's approval", style="bold"))
            yield Static(stored(self.why), id="approval-why")
            with Horizontal(classes="form-row"):
                yield Label("Supervisor", classes="form-label")
                yield Input(id="approval-user", max_length=32, restrict=r"[A-Za-z0-9_.\-]*", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Password", classes="form-label")
                yield Input(id="approval-password", max_length=128, password=True, compact=True)
            yield Static("The supervisor types their own user name and password.  F9 approves, F3 cancels.")

    def on_mount(self) -> None:
        self.query_one("#approval-user", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "approval-user":
            self.query_one("#approval-password", Input).focus()
        else:
            self.action_approve()

    def action_approve(self) -> None:
        user = self.query_one("#approval-user", Input).value.strip()
        if not user:
            self.query_one("#approval-user", Input).focus()
            return
        self.dismiss((user, self.query_one("#approval-password", Input).value))

    def action_close(self) -> None:
        self.dismiss(None)


# --- the form ------------------------------------------------------------------------------------
class ActionForm(BaseScreen):
    """Subclasses set ``TITLE_TEXT``, ``INTRO`` and ``fields()``, and implement ``perform``."""

    CSS_PATH = str(Path(__file__).with_name("form.tcss"))  # subclasses live in other folders
    INTRO = ""
    FIELD_PREFIX = "f-"  # the Input of field ``amount`` is ``#f-amount``
    HELP_TEXT = ("Enter moves to the next field (on the last one it posts); F4 lists the choices of "
                 "the field; F9 posts; F3 goes back without posting.")
    BINDINGS = [
        key_binding("post", "post"),
        key_binding("lookup", "lookup"),
    ]

    def __init__(self, ctx: AccountContext | None = None, **options):
        super().__init__()
        self.ctx = ctx
        self.options = options
        self.key = short_key()  # one per opened form: a double F9 posts once
        self.busy = False
        self.done = False
        self.field_list = self.fields()

    # --- what a subclass says --------------------------------------------------------------
    def fields(self) -> list[Field]:
        return []

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        """(DB thread, before the form opens) more it needs to read: the form's ``options``."""
        return {}

    def perform(self, user, values: dict[str, str]) -> str:
        """(DB thread) turn ``values`` into a core call; return the line to show."""
        raise NotImplementedError

    def amount(self, text: str, field: str, **kw) -> int:
        """Typed money to cents: the one parser, with the configured limit."""
        return parse_amount(text, field=field, max_cents=self.app.config.max_amount_cents, **kw)

    def extra_lines(self) -> list[str]:
        """Lines under the intro (e.g. the deposit held); the account line comes first."""
        return []

    # --- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="form"):
            if self.ctx is not None:
                yield Static(line(self.ctx.line()), id="form-account")
            if self.INTRO:
                yield Static(self.INTRO, id="form-intro")
            for extra in self.extra_lines():
                yield Static(line(extra), classes="form-extra")
            for f in self.field_list:
                with Horizontal(classes="form-row"):
                    yield Label(f.label, classes="form-label")
                    if f.money:  # empty may mean something (all of the balance): perform decides
                        yield MoneyInput(f.value, field=f.label, optional=True, allow_negative="-" in f.restrict,
                                         id=f"f-{f.id}", select_on_focus=True)
                        continue
                    suggester = SuggestFromList([v for v, _ in f.choices], case_sensitive=False) if f.choices else None
                    # a stored value may hold ESC sequences: the box shows placeholders, and a
                    # post saves those instead of the control characters
                    yield Input(value=safe_text(f.value), id=f"f-{f.id}", max_length=f.max_length, restrict=f.restrict,
                                password=f.password, compact=True, suggester=suggester, select_on_focus=True)
            yield Static("", id="form-hint")

    def on_mount(self) -> None:
        if self.field_list:
            self.query_one(f"#f-{self.field_list[0].id}", Input).focus()
        else:
            self.show_hint(None)

    # --- moving about ----------------------------------------------------------------------
    def field_of(self, widget) -> Field | None:
        for f in self.field_list:
            if widget is not None and widget.id == f"f-{f.id}":
                return f
        return None

    def show_hint(self, f: Field | None) -> None:
        if f is None:
            text = "F9 posts, F3 goes back."
        else:
            text = f.hint or ""
            if f.choices and "F4" not in text:  # the field's own hint may say what F4 lists
                text = (text + "  " if text else "") + "F4 lists the choices."
        self.query_one("#form-hint", Static).update(text)

    def on_descendant_focus(self, event) -> None:
        self.show_hint(self.field_of(event.widget))
        self.refresh_bindings()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "lookup":  # F4 only where the field has a list
            f = self.field_of(self.focused)
            return bool(f and f.choices)
        return True

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.next_field(event.input)

    def next_field(self, box: Input) -> None:
        """Enter: the next field, or post from the last one."""
        if not self.focus_after([f"f-{f.id}" for f in self.field_list], box.id):
            self.action_post()

    def action_lookup(self) -> None:
        f = self.field_of(self.focused)
        if f is None or not f.choices:
            return
        box = self.query_one(f"#f-{f.id}", Input)

        def chosen(value: str | None) -> None:
            if value is None:
                return
            box.value = value
            if box.id != f"f-{self.field_list[-1].id}":  # a pick moves on; it never posts
                self.next_field(box)

        self.app.push_screen(LookupScreen(f.label, f.choices), chosen)

    # --- posting ---------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {f.id: self.val(f.id) for f in self.field_list}

    def action_post(self) -> None:
        if self.busy or self.done:
            return
        for box in self.query(MoneyInput):
            try:
                box.cents()
            except InputError as e:
                self.failed(e)
                return
        self.busy = True
        self.set_status("posting...")
        self.app.hold_keys()  # keys typed meanwhile belong to the form (error) or the list (done)
        self.post(self.values())

    @work(exclusive=True, group="action-form")
    async def post(self, values: dict[str, str]) -> None:
        try:
            message = await self.app.db(self.perform, self.app.user, values)
        except ApprovalNeeded as e:
            if "approver_username" in values:  # approved, and refused all the same: say why
                self.busy = False
                self.failed(e)
            else:
                self.ask_approval(e, values)
            self.app.call_after_refresh(self.app.release_keys)  # the supervisor's keys go to the dialog
            return
        except (UbtuiError, peewee.DatabaseError) as e:
            self.busy = False
            self.failed(e)
            self.app.call_after_refresh(self.app.release_keys)
            return
        self.busy = False
        self.done = True
        self.dismiss(message)
        self.app.call_after_refresh(self.app.release_keys)

    def widget_for_key(self, key: str) -> str | None:
        """A field answers to its id and to the key of its label (the name the core uses)."""
        for f in self.field_list:
            if key in (f.id, field_key(f.label)):
                return f"f-{f.id}"
        return super().widget_for_key(key)

    def ask_approval(self, e: ApprovalNeeded, values: dict[str, str]) -> None:
        """The core wants a supervisor's approval: ask for it, then post again with it (the
        same form, the same idempotency key); cancelled, the form stays as it was."""
        self.set_status(str(e))

        def approved(credentials: tuple[str, str] | None) -> None:
            if credentials is None:
                self.busy = False
                self.set_status("not posted: no approval")
                return
            self.set_status("posting...")
            self.app.hold_keys()
            self.post({**values, "approver_username": credentials[0], "approver_password": credentials[1]})

        self.app.push_screen(ApprovalScreen(str(e)), approved)

    def failed(self, e: Exception) -> None:
        self.show_core_error(e)

    def action_back(self) -> None:
        self.dismiss(None)


# --- the same fields on a screen of its own: groups shown by a rule, the Enter walk --------------
def field_box(f: Field, wid: str, *, money: bool | None = None, **kw) -> Input:
    """The box of ``f`` with the widget id ``wid``, on any screen (an ``ActionForm`` row holds
    the same): an amount (``f.money``, or ``money=True``) is a ``MoneyInput`` named by the
    label, empty allowed unless ``optional=False``; otherwise an Input with the field's value,
    length, restriction, password, and its F4 choices as suggestions.  ``kw`` goes to the
    widget (``placeholder``, ``classes``, ``optional`` ...)."""
    kw.setdefault("select_on_focus", True)
    if f.money if money is None else money:
        kw.setdefault("optional", True)
        # negative only when the restriction lets a minus sign in ("0-9" is a range, not one)
        kw.setdefault("allow_negative", bool(f.restrict) and re.fullmatch(f.restrict, "-5") is not None)
        return MoneyInput(f.value, field=f.label, id=wid, **kw)
    kw.setdefault("suggester", SuggestFromList([v for v, _ in f.choices], case_sensitive=False)
                  if f.choices else None)
    return Input(value=f.value, id=wid, max_length=f.max_length, restrict=f.restrict, password=f.password,
                 compact=True, **kw)


@dataclass(frozen=True)
class FieldGroup:
    """Fields shown, hidden and walked together.  ``id`` is the id of the container that
    holds them; ``when`` the states of the screen (its phase, the tender chosen ...) in which
    the group shows, empty for always.  A field's widget id is the screen's ``FIELD_PREFIX``
    and the field's id."""

    id: str
    fields: tuple[Field, ...]
    when: frozenset[str] = frozenset()

    def shown_in(self, state: str) -> bool:
        return not self.when or state in self.when


class GroupedFields:
    """For a screen (a ``BaseScreen``) whose fields are ``FieldGroup``s it lays out itself
    (a grid of denominations, a row of tender details): the visibility rule, the Enter walk
    and the field keys come from the declarations, once.

    The screen says ``field_groups()`` and ``field_state()``; ``show_groups()`` shows the
    groups of the state, ``walk()`` lists the widget ids Enter walks (the fields of the groups
    shown, in order), ``field_row`` makes a one-line label and box, and an ``InputError``'s key
    finds its field by the field's id or its label's key (``FIELD_WIDGETS`` first)."""

    def field_groups(self) -> list[FieldGroup]:
        return []

    def field_state(self) -> str:
        return ""

    def field_wid(self, f: Field) -> str:
        return f"{getattr(self, 'FIELD_PREFIX', '')}{f.id}"

    def field_row(self, f: Field, *, row_id: str | None = None, row_classes: str = "form-row",
                  label_classes: str = "form-label", **kw) -> Horizontal:
        """One line (``row_id``): the field's label, then its box (``field_box``; ``kw`` goes
        to the box)."""
        return Horizontal(Label(f.label, classes=label_classes), field_box(f, self.field_wid(f), **kw),
                          id=row_id, classes=row_classes)

    def show_groups(self) -> None:
        state = self.field_state()
        for g in self.field_groups():
            self.query_one(f"#{g.id}").display = g.shown_in(state)  # type: ignore[attr-defined]

    def walk(self) -> list[str]:
        state = self.field_state()
        return [self.field_wid(f) for g in self.field_groups() if g.shown_in(state) for f in g.fields]

    def field_by_key(self, key: str) -> Field | None:
        for g in self.field_groups():
            for f in g.fields:
                if key in (f.id, field_key(f.label)):
                    return f
        return None

    def widget_for_key(self, key: str) -> str | None:
        found = super().widget_for_key(key)  # type: ignore[misc]
        if found is None and (f := self.field_by_key(key)) is not None:
            found = self.field_wid(f)
        return found
