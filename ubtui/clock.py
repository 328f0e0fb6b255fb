"""The one clock: what "today" and "now" are, for the core, the CLI and the screens alike.

Every rule that needs the date asks ``today()`` (never ``date.today()``); every stored
timestamp asks ``now()``/``utcnow()``.  Tests set the clock with ``frozen(day)`` (a context
manager) or ``set_today(fn)``; the app's ``today`` is this clock, so a test that freezes the
screens freezes the core under them too.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Iterator

_today: Callable[[], _dt.date] | None = None


def today() -> _dt.date:
    """The counter's business date (the real one unless a test has set the clock)."""
    return _today() if _today is not None else _dt.date.today()


def now() -> _dt.datetime:
    """Local wall-clock time (naive); on a frozen day, that day at the real time of day."""
    real = _dt.datetime.now()
    return real if _today is None else _dt.datetime.combine(_today(), real.time())


def set_today(fn: Callable[[], _dt.date] | None) -> Callable[[], _dt.date] | None:
    """Make ``fn`` the source of today (None: the real date); returns the previous source."""
    global _today
    previous, _today = _today, fn
    return previous


@contextlib.contextmanager
def frozen(day: _dt.date) -> Iterator[_dt.date]:
    """``with clock.frozen(date(2026, 3, 15)):`` today is that day inside the block."""
    previous = set_today(lambda: day)
    try:
        yield day
    finally:
        set_today(previous)
