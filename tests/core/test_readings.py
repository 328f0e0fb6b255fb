"""Meter reads: usage, the checks, meter changes, CSV import (all or nothing), exceptions."""
import datetime as dt
from decimal import Decimal

import pytest

from models import AuditLog, MeterReading, WorkOrder
from ubtui import readings
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.rates import ReadPolicy
from ubtui.readings import History, check_read, history_from

D = dt.date
POLICY = ReadPolicy()  # high 200% and >= 10 units, low 25%, rollover within 10% of the dials


def test_usage_and_no_flag_for_a_normal_read():
    h = History(1000, D(2026, 1, 1), Decimal(12) / 30)
    c = check_read(1012, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY)
    assert (c.usage, c.flag, c.status) == (12, "", "ok")
    assert check_read(1012, D(2026, 1, 31), dials=6, multiplier=10, history=h, policy=POLICY).flag == "high"


def test_high_needs_both_the_percent_and_the_minimum():
    h = History(1000, D(2026, 1, 1), Decimal(12) / 30)  # usual 12 in 30 days
    assert check_read(1024, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY).flag == "high"
    assert check_read(1023, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY).flag == ""
    small = History(1000, D(2026, 1, 1), Decimal(2) / 30)  # usual 2: 9 is 450% but under 10 units
    assert check_read(1009, D(2026, 1, 31), dials=6, multiplier=1, history=small, policy=POLICY).flag == ""
    c = check_read(1010, D(2026, 1, 31), dials=6, multiplier=1, history=small, policy=POLICY)
    assert c.flag == "high" and "500% of the usual 2" in c.reason and c.status == "exception"


def test_low_zero_negative_and_rollover():
    h = History(1000, D(2026, 1, 1), Decimal(12) / 30)
    assert check_read(1003, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY).flag == "low"
    assert check_read(1004, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY).flag == ""
    assert check_read(1000, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY).flag == "zero"
    neg = check_read(990, D(2026, 1, 31), dials=6, multiplier=1, history=h, policy=POLICY)
    assert (neg.flag, neg.usage) == ("negative", -10)
    wrap = History(9990, D(2026, 1, 1), Decimal(12) / 30)  # a 4-dial register: 9999 -> 0000
    roll = check_read(5, D(2026, 1, 31), dials=4, multiplier=1, history=wrap, policy=POLICY)
    assert (roll.flag, roll.usage) == ("rollover", 15)
    far = check_read(5000, D(2026, 1, 31), dials=4, multiplier=1, history=wrap, policy=POLICY)
    assert far.flag == "negative"  # a wrap would be 5,010 units: not plausible


def test_history_average_per_day():
    reads = [(D(2026, 1, 1), 100, None), (D(2026, 1, 31), 112, 12), (D(2026, 3, 2), 130, 18)]
    h = history_from(reads, 6)
    assert (h.prev_reading, h.prev_on, h.per_day) == (130, D(2026, 3, 2), Decimal(30) / 60)
    assert history_from(reads, 1).per_day == Decimal(18) / 30


@pytest.fixture
def meter(system, make_account):
    acct = make_account()
    m = readings.install_meter(system, acct.premise_id, "M-100", on=D(2026, 1, 1), reading=100)
    m.account = acct
    return m


def monthly(system, meter, values, start=D(2026, 1, 1)):
    rows = []
    for i, v in enumerate(values, 1):
        rows.append(readings.enter_reading(system, meter.id, start + dt.timedelta(days=30 * i), v))
    return rows


def test_keyed_reads_compute_usage_and_flag_high(system, meter):
    rows = monthly(system, meter, [112, 124, 136, 170])
    assert [r.usage for r in rows] == [12, 12, 12, 34]
    assert [r.status for r in rows] == ["ok", "ok", "ok", "exception"] and rows[-1].flag == "high"
    assert AuditLog.select().where(AuditLog.action == "reading.enter").count() == 4
    with pytest.raises(Conflict, match="already has a read"):
        readings.enter_reading(system, meter.id, D(2026, 3, 2), 200)
    with pytest.raises(InputError, match="Reading: 'abc'"):
        readings.enter_reading(system, meter.id, D(2026, 9, 1), "abc")
    with pytest.raises(InputError, match="more digits"):
        readings.enter_reading(system, meter.id, D(2026, 9, 1), 1_000_000)
    with pytest.raises(InputError, match="future"):
        readings.enter_reading(system, meter.id, dt.date.today() + dt.timedelta(days=1), 200)


def test_meter_change_bills_usage_from_both_meters(system, meter):
    monthly(system, meter, [112])  # 2026-01-31
    new = readings.change_meter(system, meter.id, D(2026, 2, 15), 120, new_serial="M-200", new_reading=0,
                                dials=5)
    later = readings.enter_reading(system, new.id, D(2026, 3, 2), 5)
    final = MeterReading.get((MeterReading.meter == meter.id) & (MeterReading.read_on == D(2026, 2, 15)))
    assert (final.usage, final.flag, final.status) == (8, "meter_change", "ok")
    assert later.usage == 5 and new.installed_on == D(2026, 2, 15) and new.dials == 5
    with pytest.raises(InputError, match="removed"):
        readings.enter_reading(system, meter.id, D(2026, 3, 2), 130)


CSV = """meter,read_date,reading,note
M-100,2026-01-31,112,
M-100,2026-03-02,124,
M-100,2026-04-01,160,pool
"""


def test_import_writes_reads_and_flags_exceptions(system, meter):
    r = readings.import_readings(system, text=CSV, source="handheld")
    assert (r.rows, r.exceptions) == (3, 1)
    rows = list(MeterReading.select().where(MeterReading.source == "handheld").order_by(MeterReading.read_on))
    assert [(x.usage, x.status) for x in rows] == [(12, "ok"), (12, "ok"), (36, "exception")]
    assert rows[-1].note == "pool"


def test_ami_file_with_timestamps_and_other_column_names(system, meter):
    ami = "Endpoint_Meter,Read_Time,Register_Read\nM-100,2026-01-31T23:59:00Z,00112\n"
    assert readings.import_readings(system, text=ami, source="ami").rows == 1


@pytest.mark.parametrize("text,where,what", [
    ("meter,date\nM-100,2026-01-31\n", "line 1", "needs columns reading"),
    (CSV + "M-100,2026-13-01,170,\n", "line 5", "not YYYY-MM-DD"),
    (CSV + "M-100,2026-05-01,17x,\n", "line 5", "'17x' is not a whole number"),
    (CSV + "M-100,2026-01-31,113,\n", "line 5", "also on line 2"),
    (CSV + "M-999,2026-05-01,170,\n", "line 5", "no meter M-999"),
    (CSV + "M-100,2026-05-01,1000000,\n", "line 5", "more digits"),
    ("meter,date,reading\n", "line 2", "no readings"),
])
def test_a_bad_file_is_refused_whole_with_its_line(system, meter, text, where, what):
    with pytest.raises(InputError) as e:
        readings.import_readings(system, text=text, source="handheld")
    assert where in e.value.field and what in str(e.value)
    assert MeterReading.select().where(MeterReading.source == "handheld").count() == 0


def test_import_needs_permission(clerk, meter):
    with pytest.raises(PermissionDenied):
        readings.import_readings(clerk, text=CSV)


def test_exceptions_worklist_actions(system, clerk, meter):
    rows = monthly(system, meter, [112, 124, 170, 100])
    high, neg = rows[2], rows[3]
    listed = readings.list_exceptions()
    assert [(x.reading_id, x.flag) for x in listed] == [(high.id, "high"), (neg.id, "negative")]
    assert listed[0].account_number == meter.account.number and listed[0].route == "01"
    with pytest.raises(InputError, match="cannot be billed"):
        readings.accept_reading(clerk, neg.id)
    assert readings.accept_reading(clerk, high.id, "filled the pool").status == "accepted"
    wo = readings.order_reread(clerk, neg.id)
    assert wo.kind == "reread" and wo.meter_id == meter.id and "negative read 100" in wo.instructions
    assert MeterReading.get_by_id(neg.id).status == "reread"
    assert readings.list_exceptions() == []
    with pytest.raises(Conflict, match="not waiting"):
        readings.estimate_reading(clerk, neg.id)
    assert WorkOrder.select().count() == 1


def test_find_meter_by_serial_or_account(system, meter):
    from ubtui.accounts import format_account_number
    from ubtui.errors import NotFound
    monthly(system, meter, [112])
    by_serial = readings.find_meter("M-100")
    by_account = readings.find_meter(format_account_number(meter.account.number))
    assert by_serial == by_account
    assert (by_serial.last_reading, by_serial.last_read_on, by_serial.account_number) == (
        112, D(2026, 1, 31), format_account_number(meter.account.number))
    with pytest.raises(NotFound, match="no meter or account X-1"):
        readings.find_meter("X-1")
