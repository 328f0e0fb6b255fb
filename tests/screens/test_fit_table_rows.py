"""FitTable's rows: ``add_rows`` adds them together (one cursor check and one idle request,
issue #20: a search adds 50 rows a key) and the table is the one ``add_row`` one at a time
makes; the cells' widths kept from when a row was added follow ``update_cell``."""
from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.widgets import DataTable, Input

from screens.common.table import Col, FitTable
from screens.common.textual_internals import screen_strips

COLUMNS = (Col("Account", 9), Col("Name", 16, grow=1), Col("Balance", 10, right=True))
ROWS = [("100-01", "Peña-Hernández, María José de la Concepción", "$1,234.56"),
        ("100-02", "Kowalski", Text("-$3.00", style="bold")),
        ("100-03", "Võ-Trần\tNguyễn Thị", "$0.00"),
        ("100-04",)]  # a missing cell is blank


class Tables(App):
    def __init__(self):
        super().__init__()
        self.highlights: list[tuple[str, int]] = []

    def compose(self):
        yield FitTable(COLUMNS, id="one")
        yield FitTable(COLUMNS, id="many")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.highlights.append((event.data_table.id or "", event.cursor_row))


def lines(app, table) -> list[str]:
    region = table.region
    return ["".join(s.text for s in strip)[region.x:region.right]
            for strip in screen_strips(app.screen)[region.y:region.bottom]]


async def test_add_rows_makes_the_table_add_row_makes():
    app = Tables()
    async with app.run_test(size=(60, 20)) as pilot:
        one, many = app.query_one("#one", FitTable), app.query_one("#many", FitTable)
        for row in ROWS:
            one.add_row(*row)
        keys = many.add_rows(ROWS)
        await pilot.pause()
        assert len(keys) == many.row_count == one.row_count == len(ROWS)
        assert [many.get_row_at(i) for i in range(4)] == [one.get_row_at(i) for i in range(4)]
        assert [r.height for r in many.ordered_rows] == [r.height for r in one.ordered_rows]
        assert max(r.height for r in many.ordered_rows) > 1  # the long name wraps
        assert many.needs() == one.needs() and many.cursor_row == one.cursor_row == 0
        assert lines(app, many) == lines(app, one) and "María José" in "".join(lines(app, many))
        # the cursor appeared once in each table, with the first rows
        assert sorted(app.highlights) == [("many", 0), ("one", 0)]
        many.add_rows(ROWS[:1])  # more rows under the cursor: no new highlight
        await pilot.pause()
        assert many.row_count == 5 and sorted(app.highlights) == [("many", 0), ("one", 0)]


async def test_a_cell_updated_is_measured_again():
    app = Tables()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one("#many", FitTable)
        keys = table.add_rows(ROWS[1:2])
        await pilot.pause()
        assert table.needs()["Name"] == len("Kowalski")
        table.update_cell(keys[0], "Name", "Kowalski-Wiśniewska")
        await pilot.pause()
        assert table.needs()["Name"] == len("Kowalski-Wiśniewska")
        assert "Kowalski-Wiśniewska" in "".join(lines(app, table))


class DataTableLines(FitTable):
    """A FitTable whose lines DataTable draws (its own way, each line on its own)."""

    def plain_lines(self) -> bool:
        return False


class TwoWays(App):
    CSS = "FitTable { height: 8; } Input { height: 1; border: none; }"

    def compose(self):
        yield Input(id="box")  # has the focus: both tables are drawn unfocused
        yield FitTable(COLUMNS, id="ours")
        yield DataTableLines(COLUMNS, id="theirs")


def cells_drawn(app, table) -> list[list[tuple]]:
    """Each character of the table's lines on screen with its style (mouse targets too)."""
    region = table.region
    out = []
    for strip in screen_strips(app.screen)[region.y:region.bottom]:
        chars = [(ch, seg.style) for seg in strip for ch in seg.text]
        out.append(chars[region.x:region.right])
    return out


async def test_lines_are_drawn_as_datatable_draws_them():
    """FitTable draws a frame's lines with what does not change within it asked once: every
    character, colour and mouse target the same as DataTable's own drawing, with the cursor
    moved, the table scrolled, and a row wrapped onto a second line."""
    app = TwoWays()
    async with app.run_test(size=(60, 20)) as pilot:
        ours, theirs = app.query_one("#ours", FitTable), app.query_one("#theirs", FitTable)
        for table in (ours, theirs):
            table.add_rows(ROWS * 3)
        await pilot.pause()
        assert cells_drawn(app, ours) == cells_drawn(app, theirs)
        assert "María José" in "".join(ch for line in cells_drawn(app, ours) for ch, _ in line)
        for table in (ours, theirs):
            table.move_cursor(row=6)
        await pilot.pause()
        assert ours.scroll_y > 0 and ours.scroll_y == theirs.scroll_y
        assert cells_drawn(app, ours) == cells_drawn(app, theirs)


async def test_home_and_end_go_to_the_first_and_last_row():
    """A clerk at the receipts list presses End for the newest receipt: the cursor goes there."""
    app = Tables()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#many", FitTable)
        table.add_rows([(f"100-{i:02d}", f"Name {i}", "$1.00") for i in range(40)])
        table.focus()
        await pilot.pause()
        await pilot.press("end")
        assert table.cursor_row == 39
        await pilot.press("home")
        assert table.cursor_row == 0
