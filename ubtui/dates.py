"""Dates: one parser for what people type, one reader for what the database hands back.

Every form, CLI option and report parameter takes ``YYYY-MM-DD`` (and, where a date is
usually "a week from now", ``+N`` days); every refusal reads the same way and names the
field.  SQLite returns date and timestamp columns read with plain SQL as text: ``db_date``
and ``db_datetime`` turn either backend's value into a ``date`` or a ``datetime``.
Timestamps are stored in UTC; ``local_time`` is what people are shown (receipts, the cash
journal, the account's history): the counter's clock, not Greenwich's.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, overload

from .errors import InputError

_RELATIVE = re.compile(r"\+(\d{1,3})")


@overload
def parse_date(value: Any, field: str = ..., *, default: _dt.date, today: _dt.date | None = ...) -> _dt.date: ...
@overload
def parse_date(value: Any, field: str = ..., *, default: None = ..., today: _dt.date | None = ...) -> _dt.date | None: ...
def parse_date(value, field: str = "Date", *, default: _dt.date | None = None,
               today: _dt.date | None = None) -> _dt.date | None:
    """``value`` typed as ``YYYY-MM-DD`` (or ``+N`` days after ``today``, when given).

    Empty gives ``default``; a ``date`` passes through; anything else is an InputError
    naming ``field``."""
    if isinstance(value, _dt.datetime):
        raise InputError(field, "must be a date")
    if isinstance(value, _dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        return default
    hint = "type YYYY-MM-DD or +days" if today is not None else "type YYYY-MM-DD"
    if today is not None and (m := _RELATIVE.fullmatch(text)):
        return today + _dt.timedelta(days=int(m.group(1)))
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"{text!r} is not a date; {hint}") from None


# A column's value is typed Any (peewee rows): read from a NOT NULL column it is a date, from
# a nullable one maybe None, which only the caller knows.  The overloads say so: None gives
# None, a value of a known type its date, an Any value Any.
@overload
def db_date(value: None) -> None: ...
@overload
def db_date(value: _dt.date | str) -> _dt.date: ...
@overload
def db_date(value: object) -> _dt.date | None: ...
def db_date(value) -> _dt.date | None:
    """A date column's value as a ``date`` (SQLite gives text; a timestamp keeps its day)."""
    if value is None or type(value) is _dt.date:
        return value
    if isinstance(value, _dt.datetime):
        return value.date()
    return _dt.date.fromisoformat(str(value)[:10])


@overload
def local_time(at: None) -> None: ...
@overload
def local_time(at: _dt.datetime) -> _dt.datetime: ...
@overload
def local_time(at: _dt.datetime | None) -> _dt.datetime | None: ...
def local_time(at: _dt.datetime | None) -> _dt.datetime | None:
    """A stored (naive UTC) timestamp in local time, still naive: the district's zone when the
    config sets one (``config.apply_timezone``), else the machine's."""
    if at is None:
        return None
    return at.replace(tzinfo=_dt.UTC).astimezone().replace(tzinfo=None)


@overload
def db_datetime(value: None) -> None: ...
@overload
def db_datetime(value: _dt.datetime | str) -> _dt.datetime: ...
@overload
def db_datetime(value: object) -> _dt.datetime | None: ...
def db_datetime(value) -> _dt.datetime | None:
    """A timestamp column's value as a ``datetime`` (SQLite gives text)."""
    if value is None or isinstance(value, _dt.datetime):
        return value
    return _dt.datetime.fromisoformat(str(value))
