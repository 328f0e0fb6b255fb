"""Issue #17: tables use the terminal's width and cut no value.

The demo district gets long real-world names and addresses (organisations, Vietnamese and
Spanish accents, units) and a bill with an 8-digit number; each screen that lists them is
drawn at 80x24 and at 132x43, and every cell of every row on screen must show its value
whole, read back from the lines drawn (a wrapped value's lines joined).  At 132 columns the
columns that grow are wider than at 80."""
from __future__ import annotations

import datetime as _dt

import pytest

from screens.common.table import FitTable
from screens.common.textual_internals import screen_strips
from tests.screens.appkit import TODAY, burst, demo_url, make_app, settle, sign_in, table_rows  # noqa: F401 (fixture)

SIZES = ((80, 24), (132, 43))

# (kind, last or organisation name, first name): the names a clerk meets
NAMES = (
    ("organization", "Nguyễn Construction & Excavation LLC", ""),
    ("person", "Peña-Hernández", "María José de la Concepción"),
    ("organization", "Sacramento Valley Unified School District", ""),
    ("person", "Võ-Trần", "Nguyễn Thị Phương Thảo"),
    ("organization", "St. Vincent de Paul Society of Yolo County", ""),
)
STREETS = (("North Almond Boulevard", "Apt 12B"), ("Camino de los Árboles Frutales", "Unit 305"),
           ("East Almond Orchard Parkway", "Suite 1400"))
BILL_ID = 12_345_678  # bill numbers of a district some years old


def display(kind: str, last: str, first: str) -> str:
    return f"{last}, {first}" if kind == "person" and first else last


def lengthen_the_demo() -> None:
    """Every customer a long name, every premise a long address with a unit, one bill an
    8-digit number (a copy of the newest bill of the first account, with its lines)."""
    from models.billing import Bill, BillLine
    from models.cashier import Payment
    from models.customers import Customer, Premise
    from ubtui.accounts import fold, premise_search_text
    from ubtui.security import get_user
    from ubtui.workorders import create_work_order

    for i, c in enumerate(Customer.select().order_by(Customer.id)):
        kind, last, first = NAMES[i % len(NAMES)]
        Customer.update(kind=kind, last_name=last, first_name=first, display_name=display(kind, last, first),
                        search_name=fold(f"{first} {last}")).where(Customer.id == c.id).execute()
    for i, p in enumerate(Premise.select().order_by(Premise.id)):
        street, unit = STREETS[i % len(STREETS)]
        house = str(1200 + 47 * i)
        Premise.update(house_number=house, street=street, unit=unit,
                       search_address=premise_search_text(house, street, unit)).where(Premise.id == p.id).execute()
    for i, p in enumerate(Payment.select().order_by(Payment.id)):  # the name on the receipt
        Payment.update(payer_name=display(*NAMES[i % len(NAMES)])).where(Payment.id == p.id).execute()
    newest = Bill.select().order_by(Bill.bill_date.desc(), Bill.id.desc()).first()
    data = {f: getattr(newest, f) for f in newest._meta.fields if f != "id"}
    copy = Bill.create(id=BILL_ID, **{**data, "account": newest.account_id, "bill_run": None,
                                      "replaces": None})
    for line in BillLine.select().where(BillLine.bill == newest.id):
        BillLine.create(**{**{f: getattr(line, f) for f in line._meta.fields if f not in ("id", "bill")},
                           "bill": copy.id})
    for kind in ("leak_investigation", "low_pressure"):
        create_work_order(get_user("super"), kind=kind, account_id=newest.account_id, as_of=TODAY,
                          instructions="Customer reports water pooling by the meter box; gate code 4471#")


@pytest.fixture
def long_url(demo_url):
    lengthen_the_demo()
    return demo_url


def shown_cells(app, table: FitTable) -> list[list[str]]:
    """Each row of ``table`` that is wholly on screen: the text drawn in each of its columns,
    the lines of a wrapped cell joined, spaces collapsed."""
    lines = [strip.text for strip in screen_strips(app.screen)]
    region = table.content_region
    y = table.header_height - int(table.scroll_y)
    rows = []
    for row in table.ordered_rows:
        top, y = y, y + row.height
        if top < table.header_height or y > region.height:
            continue
        x, cells = region.x - int(table.scroll_x), []
        for column in table.ordered_columns:
            width = column.get_render_width(table)
            parts = [lines[region.y + top + k][x:x + width] for k in range(row.height)]
            cells.append(" ".join(" ".join(parts).split()))
            x += width
        rows.append(cells)
    return rows


def bare(text: str) -> str:
    """``text`` without its spaces: a word broken after its hyphen reads the same."""
    return "".join(text.split())


def assert_whole(app, table: FitTable, *expected: str) -> list[list[str]]:
    """Every cell on screen shows its value whole (every character, in order, the spaces
    aside); each of ``expected`` is one of them."""
    values = [[bare(v) for v in row] for row in table_rows(table)]
    shown = shown_cells(app, table)
    assert shown, f"#{table.id}: no row on screen"
    y0 = int(table.scroll_y)  # rows scrolled off the top are not drawn
    first = next(i for i, row in enumerate(table.ordered_rows)
                 if sum(r.height for r in table.ordered_rows[:i]) >= y0)
    for got, want in zip(shown, values[first:]):
        assert [bare(v) for v in got] == want, (table.id, app.size, got, want)
    flat = {bare(v) for row in shown for v in row}
    missing = [e for e in expected if bare(e) not in flat]
    assert not missing, (table.id, app.size, missing, shown[:4])
    return shown


def grown(widths: dict[tuple[int, int], dict[str, int]], specs: dict) -> None:
    """At 132 columns the growing columns are wider than at 80 (one at least, none narrower),
    the others as wide."""
    small, large = widths[SIZES[0]], widths[SIZES[1]]
    for key, spec in specs.items():
        if spec.grow:
            assert large[key] >= small[key], (key, small[key], large[key])
        else:
            assert large[key] == small[key], key
    assert any(large[k] > small[k] for k, spec in specs.items() if spec.grow), (small, large)


def widths_of(table: FitTable) -> dict[str, int]:
    return {c.key.value: c.width for c in table.ordered_columns}


ORG, PERSON = NAMES[0][1], display(*NAMES[1])
ADDRESS = f"1200 {STREETS[0][0]} {STREETS[0][1]}"


async def test_search_results_whole_at_80_and_132(long_url):
    widths = {}
    for size in SIZES:
        app = make_app(long_url)
        async with app.run_test(size=size) as pilot:
            await sign_in(pilot)
            await burst(pilot, "f2", *"almond")
            table = app.screen.query_one("#results", FitTable)
            assert_whole(app, table, ORG, ADDRESS)
            widths[size] = widths_of(table)
            specs = table.specs
    grown(widths, specs)


async def test_account_panes_whole_at_80_and_132(long_url):
    from models.billing import Bill
    from screens.accounts.inquiry import InquiryScreen

    account_id = Bill.get_by_id(BILL_ID).account_id
    widths: dict = {}
    specs: dict = {}
    for size in SIZES:
        app = make_app(long_url)
        async with app.run_test(size=size) as pilot:
            await sign_in(pilot)
            app.push_screen(InquiryScreen(account_id))
            await settle(pilot)
            for key, table_id, expected in (("1", "tx", ()), ("2", "bills", (f"B{BILL_ID}",)),
                                            ("4", "payments", ()), ("5", "orders", ()),
                                            ("6", "contacts-table", ()), ("7", "changes-table", ())):
                await burst(pilot, key)
                table = app.screen.query_one(f"#{table_id}", FitTable)
                if table.row_count:
                    assert_whole(app, table, *expected)
                widths.setdefault(table_id, {})[size] = widths_of(table)
                specs[table_id] = table.specs
    for table_id in ("tx", "payments", "orders"):
        grown(widths[table_id], specs[table_id])


def a_day_of_receipts() -> _dt.date:
    from models.cashier import Payment

    p = (Payment.select().where(Payment.status == "posted", Payment.session.is_null(False),
                                Payment.business_date.is_null(False))
         .order_by(Payment.id.desc()).first())  # a counter day: drawers and receipts
    return p.business_date


@pytest.mark.parametrize("which", ["receipts", "totals", "worklist", "workorders", "report"])
async def test_lists_whole_at_80_and_132(long_url, which):
    from screens.cash.reports import ReportsScreen
    from screens.cash.totals import ReceiptsScreen, TotalsScreen
    from screens.collections.worklist import CollectionsScreen
    from screens.service.workorders import WorkOrdersScreen

    make = {"receipts": lambda: ReceiptsScreen(a_day_of_receipts()),
            "totals": lambda: TotalsScreen(a_day_of_receipts()),
            "worklist": CollectionsScreen, "workorders": WorkOrdersScreen, "report": ReportsScreen}[which]
    names = {display(*n) for n in NAMES}
    widths = {}
    for size in SIZES:
        app = make_app(long_url)
        async with app.run_test(size=size) as pilot:
            await sign_in(pilot, "super")
            app.push_screen(make())
            await settle(pilot)
            if which == "report":  # the cash journal of a day of receipts
                app.screen.query_one("#rep-date").value = a_day_of_receipts().isoformat()
                app.screen.action_run()
                await settle(pilot)
            table = app.screen.query_one(FitTable)
            shown = assert_whole(app, table)
            if which in ("receipts", "worklist", "report"):  # the long names are there, whole
                assert {bare(n) for n in names} & {bare(v) for row in shown for v in row}, shown[:3]
            if which == "workorders":
                streets = {bare(f"{street} {unit}") for street, unit in STREETS}
                assert any(bare(v).endswith(tuple(streets)) for row in shown for v in row), shown[:3]
            widths[size] = widths_of(table)
            specs = table.specs
    grown(widths, specs)


def test_wrap_keeps_every_character():
    from screens.common.table import wrap

    for text in (ORG, PERSON, ADDRESS, "AP261128-00001", "0001013-2, 0001014-0, 0001015-7", "x" * 30, ""):
        for width in (1, 3, 9, 10, 14, 40):
            lines = wrap(text, width)
            assert all(len(line) <= width for line in lines), (text, width, lines)
            assert "".join(lines).replace(" ", "") == text.replace(" ", ""), (text, width, lines)
    assert wrap("AP261128-00001", 10) == ("AP261128-", "00001")
    assert wrap(ORG, 17) == ("Nguyễn", "Construction &", "Excavation LLC")
