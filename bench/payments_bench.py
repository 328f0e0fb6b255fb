"""Payments benchmark: N payments through ubtui.cashier.take_payment (the function the payment
screen calls) vs a bare INSERT+UPDATE transaction on the same database.

usage: python bench/payments_bench.py URL [--n 2000] [--accounts 500]

URL is a database ubtui may write to (sqlite:///tmp/b.db or postgresql://postgres@127.0.0.1/b);
the schema is upgraded, and a bench clerk, drawer and accounts are added when missing.
Prints one JSON document: payments/s, median and p95 latency (ms) of one posting, the same for
the bare transaction, and the ratio (take_payment latency / bare latency).  The two are run
alternately (one payment, one bare transaction) so a busy machine slows both alike.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("UBTUI_ARGON2_FAST", "1")

from models import Account, User, database  # noqa: E402
from ubtui import cashier, ledger  # noqa: E402
from ubtui.accounts import create_customer, create_premise, open_account  # noqa: E402
from ubtui.cashier import AccountAmount, TakePayment, TenderIn  # noqa: E402
from ubtui.db import is_postgres, open_database  # noqa: E402
from ubtui.security import create_user, system_user  # noqa: E402


def setup(n_accounts: int):
    sysu = system_user()
    clerk = User.get_or_none(User.username == "benchclerk") or create_user(
        sysu, "benchclerk", "Bench Clerk", "clerk", "bench-password-1")
    if not cashier.Drawer.select().where(cashier.Drawer.code == "BENCH").exists():
        cashier.create_drawer(sysu, "BENCH", "benchmark drawer")
    s = cashier.current_session(clerk)
    if s is None:
        cashier.open_drawer(clerk, "BENCH", count={"20": 10})
    have = Account.select().count()
    for i in range(have, n_accounts):
        cust = create_customer(sysu, first_name="Bench", last_name=f"Payer {i}")
        prem = create_premise(sysu, house_number=str(i + 1), street="Bench St")
        a = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="active")
        ledger.post(sysu, f"bench-charge-{a.id}", "charge",
                    [ledger.EntrySpec(a.id, "charge", 5000, "water", "bench charge")])
    numbers = [n for (n,) in Account.select(Account.number).order_by(Account.id).limit(n_accounts).tuples()]
    return clerk, numbers


def summarise(latencies: list[float], wall: float) -> dict:
    lat = sorted(latencies)
    return {"count": len(lat), "per_second": round(len(lat) / wall, 1),
            "median_ms": round(statistics.median(lat) * 1000, 3),
            "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 3)}


def bare_setup(n_accounts: int):
    """Two plain tables and a function running the bare INSERT+UPDATE transaction."""
    db = database.obj
    pk = "BIGSERIAL PRIMARY KEY" if is_postgres(db) else "INTEGER PRIMARY KEY AUTOINCREMENT"
    ph = "%s" if is_postgres(db) else "?"
    db.execute_sql(f"CREATE TABLE IF NOT EXISTS bench_bare_entry (id {pk}, account_id BIGINT NOT NULL, "
                   f"amount_cents BIGINT NOT NULL)")
    db.execute_sql("CREATE TABLE IF NOT EXISTS bench_bare_account (id BIGINT PRIMARY KEY, balance_cents BIGINT NOT NULL)")
    with db.atomic():
        db.execute_sql("DELETE FROM bench_bare_account")
        for i in range(n_accounts):
            db.execute_sql(f"INSERT INTO bench_bare_account (id, balance_cents) VALUES ({ph}, 0)", (i,))
    ins = f"INSERT INTO bench_bare_entry (account_id, amount_cents) VALUES ({ph}, {ph})"
    upd = f"UPDATE bench_bare_account SET balance_cents = balance_cents + {ph} WHERE id = {ph}"

    def bare(i: int) -> None:
        with db.atomic():
            db.execute_sql(ins, (i % n_accounts, -1234))
            db.execute_sql(upd, (-1234, i % n_accounts))
    return bare


def run(clerk, numbers: list[str], n: int) -> tuple[dict, dict]:
    """Alternate one take_payment and one bare transaction, so both see the same machine load."""
    bare = bare_setup(len(numbers))
    run_id = uuid.uuid4().hex[:8]
    lat_pay, lat_bare = [], []
    wall_pay = wall_bare = 0.0
    for i in range(n):
        cmd = TakePayment(idempotency_key=f"bench-{run_id}-{i}",
                          accounts=[AccountAmount(account=numbers[i % len(numbers)], amount="12.34")],
                          tenders=[TenderIn(kind="cash", amount="20")])
        s = time.perf_counter()
        cashier.take_payment(clerk, cmd)
        m = time.perf_counter()
        bare(i)
        e = time.perf_counter()
        lat_pay.append(m - s)
        lat_bare.append(e - m)
        wall_pay += m - s
        wall_bare += e - m
    return summarise(lat_pay, wall_pay), summarise(lat_bare, wall_bare)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--accounts", type=int, default=500)
    args = ap.parse_args(argv)
    open_database(args.url)
    t = time.perf_counter()
    clerk, numbers = setup(args.accounts)
    setup_s = time.perf_counter() - t
    pay, bare = run(clerk, numbers, args.n)
    print(json.dumps({
        "benchmark": "payments", "backend": "postgres" if is_postgres() else "sqlite", "n": args.n,
        "accounts": len(numbers), "setup_seconds": round(setup_s, 2),
        "take_payment": pay, "bare_insert_update": bare,
        "ratio_median": round(pay["median_ms"] / bare["median_ms"], 2),
        "ratio_p95": round(pay["p95_ms"] / bare["p95_ms"], 2),
        "ratio_throughput": round(bare["per_second"] / pay["per_second"], 2),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
