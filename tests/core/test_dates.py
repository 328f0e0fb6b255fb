"""One date parser for every form, option and report parameter; one reader for date columns."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ubtui.dates import db_date, parse_date
from ubtui.errors import InputError

TODAY = dt.date(2026, 11, 28)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
def test_typed_iso_dates_round_trip(d):
    assert parse_date(f"  {d.isoformat()} ") == d == db_date(d.isoformat()) == db_date(d.isoformat() + " 10:00:00")


def test_empty_gives_the_default_and_dates_pass_through():
    assert parse_date("", default=TODAY) == TODAY and parse_date(None) is None
    assert parse_date(TODAY) == TODAY and db_date(None) is None
    assert db_date(dt.datetime(2026, 1, 2, 3, 4)) == dt.date(2026, 1, 2)


def test_plus_days_only_where_a_today_is_given():
    assert parse_date("+7", "Follow-up", today=TODAY) == dt.date(2026, 12, 5)
    with pytest.raises(InputError, match=r"^Due: '\+7' is not a date; type YYYY-MM-DD$"):
        parse_date("+7", "Due")


@pytest.mark.parametrize("text", ["28/11/2026", "2026-13-01", "tomorrow", "2026-02-30"])
def test_a_bad_date_names_the_field_and_the_format(text):
    with pytest.raises(InputError) as e:
        parse_date(text, "Read date", today=TODAY)
    assert e.value.field == "Read date" and str(e.value) == f"Read date: {text!r} is not a date; type YYYY-MM-DD or +days"


def test_a_timestamp_is_not_a_date():
    with pytest.raises(InputError, match="must be a date"):
        parse_date(dt.datetime(2026, 1, 1), "Follow-up")
