"""What the account-action screens wait for, on an existing (demo) database: prints JSON.

    python bench/actions_bench.py DATABASE_URL [--samples 50]

Times, in milliseconds (median and p95, after one warm-up call each), the database-thread
calls behind the screens: ``load_context`` (the actions list header: summary, autopay, open
orders, posted receipts) for ``--samples`` accounts spread over the table, the district's open
work orders (menu W) and the collections worklist (menu L).  Nothing is written.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import Account  # noqa: E402
from screens.common.form import load_context  # noqa: E402
from ubtui import collections, workorders  # noqa: E402
from ubtui.db import is_postgres, open_database  # noqa: E402
from ubtui.security import system_user  # noqa: E402


def timed(fn, *args, repeat: int = 1, **kw) -> list[float]:
    fn(*args, **kw)  # warm the caches
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args, **kw)
        out.append((time.perf_counter() - t) * 1000)
    return out


def figures(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2), "max_ms": round(ms[-1], 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--samples", type=int, default=50)
    args = ap.parse_args()
    open_database(args.url)
    user = system_user()
    today = dt.date.today()
    ids = [a for (a,) in Account.select(Account.id).tuples()]
    rng = random.Random(7)
    picked = rng.sample(ids, min(args.samples, len(ids)))
    context_ms = [t for i in picked for t in timed(load_context, user, i, today)]
    result = {
        "backend": "postgresql" if is_postgres() else "sqlite",
        "accounts": len(ids),
        "load_context": figures(context_ms),
        "open_work_orders": figures(timed(workorders.open_work_orders, user, repeat=10)),
        "open_work_order_count": len(workorders.open_work_orders(user)),
        "delinquency_list": figures(timed(collections.delinquency_list, user, today, repeat=5)),
        "delinquent_count": len(collections.delinquency_list(user, today)),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
