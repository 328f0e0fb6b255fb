"""Bill run benchmark: bill N accounts (one read each) and compare with N bare inserts.

    python bench/billrun_bench.py sqlite:////tmp/bench.db [--n 2000]
    python bench/billrun_bench.py postgresql://postgres@127.0.0.1:5432/postgres --n 100000

SQLite: the file is recreated.  PostgreSQL: a scratch database is created on that server
and dropped afterwards.  Prints JSON: bills per second, the time of the same number of
bare single-row inserts (same chunking, one transaction per chunk), and the ratio.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("UBTUI_CONFIG", "/nonexistent/ubtui-bench-config.toml")

from models import Account, Customer, Meter, MeterReading, Premise, database  # noqa: E402
from ubtui import billing  # noqa: E402
from ubtui.accounts import make_account_number  # noqa: E402
from ubtui.db import is_postgres, open_database  # noqa: E402
from ubtui.rates import demo_schedule  # noqa: E402
from ubtui.security import system_user  # noqa: E402

START = dt.date(2026, 1, 1)
END = dt.date(2026, 1, 31)


def scratch_url(url: str) -> tuple[str, callable]:
    if url.startswith("sqlite"):
        path = url.split("://", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return url, lambda: None
    import psycopg
    name = f"ubtui_bench_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop():
        database.close()
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"{base}/{name}", drop


@contextmanager
def scratch_district(url: str, n: int):
    """A fresh district of ``n`` accounts (``populate``) at a scratch copy of ``url``; yields the
    seconds the building took, and drops the scratch database afterwards."""
    url, cleanup = scratch_url(url)
    try:
        open_database(url)
        t0 = time.perf_counter()
        populate(n)
        yield time.perf_counter() - t0
    finally:
        database.close()
        cleanup()


def fast_insert(model, rows: list[dict]) -> None:
    """executemany with one statement for all rows (the ORM builds SQL per row: too slow for 100k)."""
    fields = [f for f in model._meta.sorted_fields if not (f.primary_key and f.name == "id")]
    p = database.obj.param
    sql = (f'INSERT INTO "{model._meta.table_name}" ({", ".join(f.column_name for f in fields)}) '
           f'VALUES ({", ".join([p] * len(fields))})')

    def value(f, row):
        v = row[f.name] if f.name in row else (f.default() if callable(f.default) else f.default)
        return f.db_value(v)
    database.cursor().executemany(sql, [tuple(value(f, r) for f in fields) for r in rows])


def populate(n: int) -> None:
    """N active residential accounts with a meter read at the start and the end of January,
    each with a previous bill ending at the first read."""
    from models import Bill
    step = 5000
    with database.atomic():
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            fast_insert(Customer, [dict(last_name=f"Bench{i}", display_name=f"Bench{i}", search_name=f"bench{i}")
                                   for i in range(lo, hi)])
            fast_insert(Premise, [dict(house_number=str(i), street="Bench St", search_address=f"{i} bench st",
                                       route=f"{i % 40:02d}", read_sequence=i) for i in range(lo, hi)])
        premises = [p[0] for p in Premise.select(Premise.id).order_by(Premise.id).tuples()]
        for lo in range(0, n, step):
            idx = range(lo, min(n, lo + step))
            fast_insert(Account, [dict(number=make_account_number(10_000 + i), premise=premises[i], status="active",
                                       rate_code="RES", cycle="1", opened_on=dt.date(2025, 1, 1)) for i in idx])
            fast_insert(Meter, [dict(serial=f"B{i:07d}", premise=premises[i], size='5/8"', installed_on=START)
                                for i in idx])
        meters = [m[0] for m in Meter.select(Meter.id).order_by(Meter.id).tuples()]
        accounts = [a[0] for a in Account.select(Account.id).order_by(Account.id).tuples()]
        for lo in range(0, n, step):
            rows = []
            for i in range(lo, min(n, lo + step)):
                rows.append(dict(meter=meters[i], read_on=START, reading=1000, usage=None, status="ok"))
                rows.append(dict(meter=meters[i], read_on=END, reading=1000 + 5 + i % 25, usage=5 + i % 25,
                                 status="ok"))
            fast_insert(MeterReading, rows)
            fast_insert(Bill, [dict(account=a, period_start=dt.date(2025, 12, 1), period_end=START, bill_date=START,
                                    due_date=START, usage=10, kind="regular", total_cents=0)
                               for a in accounts[lo:lo + step]])


def bare_inserts(n: int, chunk: int) -> float:
    database.execute_sql("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, account_id INTEGER, amount BIGINT, "
                         "note VARCHAR(120))" if not is_postgres() else
                         "CREATE TABLE bench_bare (id SERIAL PRIMARY KEY, account_id INTEGER, amount BIGINT, "
                         "note VARCHAR(120))")
    sql = "INSERT INTO bench_bare (account_id, amount, note) VALUES (%s, %s, %s)" if is_postgres() else \
        "INSERT INTO bench_bare (account_id, amount, note) VALUES (?, ?, ?)"
    t0 = time.perf_counter()
    for lo in range(0, n, chunk):
        with database.atomic():
            for i in range(lo, min(n, lo + chunk)):
                database.execute_sql(sql, (i, 1000 + i, "bare insert"))
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--chunk", type=int, default=billing.CHUNK)
    args = ap.parse_args(argv)
    with scratch_district(args.url, args.n) as setup_s:
        user = system_user()
        # time spent inside ledger.write_postings (the postings, their entries, the balances, the audit row)
        spent = [0.0]
        real = billing.write_postings

        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return real(*a, **kw)
            finally:
                spent[0] += time.perf_counter() - t
        billing.write_postings = timed
        result = billing.run_bills(user, cycle="1", period_end=END, bill_date=END, schedule=demo_schedule(),
                                   chunk=args.chunk)
        billing.write_postings = real
        again = billing.run_bills(user, cycle="1", period_end=END, bill_date=END, schedule=demo_schedule(),
                                  chunk=args.chunk)
        bare_s = bare_inserts(args.n, args.chunk)
        out = {
            "backend": "postgresql" if is_postgres() else "sqlite",
            "accounts": args.n,
            "bills": result.billed,
            "estimated": result.estimated,
            "errors": len(result.errors),
            "run_seconds": round(result.seconds, 3),
            "bills_per_second": round(result.bills_per_second, 1),
            "write_postings_seconds": round(spent[0], 3),
            "bills_per_second_outside_write_postings": round(result.billed / (result.seconds - spent[0]), 1)
            if result.seconds > spent[0] else None,
            "bare_inserts": args.n,
            "bare_insert_seconds": round(bare_s, 3),
            "ratio_run_to_bare": round(result.seconds / bare_s, 2) if bare_s else None,
            "repeat_run_billed": again.billed,
            "repeat_run_seconds": round(again.seconds, 3),
            "setup_seconds": round(setup_s, 3),
            "total_cents": result.total_cents,
        }
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
