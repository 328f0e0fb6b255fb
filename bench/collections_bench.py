"""The collections worklist at scale: ``ubtui.collections.worklist`` beside the bare query.

    python bench/collections_bench.py [--accounts N] [--backend sqlite|postgres] [--url URL]

Builds (in a scratch database, or ``--url`` kept as is when it already holds accounts) a
district of N accounts with two bills each, 60 days apart, and payments: 70% paid up, 18%
owing the newest bill only, 12% owing both (delinquent 60+ days), plus notices already sent to
a part of the delinquent ones, payment plans, appeals, medical certificates and multi-unit
premises, so every branch of the notice sequence has work.  Then it times:

* ``worklist_s``: ``collections.worklist`` -- every account past due, its step today, its
  protection, the counts -- vs. ``bare``: the one grouped query of the delinquent balances
  (balance and live charges by age per account owing) on the raw cursor;
* ``account_status_ms``: the worklist line of one account (the disconnect guard's check).

Prints one JSON document (``benchlib.figure``).  The build uses bulk INSERTs, not the
services: it is the dataset, not what is measured.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ScratchDatabase, figure, median  # noqa: E402

AS_OF = _dt.date(2026, 11, 17)  # a Tuesday, the office open
CHUNK = 20000


def bulk(model, rows: list[dict]) -> None:
    """Rows straight in with executemany (missing columns take the model's defaults)."""
    from ubtui.db import qmarks
    if not rows:
        return
    keys = set().union(*rows)
    fields = [f for f in model._meta.sorted_fields if f.name in keys or (not f.primary_key and f.default is not None)]
    defaults = {f.name: (f.default() if callable(f.default) else f.default) for f in fields}
    sql = qmarks(f'INSERT INTO "{model._meta.table_name}" ({", ".join(chr(34) + f.column_name + chr(34) for f in fields)}) '
                 f'VALUES ({", ".join("?" for _ in fields)})')
    data = [tuple(f.db_value(r.get(f.name, defaults[f.name])) for f in fields) for r in rows]
    db = model._meta.database
    cur = db.cursor()
    cur.executemany(sql, data)


def build(n: int, seed: int = 15, say=print) -> dict:
    from models import (
        Account,
        AccountCustomer,
        CollectionHold,
        CollectionNotice,
        Customer,
        LedgerEntry,
        PaymentPlan,
        PlanInstalment,
        Posting,
        Premise,
        database,
    )
    from ubtui.accounts import make_account_number
    from ubtui.db import is_postgres
    from ubtui.security import system_user

    rng = random.Random(seed)
    sysu = system_user()
    started = time.perf_counter()
    with database.atomic():
        posting = Posting.create(idempotency_key="bench:collections", kind="charge", user=sysu.id)
    base = (Account.select(Account.id).order_by(Account.id.desc()).scalar() or 0)
    kinds = {"paid": 0, "current": 0, "delinquent": 0}
    next_analyze = CHUNK
    for start in range(0, n, CHUNK):
        custs, prems, accts, links, entries, notices, plans, holds = [], [], [], [], [], [], [], []
        for i in range(start, min(n, start + CHUNK)):
            k = base + i + 1
            last = f"Name{k % 9973}"
            custs.append({"id": k, "first_name": "Pat", "last_name": last, "display_name": f"{last}, Pat",
                          "search_name": f"{last.lower()} pat", "mail_line1": "",
                          "language": rng.choice(("en",) * 8 + ("es", "vi"))})
            prems.append({"id": k, "house_number": str(k % 9000 + 1), "street": f"Street {k % 700}",
                          "search_address": f"{k % 9000 + 1} street {k % 700}", "city": "Cedar Valley", "state": "CA",
                          "zip": "95000", "dwelling_units": 4 if rng.random() < 0.03 else 1})
            r = rng.random()
            kind = "paid" if r < 0.70 else "current" if r < 0.88 else "delinquent"
            kinds[kind] += 1
            old, new = rng.randint(3000, 15000), rng.randint(3000, 15000)
            old_day = AS_OF - _dt.timedelta(days=rng.randint(62, 140))
            new_day = old_day + _dt.timedelta(days=60)
            entries += [{"posting": posting.id, "account": k, "kind": "charge", "category": "water",
                         "amount_cents": old, "effective_on": old_day},
                        {"posting": posting.id, "account": k, "kind": "charge", "category": "water",
                         "amount_cents": new, "effective_on": new_day}]
            balance = old + new
            if kind in ("paid", "current"):
                paid = old + (new if kind == "paid" else 0)
                entries.append({"posting": posting.id, "account": k, "kind": "payment", "amount_cents": -paid,
                                "effective_on": old_day + _dt.timedelta(days=20)})
                balance -= paid
            accts.append({"id": k, "number": make_account_number(k), "premise": k, "status": "active",
                          "balance_cents": balance, "medical_certificate": kind == "delinquent" and rng.random() < 0.01})
            links.append({"account": k, "customer": k, "role": "owner"})
            if kind == "delinquent":
                r = rng.random()
                sent = AS_OF - _dt.timedelta(days=rng.randint(1, 40))
                if r < 0.5:
                    notices.append({"account": k, "step": "reminder", "sent_on": sent, "user": sysu.id})
                if r < 0.3:
                    notices.append({"account": k, "step": "notice", "sent_on": sent + _dt.timedelta(days=10),
                                    "user": sysu.id})
                if r < 0.15:
                    final = sent + _dt.timedelta(days=25)
                    notices.append({"account": k, "step": "final", "sent_on": final, "user": sysu.id,
                                    "shutoff_on": final + _dt.timedelta(days=9)})
                if 0.5 < r < 0.53:
                    plans.append({"account": k, "total_cents": balance, "instalments": 3, "created_on": sent,
                                  "created_by": sysu.id})
                if 0.53 < r < 0.54:
                    holds.append({"account": k, "opened_on": sent, "created_by": sysu.id, "note": "bench"})
        with database.atomic():
            for model, rows in ((Customer, custs), (Premise, prems), (Account, accts), (AccountCustomer, links),
                                (LedgerEntry, entries), (CollectionNotice, notices), (CollectionHold, holds)):
                bulk(model, rows)
            for p in plans:
                plan = PaymentPlan.create(**p)
                for s in range(3):
                    PlanInstalment.create(plan=plan.id, seq=s + 1, amount_cents=p["total_cents"] // 3 + (s == 0) * (p["total_cents"] % 3),
                                          due_on=p["created_on"] + _dt.timedelta(days=14 + 30 * s))
        written = min(n, start + CHUNK)
        if is_postgres() and written >= next_analyze:  # plans from statistics, see demo.BulkWriter
            database.execute_sql("ANALYZE")
            next_analyze = 2 * written
        if (start // CHUNK) % 5 == 0:
            say(f"built {min(n, start + CHUNK):,}/{n:,} accounts ({time.perf_counter() - started:.0f} s)")
    from ubtui import ledger
    with database.atomic():
        ledger.rebuild_category_sums()  # the entries were written beside the ledger, which keeps these
    if is_postgres():  # the ids were given by hand: the sequences go on after them
        for table in ("account", "customer", "premise", "account_customer", "ledger_entry", "posting",
                      "payment_plan", "plan_instalment", "collection_notice", "collection_hold"):
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        database.execute_sql("ANALYZE")
    else:
        database.execute_sql("ANALYZE")
    return {"accounts": n, "build_s": round(time.perf_counter() - started, 1), **kinds}


BARE_SQL = """
SELECT e.account_id, a.balance_cents,
       SUM(CASE WHEN e.effective_on > ? THEN e.amount_cents ELSE 0 END),
       SUM(CASE WHEN e.effective_on > ? THEN e.amount_cents ELSE 0 END),
       SUM(CASE WHEN e.effective_on > ? THEN e.amount_cents ELSE 0 END)
FROM ledger_entry e JOIN account a ON a.id = e.account_id
WHERE a.balance_cents >= 100 AND a.status IN ('active', 'disconnected', 'final_billed')
  AND e.amount_cents > 0 AND e.reverses_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_id = e.id)
GROUP BY e.account_id, a.balance_cents
"""


def measure(url: str, accounts: int, runs: int = 2) -> dict:
    from models import Account, database
    from ubtui import collections
    from ubtui.db import open_database, qmarks
    from ubtui.security import system_user

    open_database(url)
    out: dict = {}
    if Account.select().count() < accounts:
        out["dataset"] = build(accounts - Account.select().count(), say=lambda m: print(m, file=sys.stderr))
    user = system_user()
    days = [AS_OF - _dt.timedelta(days=d) for d in (30, 60, 90)]
    bare, app = [], []
    for _ in range(runs):
        t = time.perf_counter()
        got = database.execute_sql(qmarks(BARE_SQL), days).fetchall()
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        wl = collections.worklist(user, AS_OF)
        app.append(time.perf_counter() - t)
    counts = {k: v[0] for k, v in wl.counts().items()}
    out["worklist_s"] = figure(min(app), min(bare), "s", rows=len(wl.items), owing=len(got), steps=counts,
                               bare_is="the grouped query of the delinquent balances (balance and live charges "
                                       "by age, per account owing) on the raw cursor")
    some = [it.account_id for it in wl.items[:: max(1, len(wl.items) // 50)]][:50]
    one = []
    for account_id in some:
        t = time.perf_counter()
        collections.account_status(user, account_id, AS_OF)
        one.append(time.perf_counter() - t)
    out["account_status_ms"] = figure(median(one) * 1000 if one else None, None, "ms", samples=len(one))
    out["accounts"] = Account.select().count()
    database.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--url", help="a database to use (and fill up to --accounts) instead of a scratch one")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    with ScratchDatabase(args.backend, "collections", existing=args.url) as db:
        result = {"backend": args.backend, "as_of": AS_OF.isoformat(), **measure(db.url, args.accounts, args.runs)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
