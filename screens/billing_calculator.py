"""Rate calculator: "what would my bill be?"

Type the rate class (F4 lists them), the meter size (F4 lists the class's sizes), the
usage in the class's unit and the days in the period, then Enter on Days (or F9): the bill
is itemised below, each tier with its units, rate and amount, on the rates in force today
(a period that spans a rate change is split by days).
"""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from screens.actions_form import LookupScreen
from screens.base import BaseScreen, key_binding
from screens.text import cell, stored
from ubtui import rates
from ubtui.money import format_cents

FIELDS = ("calc-class", "calc-size", "calc-usage", "calc-days")


def schedule_choices(day):
    """(DB thread) the active schedule and the classes in force on ``day``."""
    s = rates.active_schedule()
    v = s.version_on(day)
    return s, tuple((code, cls.name) for code, cls in sorted(v.classes.items()))


class RateCalculatorScreen(BaseScreen):
    TITLE_TEXT = "Rate calculator"
    CSS_PATH = "billing_calculator.tcss"
    PERMISSION = "rates.view"
    HELP_TEXT = __doc__
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
                yield Label("Class", classes="calc-label")
                yield Input("RES", id="calc-class", max_length=8, compact=True, select_on_focus=True)
                yield Static("", id="calc-class-name", classes="calc-note")
            with Horizontal(classes="calc-row"):
                yield Label("Meter size", classes="calc-label")
                yield Input('5/8"', id="calc-size", max_length=8, compact=True, select_on_focus=True)
                yield Label("Usage", classes="calc-label2")
                yield Input(id="calc-usage", max_length=9, restrict=r"[0-9,]*", compact=True, select_on_focus=True)
                yield Static("", id="calc-unit", classes="calc-unit")
                yield Label("Days", classes="calc-label2")
                yield Input("30", id="calc-days", max_length=3, restrict=r"[0-9]*", compact=True,
                            select_on_focus=True)
            table = DataTable(id="calc-lines", cursor_type="row", zebra_stripes=False)
            table.add_column("Charge", width=40, key="charge")
            table.add_column("Units", width=9, key="units")
            table.add_column("Rate", width=8, key="rate")
            table.add_column("Amount", width=11, key="amount")
            yield table
            yield Static("", id="calc-total")

    async def on_mount(self) -> None:
        found = await self.app.try_db(schedule_choices, self.app.today())
        if found:
            self.schedule, self.class_choices = found
        self.show_class()
        self.query_one("#calc-usage", Input).focus()

    def val(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value.strip()

    def class_of(self):
        code = self.val("calc-class").upper()
        if self.schedule is None:
            return code, None
        return code, self.schedule.version_on(self.app.today()).classes.get(code)

    def show_class(self) -> None:
        code, cls = self.class_of()
        self.query_one("#calc-class-name", Static).update(stored(cls.name) if cls else "unknown class: F4 lists them")
        self.query_one("#calc-unit", Static).update(stored(cls.unit if cls else ""))

    @on(Input.Changed, "#calc-class")
    def class_changed(self) -> None:
        self.show_class()

    @on(Input.Submitted)
    async def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        i = FIELDS.index(event.input.id)
        if i == len(FIELDS) - 1:
            await self.action_calculate()
        else:
            self.query_one(f"#{FIELDS[i + 1]}", Input).focus()

    async def action_calculate(self) -> None:
        code, cls = self.class_of()
        usage_text = self.val("calc-usage").replace(",", "")
        if not usage_text:
            self.set_status("Usage: type the units used", error=True)
            self.query_one("#calc-usage", Input).focus()
            return
        try:
            days = int(self.val("calc-days") or "0")
        except ValueError:
            days = 0
        calc = await self.app.try_db(rates.quote, code, self.val("calc-size"), int(usage_text), days,
                                     end=self.app.today(), schedule=self.schedule)
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
        months = "" if calc.months in (1, 2) else f", prorated {rates.fmt_qty(calc.months.quantize(rates.CENT))} months"
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
            choices = tuple((size, format_cents(rates.cents(amount)) + " a month")
                            for size, amount in cls.service_charge.items())
            title, box = "Meter size", self.query_one("#calc-size", Input)
        else:
            choices, title, box = self.class_choices, "Rate class", self.query_one("#calc-class", Input)

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
