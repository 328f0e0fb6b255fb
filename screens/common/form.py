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
import inspect
import re
from collections.abc import Callable
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
from textual.widgets import DataTable, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from screens.common.base import BaseScreen, KeepsRunning, key_binding
from screens.common.fields import FieldInput, MoneyInput, NoteArea
from screens.common.text import line, stored
from ubtui import ledger
from ubtui.dates import parse_date
from ubtui.errors import ApprovalNeeded, InputError, UbtuiError, field_key
from ubtui.money import format_cents, parse_amount
from ubtui.text import safe_text


@dataclass(frozen=True)
class Field:
    """One field of a form.  Beyond the text box itself (``label``, ``value``, ``max_length``,
    ``restrict``, ``hint``, ``password``, ``choices``), what every form of the app needs:

    ``row``: fields with the same row share one line (a group, in the order listed: Enter
    walks the list, Tab the lines).  ``shown``: a rule on the form's values (``{id: text}``);
    a field it hides is skipped by Enter and Tab and takes no room.  ``enter_posts``: Enter
    here posts (a rule on the values, or True) instead of moving on.  ``lines``: a multi-line
    text (a ``NoteArea`` this many lines high: Enter starts a new line, Enter on an empty last
    line moves on).  ``cycle``: F4 steps to the next choice instead of listing them.
    ``search``: F4 lists what matches the text typed (no fixed ``choices``).
    ``caption``: what the label shows when it says more than the name errors use.  ``note``:
    a text after the box (``#<prefix><id>-note``; the form may update it).
    """

    id: str
    label: str  # also the name the core uses in InputError("Label", ...)
    value: str = ""
    max_length: int = 60
    restrict: str | None = None
    hint: str = ""
    password: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, what it means): F4 lists them
    row: str = ""
    shown: Callable[[dict[str, str]], bool] | None = None
    enter_posts: bool | Callable[[dict[str, str]], bool] = False
    lines: int = 0
    cycle: bool = False
    caption: str = ""
    note: str | None = None
    # F4 looks up what is typed so far: (user, text) -> [(value, what it is)], run in the
    # database thread (ubtui.search.find_premises, find_customers); the pick replaces the text
    search: Callable[..., list[tuple[str, str]]] | None = None

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
    payments: list  # ubtui.inquiry.PaymentRow, posted and returnable only

    def line(self) -> str:
        return (f"{self.number}  {self.name}  {self.address}  {self.status.replace('_', ' ')}  "
                f"Balance {format_cents(self.balance_cents)}")


def load_context(user, account_id: int, today: _dt.date) -> AccountContext:
    """(DB thread) the account summary, autopay enrolment, open orders and the posted receipts a
    bank could return (no cash in them: ``returns.returnable``)."""
    from ubtui import accounts, autopay, inquiry, returns, workorders

    s = inquiry.account_summary(user, account_id, as_of=today)
    party = accounts.customer_of_record(account_id, today)  # the one rule: bill, receipt, letters, search
    name = party.name if party else ""
    pays = [p for p in inquiry.payments(user, account_id)
            if p.status == "posted" and p.receipt_number and returns.returnable(p.tender_kinds)]
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
    return ledger.new_key("ui:")


def data_table(table_id: str, columns) -> DataTable:
    """A row-cursor table of ``Col``s (or ``(label, width[, grow])``): the app's one width
    policy, screens/common/table.py (the worklists of these screens)."""
    from screens.common.table import FitTable

    return FitTable(columns, id=table_id)


# --- the F4 list ---------------------------------------------------------------------------------
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
FORM_CSS = str(Path(__file__).with_name("form.tcss"))


class ActionForm(BaseScreen):
    """The app's one form framework: a list of ``Field``s laid out (rows, visibility rules,
    notes, multi-line text), walked with Enter (on the last one, or where ``enter_posts``
    says, it posts), F4 lists (or steps through) a field's choices, F9 posts once in the
    database thread with keys typed meanwhile held, a core error lands on its field, a
    supervisor's approval is asked for when the core wants one.

    Subclasses set ``TITLE_TEXT``, ``INTRO`` and ``fields()``, and implement ``perform``; a
    form with its own stylesheet lists ``[FORM_CSS, "own.tcss"]``.  Hooks: ``entered`` (Enter
    or a pick on a field: read something, refuse to move on), ``changed`` (a field's text
    changed), ``choices_for`` (choices known only once the form runs), ``posted`` (what to do
    with ``perform``'s answer: by default close the form with it), ``compose_after``
    (widgets under the fields).  ``ModalForm`` is the same form in a box over the screen."""

    CSS_PATH = FORM_CSS  # subclasses live in other folders
    BINDINGS = [
        key_binding("post", "post"),
        key_binding("lookup", "lookup"),
    ]

    INTRO = ""
    FIELD_PREFIX = "f-"  # the Input of field ``amount`` is ``#f-amount``
    HINT = ""  # the hint line when the focused field has none of its own
    SHOW_HINT = True  # a hint line under the fields
    COMPACT = True  # one-line boxes (False: boxes with a border)
    STACKED = False  # each label above its box (True) or beside it
    LOOKUP_MOVES_ON = True  # a pick from the F4 list moves on, as Enter does
    LOOKUP_ELSEWHERE: str | None = None  # F4 on a field with no list looks up this field
    FIRST_FIELD: str | None = None  # where the cursor starts (None: the first field)
    HELP_TEXT = ("Enter moves to the next field (on the last one it posts); F4 lists the choices of "
                 "the field; F9 posts; F3 goes back without posting.")

    def __init__(self, ctx: AccountContext | None = None, **options):
        super().__init__()
        self.ctx = ctx
        self.options = options
        self.key = short_key()  # one per opened form: a double F9 posts once
        self.busy = False
        self.done = False
        self.field_list = self.fields()
        self._shown: dict[str, bool] = {}  # field id -> shown, once a rule has said
        self._rows: dict[str, list[str]] = {}  # row widget id -> its field ids

    # --- what a subclass says --------------------------------------------------------------
    def fields(self) -> list[Field]:
        return []

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        """(DB thread, before the form opens) more it needs to read: the form's ``options``."""
        return {}

    def perform(self, user, values: dict[str, str]):
        """(DB thread) turn ``values`` into a core call; return the line to show."""
        raise NotImplementedError

    def amount(self, text: str, field: str, **kw) -> int:
        """Typed money to cents: the one parser, with the configured limit."""
        return parse_amount(text, field=field, max_cents=self.app.config.max_amount_cents, **kw)

    def extra_lines(self) -> list[str]:
        """Lines under the intro (e.g. the deposit held); the account line comes first."""
        return []

    def compose_after(self) -> ComposeResult:
        """Widgets under the fields (a preview, a result): none by default."""
        yield from ()

    async def entered(self, f: Field) -> bool:
        """Enter (or a pick from its list) on ``f``: False keeps the cursor where the form put it."""
        return True

    def changed(self, f: Field) -> None:
        """The text of ``f`` changed (the visibility rules are already applied)."""

    def choices_for(self, f: Field) -> tuple[tuple[str, str], ...]:
        return f.choices

    def lookup_title(self, f: Field) -> str:
        return f.label

    def posted(self, result) -> None:
        """``perform`` answered: the form closes with its answer."""
        self.done = True
        self.dismiss(result)

    # --- layout ----------------------------------------------------------------------------
    def wid(self, fid: str) -> str:
        return f"{self.FIELD_PREFIX}{fid}"

    def compose_fields(self) -> ComposeResult:
        """The fields: one line each, or one line per ``row``; labels above when ``STACKED``."""
        if self.STACKED:
            for f in self.field_list:
                yield Label(f.caption or f.label, classes="form-caption", id=self.wid(f"{f.id}-label"))
                yield from self.compose_box(f)
            return
        rows: list[list[Field]] = []
        named: dict[str, list[Field]] = {}
        for f in self.field_list:
            if f.row and f.row in named:
                named[f.row].append(f)
                continue
            rows.append([f])
            if f.row:
                named[f.row] = rows[-1]
        for row in rows:
            self._rows[self.wid(f"row-{row[0].id}")] = [f.id for f in row]
            with Horizontal(classes="form-row", id=self.wid(f"row-{row[0].id}")):
                for f in row:
                    yield Label(f.caption or f.label, classes="form-label", id=self.wid(f"{f.id}-label"))
                    yield from self.compose_box(f)

    def compose_box(self, f: Field) -> ComposeResult:
        if f.lines:
            area = NoteArea(safe_text(f.value, multiline=True), id=self.wid(f.id), soft_wrap=True, tab_behavior="focus",
                            show_line_numbers=False, classes="form-text")
            area.styles.height = f.lines
            yield area
        else:  # an amount's empty box may mean something (all of the balance): perform decides
            yield field_box(f, self.wid(f.id), compact=self.COMPACT)
        if f.note is not None:
            yield Static(f.note, id=self.wid(f"{f.id}-note"), classes="form-note")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="form"):
            if self.ctx is not None:
                yield Static(line(self.ctx.line()), id="form-account")
            if self.INTRO:
                yield Static(self.INTRO, id="form-intro")
            for extra in self.extra_lines():
                yield Static(line(extra), classes="form-extra")
            yield from self.compose_fields()
            if self.SHOW_HINT:
                yield Static("", id="form-hint")
            yield from self.compose_after()

    def on_mount(self) -> None:
        self.apply_rules()
        first = next((f for f in self.field_list if self.is_shown(f)
                      and f.id == (self.FIRST_FIELD or f.id)), None)
        if first is not None:
            self.query_one(f"#{self.wid(first.id)}").focus()
        else:
            self.show_hint(None)

    # --- visibility ------------------------------------------------------------------------
    def is_shown(self, f: Field) -> bool:
        return self._shown.get(f.id, True)

    def apply_rules(self) -> None:
        """Show and hide the fields whose ``shown`` rule says so (and a row nobody is left on)."""
        if not any(f.shown for f in self.field_list):
            return
        values = self.values()
        for f in self.field_list:
            if f.shown is None:
                continue
            show = bool(f.shown(values))
            if self._shown.get(f.id, True) == show:
                continue
            self._shown[f.id] = show
            for part in (f.id, f"{f.id}-label", f"{f.id}-note"):
                for w in self.query(f"#{self.wid(part)}"):
                    w.display = show
        for row_id, members in self._rows.items():
            self.query_one(f"#{row_id}").display = any(self._shown.get(fid, True) for fid in members)

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _field_changed(self, event) -> None:
        widget = event.input if isinstance(event, Input.Changed) else event.text_area
        f = self.field_of(widget)
        if f is None:
            return
        self.apply_rules()
        self.changed(f)

    # --- moving about ----------------------------------------------------------------------
    def field_of(self, widget) -> Field | None:
        for f in self.field_list:
            if widget is not None and widget.id == self.wid(f.id):
                return f
        return None

    def show_hint(self, f: Field | None) -> None:
        if not self.SHOW_HINT:
            return
        if f is None:
            text = self.HINT or "F9 posts, F3 goes back."
        else:
            text = f.hint or self.HINT
            if f.search is not None and "F4" not in text:
                text = (text + "  " if text else "") + "F4 lists what matches the words typed."
            elif self.choices_for(f) and "F4" not in text:  # the field's own hint may say what F4 lists
                text = (text + "  " if text else "") + ("F4 steps through the choices." if f.cycle
                                                        else "F4 lists the choices.")
        self.query_one("#form-hint", Static).update(text)

    def on_descendant_focus(self, event) -> None:
        self.show_hint(self.field_of(event.widget))
        self.refresh_bindings()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "lookup":  # F4 only where the field has a list
            f = self.field_of(self.focused)
            return bool(f and (self.choices_for(f) or f.search)) or self.LOOKUP_ELSEWHERE is not None
        return True

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.enter_in(event.input)

    @on(NoteArea.Done)
    async def text_done(self, event: NoteArea.Done) -> None:
        """Enter on the empty last line of a multi-line field: as Enter on a one-line field."""
        event.stop()
        await self.enter_in(event.text_area)

    async def enter_in(self, widget) -> None:
        f = self.field_of(widget)
        if f is not None and await self.entered(f):
            self.move_on(f)

    def move_on(self, f: Field) -> None:
        """After Enter on ``f``: post where it says so, else the next shown field (or post)."""
        values = self.values()
        posts = f.enter_posts(values) if callable(f.enter_posts) else f.enter_posts
        if posts or not self.focus_field_after(f):
            self.action_post()

    def focus_field_after(self, f: Field) -> bool:
        """The cursor to the next shown field after ``f``; False when ``f`` is the last."""
        later = self.field_list[self.field_list.index(f) + 1:]
        nxt = next((g for g in later if self.is_shown(g)), None)
        if nxt is not None:
            self.query_one(f"#{self.wid(nxt.id)}").focus()
        return nxt is not None

    def next_field(self, box: Input) -> None:
        """Enter: the next field, or post from the last one."""
        f = self.field_of(box)
        if f is not None:
            self.move_on(f)

    def action_lookup(self) -> None:
        f = self.field_of(self.focused)
        if (f is None or not self.choices_for(f)) and self.LOOKUP_ELSEWHERE is not None:
            f = next(g for g in self.field_list if g.id == self.LOOKUP_ELSEWHERE)
        choices = self.choices_for(f) if f is not None else ()
        if f is not None and not choices and f.search is not None:
            self.search_field(f)
            return
        if f is None or not choices:
            return
        box = self.query_one(f"#{self.wid(f.id)}", Input)
        if f.cycle:  # the next choice in place: a short list stepped through with F4
            current = choice_from(box.value, choices)
            values = [v for v, _ in choices]
            i = values.index(current) if current in values else -1
            box.value = values[(i + 1) % len(values)]
            box.cursor_position = len(box.value)
            return
        self.show_choices(f, choices)

    @work(exclusive=True, group="form-search")
    async def search_field(self, f: Field) -> None:
        """F4 on a ``search`` field: what matches its text, to pick from (keys typed meanwhile
        wait, so they land in the list or after it as they would have)."""
        box = self.query_one(f"#{self.wid(f.id)}", Input)
        text = box.value
        self.app.hold_keys()
        try:
            try:
                found = await self.app.db(f.search, self.app.user, text)
            except InputError as e:
                self.failed(InputError(f.label, e.reason))
                return
            except Exception as e:  # one line; the form stays as it was
                self.app.show_error(e)
                return
            if not found:
                self.failed(InputError(f.label, f"nothing matches {text.strip()[:40]!r}: type fewer or other words"))
                return
            self.show_choices(f, tuple(found))
        finally:
            self.app.call_after_refresh(self.app.release_keys)

    def show_choices(self, f: Field, choices: tuple[tuple[str, str], ...]) -> None:
        """The F4 list of ``choices`` for ``f``; a pick goes into its box and moves on."""
        box = self.query_one(f"#{self.wid(f.id)}", Input)

        async def chosen(value: str | None) -> None:
            if value is None:
                return
            box.value = value
            box.focus()
            if await self.entered(f) and self.LOOKUP_MOVES_ON:  # a pick moves on; it never posts
                self.focus_field_after(f)

        self.app.push_screen(LookupScreen(self.lookup_title(f), choices), chosen)

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
            result = await self.app.db(self.perform, self.app.user, values)
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
        self.posted(result)
        self.app.call_after_refresh(self.app.release_keys)

    def widget_for_key(self, key: str) -> str | None:
        """A field answers to its id and to the key of its label (the name the core uses)."""
        for f in self.field_list:
            if key in (f.id, field_key(f.label)):
                return self.wid(f.id)
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
    kw.setdefault("compact", True)
    # a stored value may hold ESC sequences: the box shows placeholders, and a post saves
    # those instead of the control characters
    return FieldInput(safe_text(f.value), field=f.label, id=wid, max_length=f.max_length, restrict=f.restrict,
                      password=f.password, **kw)


@dataclass(frozen=True)
class FieldGroup:
    """Fields shown, hidden and walked together.  ``id`` is the id of the container that
    holds them; ``when`` the states of the screen (its phase, the tender chosen ...) in which
    the group shows, empty for always.  A field's widget id is the screen's ``FIELD_PREFIX``
    and the field's id, unless the group names ``boxes``: groups that take turns in one row
    (the details of a tender: check number, bank ... or card last 4, auth code) share its
    container and its boxes, the group shown lending each box its field (label, length,
    restriction), in order.  ``enter_posts``: Enter on a field of the group posts, and Enter
    on the fields before it never walks into it (a row the screen sends the clerk to)."""

    id: str
    fields: tuple[Field, ...]
    when: frozenset[str] = frozenset()
    boxes: tuple[str, ...] = ()
    enter_posts: bool = False

    def shown_in(self, state: str | frozenset[str]) -> bool:
        """Shown in ``state`` (one state, or the set of states the screen is in)."""
        states = {state} if isinstance(state, str) else state
        return not self.when or bool(self.when & states)

    def widgets(self, prefix: str = "") -> list[str]:
        """The widget ids of its fields, in order."""
        return list(self.boxes[:len(self.fields)]) if self.boxes else [f"{prefix}{f.id}" for f in self.fields]


def group_keys(groups: list[FieldGroup], prefix: str = "") -> dict[str, str]:
    """The key of each field's label (the name an ``InputError`` carries) -> its widget id."""
    return {field_key(f.label): w for g in groups for f, w in zip(g.fields, g.widgets(prefix))}


class GroupedFields:
    """For a screen (a ``BaseScreen``) whose fields are ``FieldGroup``s it lays out itself
    (a grid of denominations, a row of tender details): the visibility rule, the Enter walk
    and the field keys come from the declarations, once.

    The screen says ``field_groups()`` and ``field_state()``; ``show_groups()`` shows the
    groups of the state, ``walk()`` lists the widget ids Enter walks (the fields of the groups
    shown, in order), ``enter_on`` is Enter on a box (hooks ``entered``, ``moved_on``),
    ``field_row`` makes a one-line label and box, ``shared_row`` the row groups take turns
    in, and an ``InputError``'s key finds its field by the field's id or its label's key
    (``FIELD_WIDGETS`` first)."""

    def field_groups(self) -> list[FieldGroup]:
        return []

    def field_state(self) -> str | frozenset[str]:
        return ""

    def field_wid(self, f: Field) -> str:
        return f"{getattr(self, 'FIELD_PREFIX', '')}{f.id}"

    def group_wids(self, g: FieldGroup) -> list[str]:
        return g.widgets(getattr(self, "FIELD_PREFIX", ""))

    def field_row(self, f: Field, *, row_id: str | None = None, row_classes: str = "form-row",
                  label_classes: str = "form-label", **kw) -> Horizontal:
        """One line (``row_id``): the field's label, then its box (``field_box``; ``kw`` goes
        to the box)."""
        return Horizontal(Label(f.label, classes=label_classes), field_box(f, self.field_wid(f), **kw),
                          id=row_id, classes=row_classes)

    @staticmethod
    def shared_row(groups: list[FieldGroup], *, row_classes: str = "form-row", label_classes: str = "form-label",
                   **kw) -> Horizontal:
        """The row ``groups`` take turns in (their ``id``, their ``boxes``): a label
        (``#<box>-label``) and a box for each; ``show_groups`` fills them in."""
        boxes = list(dict.fromkeys(b for g in groups for b in g.boxes))
        widgets = [w for b in boxes for w in (Label("", id=f"{b}-label", classes=label_classes),
                                              field_box(Field(b, ""), b, **kw))]
        return Horizontal(*widgets, id=groups[0].id, classes=row_classes)

    def show_groups(self) -> None:
        state = self.field_state()
        shown: dict[str, bool] = {}  # container -> shown (groups taking turns share one)
        lent: dict[str, Field | None] = {}  # shared box -> the field of the group shown
        for g in self.field_groups():
            shown[g.id] = shown.get(g.id, False) or g.shown_in(state)
            for b in g.boxes:
                lent.setdefault(b, None)
            if g.boxes and g.shown_in(state):
                lent.update(zip(g.boxes, g.fields))
        for gid, visible in shown.items():
            self.query_one(f"#{gid}").display = visible  # type: ignore[attr-defined]
        for b, f in lent.items():
            box = self.query_one(f"#{b}", Input)  # type: ignore[attr-defined]
            label = self.query_one(f"#{b}-label", Label)  # type: ignore[attr-defined]
            if f is not None:
                label.update(f.label)
                box.max_length, box.restrict = f.max_length, f.restrict
                box.display = label.display = True
            else:  # no field of the state here: what was typed in it goes
                box.value = ""
                box.display = label.display = False

    def walk(self) -> list[str]:
        state = self.field_state()
        return [w for g in self.field_groups() if g.shown_in(state) and not g.enter_posts for w in self.group_wids(g)]

    def field_at(self, wid: str | None) -> tuple[FieldGroup, Field] | None:
        """The group shown and the field whose box is ``wid``."""
        state = self.field_state()
        for g in self.field_groups():
            if g.shown_in(state):
                for f, w in zip(g.fields, self.group_wids(g)):
                    if w == wid:
                        return g, f
        return None

    async def entered(self, f: Field, value: str) -> bool:
        """Enter on ``f`` (``value`` as it was): False keeps the cursor where the screen put it."""
        return True

    async def moved_on(self, f: Field) -> None:
        """The cursor moved on from ``f`` by Enter: what to read now (keys typed meanwhile go on)."""

    async def enter_on(self, box: Input, value: str) -> None:
        """Enter on ``box``: an amount that cannot be one keeps the cursor (the error shown); the
        screen's ``entered``; then the next field of the walk (and ``moved_on``), or post on the
        last one and in a group where Enter posts."""
        if isinstance(box, MoneyInput):
            try:
                box.cents()
            except InputError as e:
                self.show_core_error(e)  # type: ignore[attr-defined]
                return
        found = self.field_at(box.id)
        if found is None:
            return
        g, f = found
        if not await self.entered(f, value):
            return
        walk = self.walk()
        if not g.enter_posts and box.id in walk and self.focus_after(walk, box.id):  # type: ignore[attr-defined]
            await self.moved_on(f)
            return
        posted = self.action_post()  # type: ignore[attr-defined]
        if inspect.isawaitable(posted):
            await posted

    def widget_for_key(self, key: str) -> str | None:
        found = super().widget_for_key(key)  # type: ignore[misc]
        if found is None:
            for g in self.field_groups():
                for f, w in zip(g.fields, self.group_wids(g)):
                    if key in (f.id, field_key(f.label)):
                        return w
        return found


class ModalForm(ModalScreen, ActionForm):
    """An ``ActionForm`` in a box over the screen it was opened from (a contact on the
    account): the same fields, keys and posting; labels above the boxes; its errors on a line
    in the box (``STATUS_ID``).  The keys of the screen under it (find, menu, payment) wait.
    (ModalScreen first: Textual styles a screen by its first base, so the app's rules for a
    dialog, ``ModalScreen > Vertical``, apply.)"""

    CSS_PATH = None
    STACKED = True
    STATUS_ID = "form-status"
    DEFAULT_CSS = """
    ModalForm { align: center middle; }
    ModalForm > Vertical { width: 100%; max-width: 100; height: auto; max-height: 100%;
                           border: round $primary; padding: 0 1; background: $surface; }
    ModalForm Input { width: 100%; }
    ModalForm .form-text { width: 100%; }
    ModalForm .form-status { color: $error; text-style: bold; height: 1; }
    """
    BINDINGS = [
        key_binding("back", "back", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="modal-form"):
            yield Static(self.TITLE_TEXT, id="form-title")
            yield from self.compose_fields()
            yield from self.compose_after()
            yield Static("", id=self.STATUS_ID, classes="form-status")
            if self.SHOW_HINT:
                yield Static(self.HINT, id="form-hint")

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("find", "menu", "pay", "app.lock"):
            return False
        return super().check_action(action, parameters)

    def set_status(self, text: str, *, error: bool = False) -> None:
        self.query_one(f"#{self.STATUS_ID}", Static).update(stored(text))

    def status_text(self) -> str:
        return str(self.query_one(f"#{self.STATUS_ID}", Static).content)
