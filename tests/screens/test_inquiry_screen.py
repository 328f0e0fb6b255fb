"""The account inquiry: header, panes by number keys, bill lines, contact log, exports, F7."""
from __future__ import annotations

import csv

import pytest

import screens.accounts.inquiry as inquiry_screen
from models import ContactLog
from screens.accounts.contact import ContactScreen
from screens.accounts.inquiry import InquiryScreen, usage_bar
from screens.billing.bill_lines import BillLinesScreen
from tests.screens.appkit import (  # noqa: F401
    TODAY,
    burst,
    demo_url,
    first_hit,
    make_app,
    open_account,
    screen_text,
    settle,
    sign_in,
    table_rows,
    text_of,
)
from ubtui import inquiry
from ubtui.money import format_cents
from ubtui.security import get_user


async def open_inquiry(pilot, number: str = "0001006-6") -> InquiryScreen:
    await sign_in(pilot)
    await open_account(pilot, number)
    assert isinstance(pilot.app.screen, InquiryScreen)
    return pilot.app.screen


async def test_header_shows_who_where_balance_aging_and_alerts(demo_url):
    hit = first_hit("0001006-6")
    s = inquiry.account_summary(get_user("clerk"), hit.account_id, as_of=TODAY)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        head = {w: text_of(screen.query_one(f"#h-{w}")) for w in ("account", "customers", "address", "balance", "alerts")}
        assert head["account"].startswith(f"{s.number}  {s.account_class.title()}  {s.status.upper()}")
        for name, role, _ in s.customers:
            assert f"{name} ({role})" in head["customers"]
        assert head["address"] == f"Service: {s.service_address}"
        assert head["balance"].startswith(f"Balance {format_cents(s.balance_cents)}  Cur {format_cents(s.aging['current'])}")
        assert f"90+ {format_cents(s.aging['90+'])}" in head["balance"]
        assert head["alerts"] == (" | ".join(s.alerts) if s.alerts else "No alerts")


async def test_transactions_show_running_balance_newest_first(demo_url):
    hit = first_hit("0001006-6")
    rows = inquiry.transactions(get_user("clerk"), hit.account_id, limit=5)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        shown = table_rows(screen.query_one("#tx"))[:5]
        assert [r[5].strip() for r in shown] == [format_cents(t.running_balance_cents) for t in rows]
        assert shown[0][5].strip() == format_cents(hit.balance_cents)


async def test_transactions_page_in_as_the_cursor_goes_down(demo_url, monkeypatch):
    monkeypatch.setattr(inquiry_screen, "PAGE", 20)
    hit = first_hit("0001006-6")
    total = len(inquiry.transactions(get_user("clerk"), hit.account_id, limit=1000))
    assert total > 40
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        assert len(table_rows(screen.query_one("#tx"))) == 20
        await burst(pilot, *["down"] * 18)
        assert len(table_rows(screen.query_one("#tx"))) == 40
        for _ in range(8):
            await burst(pilot, "pagedown")
        shown = table_rows(screen.query_one("#tx"))
        assert len(shown) == total
        assert shown[-1][5].strip() == shown[-1][4].strip()  # the first entry: balance = its amount


async def test_bills_pane_and_enter_shows_the_lines(demo_url):
    hit = first_hit("0001006-6")
    bills = inquiry.bills(get_user("clerk"), hit.account_id)
    lines = inquiry.bill_lines(get_user("clerk"), bills[0].bill_id)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, "2")
        rows = table_rows(screen.query_one("#bills"))
        # the bill's number as the transactions pane's Ref shows it, then its date
        assert len(rows) == len(bills) and rows[0][:2] == [f"B{bills[0].bill_id}", bills[0].bill_date.isoformat()]
        await burst(pilot, "enter")
        assert isinstance(app.screen, BillLinesScreen)
        shown = table_rows(app.screen.query_one("#lines"))
        assert [r[1] for r in shown] == [ln.description for ln in lines]
        assert text_of(app.screen.query_one("#bill-total")) == f"Total {format_cents(bills[0].total_cents)}"
        await burst(pilot, "f3")
        assert app.screen is screen and screen.pane == "bills"


async def test_enter_typed_before_the_bills_arrive_still_opens_the_first_bill(demo_url, monkeypatch):
    """Type-ahead: "2" then Enter in one burst, while the database is slow to answer; the
    Enter waits for the rows instead of falling on the empty table."""
    import time
    slow = inquiry.bills

    def slow_bills(*a, **kw):
        time.sleep(0.3)  # in the database thread
        return slow(*a, **kw)
    monkeypatch.setattr(inquiry_screen.inquiry, "bills", slow_bills)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, "2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BillLinesScreen)
        await burst(pilot, "f3", "1", "enter")  # a loaded pane: Enter on the ledger opens nothing
        assert app.screen is screen and screen.pane == "tx" and screen.select_when_loaded == ""


async def test_consumption_pane_has_bars_average_and_flag_reasons(demo_url):
    hit = first_hit("0001006-6")
    c = inquiry.consumption(get_user("clerk"), hit.account_id, months=24)
    flagged = [i for i, r in enumerate(c.rows) if r.flag]
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, "3")
        rows = table_rows(screen.query_one("#usage-table"))
        assert len(rows) == len(c.rows)
        largest = max(r.usage or 0 for r in c.rows)
        assert [r[4] for r in rows] == [usage_bar(r.usage, largest) for r in c.rows]
        assert text_of(screen.query_one("#usage-average")).startswith(f"Average {c.average_usage} {c.unit}")
        if flagged:
            await burst(pilot, *["down"] * flagged[0])
            assert text_of(screen.query_one("#usage-reason")) == c.rows[flagged[0]].reason


def test_usage_bar_scales_and_never_hides_a_small_usage():
    assert usage_bar(10, 10, 16) == "#" * 16
    assert usage_bar(5, 10, 16) == "#" * 8
    assert usage_bar(1, 1000, 16) == "#"
    assert usage_bar(0, 10) == "" and usage_bar(None, 10) == ""


async def test_f6_logs_a_contact_in_a_few_keys(demo_url):
    hit = first_hit("0001006-6")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        before = ContactLog.select().where(ContactLog.account == hit.account_id).count()
        await burst(pilot, "f6")
        assert isinstance(app.screen, ContactScreen)
        await burst(pilot, *"Leak at meter", "enter", *"Customer reports a hiss", "enter", "enter", *"2099-01-02", "enter")
        assert app.screen is screen and screen.pane == "contacts"
        assert ContactLog.select().where(ContactLog.account == hit.account_id).count() == before + 1
        rows = table_rows(screen.query_one("#contacts-table"))
        assert rows[0][1:5] == ["counter", "Leak at meter", "clerk", "2099-01-02"]
        assert "follow up 2099-01-02: Leak at meter" in text_of(screen.query_one("#h-alerts"))
        assert text_of(screen.query_one("#status")) == "contact logged: Leak at meter"


LONG_NOTE = ("Customer called about the high bill. " * 30).strip()  # about 1,100 characters


async def test_a_long_multi_line_note_is_saved_whole_and_read_back_on_enter(demo_url):
    from screens.accounts.contact import ContactViewScreen

    hit = first_hit("0001006-6")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        # a thousand keys typed as one burst take a while to land on a loaded machine
        await burst(pilot, "f6", *"High bill", "enter", *LONG_NOTE, "enter", *"Second line.", "enter", "enter",
                    *"2099-01-02", "f9", seconds=300)
        assert app.screen is screen and screen.pane == "contacts", (
            text_of(app.screen.query_one("#contact-error")), app.screen.focused, app.screen.value("text")[-40:],
            app.screen.value("follow"))
        saved = ContactLog.select().where(ContactLog.account == hit.account_id).order_by(ContactLog.id.desc()).get()
        assert saved.text == LONG_NOTE + "\nSecond line."
        await burst(pilot, "enter")  # the newest contact, highlighted
        assert isinstance(app.screen, ContactViewScreen)
        pages = [screen_text(app)]
        for _ in range(10):
            await burst(pilot, "pagedown")
            if screen_text(app) == pages[-1]:
                break
            pages.append(screen_text(app))
        read = " ".join("\n".join(pages).replace("│", " ").split())
        assert LONG_NOTE in read and "Second line." in read
        assert "open (F9 marks it done)" in read
        await burst(pilot, "f9")
        assert ContactLog.get_by_id(saved.id).follow_up_done is not None
        await burst(pilot, "f3")
        assert app.screen is screen
        assert table_rows(screen.query_one("#contacts-table"))[0][4] == "done"
        assert "High bill" not in text_of(screen.query_one("#h-alerts"))
        assert text_of(screen.query_one("#status")) == "follow-up marked done"


async def test_contact_with_a_bad_field_names_it_and_writes_nothing(demo_url):
    hit = first_hit("0001006-6")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inquiry(pilot)
        before = ContactLog.select().count()
        await burst(pilot, "ctrl+n")
        await burst(pilot, "ctrl+x")  # save with no subject
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        assert text_of(app.screen.query_one("#contact-error")) == "Subject: must not be empty"
        await burst(pilot, *"Call back", "tab", "tab", *"2001-01-01", "f9")
        assert text_of(app.screen.query_one("#contact-error")) == "Follow-up: 2001-01-01 is in the past"
        assert app.screen.focused.id == "follow"
        assert ContactLog.select().count() == before
        await burst(pilot, "f3")
        assert isinstance(app.screen, InquiryScreen) and app.screen.account_id == hit.account_id


@pytest.mark.parametrize("pane,key,kind,fmt", [("1", "c", "transactions", "csv"), ("3", "p", "usage", "pdf")])
async def test_export_writes_the_file_and_shows_the_path(demo_url, tmp_path, pane, key, kind, fmt):
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, pane, key, key)
        path = tmp_path / "data" / "exports" / f"0001006-6-{kind}-{TODAY.isoformat()}.{fmt}"
        assert text_of(screen.query_one("#status")) == f"wrote {path}"
        if fmt == "csv":
            with path.open(newline="") as f:
                rows = list(csv.reader(f))
            assert rows[0][:3] == ["posted", "effective", "kind"] and len(rows) > 10
        else:
            assert path.read_bytes().startswith(b"%PDF")


async def test_stray_letters_neither_export_nor_open_forms(demo_url, tmp_path):
    """Letters meant for a form that has closed ("please start service") land on the account:
    nothing is written, no form opens; each first letter is cancelled by the next key."""
    from screens.accounts.inquiry import InquiryScreen

    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, *"please start service pa ac cp", "x")
        assert app.screen is screen and isinstance(screen, InquiryScreen)
        assert not (tmp_path / "data" / "exports").exists()
        assert text_of(screen.query_one("#status")) == "cancelled"
        await burst(pilot, "p", "f5", "p")  # another command between the two cancels too
        assert app.screen is screen and not (tmp_path / "data" / "exports").exists()


async def test_f7_opens_the_registered_payment_screen_for_this_account(demo_url, monkeypatch):
    from screens.shell import menu

    hit = first_hit("0001006-6")
    monkeypatch.setattr(menu, "KEY_TARGETS", {})
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, "f7")
        assert text_of(screen.query_one("#status")) == "taking payments is not installed on this system"
        monkeypatch.setattr(menu, "KEY_TARGETS", {"pay": "tests.screens.appkit:StandInScreen"})
        await burst(pilot, "ctrl+t")
        assert type(app.screen).__name__ == "StandInScreen" and app.screen.account_id == hit.account_id


@pytest.mark.parametrize("key", ["a", "A"])  # the footer shows "A"; Shift or Caps Lock sends it so
async def test_a_opens_the_account_actions_and_f3_comes_back(demo_url, key):
    from screens.accounts.actions import AccountActionsScreen
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is screen and "again" in text_of(screen.query_one("#status"))
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, AccountActionsScreen) and app.screen.account_id == screen.account_id
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen is screen


async def test_f4_steps_through_the_channels_and_a_letter_is_enough(demo_url):
    hit = first_hit("0001006-6")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inquiry(pilot)
        await burst(pilot, "f6", "shift+tab")  # back from the subject to the channel
        assert app.screen.focused.id == "channel"
        await burst(pilot, "f4")
        assert app.screen.query_one("#channel").value == "phone"
        await burst(pilot, "ctrl+k", "ctrl+k")
        assert app.screen.query_one("#channel").value == "mail"
        await burst(pilot, "ctrl+u", "e", "enter", *"Sent copy of bill", "enter", "enter", "enter")
        assert isinstance(app.screen, InquiryScreen)
        c = ContactLog.select().where(ContactLog.account == hit.account_id).order_by(ContactLog.id.desc()).get()
        assert (c.channel, c.subject) == ("email", "Sent copy of bill")


async def test_every_pane_fits_80_columns_and_cuts_no_value(demo_url):
    """Each pane's columns fit the screen beside the scrollbar, and no value of the demo
    account is cut by its column (receipt numbers of 11 characters read as one repeated
    number when cut to 10; a due date lost its last digit to a wider bills pane): a value
    wider than its column wraps (tests/screens/test_table_widths.py reads them back)."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        for key, table_id in (("1", "tx"), ("2", "bills"), ("4", "payments")):
            await burst(pilot, key)
            table = screen.query_one(f"#{table_id}")
            widths = [c.width for c in table.columns.values()]
            assert sum(widths) + 2 * len(widths) <= 79, table_id  # cell padding; 1 for the scrollbar
            rows = table_rows(table)
            assert rows, table_id
            # every column on one line, but the transactions' description (it wraps)
            columns = [0, 1, 3, 4, 5] if table_id == "tx" else range(len(widths))
            wrapped = [row[i] for row in rows for i in columns if len(row[i]) > widths[i]]
            assert not wrapped, (table_id, wrapped[:3])


async def test_enter_on_an_entry_shows_what_the_columns_cut(demo_url):
    hit = first_hit("0001006-6")
    first = inquiry.transactions(get_user("clerk"), hit.account_id)[0]
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inquiry(pilot)
        await burst(pilot, "1", "tab", "enter")
        shown = text_of(app.screen.query_one("#status"))
        assert shown.startswith(first.description) and f"ref {first.reference}" in shown
        assert len(first.description) > 20  # longer than its column


async def test_a_database_error_saving_a_contact_is_shown_and_the_app_stays(demo_url, monkeypatch):
    import peewee

    from ubtui import inquiry

    def broken(*a, **kw):
        raise peewee.OperationalError("disk I/O error")

    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inquiry(pilot)
        monkeypatch.setattr(inquiry, "add_contact", broken)
        await burst(pilot, "f6", *"Leak at meter", "enter", *"Hiss", "enter", "enter", "enter")
        assert isinstance(app.screen, ContactScreen) and app.is_running
        assert text_of(app.screen.query_one("#contact-error")) == (
            "database error: disk I/O error; nothing was written")


async def test_back_from_another_screen_shows_what_was_posted_there_without_f5(demo_url):
    """A refund or payment posted on a screen opened from the account: F3 back and the header
    and the transactions already show it."""
    from tests.screens.appkit import StandInScreen
    from ubtui import ledger
    from ubtui.ledger import EntrySpec

    hit = first_hit("0001006-6")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        await burst(pilot, "2", "down")  # a pane and a cursor the clerk moved
        before = screen.summary.balance_cents
        app.push_screen(StandInScreen())
        await settle(pilot)
        from ubtui.security import system_user
        await app.db(ledger.post, system_user(), "refund-test", "adjustment",
                     [EntrySpec(hit.account_id, "adjustment", -1234, "water", effective_on=TODAY)])
        await burst(pilot, "f3")
        assert app.screen is screen
        assert text_of(screen.query_one("#h-balance")).startswith(f"Balance {format_cents(before - 1234)}")
        await burst(pilot, "1")
        assert table_rows(screen.query_one("#tx"))[0][4] == "-$12.34"
        # back from a screen that changed nothing (help): the cursor stays
        await burst(pilot, "down", "down", "f1", "escape")
        assert screen.query_one("#tx").cursor_row == 2


@pytest.mark.slow
def test_a_contact_typed_in_one_burst_in_a_real_terminal(demo_url):
    """From the main menu: find the account, F6, a subject and a two-line note that look like
    markup, a follow-up in 7 days, saved: one write of keys to a pseudo-terminal.  Every key
    lands in its field and the text is stored (and shown) as typed."""
    import datetime as dt

    from tests.ptykit import AppTerminal
    hit = first_hit("0001006-6")
    subject = "[/] [bold]x call back"
    with AppTerminal(demo_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        t.keys("f2", *"0001006-6", "enter", "f6", "shift+tab", "ctrl+u", "p", "tab", *subject, "enter",
               *"said [red]no[/red]", "enter", *"line two", "enter", "enter", *"+7", "enter")
        t.wait_for(f"contact logged: {subject}", timeout=90)
        shown = t.wait_idle()  # the whole account screen, not a frame half drawn
        assert f"follow up {(dt.date.today() + dt.timedelta(days=7)).isoformat()}" in shown
    c = ContactLog.select().where(ContactLog.account == hit.account_id).order_by(ContactLog.id.desc()).get()
    assert (c.channel, c.subject, c.text) == ("phone", subject, "said [red]no[/red]\nline two")


async def test_the_entry_count_says_entry_for_one(demo_url):
    """A new account's one deposit: "1 entry", not "1 entries" (walked in tmux)."""
    from textual.widgets import DataTable
    hit = first_hit("0001006-6")
    rows = inquiry.transactions(get_user("clerk"), hit.account_id, limit=1)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_inquiry(pilot)
        screen.query_one("#tx", DataTable).clear()
        screen.tx_rows = []
        screen.add_tx(rows)
        await settle(pilot)
        assert "1 entry" in screen_text(app) and "1 entries" not in screen_text(app)
