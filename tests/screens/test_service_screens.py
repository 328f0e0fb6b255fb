"""The dispatcher's keys on the open work orders (issue #14): D assigns the highlighted order to
a crew for a day, typed in one burst; a past day is refused naming the field."""
from __future__ import annotations

from models import WorkOrder
from screens.service.workorders import WorkOrdersScreen
from tests.screens.appkit import TODAY, add_user, burst, make_app, sign_in
from tests.screens.test_actions import new_account, status
from ubtui.security import system_user


async def test_dispatch_assigns_then_reschedules_typed_in_a_burst(sqlite_url):
    from ubtui import workorders
    add_user("clerk")
    acct = new_account()
    wo = workorders.create_work_order(system_user(), kind="low_pressure", account_id=acct.id)
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk")
        await burst(pilot, "w")
        assert isinstance(app.screen, WorkOrdersScreen)
        await burst(pilot, "d", *"North 2", "enter", "ctrl+u", *"2026-03-01", "f9")
        assert status(app) == "Scheduled: 2026-03-01 is past"
        assert WorkOrder.get_by_id(wo.id).status == "open"
        await burst(pilot, "ctrl+u", *"+2", "enter", *"+5", "enter", *"hi", "f9")
        assert isinstance(app.screen, WorkOrdersScreen)
        assert status(app) == f"work order {wo.number} assigned to North 2 for 2026-03-17"
        await burst(pilot, "d", *"South 1", "f9")  # the next day by default: rescheduled
        assert status(app) == f"work order {wo.number} assigned to South 1 for 2026-03-16"
    w = WorkOrder.get_by_id(wo.id)
    assert (w.status, w.crew, w.scheduled_on, w.due_on, w.priority) == (
        "assigned", "South 1", TODAY.replace(day=16), TODAY.replace(day=20), "high")


async def test_a_temporary_service_end_date_changed_from_the_account_in_a_burst(sqlite_url):
    """Z on a construction account: a past day is refused naming the field, nothing written;
    a good one moves the end date and the stop; Z on a residential account opens no form."""
    import datetime as dt

    from models import Account
    from screens.accounts.actions import AccountActionsScreen
    from screens.service.actions import ServiceEndScreen
    from tests.screens.appkit import screen_text
    from tests.screens.test_actions import burst as burst_settled
    from tests.screens.test_actions import open_actions
    from ubtui import workorders
    from ubtui.accounts import create_customer, create_premise
    add_user("clerk")
    sysu = system_user()
    cust = create_customer(sysu, last_name="Acme Builders", kind="business")
    prem = create_premise(sysu, house_number="", street="Hydrant 14 at Depot Rd")
    started = workorders.start_service(sysu, premise=prem, customer=cust, account_class="construction",
                                       turn_on=TODAY, ends_on=dt.date(2026, 6, 30))
    plain = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, started.account.id, user="clerk")
        await burst_settled(pilot, "z")
        assert isinstance(app.screen, ServiceEndScreen)
        assert "Service ends 2026-06-30" in screen_text(app)
        await burst_settled(pilot, *"2026-03-01", "enter", *"permit extended", "f9")
        assert status(app) == "End date: 2026-03-01 is past"
        assert app.screen.focused.id == "f-ends_on"
        await burst_settled(pilot, "ctrl+u", *"2026-09-15", "f9")
        assert isinstance(app.screen, AccountActionsScreen)
        assert status(app) == (f"service ends 2026-09-15 (was 2026-06-30); stop {started.stop_order.number} "
                               "on 2026-09-15")
        app.pop_screen()
        await open_actions(pilot, plain.id, user="clerk")
        await burst_settled(pilot, "z")
        assert isinstance(app.screen, AccountActionsScreen)
        assert "is not temporary service" in status(app)
    assert Account.get_by_id(started.account.id).service_ends_on == dt.date(2026, 9, 15)
    assert WorkOrder.get_by_id(started.stop_order.id).scheduled_on == dt.date(2026, 9, 15)
    assert Account.get_by_id(plain.id).service_ends_on is None
