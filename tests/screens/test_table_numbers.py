"""FitTable's rule for numbers: a number is never broken over two lines.  A number column
narrower than its widest value widens, and the text columns give up the width (down to their
label), their values wrapping by words instead (the daily totals broke "$1,039.39" into "$1,"
and "039.39" at 80 columns)."""
from __future__ import annotations

from textual.app import App

from screens.common.table import Col, FitTable


async def widths(cols: tuple[Col, ...], available: int, needs: dict[str, int]) -> dict[str, int]:
    app = App()
    async with app.run_test():
        t = FitTable(cols, cell_padding=0)
        await app.mount(t)
        return t.widths(available, needs)


async def test_a_number_column_widens_to_its_widest_value():
    w = await widths((Col("Operator", 8, grow=1), Col("Card/MO", 9, right=True)), 30, {"Operator": 7, "Card/MO": 10})
    assert w["Card/MO"] == 10


async def test_the_text_columns_give_the_width_the_numbers_need():
    cols = (Col("Drawer", 10), Col("Name", 20, grow=1), Col("Total", 8, right=True), Col("Cash", 8, right=True))
    w = await widths(cols, 40, {"Drawer": 10, "Name": 30, "Total": 12, "Cash": 12})
    assert (w["Total"], w["Cash"]) == (12, 12)
    assert sum(w.values()) == 40  # the text columns shrank instead of the table growing
    assert w["Name"] >= len("Name") and w["Drawer"] >= len("Drawer")


async def test_text_columns_never_go_below_their_label():
    w = await widths((Col("Name", 10, grow=1), Col("Amount", 6, right=True)), 12, {"Name": 10, "Amount": 12})
    assert w["Amount"] == 12 and w["Name"] == len("Name")  # too narrow: the table scrolls, no label is cut


async def test_a_text_column_is_not_widened_like_a_number():
    w = await widths((Col("Status", 7), Col("Amount", 10, right=True)), 80, {"Status": 20, "Amount": 9})
    assert w["Status"] == 7  # text that does not grow keeps its declared width and wraps
