"""The collections worklist and the payment-plan form, by real keys (SQLite), and how the
worklist looks at 80x24."""
from __future__ import annotations

import datetime as dt
import re

from models import Account, CollectionNotice, PaymentPlan, WorkOrder
from screens.collections.worklist import CollectionsScreen, PaymentPlanScreen
from screens.common.confirm import ConfirmScreen
from tests.core.collectkit import walk
from tests.screens.appkit import add_user, make_app, screen_text, settle, sign_in, text_of
from tests.screens.test_actions import burst, new_account
from ubtui import ledger
from ubtui.ledger import EntrySpec
from ubtui.security import system_user

DAY = dt.date(2026, 3, 17)  # a Tuesday: the office is open


def bill(acct, cents: int, days_ago: int, key: str) -> None:
    ledger.post(system_user(), key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "Water",
                                                         effective_on=DAY - dt.timedelta(days=days_ago))])


def district() -> dict:
    """Five accounts, one at each step: walked to the shut-off list, a final notice due, a
    reminder due, protected by a medical certificate, and a 15-day notice not yet due."""
    sysu = system_user()
    out = {n: new_account(n, house=h) for n, h in (("Shutoff", "1"), ("Finalist", "2"), ("Fresh", "3"),
                                                     ("Care", "4"), ("Patient", "5"))}
    bill(out["Finalist"], 8000, 70, "f")  # the walk's runs send it the reminder and the 15-day notice
    bill(out["Care"], 12000, 100, "ca")  # ...and this one the reminder only: it is protected
    Account.update(medical_certificate=True).where(Account.id == out["Care"].id).execute()
    walk(sysu, out["Shutoff"], start=DAY - dt.timedelta(days=80))
    bill(out["Fresh"], 6100, 40, "fr")
    bill(out["Patient"], 7000, 50, "pa")
    CollectionNotice.create(account=out["Patient"].id, step="reminder", sent_on=DAY - dt.timedelta(days=2),
                            user=sysu.id)
    return out


def rows(app) -> list[tuple[str, str]]:
    table = app.screen.query_one("#worklist")
    return [(str(table.get_row_at(i)[1]), str(table.get_row_at(i)[3])) for i in range(table.row_count)]


def status(app) -> str:
    return text_of(app.screen.query_one("#status"))


def supervised_district(sqlite_url, tmp_path, monkeypatch):
    """(the app on DAY, the district's accounts) with a supervisor "super" to sign in."""
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("super", "supervisor")
    accts = district()
    return make_app(sqlite_url, today=lambda: DAY), accts


async def open_worklist(pilot, user: str = "super") -> None:
    await sign_in(pilot, user)
    await burst(pilot, "l")
    assert isinstance(pilot.app.screen, CollectionsScreen)


async def test_worklist_steps_counts_letters_and_disconnects(sqlite_url, tmp_path, monkeypatch):
    app, accts = supervised_district(sqlite_url, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_worklist(pilot)
        assert rows(app) == [("Shutoff, Ana", "SHUT-OFF"), ("Finalist, Ana", "final notice"),
                             ("Fresh, Ana", "reminder"), ("Care, Ana", "protected"), ("Patient, Ana", "waiting")]
        shown = screen_text(app)
        assert "Shut-off 1 $100.00" in shown and "Final 1 $80.00" in shown and "Reminder 1 $61.00" in shown
        assert "medical certificate" in shown and "15-day notice from 03/25" in shown, shown
        await burst(pilot, "1")  # only the shut-off list
        assert rows(app) == [("Shutoff, Ana", "SHUT-OFF")]
        await burst(pilot, "0", "r")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "n")
        assert CollectionNotice.select().where(CollectionNotice.sent_on == DAY).count() == 0
        await burst(pilot, "r", "y")
        pdf = tmp_path / "data" / "letters" / f"notices-{DAY.isoformat()}.pdf"
        assert status(app) == f"1 reminder, 1 final: {pdf}"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.with_suffix(".csv").exists()
        await settle(pilot)
        await burst(pilot, "r")  # the same day again: nothing is due
        assert status(app) == "no letter is due today"
        await burst(pilot, "d", "y")
        assert re.fullmatch(r"1 disconnect orders: WO\d+", status(app))
        await settle(pilot)
        await burst(pilot, "enter")  # opens the account of the first line
        assert getattr(app.screen, "account_id", None) == accts["Shutoff"].id
    wo = WorkOrder.get()
    assert (wo.kind, wo.account_id) == ("disconnect", accts["Shutoff"].id)


async def test_clerk_sees_the_worklist_but_not_the_letter_or_disconnect_keys(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("clerk")
    bill(new_account("Old"), 9000, 120, "c1")
    app = make_app(sqlite_url, today=lambda: DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_worklist(pilot, "clerk")
        shown = screen_text(app)
        assert "Old, Ana" in shown and "Send letters" not in shown and "Disconnects" not in shown
        assert "Plan" in shown  # a clerk may make a payment arrangement
        await burst(pilot, "d", "r")
        assert not isinstance(app.screen, ConfirmScreen)
    assert WorkOrder.select().count() == 0 and CollectionNotice.select().count() == 0


async def test_payment_plan_typed_in_one_burst(sqlite_url, tmp_path, monkeypatch):
    """P, then the whole form typed before it has opened: every key lands in its field."""
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("clerk")
    a = new_account("Owes")
    bill(a, 12000, 50, "o")
    app = make_app(sqlite_url, today=lambda: DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_worklist(pilot, "clerk")
        await burst(pilot, "p", "1", "3", "enter", "+", "7", "enter", "3", "0", "enter", "enter")
        assert isinstance(app.screen, PaymentPlanScreen)  # 13 instalments: refused, nothing written
        assert "Instalments: must be 1 to 12" in screen_text(app)
        assert app.screen.focused.id == "f-count"
        assert PaymentPlan.select().count() == 0
        await burst(pilot, "4", "f9")
        assert isinstance(app.screen, CollectionsScreen)
        assert status(app).startswith("payment plan $120.00 in 4, first $30.00 due 03/24/2026")
        await settle(pilot)
        assert rows(app) == [("Owes, Ana", "protected")]
    plan = PaymentPlan.get()
    assert (plan.total_cents, plan.instalments, plan.account_id) == (12000, 4, a.id)
    assert [i.due_on for i in plan.schedule.order_by(plan.schedule.model.seq)][:2] == [
        dt.date(2026, 3, 24), dt.date(2026, 4, 23)]


def test_worklist_snapshot(sqlite_url, snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path / "data"))
    add_user("super", "supervisor")
    district()
    app = make_app(sqlite_url, today=lambda: DAY)

    async def before(pilot) -> None:
        await sign_in(pilot, "super")
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


async def test_a_long_worklist_fills_the_table_a_page_at_a_time(sqlite_url, tmp_path, monkeypatch):
    """The counts are of every line; the table holds a page, and reaching its last row adds
    the next page (a 1M-account district's 236,000 lines at once held the screen a minute)."""
    import screens.collections.worklist as worklist
    monkeypatch.setattr(worklist, "PAGE_ROWS", 2)
    app, accts = supervised_district(sqlite_url, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_worklist(pilot)
        assert [r[0] for r in rows(app)] == ["Shutoff, Ana", "Finalist, Ana"]
        assert status(app) == "first 2 of 5 lines: the last one shows more"
        assert "Reminder 1 $61.00" in screen_text(app)  # the counts: all the lines
        await burst(pilot, "down")  # the last row shown: two more
        await settle(pilot)
        assert [r[0] for r in rows(app)] == ["Shutoff, Ana", "Finalist, Ana", "Fresh, Ana", "Care, Ana"]
        await burst(pilot, "down", "down")
        await settle(pilot)
        assert len(rows(app)) == 5 and status(app) == "all 5 lines shown"
        await burst(pilot, "down", "enter")  # the last line, added by the page before: its account opens
        assert getattr(app.screen, "account_id", None) == accts["Patient"].id
