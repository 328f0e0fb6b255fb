"""The work order queue by keys (issue #14): the filter line typed in a burst (letters there are
text, not actions), counts by status, a bad filter naming the field; the completion form of
each kind that writes (meter test, meter exchange, new install, reread) typed in one burst;
the field sheet and door tag keys; snapshots at 80x24."""
from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager

import pytest

from models import AdjustmentProposal, Meter, MeterReading, Premise, WorkOrder
from screens.common.form import ActionForm
from screens.service.workorders import WorkOrdersScreen
from tests.screens.appkit import TODAY, add_user, burst, make_app, screen_text, settle, sign_in, table_rows
from tests.screens.test_actions import new_account, status
from ubtui import billing, readings, workorders
from ubtui.security import system_user

HOSTILE = "\x1b[2J[bold red]X[/] \u202eevil"


def _billed(house: str = "12", street: str = "Oak Ave"):
    """An account with a meter and three monthly bills of 12 HCF before TODAY."""
    sysu = system_user()
    a = new_account(house=house, street=street)
    from models import Account
    Account.update(opened_on=dt.date(2025, 12, 1)).where(Account.id == a.id).execute()
    m = readings.install_meter(sysu, a.premise_id, f"M-{a.id}", on=dt.date(2025, 12, 1), reading=100)
    for i in range(1, 4):
        on = dt.date(2025, 12, 1) + dt.timedelta(days=30 * i)
        readings.enter_reading(sysu, m.id, on, 100 + 12 * i)
        billing.run_bills(sysu, cycle="1", period_end=on, bill_date=on)
    return a, m


def _queue_data():
    sysu = system_user()
    a, m = _billed()
    b = new_account(last_name=HOSTILE, house="40", street="Elm St")
    Premise.update(route="07", notes="Dog " + HOSTILE).where(Premise.id == b.premise_id).execute()
    test = workorders.create_work_order(sysu, kind="meter_test", account_id=a.id)
    change = workorders.create_work_order(sysu, kind="meter_change", account_id=a.id)
    install = workorders.create_work_order(sysu, kind="new_install", account_id=b.id, priority="high")
    reread = workorders.create_work_order(sysu, kind="reread", account_id=a.id)
    workorders.assign_work_order(sysu, install.id, crew="North 2", scheduled_on=TODAY + dt.timedelta(days=1),
                                 today=TODAY)
    workorders.assign_work_order(sysu, change.id, crew="South 1", scheduled_on=TODAY, today=TODAY)
    return dict(a=a, b=b, meter=m, test=test, change=change, install=install, reread=reread)


async def _queue(pilot, app):
    await sign_in(pilot, "clerk")
    await burst(pilot, "w")
    assert isinstance(app.screen, WorkOrdersScreen)


@asynccontextmanager
async def queue_screen(sqlite_url):
    """Signed in as a clerk on the queue of ``_queue_data``: yields (app, pilot, the orders)."""
    add_user("clerk")
    d = _queue_data()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _queue(pilot, app)
        yield app, pilot, d


def _numbers(app) -> list[str]:
    return [r[0] for r in table_rows(app.screen.query_one("#orders-table"))]


def _count(app) -> str:
    from tests.screens.appkit import text_of
    return text_of(app.screen.query_one("#orders-count"))


async def test_the_filter_line_typed_in_a_burst_narrows_the_queue_and_counts_it(sqlite_url):
    async with queue_screen(sqlite_url) as (app, pilot, d):
        assert _numbers(app)[0] == d["install"].number and len(_numbers(app)) == 4
        assert _count(app) == "4 work orders: 2 open, 2 assigned"
        # F4 goes to the filter line; "c", "d", "a", "t" and "p" typed there are text, not actions
        await burst(pilot, "f4", *"crew:north_2", "enter")
        assert isinstance(app.screen, WorkOrdersScreen) and _numbers(app) == [d["install"].number]
        assert _count(app) == "1 work order: 1 assigned  [crew:north 2]"
        assert app.screen.focused.id == "orders-table"
        await burst(pilot, "f4", "ctrl+u", *"kind:paint", "enter")
        assert status(app).startswith("Filter: kind 'paint' is not one of")
        assert app.screen.focused.id == "orders-filter"
        await burst(pilot, "ctrl+u", *"status:all route:07", "enter", "t")  # then T: its door tag
        assert _numbers(app) == [d["install"].number]
        await burst(pilot, "f4", "ctrl+u", "enter")
        assert len(_numbers(app)) == 4


async def test_a_filter_typed_on_the_list_goes_to_the_filter_line(sqlite_url):
    """Found walking the queue in tmux: "kind:leak" typed on opening it ran D (Dispatch) on the
    first row and typed "leak" into its form.  A key that is no command starts the filter."""
    async with queue_screen(sqlite_url) as (app, pilot, d):
        await burst(pilot, *"kind:reread", "enter")
        assert isinstance(app.screen, WorkOrdersScreen) and _numbers(app) == [d["reread"].number]
        assert app.screen.focused.id == "orders-table"
        await burst(pilot, *"s:done", "enter")  # one more word of the filter
        assert app.screen.query_one("#orders-filter").value == "kind:reread s:done"
        assert _numbers(app) == [] and app.screen.focused.id == "orders-table"


async def test_f4_on_the_filter_line_lists_the_words_and_adds_the_one_picked(sqlite_url):
    async with queue_screen(sqlite_url) as (app, pilot, d):
        await burst(pilot, "f4", "f4")
        words = [w for w, _ in app.screen.choices]
        assert words[:3] == ["kind:turn_on", "kind:turn_off", "kind:reread"]
        assert "crew:South_1" in words and "crew:North_2" in words and "route:07" in words
        await burst(pilot, *["down"] * 2, "enter")
        value = app.screen.query_one("#orders-filter").value
        assert value == "kind:reread" and _numbers(app) == [d["reread"].number]


async def test_a_meter_test_outside_tolerance_typed_in_a_burst_proposes_the_adjustment(sqlite_url):
    async with queue_screen(sqlite_url) as (app, pilot, d):
        await burst(pilot, "f4", *"kind:meter_t", "enter")
        await burst(pilot, "c", *"bench test", "enter", *"250", "enter", "enter", "f9")
        assert isinstance(app.screen, ActionForm) and status(app).startswith("Accuracy: 250 is not a percent")
        assert app.screen.focused.id == "f-accuracy"
        await burst(pilot, "ctrl+u", *"104", "f9")
        assert isinstance(app.screen, WorkOrdersScreen)
        assert "adjustment of -$" in status(app) and "proposed, waiting for approval" in status(app)
    p = AdjustmentProposal.get(AdjustmentProposal.work_order == d["test"].id)
    assert p.status == "proposed" and p.percent == "104" and p.amount_cents < 0
    assert WorkOrder.get_by_id(d["test"].id).status == "done"


async def test_a_meter_exchange_typed_in_a_burst_records_both_reads(sqlite_url):
    async with queue_screen(sqlite_url) as (app, pilot, d):
        await burst(pilot, "f4", *"k:meter_c", "enter")
        await burst(pilot, "c", *"exchanged " + HOSTILE[1:], "enter", *"150", "enter", *"NEW-9", "enter",
                    "ctrl+u", "x", "f9")  # the restrict keeps "x" out of the read: 0
        assert isinstance(app.screen, WorkOrdersScreen), status(app)
        assert status(app) == f"work order {d['change'].number} done; meter NEW-9 set"
    new = Meter.get(Meter.serial == "NEW-9")
    assert Meter.get_by_id(d["meter"].id).removed_on == TODAY
    assert [(r.meter_id, r.reading) for r in MeterReading.select().where(MeterReading.read_on == TODAY)
            .order_by(MeterReading.id)] == [(d["meter"].id, 150), (new.id, 0)]
    assert "[bold red]X[/]" in WorkOrder.get_by_id(d["change"].id).result


async def test_a_new_install_typed_in_a_burst_sets_the_meter_and_names_a_bad_field(sqlite_url):
    async with queue_screen(sqlite_url) as (app, pilot, d):  # the install is first: high priority
        await burst(pilot, "c", *"set", "enter", *"M-1", "enter", *"7", "enter", *'5/8"', "f9")
        assert status(app) == "New meter: meter M-1 is already on file" and app.screen.focused.id == "f-serial"
        await burst(pilot, "ctrl+u", *"INS-1", "f9")
        assert status(app) == f"work order {d['install'].number} done; meter INS-1 set"
    m = Meter.get(Meter.serial == "INS-1")
    assert m.premise_id == d["b"].premise_id and MeterReading.get(MeterReading.meter == m.id).reading == 7


async def test_a_reread_needs_its_read(sqlite_url):
    async with queue_screen(sqlite_url) as (app, pilot, d):
        await burst(pilot, "f4", *"k:rer", "enter", "c", *"looked", "enter", "enter", "f9")
        assert status(app) == "Reading: a reread records the read the field took"
        assert app.screen.focused.id == "f-reading"
        await burst(pilot, *"136", "f9")
        assert status(app) == f"work order {d['reread'].number} done; reading recorded; the bill stands"


async def test_p_and_t_write_the_field_sheet_and_the_door_tag(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("UBTUI_DATA_DIR", str(tmp_path))
    async with queue_screen(sqlite_url) as (app, pilot, d):
        await burst(pilot, "p")
        assert status(app).startswith("field sheet of 1 stop:")
        await burst(pilot, "t")
        assert status(app).startswith("door tag:")
        await burst(pilot, "down", "p")  # an open order has no crew's day
        assert status(app).startswith("a field sheet is of a crew's day")
    sheet = (tmp_path / "exports" / f"fieldsheet-North-2-{(TODAY + dt.timedelta(days=1)).isoformat()}.txt").read_text()
    assert "40 Elm St" in sheet and "Dog ␛[2J[bold red]X[/]" in sheet and "\x1b" not in sheet
    assert (tmp_path / "exports" / f"doortag-{d['install'].number}.pdf").read_bytes().startswith(b"%PDF")


# --- snapshots ----------------------------------------------------------------------------------
def _snap_app(sqlite_url, press: tuple[str, ...]):
    add_user("clerk")
    _queue_data()
    app = make_app(sqlite_url)

    async def before(pilot) -> None:
        await _queue(pilot, app)
        await burst(pilot, *press)
        await settle(pilot)
        await pilot.pause()

    return app, before


def test_queue_filtered(sqlite_url, snap_compare):
    app, before = _snap_app(sqlite_url, ("f4", *"status:all", "enter"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


@pytest.mark.parametrize("kind", ["meter_test", "meter_change", "new_install"])
def test_completion_form(sqlite_url, snap_compare, kind):
    app, before = _snap_app(sqlite_url, ("f4", *f"kind:{kind}", "enter", "c"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


# --- proposals -----------------------------------------------------------------------------------
def _proposals():
    """Two proposals: a rebill (reread 120 below the billed 136) and a fast meter test."""
    from ubtui.fieldwork import complete_field_work
    sysu = system_user()
    a, _ = _billed()
    reread = workorders.create_work_order(sysu, kind="reread", account_id=a.id)
    complete_field_work(sysu, reread.id, "reread " + HOSTILE, completed_on=TODAY, reading="130")
    b, _ = _billed(house="50", street="Ash Ct")
    test = workorders.create_work_order(sysu, kind="meter_test", account_id=b.id)
    complete_field_work(sysu, test.id, "bench", completed_on=TODAY, accuracy="110")
    return [p.id for p in AdjustmentProposal.select().order_by(AdjustmentProposal.id)]


async def test_proposals_approved_by_a_supervisor_and_rejected_typed_in_a_burst(sqlite_url):
    from models import Bill
    from screens.billing.proposals import ProposalsScreen
    from ubtui import config
    config.use_settings(config.Settings(adjustment_approval_cents=100))
    add_user("senior", "senior_clerk")
    add_user("super", "supervisor")
    rebill, test = _proposals()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "senior")
        await burst(pilot, "w", "r")
        assert isinstance(app.screen, ProposalsScreen)
        assert "Usage 12 -> 6" in screen_text(app)
        await burst(pilot, "y", *"checked", "f9")  # over $1.00: a supervisor must approve
        assert "a supervisor must approve" in status(app)
        await burst(pilot, "enter", *"super", "enter", *"wrong-password", "f9")
        assert AdjustmentProposal.get_by_id(rebill).status == "proposed"
        await burst(pilot, "ctrl+u", *"super-demo-1", "f9")
        assert isinstance(app.screen, ProposalsScreen), status(app)
        assert status(app).startswith(f"proposal #{rebill} approved")
        await burst(pilot, "n", *"customer's own valve " + HOSTILE[1:], "enter")
        assert status(app) == f"proposal #{test} rejected"
    assert AdjustmentProposal.get_by_id(rebill).status == "approved"
    assert Bill.select().where(Bill.kind == "rebill").count() == 1
    p = AdjustmentProposal.get_by_id(test)
    assert p.status == "rejected" and "[bold red]X[/]" in p.decision_note


async def test_a_clerk_sees_proposals_but_cannot_decide(sqlite_url):
    from screens.billing.proposals import ProposalsScreen
    add_user("clerk")
    rebill, _ = _proposals()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk")
        await burst(pilot, "w", "r", "y")
        assert isinstance(app.screen, ProposalsScreen)
    assert AdjustmentProposal.get_by_id(rebill).status == "proposed"


def proposals_app(sqlite_url, press: tuple[str, ...] = ()):
    """A senior clerk on the proposals of ``_proposals`` (menu W, R, then ``press``): the
    snapshots' app and run_before."""
    add_user("senior", "senior_clerk")
    _proposals()
    app = make_app(sqlite_url)

    async def before(pilot) -> None:
        await sign_in(pilot, "senior")
        await burst(pilot, "w", "r", *press)
        await settle(pilot)
        await pilot.pause()

    return app, before


def test_proposals_screen(sqlite_url, snap_compare):
    app, before = proposals_app(sqlite_url)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


async def test_from_the_account_the_only_open_order_gets_its_kinds_form(sqlite_url):
    from tests.screens.test_actions import open_actions
    add_user("clerk")
    a, _ = _billed()
    test = workorders.create_work_order(system_user(), kind="meter_test", account_id=a.id)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, a.id, "clerk")
        await burst(pilot, "c", *"bench", "enter", *"99", "f9")
        assert status(app) == f"work order {test.number} done; meter registers 99%: within tolerance"
        reread = workorders.create_work_order(system_user(), kind="reread", account_id=a.id)
        workorders.create_work_order(system_user(), kind="meter_test", account_id=a.id)
        workorders.create_work_order(system_user(), kind="leak_investigation", account_id=a.id)
        await burst(pilot, "f5")
        await burst(pilot, "c")  # three open: the clerk picks one, and gets its kind's form
        picks = [n for n, _ in app.screen.choices]
        await burst(pilot, *["down"] * picks.index(reread.number), "enter", *"x", "enter", *"136", "f9")
        assert status(app) == f"work order {reread.number} done; reading recorded; the bill stands"


async def test_from_an_account_with_several_open_orders_the_clerk_picks_which_to_complete(sqlite_url):
    """C on an account with a meter test, a meter exchange and a leak check open: a list to
    pick from, then the picked order's own form (typed in one burst each): the test outside
    tolerance proposes an adjustment, the exchange sets the new meter; F3 on the list opens no form."""
    from screens.accounts.actions import AccountActionsScreen
    from screens.common.form import LookupScreen
    from screens.service.actions import CompleteWorkOrderScreen
    from tests.screens.test_actions import open_actions
    add_user("clerk")
    a, m = _billed()
    sysu = system_user()
    test = workorders.create_work_order(sysu, kind="meter_test", account_id=a.id)
    change = workorders.create_work_order(sysu, kind="meter_change", account_id=a.id, priority="high")
    leak = workorders.create_work_order(sysu, kind="leak_investigation", account_id=a.id)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, a.id, "clerk")
        await burst(pilot, "c")
        assert isinstance(app.screen, LookupScreen)
        picks = [n for n, _ in app.screen.choices]
        assert sorted(picks) == sorted([test.number, change.number, leak.number])
        await burst(pilot, "f3")
        assert isinstance(app.screen, AccountActionsScreen)
        await burst(pilot, "c", *["down"] * picks.index(test.number), "enter")
        assert isinstance(app.screen, CompleteWorkOrderScreen) and app.screen.kind == "meter_test"
        assert app.screen.query_one("#f-order").value == test.number
        await burst(pilot, *"bench", "enter", *"110", "f9")
        assert isinstance(app.screen, AccountActionsScreen)
        assert status(app).startswith(f"work order {test.number} done; meter registers 110%: adjustment of")
        assert status(app).endswith("proposed, waiting for approval")
        await burst(pilot, "c")
        picks = [n for n, _ in app.screen.choices]
        await burst(pilot, *["down"] * picks.index(change.number), "enter", *"worn", "enter", *"150", "enter",
                    *"NEW-9", "enter", *"3", "f9")
        assert status(app) == f"work order {change.number} done; meter NEW-9 set", status(app)
    assert AdjustmentProposal.select().where(AdjustmentProposal.work_order == test.id).count() == 1
    assert Meter.get_by_id(m.id).removed_on == TODAY
    new = Meter.get(Meter.serial == "NEW-9")
    assert new.premise_id == a.premise_id and new.removed_on is None
    assert WorkOrder.get_by_id(leak.id).status == "open"


@pytest.mark.parametrize("term", ["xterm-256color", "vt100"])
async def test_the_footer_fits_80_columns_and_help_lists_the_rest(sqlite_url, monkeypatch, term):
    """At 80 columns every key the footer shows is whole (the dispatcher's most used: filter,
    complete, dispatch, cancel, proposals); F1 lists the others (sheet, door tag, account,
    refresh)."""
    monkeypatch.setenv("TERM", term)
    async with queue_screen(sqlite_url) as (app, pilot, d):
        footer = screen_text(app).splitlines()[-1].rstrip()
        lookup = "^K" if term == "vt100" else "F4"
        for key in (f"{lookup} Filter", "C Complete", "D Dispatch", "X Cancel", "R Proposals"):
            assert key in footer, footer
        shown = [b for b in app.screen.active_bindings.values() if b.binding.show]
        last = max(shown, key=lambda b: footer.find(b.binding.description)).binding.description
        assert footer.endswith(last), footer  # nothing cut at the edge
        await burst(pilot, "f1")
        helped = screen_text(app)
        for what in ("Sheet", "Door tag", "Account", "Refresh"):
            assert what in helped, helped
