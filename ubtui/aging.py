"""Aging: what an account owes by the age of the charges, in one implementation.

Credits pay the oldest charges first, and a reversal cancels what it reverses, so what is
still owed is the newest ``balance`` cents of the live charges (charges neither reversed nor
reversals).  Everything here follows from that one statement:

* ``newer_than`` -- one grouped query: each account's balance and, for each age limit N, the
  live charges dated within the last N days;
* ``owed_older_than(balance, newer, N)`` = ``balance - min(balance, newer[N])``: what is
  still owed on charges at least N days old;
* ``buckets`` -- the current/30/60/90+ split from the same sums;
* ``owed_sql`` / ``owed_by_age`` -- ``owed_older_than`` as an SQL expression, and the grouped
  query that ages every account in the database (the worklist keeps only the accounts past
  due, and never sees the sums); a test holds the SQL and Python forms equal.

The account header (``inquiry.account_summary``), the collections worklist and the reports
all call these, so the aging a clerk sees and the aging that puts an account on the shut-off
list cannot disagree.  ``inquiry.age_entries`` walks the entries one by one and stays as the
reference the tests compare against.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from peewee import Case, fn

from models import Account, LedgerEntry

from . import clock

AGING_BUCKETS = ("current", "30", "60", "90+")
BUCKET_DAYS = (30, 60, 90)


def bucket_of(effective_on: _dt.date, as_of: _dt.date) -> str:
    days = (as_of - effective_on).days
    return "current" if days < 30 else "30" if days < 60 else "60" if days < 90 else "90+"


def owed_older_than(balance: int, newer: dict[int, int], days: int) -> int:
    """What is still owed on charges at least ``days`` old (``newer[days]``: live charges
    dated within the last ``days`` days)."""
    if balance <= 0:
        return 0
    return balance - min(balance, newer.get(days, 0))


def owed_sql(balance, newer):
    """``owed_older_than`` as an SQL expression of the ``balance`` and ``newer`` columns (or
    expressions): what is still owed on charges older than the limit ``newer`` was summed for."""
    return Case(None, [((balance > 0) & (balance > newer), balance - newer)], 0)


def buckets_of_owed(balance: int, o30: int, o60: int, o90: int) -> dict[str, int]:
    """current/30/60/90+ from what is owed on charges at least 30, 60 and 90 days old."""
    if balance <= 0:
        return {"current": balance, "30": 0, "60": 0, "90+": 0}
    return {"current": balance - o30, "30": o30 - o60, "60": o60 - o90, "90+": o90}


def buckets(balance: int, newer: dict[int, int]) -> dict[str, int]:
    """current/30/60/90+ from the balance and the live charges newer than 30, 60 and 90 days.
    A credit balance shows as a negative "current".  The buckets always sum to the balance."""
    return buckets_of_owed(balance, *(owed_older_than(balance, newer, d) for d in BUCKET_DAYS))


def fill_newest_first(balance: int, charges: dict[str, int]) -> dict[str, int]:
    """``buckets`` from live charges summed per bucket (rather than per age limit)."""
    newer, running = {}, 0
    for bucket, days in zip(AGING_BUCKETS, BUCKET_DAYS):
        running += charges.get(bucket, 0)
        newer[days] = running
    return buckets(balance, newer)


def newer_than(as_of: _dt.date, days: Iterable[int] = BUCKET_DAYS, *, min_balance: int | None = None,
               account_ids: list[int] | None = None,
               statuses: Iterable[str] | None = None) -> dict[int, tuple[int, dict[int, int]]]:
    """One grouped query: for each account (owing at least ``min_balance``, or those of
    ``account_ids``), its balance and its live charges dated within the last N days, for each
    N of ``days``.  Accounts with no live charge at all are absent (they owe nothing)."""
    days = sorted(set(days) | set(BUCKET_DAYS))
    q, sums = _grouped(as_of, days, min_balance, account_ids, statuses)
    q = q.select(Account.id, fn.MAX(Account.balance_cents), *sums)
    return {row[0]: (int(row[1]), dict(zip(days, map(int, row[2:])))) for row in raw_rows(q)}


def owed_by_age(as_of: _dt.date, days: Iterable[int], *, min_balance: int | None = None,
                account_ids: list[int] | None = None, statuses: Iterable[str] | None = None,
                at_least: tuple[int, int] | None = None, id_range: tuple[int, int] | None = None):
    """``newer_than`` with the ``owed_older_than`` of each N of ``days`` worked out in the
    database: a query (to use as a subquery) of ``account_id``, ``balance`` and ``owed_<N>``
    for each N; with ``at_least=(N, cents)`` only the accounts owing ``cents`` or more on
    charges N days old or older; with ``id_range=(first, last)`` only the accounts whose id
    is in it (a district read in pieces)."""
    days = sorted(set(days))
    q, sums = _grouped(as_of, days, min_balance, account_ids, statuses)
    if id_range is not None:  # on both sides of the join: PostgreSQL carries equalities across, not ranges
        q = q.where(Account.id.between(*id_range) & LedgerEntry.account.between(*id_range))
    balance = fn.MAX(Account.balance_cents)
    owed = {d: owed_sql(balance, s) for d, s in zip(days, sums)}
    q = q.select(Account.id.alias("account_id"), balance.alias("balance"),
                 *(owed[d].alias(f"owed_{d}") for d in days))
    if at_least is not None:
        if at_least[0] not in owed:
            raise ValueError(f"at_least: {at_least[0]} is not among the days {days}")
        q = q.having(owed[at_least[0]] >= at_least[1])
    return q


def _grouped(as_of, days, min_balance, account_ids, statuses):
    """The grouped query both forms share (columns chosen by the caller) and its sums."""
    E, R = LedgerEntry, LedgerEntry.alias("r")
    # CAST: PostgreSQL sums BIGINT as NUMERIC, and the arithmetic on it (owed_sql) with it
    sums = [fn.SUM(Case(None, [(E.effective_on > as_of - _dt.timedelta(days=d), E.amount_cents)], 0)).cast("BIGINT")
            for d in days]
    reversed_ = R.select(R.id).where(R.reverses == E.id)
    # amount > 0 and reverses IS NULL: the terms of the live-charges index (models.ledger), which
    # holds exactly these entries with their date and amount, so the sums never read the table
    cond = (E.amount_cents > 0) & E.reverses.is_null() & ~fn.EXISTS(reversed_)
    if min_balance is not None:
        cond &= Account.balance_cents >= min_balance
    if account_ids is not None:
        cond &= Account.id.in_(account_ids)
    if statuses is not None:
        cond &= Account.status.in_(list(statuses))
    # from the accounts owing to their live charges (one index search each), grouped by account
    return Account.select().join(E, on=(E.account == Account.id)).where(cond).group_by(Account.id), sums


def raw_rows(query) -> list[tuple]:
    """A query's rows straight from the driver: the big set-wide reads skip Peewee's per-value
    conversion, which cost more than the query (dates come back as SQLite stores them: text)."""
    sql, params = query.sql()
    return query.model._meta.database.execute_sql(sql, params).fetchall()


def account_aging(account_id: int, as_of: _dt.date | None = None) -> dict[str, int]:
    """One account's current/30/60/90+ (the account header)."""
    as_of = as_of or clock.today()
    got = newer_than(as_of, account_ids=[account_id]).get(account_id)
    if got is None:
        balance = Account.select(Account.balance_cents).where(Account.id == account_id).scalar() or 0
        return buckets(int(balance), {})
    return buckets(*got)
