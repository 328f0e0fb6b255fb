"""The service and field-work screens of issue #14 on a plain console: TERM=linux with NO_COLOR
at 80x24 (ASCII and the console's box set, focus in reverse video, the footer whole): the work
order queue, a field result form, the proposals, the new-service desk and its start form, the
account's pick of an open order, a temporary service's end date."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.screens.appkit import TODAY, add_user, make_app
from tests.screens.test_actions import new_account
from tests.screens.test_actions_snap import actions_opener
from tests.screens.test_service_desk_snap import PICK_CUSTOMER, desk_app
from tests.screens.test_snapshots import utf8_locale
from tests.screens.test_workorder_queue import _billed, _snap_app, proposals_app
from ubtui import workorders
from ubtui.security import system_user

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def plain_console(monkeypatch):
    utf8_locale(monkeypatch)
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.setenv("NO_COLOR", "1")


def test_plain_queue(sqlite_url, snap_compare):
    app, before = _snap_app(sqlite_url, ("f4", *"status:all", "enter"))
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


@pytest.mark.parametrize("kind", ["meter_test", "meter_change", "new_install", "reread"])
def test_plain_field_result_form(sqlite_url, snap_compare, kind):
    app, before = _snap_app(sqlite_url, ("f4", *f"kind:{kind}", "enter", "c"))
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_plain_proposals(sqlite_url, snap_compare):
    app, before = proposals_app(sqlite_url)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_plain_approve_form(sqlite_url, snap_compare):
    app, before = proposals_app(sqlite_url, ("y",))
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_plain_desk_with_a_customer_picked(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, PICK_CUSTOMER)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_plain_start_at_an_address_form(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, (*PICK_CUSTOMER, "s"))
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_plain_pick_of_an_open_order(sqlite_url, snap_compare):
    from ubtui import clock
    clock.set_today(lambda: TODAY)  # the list shows the day each order was asked for
    add_user("clerk")
    a, _ = _billed()
    for kind in ("meter_test", "meter_change", "leak_investigation"):
        workorders.create_work_order(system_user(), kind=kind, account_id=a.id, instructions=f"{kind} asked")
    app = make_app(sqlite_url)
    assert snap_compare(app, terminal_size=SIZE, run_before=actions_opener(app, a.id, "clerk", ("c",)))


def test_plain_temporary_service_end_date_form(sqlite_url, snap_compare):
    from ubtui.accounts import create_customer, create_premise
    add_user("clerk")
    new_account()
    sysu = system_user()
    cust = create_customer(sysu, last_name="Acme Builders", kind="business")
    prem = create_premise(sysu, house_number="", street="Hydrant 14 at Depot Rd")
    started = workorders.start_service(sysu, premise=prem, customer=cust, account_class="construction",
                                       turn_on=TODAY, ends_on=dt.date(2026, 6, 30))
    app = make_app(sqlite_url)
    assert snap_compare(app, terminal_size=SIZE, run_before=actions_opener(app, started.account.id, "clerk", ("z",)))
