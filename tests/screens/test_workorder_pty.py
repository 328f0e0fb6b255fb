"""A meter exchange completed in a real pseudo-terminal (tests/ptykit.py): from the main menu
to the two reads in the meter history in one burst of keys (issue #14)."""
from __future__ import annotations

import datetime as dt

import pytest

from models import Meter, MeterReading
from tests.ptykit import AppTerminal
from tests.screens.appkit import add_user
from tests.screens.test_workorder_queue import _billed
from ubtui import workorders
from ubtui.security import system_user

pytestmark = pytest.mark.slow


def test_filter_the_queue_and_complete_a_meter_exchange_in_one_burst(sqlite_url):
    add_user("clerk")
    a, m = _billed()
    wo = workorders.create_work_order(system_user(), kind="meter_change", account_id=a.id)
    workorders.create_work_order(system_user(), kind="reread", account_id=a.id, priority="high")
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        # the queue, the filter line (letters there are text), the exchange's form, post: one burst
        t.keys("w", "f4", "kind:meter_change", "enter", "c", "worn register", "enter", "150", "enter",
               "PTY-1", "enter", "3", "f9")
        t.wait_for_all(f"work order {wo.number} done; meter PTY-1 set", "Work order queue",
                   timeout=60)
    new = Meter.get(Meter.serial == "PTY-1")
    today = dt.date.today()
    assert Meter.get_by_id(m.id).removed_on == today
    assert [(r.meter_id, r.reading) for r in MeterReading.select().where(MeterReading.read_on == today)
            .order_by(MeterReading.id)] == [(m.id, 150), (new.id, 3)]
