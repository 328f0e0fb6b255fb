"""Final bill benchmark (issue #14): the final bill of one account, posted at once, on a
district of N accounts, against the bare insert of one bill row.

    python bench/final_bill_bench.py sqlite:////tmp/final.db [--n 100000] [--repeat 20]
    python bench/final_bill_bench.py postgresql://postgres@127.0.0.1:5432/postgres --n 100000

Builds the bill run benchmark's district (``billrun_bench.populate``: N accounts with a read
at each end of January and a bill before it), then closes ``--repeat`` accounts spread over
the district one by one, timing ``billing.post_final_bill`` (gather, plan, price_bill, the
bill, its lines, the ledger posting, the audit rows: one transaction); then the same number of
transactions inserting one bill row each.  Prints JSON with medians and the ratio.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from billrun_bench import END, scratch_district  # noqa: E402

from models import Account, database  # noqa: E402
from ubtui import billing  # noqa: E402
from ubtui.db import is_postgres  # noqa: E402
from ubtui.rates import demo_schedule  # noqa: E402
from ubtui.security import system_user  # noqa: E402


def bare_bill_rows(account_ids: list[int]) -> list[float]:
    p = database.obj.param
    sql = (f'INSERT INTO "bill" (account_id, period_start, period_end, bill_date, due_date, usage, usage_unit, '
           f'estimated, kind, total_cents, previous_balance_cents, status, created_at) VALUES '
           f'({", ".join([p] * 13)})')
    times = []
    for aid in account_ids:
        t0 = time.perf_counter()
        with database.atomic():
            database.execute_sql(sql, (aid, END, END, END, END, 0, "HCF", False, "rebill", 0, 0, "reversed", END))
        times.append(time.perf_counter() - t0)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    with scratch_district(args.url, args.n) as setup_s:
        user = system_user()
        schedule = demo_schedule()
        ids = [a[0] for a in Account.select(Account.id).order_by(Account.id).tuples()]
        picks = [ids[i * len(ids) // args.repeat] for i in range(args.repeat)]
        Account.update(closed_on=END, status="final_billed").where(Account.id.in_(picks)).execute()
        times, billed = [], 0
        for aid in picks:
            t = time.perf_counter()
            billed += billing.post_final_bill(user, aid, bill_date=END, schedule=schedule) is not None
            times.append(time.perf_counter() - t)
        bare = bare_bill_rows(picks)
        value, base = statistics.median(times), statistics.median(bare)
        print(json.dumps({
            "backend": "postgresql" if is_postgres() else "sqlite",
            "accounts": args.n,
            "final_bills": billed,
            "final_bill_ms": {"value": round(value * 1000, 2), "bare": round(base * 1000, 3),
                              "ratio": round(value / base, 1) if base else None, "unit": "ms (median)"},
            "final_bill_max_ms": round(max(times) * 1000, 2),
            "setup_seconds": round(setup_s, 1),
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
