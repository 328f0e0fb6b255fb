"""Payments benchmark: N payments through ubtui.payments.take_payment (the function the payment
screen calls) vs a bare INSERT+UPDATE transaction on the same database.

usage: python bench/payments_bench.py URL [--n 2000] [--accounts 500] [--history-years 5]

URL is a database ubtui may write to (sqlite:///tmp/b.db or postgresql://postgres@127.0.0.1/b);
the schema is upgraded, and a bench clerk, drawer and accounts are added when missing.
Prints one JSON document: payments/s, median and p95 latency (ms) of one posting, the same for
the bare transaction, and the ratio (take_payment latency / bare latency).  The two are run
alternately (one payment, one bare transaction) so a busy machine slows both alike.

``--history-years Y`` first gives every bench account Y years of history, written in bulk as
the demo builder writes it (``ubtui.demo.BulkWriter``): a monthly bill (water and sewer), a
payment of each bill a month later (the demo's uncategorised payments, every third one at
the counter paying by category), and a few adjustments (a leak credit, a late fee); the last
bill is left owing.  The payments then go to accounts whose history is what five years at a
counter leave, not to fresh ones: the cost of posting must not grow with it.
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

from models import Account, Drawer, LedgerEntry, User, database  # noqa: E402
from ubtui import drawer, ledger, payments  # noqa: E402
from ubtui.accounts import create_customer, create_premise, open_account  # noqa: E402
from ubtui.db import is_postgres, open_database  # noqa: E402
from ubtui.payments import AccountAmount, TakePayment, TenderIn  # noqa: E402
from ubtui.security import create_user, system_user  # noqa: E402


def setup(n_accounts: int, charge: bool = True):
    """The bench clerk, drawer and ``n_accounts`` accounts (each with a $50 charge today,
    unless ``charge`` is False: ``add_history`` writes theirs, in date order)."""
    sysu = system_user()
    clerk = User.get_or_none(User.username == "benchclerk") or create_user(
        sysu, "benchclerk", "Bench Clerk", "clerk", "bench-password-1")
    if not Drawer.select().where(Drawer.code == "BENCH").exists():
        drawer.create_drawer(sysu, "BENCH", "benchmark drawer")
    s = drawer.current_session(clerk)
    if s is None:
        drawer.open_drawer(clerk, "BENCH", count={"20": 10})
    have = Account.select().count()
    for i in range(have, n_accounts):
        cust = create_customer(sysu, first_name="Bench", last_name=f"Payer {i}")
        prem = create_premise(sysu, house_number=str(i + 1), street="Bench St")
        a = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="active")
        if charge:
            ledger.post(sysu, f"bench-charge-{a.id}", "charge",
                        [ledger.EntrySpec(a.id, "charge", 5000, "water", "bench charge")])
    numbers = [n for (n,) in Account.select(Account.number).order_by(Account.id).limit(n_accounts).tuples()]
    return clerk, numbers


def add_history(numbers: list[str], years: int) -> int:
    """``years`` of monthly bills, payments and a few adjustments on each account (bulk rows,
    balances recomputed); returns the entries written.  Accounts that have history already
    (a rerun on the same database) are left as they are."""
    import datetime as _dt

    from models import LedgerEntry, Posting
    from ubtui.db import transaction
    from ubtui.demo import BulkWriter

    ids = [a for (a,) in Account.select(Account.id).where(Account.number.in_(numbers)).tuples()]
    have = {a for (a,) in LedgerEntry.select(LedgerEntry.account).where(
        LedgerEntry.account.in_(ids) & (LedgerEntry.kind == "payment")).distinct().tuples()}
    todo = [a for a in ids if a not in have]
    if not todo:
        return 0
    db = database.obj
    w = BulkWriter(db)
    sysu = system_user().id
    months = 12 * years
    start = _dt.date.today().replace(day=1)
    start = _dt.date(start.year - years, start.month, 1)

    def month(i: int) -> _dt.date:
        y, m = divmod(start.month - 1 + i, 12)
        return _dt.date(start.year + y, m + 1, 5)

    def post(key: str, kind: str, day: _dt.date, entries: list[tuple[int, str, str, int]]) -> None:
        pid = w.new_id(Posting)
        w.add(Posting, (pid, key, kind, sysu, f"{day} 06:00:00", key))
        for account, ekind, cat, cents in entries:
            w.add(LedgerEntry, (w.new_id(LedgerEntry), pid, account, ekind, cat, cents, day.isoformat(),
                                f"{day} 06:00:00", f"bench {ekind} {cat}"[:120], key[:40]))

    n = 0
    for a in todo:
        for i in range(months):
            day = month(i)
            water, sewer = 2500 + (a * 37 + i * 113) % 4000, 2100
            post(f"bench-hist:{a}:bill:{i}", "bill", day, [(a, "charge", "water", water), (a, "charge", "sewer", sewer)])
            n += 2
            if i == months - 1:
                break  # the last bill is owed
            paid = day + _dt.timedelta(days=24)
            if i % 3 == 2:  # a counter payment, allocated by category
                post(f"bench-hist:{a}:pay:{i}", "payment", paid, [(a, "payment", "water", -water),
                                                                  (a, "payment", "sewer", -sewer)])
                n += 2
            else:
                post(f"bench-hist:{a}:pay:{i}", "payment", paid, [(a, "payment", "", -(water + sewer))])
                n += 1
            if i % 20 == 7:  # a late fee, and a leak credit
                post(f"bench-hist:{a}:fee:{i}", "fee", paid, [(a, "fee", "late_fee", 500)])
                post(f"bench-hist:{a}:feepay:{i}", "payment", paid, [(a, "payment", "late_fee", -500)])
                post(f"bench-hist:{a}:adj:{i}", "adjustment", paid, [(a, "adjustment", "water", -700)])
                post(f"bench-hist:{a}:adjpay:{i}", "charge", paid, [(a, "charge", "water", 700)])
                n += 4
        if len(w.rows[LedgerEntry]) > 50_000:
            with transaction():
                w.flush()
    with transaction():
        w.flush()
        w.fix_sequences()
        db.execute_sql("UPDATE account SET balance_cents = (SELECT COALESCE(SUM(amount_cents), 0) FROM ledger_entry "
                       f"WHERE ledger_entry.account_id = account.id) WHERE id IN ({', '.join(map(str, todo))})")
        ledger.rebuild_category_sums()  # as the ledger keeps them
    return n


def summarise(latencies: list[float], wall: float, cpu: list[float]) -> dict:
    """Wall-clock figures, and this process's CPU time per posting (``cpu_median_ms``: on a
    machine shared with other jobs the one steady figure; SQLite's work is in it, a
    PostgreSQL server's is not)."""
    lat = sorted(latencies)
    return {"count": len(lat), "per_second": round(len(lat) / wall, 1),
            "median_ms": round(statistics.median(lat) * 1000, 3),
            "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 3),
            "cpu_median_ms": round(statistics.median(cpu) * 1000, 3)}


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
    lat_pay, lat_bare, cpu_pay, cpu_bare = [], [], [], []
    wall_pay = wall_bare = 0.0
    cpu = time.process_time
    for i in range(n):
        cmd = TakePayment(idempotency_key=f"bench-{run_id}-{i}",
                          accounts=[AccountAmount(account=numbers[i % len(numbers)], amount="12.34")],
                          tenders=[TenderIn(kind="cash", amount="20")])
        s, cs = time.perf_counter(), cpu()
        payments.take_payment(clerk, cmd)
        m, cm = time.perf_counter(), cpu()
        bare(i)
        e, ce = time.perf_counter(), cpu()
        lat_pay.append(m - s)
        lat_bare.append(e - m)
        cpu_pay.append(cm - cs)
        cpu_bare.append(ce - cm)
        wall_pay += m - s
        wall_bare += e - m
    return summarise(lat_pay, wall_pay, cpu_pay), summarise(lat_bare, wall_bare, cpu_bare)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--accounts", type=int, default=500)
    ap.add_argument("--history-years", type=int, default=0,
                    help="give each account this many years of monthly bills, payments and adjustments first")
    args = ap.parse_args(argv)
    open_database(args.url)
    t = time.perf_counter()
    clerk, numbers = setup(args.accounts, charge=not args.history_years)
    history = add_history(numbers, args.history_years) if args.history_years else 0
    setup_s = time.perf_counter() - t
    pay, bare = run(clerk, numbers, args.n)
    print(json.dumps({
        "benchmark": "payments", "backend": "postgres" if is_postgres() else "sqlite", "n": args.n,
        "accounts": len(numbers), "history_years": args.history_years, "history_entries_written": history,
        "entries_per_account": round(LedgerEntry.select().where(LedgerEntry.account.in_(
            [a for (a,) in Account.select(Account.id).where(Account.number.in_(numbers)).tuples()])).count()
            / len(numbers), 1),
        "setup_seconds": round(setup_s, 2),
        "take_payment": pay, "bare_insert_update": bare,
        "ratio_median": round(pay["median_ms"] / bare["median_ms"], 2),
        "ratio_p95": round(pay["p95_ms"] / bare["p95_ms"], 2),
        "ratio_throughput": round(bare["per_second"] / pay["per_second"], 2),
        "ratio_cpu_median": round(pay["cpu_median_ms"] / max(bare["cpu_median_ms"], 0.001), 2),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
