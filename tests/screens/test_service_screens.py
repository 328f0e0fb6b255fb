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
        await burst(pilot, "d", "enter", *"North 2", "enter", "ctrl+u", *"2026-03-01", "f9")
        assert status(app) == "Scheduled: 2026-03-01 is past"
        assert WorkOrder.get_by_id(wo.id).status == "open"
        await burst(pilot, "ctrl+u", *"+2", "enter", *"+5", "enter", *"hi", "f9")
        assert isinstance(app.screen, WorkOrdersScreen)
        assert status(app) == f"work order {wo.number} assigned to North 2 for 2026-03-17"
        await burst(pilot, "d", "enter", *"South 1", "f9")  # the next day by default: rescheduled
        assert status(app) == f"work order {wo.number} assigned to South 1 for 2026-03-16"
    w = WorkOrder.get_by_id(wo.id)
    assert (w.status, w.crew, w.scheduled_on, w.due_on, w.priority) == (
        "assigned", "South 1", TODAY.replace(day=16), TODAY.replace(day=20), "high")
