"""Issue #17: tables use the terminal's width and cut no value.

The demo district gets long real-world names and addresses (organisations, Vietnamese and
Spanish accents, units) and a bill with an 8-digit number; each screen that lists them is
drawn at 80x24 and at 132x43, and every cell of every row on screen must show its value
whole, read back from the lines drawn (a wrapped value's lines joined).  At 132 columns the
columns that grow are wider than at 80."""
from __future__ import annotations

import contextlib
import datetime as _dt

import pytest

from screens.common.table import FitTable
from screens.common.textual_internals import screen_strips
from tests.screens.appkit import (  # noqa: F401 (fixture)
    TODAY,
    burst,
    demo_url,
    make_app,
    screen_text,
    settle,
    sign_in,
    table_rows,
)

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


@contextlib.asynccontextmanager
async def on_screen(url: str, size: tuple[int, int], screen, user: str = "clerk"):
    """The app at ``size``, ``user`` signed in, ``screen`` pushed and loaded: the pilot."""
    app = make_app(url)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, user)
        app.push_screen(screen)
        await settle(pilot)
        yield pilot


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
        async with on_screen(long_url, size, InquiryScreen(account_id)) as pilot:
            app = pilot.app
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
        async with on_screen(long_url, size, make(), "super") as pilot:
            app = pilot.app
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


# --- the lines under the tables, the header, the desk (#17: nothing a clerk needs is cut) ---------
# long and hostile stored text, as an old import or a long call leaves it
HOSTILE_NAME = "Asociación [/] Nguyễn & Peña-Hernández Mutual Water Users"  # 60 cells at most
HOSTILE_MAIL = "[b]c/o Võ-Trần Thị Phương Thảo, Treasurer[/b] PO Box 1400 Unit 305 Árboles"
SUBJECT = "Callback re leak adjustment [/] for Nguyễn Thị Phương Thảo, Unit 305; ask Ana"
REASON = ("meter swapped by crew 4 [/] after the register froze; the new meter's first read "
          "was keyed as 00412 by Peña-Hernández and the old register ended at 98877 (rollover): "
          "check with the route reader")[:200]
NOTE = " ".join(
    ["Caller María José Peña-Hernández (Unit 305) says [/] the meter box lid is cracked and water pools",
     "by the curb after every irrigation cycle; she disputes the March read of 412 HCF, asks for a leak",
     "adjustment under policy 7.3, and wants the bill held until the crew has looked. [red]Not markup[/red].",
     "Told her the appeal window is 15 days; gave reference AP261128-00001; callback promised Friday after",
     "3 pm at (916) 493-7720 ext 114 (mobile off at work). Ends here: zzz-end"])


def a_hostile_account() -> tuple[int, int, int]:
    """The 8-digit bill's account made hostile: its customer's name and mailing line (through
    the core: the changes pane gets the change), a 500-character contact note with an open
    follow-up (the header's alert), the newest read flagged with a 200-character reason.
    Returns (account, customer, premise)."""
    from models.billing import Bill
    from models.customers import Account, Customer
    from models.meters import Meter, MeterReading
    from ubtui.accounts import customer_of_record
    from ubtui.inquiry import add_contact
    from ubtui.maintenance import update_customer
    from ubtui.security import get_user

    account_id = Bill.get_by_id(BILL_ID).account_id
    party = customer_of_record(account_id, TODAY)
    customer_id = party.customer_id
    Customer.update(kind="organization").where(Customer.id == customer_id).execute()
    update_customer(get_user("super"), customer_id, last_name=HOSTILE_NAME, first_name="", mail_line1=HOSTILE_MAIL)
    add_contact(get_user("clerk"), account_id, "phone", SUBJECT, NOTE, follow_up_on=follow_up_day())
    premise_id = Account.get_by_id(account_id).premise_id
    newest = (MeterReading.select().join(Meter).where(Meter.premise == premise_id)
              .order_by(MeterReading.read_on.desc(), MeterReading.id.desc()).first())
    MeterReading.update(flag="meter_change", flag_reason=REASON).where(MeterReading.id == newest.id).execute()
    return account_id, customer_id, premise_id


def follow_up_day() -> _dt.date:
    from ubtui import clock

    return clock.today() + _dt.timedelta(days=3)  # the core wants a day not past by the clock


@pytest.fixture
def hostile(long_url):
    return long_url, *a_hostile_account()


BORDERS = str.maketrans("", "", "\u2502\u256d\u256e\u2570\u256f\u2500")  # a viewer's round box


def flat_screen(app) -> str:
    """The screen's text without spaces, line ends and box sides (a wrapped value reads
    whole, in a viewer too), after
    checking that nothing on it ends in an ellipsis."""
    from tests.screens.appkit import screen_text

    text = screen_text(app)
    assert "\u2026" not in text, text  # no value cut with an ellipsis
    return bare(text.translate(BORDERS))


def box_text(app, selector: str) -> str:
    """What the box around ``selector`` shows (not the screen around it), as ``flat_screen``."""
    box = app.screen.query_one(selector).parent
    lines = screen_text(app).splitlines()[box.region.y:box.region.bottom]
    shown = "".join(line[box.region.x:box.region.right] for line in lines)
    assert "\u2026" not in shown, shown
    return bare(shown.translate(BORDERS))


async def whole_or_on_enter(pilot, value: str, what: str) -> str:
    """``value`` is on the screen whole, or the line showing part of it says "(Enter: all)" and
    Enter shows it whole (then Esc comes back).  Which one it was."""
    from screens.accounts.inquiry import InquiryScreen

    app = pilot.app
    flat = flat_screen(app)
    if bare(value) in flat:
        return "whole"
    assert bare("(Enter: all)") in flat, (what, app.size)
    await burst(pilot, "enter")
    assert not isinstance(app.screen, InquiryScreen), what
    assert bare(value) in flat_screen(app), (what, app.size)
    await burst(pilot, "escape")
    assert isinstance(app.screen, InquiryScreen), what
    return "on enter"


async def test_account_header_and_pane_texts_whole_at_80_and_132(hostile):
    from screens.accounts.inquiry import InquiryScreen

    url, account_id, _, _ = hostile
    how = {}
    for size in SIZES:
        async with on_screen(url, size, InquiryScreen(account_id)) as pilot:
            app = pilot.app
            flat = flat_screen(app)
            summary = app.screen.summary
            for value in (HOSTILE_NAME, summary.service_address, f"Dep {format_money(summary.deposit_held_cents)}",
                          f": {SUBJECT}"):  # the follow-up's subject, in the alerts
                assert bare(value) in flat, (size, value, screen_text(app))
            for key, value, what in (("3", REASON, "flag reason"), ("6", NOTE, "contact note"),
                                     ("7", HOSTILE_MAIL, "change")):
                await burst(pilot, key)
                how[size, what] = await whole_or_on_enter(pilot, value, what)
    # 80x24: the note and the change (old and new name, old and new mailing line) need Enter;
    # 132x43 uses its width and height: all of them whole on the pane
    assert how[SIZES[0], "contact note"] == "on enter"
    assert all(how[SIZES[1], what] == "whole" for what in ("flag reason", "contact note", "change")), how


def format_money(cents: int) -> str:
    from ubtui.money import format_cents

    return format_cents(cents)


async def test_desk_and_duplicates_whole_at_80_and_132(hostile):
    from models.customers import Customer, Premise
    from screens.service.desk import DuplicateScreen, Picked, ServiceDeskScreen
    from ubtui.accounts import customer_line, premise_line
    from ubtui.errors import DuplicateFound

    url, _, customer_id, premise_id = hostile
    for size in SIZES:
        desk = ServiceDeskScreen()
        async with on_screen(url, size, desk, "super") as pilot:
            app = pilot.app
            who = customer_line(Customer.get_by_id(customer_id))
            where = premise_line(Premise.get_by_id(premise_id))
            desk.customer, desk.premise = Picked("customer", customer_id, who), Picked("premise", premise_id, where)
            desk.show_picks()
            await settle(pilot)
            flat = flat_screen(app)
            assert bare(f"Customer: {customer_id} {who}") in flat, (size, who)
            assert bare(f"Address: {premise_id} {where}") in flat, (size, where)
            app.push_screen(DuplicateScreen(DuplicateFound("same", [(customer_id, who)], kind="customer")))
            await settle(pilot)
            assert bare(f"Use {customer_id}: {who}") in box_text(app, "#duplicate-list"), size


def test_wrapped_keeps_every_word_or_says_where_the_rest_is():
    from screens.common.text import wrapped

    for width in (20, 40, 78, 130):
        lines = wrapped(NOTE, width)
        assert all(len(line) <= width for line in lines) and bare("".join(lines)) == bare(NOTE), width
        short = wrapped(NOTE, width, 3, "(Enter: all)")
        assert len(short) == 3 and short[-1].endswith("(Enter: all)") and len(short[-1]) <= width, short
        assert short[:2] == lines[:2]
        head = short[-1][:-len("(Enter: all)")].rstrip()
        assert lines[2].startswith(head) and lines[2][len(head):][:1] in ("", " "), (short[-1], lines[2])  # whole words
    assert wrapped("one\n\ntwo [/]\x1b[2J", 20) == ["one", "", "two [/]\u241b[2J"]  # its lines kept, ESC visible
    assert wrapped("fits", 20, 1, "(more)") == ["fits"]


async def test_account_actions_head_and_a_lookup_whole_at_80_and_132(hostile):
    from screens.accounts.actions import AccountActionsScreen
    from screens.common.form import LookupScreen

    url, account_id, _, _ = hostile
    choice = f"{HOSTILE_NAME}, moved to 0001013-2: {HOSTILE_MAIL}"
    for size in SIZES:
        async with on_screen(url, size, AccountActionsScreen(account_id), "super") as pilot:
            app = pilot.app
            ctx = app.screen.ctx
            assert bare(f"{ctx.number} {ctx.name} {ctx.address} {ctx.status.upper()}") in flat_screen(app), size
            app.push_screen(LookupScreen("Account", (("0001020-7", choice), ("0001013-2", "credit $5.00"))))
            await settle(pilot)
            assert bare(f"0001020-7 {choice}") in box_text(app, "#lookup-list"), size
