"""Rate calculator: "what would my bill be?"

Type the rate class (F4 lists them), the meter size (F4 lists the class's sizes), the
usage in the class's unit and the days in the period, then Enter on Days (or F9 anywhere):
the bill is itemised below, each tier with its units, rate and amount, exactly as a bill run
would bill it.  The second and third rows hold the rest of what a bill is priced on: the
read date ending the period (it picks the rates in force and the season), the account's
billing cycle (F4 lists them), the kind of bill (regular, or first/final: prorated), the
winter average (units a month, for sewer billed on it; blank: none) and the dwelling units.
A period that spans a rate change is split by days.
"""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import LookupScreen
from screens.common.table import Col, FitTable
from screens.common.text import cell, stored
from ubtui import rates
from ubtui.money import format_cents

FIELDS = ("calc-class", "calc-size", "calc-usage", "calc-days", "calc-end", "calc-cycle", "calc-kind",
          "calc-winter", "calc-units")
MOVE_ON = FIELDS[:3]  # Enter on these moves to the next field; on the others it calculates
KIND_CHOICES = (("regular", "a whole cycle"), ("first", "opening bill, prorated"), ("final", "closing bill, prorated"))


def schedule_choices(day):
    """(DB thread) the active schedule and the classes in force on ``day``."""
    s = rates.active_schedule()
    v = s.version_on(day)
    return s, tuple((code, cls.name) for code, cls in sorted(v.classes.items()))


def _field(label: str, wid: str, value: str = "", *, max_length: int, restrict: str | None = None,
           label_class: str = "calc-label2") -> ComposeResult:
    yield Label(label, classes=label_class)
    yield Input(value, id=wid, max_length=max_length, restrict=restrict, compact=True, select_on_focus=True)


class RateCalculatorScreen(BaseScreen):
    TITLE_TEXT = "Rate calculator"
    CSS_PATH = "calculator.tcss"
    PERMISSION = "rates.view"
    HELP_TEXT = __doc__
    STRIP_VALUES = True
    FIELD_WIDGETS = {"class": "calc-class", "meter_size": "calc-size", "usage": "calc-usage", "days": "calc-days",
                     "read_on": "calc-end", "period": "calc-end", "cycle": "calc-cycle", "bill_kind": "calc-kind",
                     "winter_average": "calc-winter", "dwelling_units": "calc-units"}
    BINDINGS = [
        key_binding("post", "calculate", "Calculate"),
        key_binding("lookup", "lookup", "List"),
        key_binding("refresh", "clear", "Clear"),
    ]

    def __init__(self):
        super().__init__()
        self.schedule = None
        self.class_choices: tuple[tuple[str, str], ...] = ()

    def compose_body(self) -> ComposeResult:
        with Vertical(id="calc"):
            with Horizontal(classes="calc-row"):
                yield from _field("Class", "calc-class", "RES", max_length=16, label_class="calc-label")
                yield Static("", id="calc-class-name", classes="calc-note")
                yield from _field("Read on", "calc-end", max_length=10, restrict=r"[0-9-]*")
            with Horizontal(classes="calc-row"):
                yield from _field("Meter size", "calc-size", '5/8"', max_length=8, label_class="calc-label")
                yield from _field("Usage", "calc-usage", max_length=9, restrict=r"[0-9,]*")
                yield Static("", id="calc-unit", classes="calc-unit")
                yield from _field("Days", "calc-days", "30", max_length=3, restrict=r"[0-9]*")
                yield from _field("Dwelling units", "calc-units", "1", max_length=5, restrict=r"[0-9,]*")
            with Horizontal(classes="calc-row"):
                yield from _field("Cycle", "calc-cycle", max_length=8, label_class="calc-label")
                yield Static("", id="calc-cycle-name", classes="calc-unit2")
                yield from _field("Bill", "calc-kind", "regular", max_length=7, restrict=r"[A-Za-z]*")
                yield from _field("Winter average", "calc-winter", max_length=9, restrict=r"[0-9.,]*")
                yield Static("a month", classes="calc-unit3")
            yield FitTable((Col("Charge", 40, grow=1, key="charge"), Col("Units", 9, right=True, key="units"),
                            Col("Rate", 10, right=True, key="rate"), Col("Amount", 11, right=True, key="amount")),
                           id="calc-lines", zebra_stripes=False)
            yield Static("", id="calc-total")

    async def on_mount(self) -> None:
        self.query_one("#calc-end", Input).value = self.app.today().isoformat()
        found = await self.app.try_db(schedule_choices, self.app.today())
        if found:
            self.schedule, self.class_choices = found
            self.query_one("#calc-cycle", Input).value = next(iter(self.schedule.cycles), "")
        self.show_class()
        self.show_cycle()
        self.query_one("#calc-usage", Input).focus()

    def class_of(self):
        code = self.val("calc-class").upper()
        if self.schedule is None:
            return code, None
        return code, self.schedule.version_on(self.app.today()).classes.get(code)

    def show_class(self) -> None:
        code, cls = self.class_of()
        self.query_one("#calc-class-name", Static).update(stored(cls.name) if cls else "unknown class: F4 lists them")
        self.query_one("#calc-unit", Static).update(stored(cls.unit if cls else ""))

    def show_cycle(self) -> None:
        how = self.schedule.cycles.get(self.val("calc-cycle"), "") if self.schedule else ""
        self.query_one("#calc-cycle-name", Static).update(how or ("monthly" if self.schedule and not self.schedule.cycles
                                                                 else "F4 lists"))

    @on(Input.Changed, "#calc-class")
    def class_changed(self) -> None:
        self.show_class()

    @on(Input.Changed, "#calc-cycle")
    def cycle_changed(self) -> None:
        self.show_cycle()

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in MOVE_ON:
            self.query_one(f"#{FIELDS[FIELDS.index(event.input.id) + 1]}", Input).focus()
        else:
            await self.action_calculate()

    async def action_calculate(self) -> None:
        if not self.val("calc-usage"):
            self.set_status("Usage: type the units used", error=True)
            self.query_one("#calc-usage", Input).focus()
            return
        calc = await self.try_core(
            rates.quote_typed, rate_code=self.val("calc-class"), meter_size=self.val("calc-size"),
            usage=self.val("calc-usage"), days=self.val("calc-days"), end=self.val("calc-end"),
            cycle=self.val("calc-cycle"), kind=self.val("calc-kind"), winter_average=self.val("calc-winter"),
            dwelling_units=self.val("calc-units"), today=self.app.today(), schedule=self.schedule)
        if calc is None:
            return
        self.show(calc)

    def show(self, calc: rates.BillCalc) -> None:
        table = self.query_one("#calc-lines", DataTable)
        table.clear()
        for line in calc.lines:
            units = "" if line.quantity is None or line.unit == "$" else rates.fmt_qty(line.quantity)
            rate = "" if line.rate is None or line.unit == "$" else rates.fmt_rate(line.rate)
            table.add_row(cell(line.description), Text(units, justify="right"), Text(rate, justify="right"),
                          Text(format_cents(line.amount_cents), justify="right"))
        months = "" if calc.months in (1, 2, 3) else f", prorated {rates.fmt_qty(calc.months.quantize(rates.CENT))} months"
        self.query_one("#calc-total", Static).update(Text(
            f"{calc.rate_code} {calc.meter_size}  {rates.fmt_qty(calc.usage)} {calc.unit} in {calc.days} days{months}"
            f"   Total {format_cents(calc.total_cents)}", no_wrap=True, overflow="ellipsis"))
        self.set_status(f"{len(calc.lines)} lines on the rates of {', '.join(str(v) for v in calc.versions)}")

    def action_lookup(self) -> None:
        focused = self.focused.id if self.focused is not None else ""
        if focused == "calc-size":
            _, cls = self.class_of()
            if cls is None:
                self.set_status("Class: choose a class first (F4 on Class)", error=True)
                return
            label = {1: "a month", 2: "per 2 months", 3: "a quarter", 0: "a day"}[cls.period_months]
            # the class's meter sizes (its service charge's, else those of its tables by size)
            choices = tuple((size, format_cents(rates.cents(cls.service_charge[size])) + " " + label
                             if size in cls.service_charge else "priced by size") for size in cls.sizes)
            title = "Meter size"
        elif focused == "calc-cycle":
            choices = tuple(self.schedule.cycles.items()) if self.schedule else ()
            title = "Billing cycle"
        elif focused == "calc-kind":
            choices, title = KIND_CHOICES, "Kind of bill"
        else:
            choices, title, focused = self.class_choices, "Rate class", "calc-class"
        box = self.query_one(f"#{focused}", Input)

        def chosen(value: str | None) -> None:
            if value:
                box.value = value
                box.focus()
        self.app.push_screen(LookupScreen(title, choices), chosen)

    def action_clear(self) -> None:
        self.query_one("#calc-lines", DataTable).clear()
        self.query_one("#calc-total", Static).update("")
        self.query_one("#calc-usage", Input).value = ""
        self.query_one("#calc-usage", Input).focus()
        self.clear_status()
