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
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import FORM_CSS, ActionForm, Field
from screens.common.table import Col, FitTable
from screens.common.text import cell, stored
from ubtui import rates
from ubtui.money import format_cents
from ubtui.text import counted

KIND_CHOICES = (("regular", "a whole cycle"), ("first", "opening bill, prorated"), ("final", "closing bill, prorated"))


def schedule_choices(day):
    """(DB thread) the active schedule and the classes in force on ``day``."""
    s = rates.active_schedule()
    v = s.version_on(day)
    return s, tuple((code, cls.name) for code, cls in sorted(v.classes.items()))


class RateCalculatorScreen(ActionForm):
    """Enter walks Class, Meter size, Usage; on Days and the fields after it calculates (a
    quote is asked again and again: it writes nothing, so it is never "done")."""

    TITLE_TEXT = "Rate calculator"
    CSS_PATH = [FORM_CSS, "calculator.tcss"]
    PERMISSION = "rates.view"
    HELP_TEXT = __doc__
    FIELD_PREFIX = "calc-"
    STRIP_VALUES = True
    SHOW_HINT = False
    LOOKUP_MOVES_ON = False
    FIRST_FIELD = "usage"
    LOOKUP_ELSEWHERE = "class"  # F4 on a field with no list of its own lists the classes
    FIELD_WIDGETS = {"class": "calc-class", "meter_size": "calc-size", "usage": "calc-usage", "days": "calc-days",
                     "read_on": "calc-end", "period": "calc-end", "cycle": "calc-cycle", "bill_kind": "calc-kind",
                     "winter_average": "calc-winter", "dwelling_units": "calc-units"}
    BINDINGS = [
        key_binding("post", "post", "Calculate"),
        key_binding("lookup", "lookup", "List"),
        key_binding("refresh", "clear", "Clear"),
    ]

    def __init__(self):
        super().__init__()
        self.schedule = None
        self.class_choices: tuple[tuple[str, str], ...] = ()

    def fields(self) -> list[Field]:
        # Enter walks them in this order; the rows are the three lines they are laid out on
        return [Field("class", "Class", "RES", max_length=16, row="1", note=""),
                Field("size", "Meter size", '5/8"', max_length=8, row="2"),
                Field("usage", "Usage", max_length=9, restrict=r"[0-9,]*", row="2", note=""),
                Field("days", "Days", "30", max_length=3, restrict=r"[0-9]*", row="2", enter_posts=True),
                Field("end", "Read on", max_length=10, restrict=r"[0-9-]*", row="1", enter_posts=True),
                Field("cycle", "Cycle", max_length=8, row="3", note="", enter_posts=True),
                Field("kind", "Bill", "regular", max_length=7, restrict=r"[A-Za-z]*", row="3", enter_posts=True,
                      choices=KIND_CHOICES),
                Field("winter", "Winter average", max_length=9, restrict=r"[0-9.,]*", row="3", note="a month",
                      enter_posts=True),
                Field("units", "Dwelling units", "1", max_length=5, restrict=r"[0-9,]*", row="2", enter_posts=True)]

    def compose_after(self) -> ComposeResult:
        yield FitTable((Col("Charge", 40, grow=1, key="charge"), Col("Units", 9, right=True, key="units"),
                        Col("Rate", 10, right=True, key="rate"), Col("Amount", 11, right=True, key="amount")),
                       id="calc-lines", zebra_stripes=False)
        yield Static("", id="calc-total")

    async def on_mount(self) -> None:
        super().on_mount()
        self.box("end").value = self.app.today().isoformat()
        found = await self.app.try_db(schedule_choices, self.app.today())
        if found:
            self.schedule, self.class_choices = found
            self.box("cycle").value = next(iter(self.schedule.cycles), "")
        self.show_class()
        self.show_cycle()

    def class_of(self):
        code = self.val("class").upper()
        if self.schedule is None:
            return code, None
        return code, self.schedule.version_on(self.app.today()).classes.get(code)

    def show_class(self) -> None:
        code, cls = self.class_of()
        self.query_one("#calc-class-note", Static).update(stored(cls.name) if cls else "unknown class: F4 lists them")
        self.query_one("#calc-usage-note", Static).update(stored(cls.unit if cls else ""))

    def show_cycle(self) -> None:
        how = self.schedule.cycles.get(self.val("cycle"), "") if self.schedule else ""
        self.query_one("#calc-cycle-note", Static).update(how or ("monthly" if self.schedule and not self.schedule.cycles
                                                                 else "F4 lists"))

    def changed(self, f: Field) -> None:
        if f.id == "class":
            self.show_class()
        elif f.id == "cycle":
            self.show_cycle()

    # --- the lists ---------------------------------------------------------------------------
    def choices_for(self, f: Field) -> tuple[tuple[str, str], ...]:
        if f.id == "class":
            return self.class_choices
        if f.id == "size":
            _, cls = self.class_of()
            if cls is None:
                return ()
            label = {1: "a month", 2: "per 2 months", 3: "a quarter", 0: "a day"}[cls.period_months]
            return tuple((size, format_cents(rates.cents(amount)) + " " + label)
                         for size, amount in cls.service_charge.items())
        if f.id == "cycle":
            return tuple(self.schedule.cycles.items()) if self.schedule else ()
        return f.choices

    def lookup_title(self, f: Field) -> str:
        return {"class": "Rate class", "cycle": "Billing cycle", "kind": "Kind of bill"}.get(f.id, f.label)

    def action_lookup(self) -> None:
        if self.focused is self.box("size") and self.class_of()[1] is None:
            self.set_status("Class: choose a class first (F4 on Class)", error=True)
            return
        super().action_lookup()

    # --- the quote ---------------------------------------------------------------------------
    def action_post(self) -> None:
        if not self.val("usage"):
            self.set_status("Usage: type the units used", error=True)
            self.box("usage").focus()
            return
        super().action_post()

    def perform(self, user, values: dict[str, str]):
        v = {k: t.strip() for k, t in values.items()}
        return rates.quote_typed(rate_code=v["class"], meter_size=v["size"], usage=v["usage"], days=v["days"],
                                 end=v["end"], cycle=v["cycle"], kind=v["kind"], winter_average=v["winter"],
                                 dwelling_units=v["units"], today=self.app.today(), schedule=self.schedule)

    def posted(self, calc: rates.BillCalc) -> None:
        """A quote: shown, and the form stays for the next one."""
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
        self.set_status(f"{counted(len(calc.lines), 'line')} on the rates of {', '.join(str(v) for v in calc.versions)}")

    def action_clear(self) -> None:
        self.query_one("#calc-lines", DataTable).clear()
        self.query_one("#calc-total", Static).update("")
        self.box("usage").value = ""
        self.box("usage").focus()
        self.clear_status()

    action_back = BaseScreen.action_back  # a menu screen: F3 goes back, it is not a dialog
