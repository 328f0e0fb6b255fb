"""The cash drawer: open it (float counted by denomination), drops and paid-outs, then the
BLIND count (cash by denomination, checks as a list, card and money-order totals; nothing
expected is shown until the count is posted), the over/short with its reason (a supervisor
signs here beyond the threshold), the deposit slip and the float left for the next day.

Each denomination shows its amount as it is typed, and the total under them.  Opening with a
float of $0.00, or other than the float the last close left in the drawer, warns first: F4
fills in the pieces the last close left, F9 again opens with the count as typed.

Enter moves to the next box, F9 posts the step (open, count, close), ctrl+d records a drop to
the safe, ctrl+y a paid-out, F3 goes back.
"""
from __future__ import annotations

import peewee
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Input, Label, Static

from models import Drawer
from screens.common.base import BaseScreen, key_binding
from screens.common.form import ActionForm, Field, FieldGroup, GroupedFields, field_box
from screens.common.text import stored
from ubtui import drawer
from ubtui.errors import UbtuiError
from ubtui.money import format_cents
from ubtui.security import has_permission


def load_state(user) -> tuple[object | None, str, list[str], str]:
    """(DB thread) the user's open or counted session, its drawer code, the drawer codes, and
    a note when the session was opened on another terminal."""
    s = drawer.current_session(user, ("open", "counted"))
    code = Drawer.get_by_id(s.drawer_id).code if s else ""
    try:
        note = (drawer.other_terminal(s.terminal) if s else None) or ""
    except UbtuiError as e:  # refused there: say so here, before anything is typed
        note = str(e)
    return s, code, [d.code for d in drawer.list_drawers()], note


def open_step(user, code: str, counts: dict[str, str], day, confirmed: bool):
    """(DB thread) F9 on the open form: the float's warnings first (a ``FloatCheck``), unless
    the clerk saw them for this very count and pressed F9 again; then open the drawer."""
    if not confirmed:
        check = drawer.check_float(user, code, counts)
        if check.warnings:
            return check
    return drawer.open_drawer(user, code, count=counts, business_date=day)


# The drawer's fields, by group; each group shows in the phases it names (open, count, close),
# and Enter walks the fields of the groups shown.  Widget ids are the field ids; an InputError's
# key finds its field by its label's key ("drawer", "20_bills", "card_slips", "next_float").
# The card, money-order and check amounts keep their restricted boxes (money=False below).
AMOUNTS = r"[0-9$,.]*"
CODE = FieldGroup("drw-code-row", (Field("drw-code", "Drawer", max_length=8),), frozenset({"open"}))
DENOMINATIONS = FieldGroup("drw-grid", tuple(Field(f"den-{i}", d.label, max_length=6, restrict=r"[0-9]*")
                                             for i, d in enumerate(drawer.DENOMINATIONS)), frozenset({"open", "count"}))
CHECKS = FieldGroup("drw-checks-row", (Field("drw-checks", "Checks", max_length=0, restrict=r"[0-9$,. ]*"),),
                    frozenset({"count"}))
OTHER = FieldGroup("drw-other-row", (Field("drw-card", "Card slips", max_length=14, restrict=AMOUNTS),
                                     Field("drw-mo", "Money orders", max_length=14, restrict=AMOUNTS)),
                   frozenset({"count"}))
CLOSE = FieldGroup("drw-close", (Field("drw-reason", "Over/short reason", max_length=0),
                                 Field("drw-float", "Next float", max_length=0),
                                 Field("drw-appr", "Supervisor", max_length=0),
                                 Field("drw-pass", "Password", max_length=0, password=True)), frozenset({"close"}))
GROUPS = [CODE, DENOMINATIONS, CHECKS, OTHER, CLOSE]


class DrawerScreen(GroupedFields, BaseScreen):
    TITLE_TEXT = "Cash drawer"
    CSS_PATH = "drawer.tcss"
    HELP_TEXT = __doc__
    # the core's keys that are not a label's key ("check_2" falls back to "check")
    FIELD_WIDGETS = {"check": "drw-checks", "reason": "drw-reason"}
    BINDINGS = [
        key_binding("post", "post", "Post"),
        key_binding("refresh", "refresh", "Refresh", show=False),
        key_binding("lookup", "carried", "Last float"),
        Binding("ctrl+d", "drop", "Drop", priority=True, id="drawer.drop"),
        Binding("ctrl+y", "paid_out", "Paid out", priority=True, id="drawer.paid_out"),
    ]

    def __init__(self):
        super().__init__()
        self.session = None
        self.phase = "loading"  # open, count, close, done
        self.busy = False
        self.count_result: drawer.CountResult | None = None
        self.warned: tuple | None = None  # (drawer, counts) whose float warnings were shown
        self.note = ""  # the session was opened on another terminal
        self.codes: list[str] = []

    def field_groups(self) -> list[FieldGroup]:
        return GROUPS

    def field_state(self) -> str:
        return self.phase

    def compose_body(self) -> ComposeResult:
        with Vertical(id="drw"):
            yield Static("", id="drw-head")
            yield self.field_row(CODE.fields[0], row_classes="drw-row", label_classes="drw-label", row_id=CODE.id)
            with Grid(id=DENOMINATIONS.id):  # each count, then its amount as typed
                for i, f in enumerate(DENOMINATIONS.fields):
                    yield Label(f.label, classes="drw-dlabel")
                    yield field_box(f, f.id, placeholder="0", classes="drw-den")
                    yield Static("", id=f"amt-{i}", classes="drw-amt")
            yield Static("", id="drw-total")
            yield self.field_row(CHECKS.fields[0], row_classes="drw-row", label_classes="drw-label", row_id=CHECKS.id,
                                 money=False, placeholder="amounts, space separated")
            card, mo = OTHER.fields
            with Horizontal(classes="drw-row", id=OTHER.id):
                yield Label(card.label, classes="drw-label")
                yield field_box(card, card.id, money=False)
                yield Label(f" {mo.label} ", classes="drw-label2")
                yield field_box(mo, mo.id, money=False)
            yield Static("", id="drw-result")
            with Vertical(id=CLOSE.id):
                for f in CLOSE.fields:
                    yield self.field_row(f, row_classes="drw-row", label_classes="drw-label")
            yield Static("", id="drw-slip")

    async def on_mount(self) -> None:
        await self.action_refresh()

    async def action_refresh(self) -> None:
        state = await self.app.try_db(load_state, self.app.user)
        if state is None:
            return
        self.session, code, codes, self.note = state
        self.codes = codes
        if self.session is None:
            self.set_phase("open")
            self.head(f"Open a drawer ({', '.join(codes) or 'none set up'}): count the float, F9 opens.")
        elif self.session.status == "open":
            self.set_phase("count")
            self.head(f"Drawer {code} open for {self.session.business_date}.  Blind count: type what is in "
                      f"the drawer, F9 posts the count.")
        else:
            self.set_phase("count")
            self.head(f"Drawer {code} counted.  Count again (F9), or see the close below.")
        self.show_total()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "carried":  # F4 only while opening
            return self.phase == "open"
        if action in ("drop", "paid_out"):  # with a drawer open, to a user who may (a clerk: no paid-outs);
            # once counted the core refuses them ("no drawer is open"): the footer does not offer them
            return self.phase == "count" and getattr(self.session, "status", "") == "open" and has_permission(
                self.app.user, "drawer.drop" if action == "drop" else "drawer.paid_out")
        if action == "post":
            return self.phase not in ("loading", "done")
        return True

    def head(self, text: str) -> None:
        if self.note and self.phase != "open":
            text += f"\nNOTE: {self.note}."
        self.query_one("#drw-head", Static).update(Text(text))

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.refresh_bindings()
        self.show_groups()
        self.query_one("#drw-total").display = phase in ("open", "count")
        self.query_one("#drw-result").display = phase in ("close", "done")
        self.query_one("#drw-slip").display = phase == "done"
        walk = self.walk()
        if walk:
            self.query_one(f"#{walk[0]}", Input).focus()

    # --- moving about ----------------------------------------------------------------------
    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.enter_on(event.input, event.value)  # the next box of the phase; F9 from the last

    # --- the running total -----------------------------------------------------------------
    @on(Input.Changed, ".drw-den")
    def count_changed(self, event: Input.Changed) -> None:
        i = int(event.input.id.removeprefix("den-"))
        d = drawer.DENOMINATIONS[i]
        n = int(event.value) if event.value.isdigit() else 0
        self.query_one(f"#amt-{i}", Static).update(Text(format_cents(n * d.cents) if n else "", justify="right"))
        self.show_total()

    def show_total(self) -> None:
        pieces = {d.key: int(v) for d, v in zip(drawer.DENOMINATIONS, self.counts().values()) if v.isdigit()}
        currency, coin = drawer.split_currency_coin(pieces)
        what = "Float" if self.phase == "open" else "Cash counted"
        self.query_one("#drw-total", Static).update(Text(
            f"{what} {format_cents(currency + coin)}   (currency {format_cents(currency)}, coin {format_cents(coin)})"))

    def counts(self) -> dict[str, str]:
        return {d.key: self.val(f"den-{i}") for i, d in enumerate(drawer.DENOMINATIONS)}

    # --- posting ---------------------------------------------------------------------------
    def action_post(self) -> None:
        if self.busy or self.phase in ("loading", "done"):
            return
        user = self.app.user
        if self.phase == "open":
            code, counts = self.val("drw-code").strip().upper(), self.counts()
            seen = (code, tuple(counts.values()))
            call = (open_step, user, code, counts, self.app.today(), self.warned == seen)
            kw = {}
            self.warned = seen
        elif self.phase == "count":
            call = (drawer.count_drawer, user)
            kw = {"cash": self.counts(), "checks": self.val("drw-checks").split(),
                  "other": {"card": self.val("drw-card"), "money_order": self.val("drw-mo")}}
        else:
            call = (drawer.close_drawer, user)
            kw = {"reason": self.val("drw-reason"), "next_float": self.val("drw-float") or None,
                  "approver_username": self.val("drw-appr"), "approver_password": self.val("drw-pass")}
        self.busy = True
        self.set_status("posting...")
        self.app.hold_keys()  # keys typed meanwhile land where they would after the step
        self.run_step(call, kw)

    @work(exclusive=True, group="cash-drawer")
    async def run_step(self, call: tuple, kw: dict) -> None:
        try:
            await self.step(call, kw)
        finally:
            self.busy = False
            self.app.call_after_refresh(self.app.release_keys)

    async def step(self, call: tuple, kw: dict) -> None:
        try:
            result = await self.app.db(*call, **kw)
        except (UbtuiError, peewee.DatabaseError) as e:
            self.show_core_error(e)
            return
        if isinstance(result, drawer.FloatCheck):
            self.head(f"Open drawer {result.drawer_code}.  NOTE: {'; '.join(result.warnings)}.")
            offer = "F4 fills the last close's float; " if result.carried_count else ""
            self.set_status(f"{offer}F9 again opens with {format_cents(result.float_cents)}", error=True)
        elif isinstance(result, drawer.OpenResult):
            # the count starts empty: the float typed to open is not what the close counts
            self.fill_counts({})
            await self.action_refresh()
            warn = "; ".join(result.warnings)
            self.set_status(f"drawer {result.drawer_code} opened with {format_cents(result.float_cents)}"
                            + (f".  NOTE: {warn}" if warn else ""), error=bool(warn))
        elif isinstance(result, drawer.CountResult):
            self.count_result = result
            self.head("Counted.  Below: the count against what the drawer should hold; F9 closes it.")
            self.show_count(result)
            self.set_phase("close")
            self.query_one("#drw-float", Input).value = ""
            self.clear_status()
        elif isinstance(result, drawer.CloseResult):
            self.set_phase("done")
            if self.count_result is not None:
                self.show_count(self.count_result, closed=True)
            self.head(f"Drawer closed.  Float left for the next day {format_cents(result.next_float_cents)}.")
            self.query_one("#drw-slip", Static).update(stored(result.slip_text, multiline=True))
            self.set_status("closed; " + ("; ".join(result.warnings) or "take the deposit to the safe"))

    def show_count(self, r: drawer.CountResult, *, closed: bool = False) -> None:
        os_ = r.over_short_cents
        word = "OVER" if os_ > 0 else "SHORT" if os_ < 0 else "BALANCED"
        # one table, the amounts under their headings (the check counts beside their amounts)
        lines = [f"{'':12}{'counted':>12}   {'expected':>16}",
                 f"{'Cash':<12}{format_cents(r.counted_cash_cents):>12}   {format_cents(r.expected_cash_cents):>16}"
                 f"   {word} {format_cents(abs(os_)) if os_ else ''}".rstrip(),
                 f"{f'Checks ({r.counted_check_count})':<12}{format_cents(r.counted_checks_cents):>12}   "
                 f"{f'({r.expected_check_count}) ' + format_cents(r.expected_checks_cents):>16}",
                 f"{'Card/MO':<12}{format_cents(r.counted_other_cents):>12}   {format_cents(r.expected_other_cents):>16}"]
        if closed:
            pass  # what to do next is no longer on the screen once the drawer is closed
        elif r.needs_approval:
            lines.append("Beyond the limit: a supervisor signs with their own user and password below.")
        elif r.needs_reason:
            lines.append("Say why the drawer is over/short.")
        if not closed:
            lines.append("F9 closes the drawer (next float empty = the opening float).")
        self.query_one("#drw-result", Static).update(Text("\n".join(lines)))

    def fill_counts(self, pieces: dict[str, int]) -> None:
        for i, d in enumerate(drawer.DENOMINATIONS):
            self.query_one(f"#den-{i}", Input).value = str(pieces[d.key]) if pieces.get(d.key) else ""

    async def action_carried(self) -> None:
        """F4 on the open form: the pieces the last close left in the drawer."""
        if self.phase != "open" or self.busy:
            return
        code = self.val("drw-code").strip() or (self.codes[0] if len(self.codes) == 1 else "")
        try:
            check = await self.app.db(drawer.check_float, self.app.user, code, {})
        except (UbtuiError, peewee.DatabaseError) as e:
            self.show_core_error(e)
            return
        if not check.carried_count:
            left = (f"the last close left {format_cents(check.carried_cents)} in {check.drawer_code}, not "
                    "counted by piece" if check.carried_cents else f"drawer {check.drawer_code} has no float left "
                    "from a close")
            self.set_status(f"{left}: count it")
            return
        self.query_one("#drw-code", Input).value = check.drawer_code
        self.fill_counts(check.carried_count)
        self.set_status(f"the {format_cents(check.carried_cents)} the last close left in {check.drawer_code}: "
                        "check it against the drawer, F9 opens")

    # --- drops and paid-outs ---------------------------------------------------------------
    def action_drop(self) -> None:
        self.app.push_screen(MovementScreen("drop"), self.moved)

    def action_paid_out(self) -> None:
        self.app.push_screen(MovementScreen("paid_out"), self.moved)

    def moved(self, message: str | None) -> None:
        if message:
            self.set_status(message)


class MovementScreen(ActionForm):
    """A drop to the safe or a paid-out from the drawer (one key per opened form)."""

    INTRO = "Money leaving the drawer: it is subtracted from the cash expected at the count."

    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(None)
        self.TITLE_TEXT = "Drop to the safe" if kind == "drop" else "Paid out"

    def fields(self) -> list[Field]:
        label = "Drop amount" if self.kind == "drop" else "Paid-out amount"
        return [Field("amount", label, "", 14, r"[0-9$,.]*", "e.g. 500.00"),
                Field("reason", "Reason", "", 120, None, "what it was for (required for a paid-out)")]

    def perform(self, user, v: dict[str, str]) -> str:
        m = drawer.drawer_movement(user, self.kind, v["amount"], v["reason"], self.key)
        return f"{self.kind.replace('_', '-')} of {format_cents(m.amount_cents)} recorded"
