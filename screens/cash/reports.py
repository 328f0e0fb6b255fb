"""Reports viewer: any report registered in ``ubtui.reports`` on screen (a table with its
totals row), saved as CSV (ctrl+s) or PDF (ctrl+e) in the data folder.

Type the report name (F4 lists them) and the date, Enter or F5 runs it.
"""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from screens.common.base import BaseScreen, key_binding
from screens.common.form import LookupScreen
from screens.common.table import Col, FitTable
from screens.common.text import stored
from ubtui import reports
from ubtui.errors import UbtuiError
from ubtui.text import counted


def save(user, name: str, params: dict, fmt: str) -> str:
    """(DB thread) run the report and write it to <data dir>/reports/NAME-DATE.fmt."""
    from ubtui.config import data_dir
    result = reports.run_report(user, name, params)
    folder = data_dir() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "-".join(str(v) for v in result.params.values())
    path = folder / f"{name}{'-' + suffix if suffix else ''}.{fmt}"
    reports.write(result, fmt, path)
    return str(path)


MOST_WORD = 14  # a word longer than this (a long name) may break; identifiers are shorter


def longest_word(text: str) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def on_the_day(result, row: list[str]) -> list[str]:
    """A report of one day shows its times without the day (the heading names it)."""
    day = str(result.params.get("date", ""))
    return [v[len(day) + 1:] if c.type == "datetime" and day and v.startswith(day + " ") else v
            for c, v in zip(result.report.columns, row)]


class ReportsScreen(BaseScreen):
    TITLE_TEXT = "Reports"
    HELP_TEXT = __doc__
    DEFAULT_CSS = """
    ReportsScreen #rep-form { height: 1; padding: 0 1; }
    ReportsScreen #rep-form Label { width: auto; padding: 0 1 0 0; }
    ReportsScreen #rep-name { width: 22; }
    ReportsScreen #rep-date { width: 12; }
    ReportsScreen #rep-title { height: 1; padding: 0 1; text-style: bold; }
    ReportsScreen DataTable { height: 1fr; }
    ReportsScreen #rep-form Input:focus { border: none; background: $accent 30%; text-style: bold; }
    ReportsScreen #rep-form Input:nocolor:focus { text-style: bold underline; }
    """
    BINDINGS = [
        key_binding("refresh", "run", "Run"),
        key_binding("lookup", "lookup", "List"),
        Binding("ctrl+s", "save('csv')", "CSV", priority=True, id="reports.csv"),
        Binding("ctrl+e", "save('pdf')", "PDF", priority=True, id="reports.pdf"),
    ]

    def __init__(self, name: str = "cash-journal"):
        super().__init__()
        self.report_name = name

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="rep-form"):
            yield Label("Report")
            yield Input(self.report_name, id="rep-name", compact=True, select_on_focus=True)
            yield Label(" Date")
            yield Input(id="rep-date", compact=True, max_length=10, restrict=r"[0-9\-]*", select_on_focus=True)
        yield Static("", id="rep-title")
        yield FitTable(id="rep-table", cell_padding=0)

    def on_mount(self) -> None:
        self.query_one("#rep-date", Input).value = self.app.today().isoformat()
        self.query_one("#rep-name", Input).focus()
        self.action_run()

    def params(self) -> tuple[str, dict]:
        return self.query_one("#rep-name", Input).value.strip(), {"date": self.query_one("#rep-date", Input).value}

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "rep-name":
            self.query_one("#rep-date", Input).focus()
        else:
            self.action_run()

    def action_lookup(self) -> None:
        box = self.query_one("#rep-name", Input)

        def chosen(value: str | None) -> None:
            if value:
                box.value = value
                self.action_run()
        self.app.push_screen(LookupScreen("Reports", tuple((r.name, r.title) for r in reports.REPORTS.values())),
                             chosen)

    def action_run(self) -> None:
        name, params = self.params()
        self.load(name, {k: v for k, v in params.items() if k in {p.name for p in self.report_params(name)}})

    def report_params(self, name: str):
        r = reports.REPORTS.get(name)
        return r.params if r else ()

    @work(exclusive=True, group="cash-reports")
    async def load(self, name: str, params: dict) -> None:
        result = await self.app.try_db(reports.run_report, self.app.user, name, params)
        if result is None:
            return
        head, body, foot = reports.table(result)
        rows = [on_the_day(result, r) for r in body + ([foot] if foot else [])]
        t = self.query_one(FitTable)
        # numbers as wide as the widest (never wrapped); a text column at least as wide as its
        # longest word (an identifier stays on one line), the rest shared, values wrapped by words
        t.set_columns(Col(h, max([len(h), *(len(str(r[i])) for r in rows)]) + 1, right=True, key=c.key)
                      if c.numeric else Col(h, min(MOST_WORD, max([len(h), *(longest_word(r[i]) for r in rows)])) + 1,
                                            grow=1, key=c.key)
                      for i, (c, h) in enumerate(zip(result.report.columns, head)))
        for row in rows:
            t.add_row(*(stored(v) for v in row))
        self.query_one("#rep-title", Static).update(f"{result.heading}   {counted(len(body), 'row')}")
        self.clear_status()

    async def action_save(self, fmt: str) -> None:
        name, params = self.params()
        try:
            path = await self.app.db(save, self.app.user, name, params, fmt)
        except UbtuiError as e:
            self.app.show_error(e)
            return
        self.set_status(f"wrote {path}")
