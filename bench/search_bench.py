"""Search latency per kind of query, on an existing database: prints JSON.

    python bench/search_bench.py DATABASE_URL [--samples 50] [--plans] [--build N [--population census]]

For each kind of query (account number, phone, meter, parcel, name words, short name
prefix, address...) it picks ``--samples`` real values from the database, runs each once to
warm the caches, then times the bare index query (the ``ubtui.search`` function that finds
candidate ids) and the whole ``search_accounts`` call, and reports the median and p95 in
milliseconds.  ``--plans`` adds the query plan (EXPLAIN QUERY PLAN / EXPLAIN) of every
statement one search of each kind runs.  ``--build N`` first fills an empty database with an
N-account demo district (``ubtui.demo``, no history).
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import open_district, search_arguments  # noqa: E402
from peewee import fn  # noqa: E402

from models import Account, AccountCustomer, Customer, Meter, Phone, Premise, database  # noqa: E402
from ubtui import search  # noqa: E402
from ubtui.accounts import fold, format_account_number  # noqa: E402
from ubtui.db import is_postgres  # noqa: E402
from ubtui.security import system_user  # noqa: E402


def sample_rows(model, n: int, rng: random.Random, where=None):
    """``n`` rows spread over the table (random ids between the smallest and the largest)."""
    lo, hi = model.select(fn.MIN(model.id), fn.MAX(model.id)).scalar(as_tuple=True)
    out = []
    while len(out) < n and lo is not None:
        q = model.select().where(model.id >= rng.randint(lo, hi))
        if where is not None:
            q = q.where(where)
        row = q.order_by(model.id).first()
        if row is not None:
            out.append(row)
    return out


def cases(n: int, rng: random.Random) -> dict[str, list[tuple[str, callable]]]:
    """kind -> [(typed text, bare query)]"""
    accts = sample_rows(Account, n, rng)
    prems = {p.id: p for p in Premise.select().where(Premise.id.in_([a.premise_id for a in accts]))}
    custs = sample_rows(Customer, n, rng, Customer.kind == "person")
    phones = sample_rows(Phone, n, rng)
    meters = sample_rows(Meter, n, rng, Meter.premise.is_null(False))
    lim = 50
    out: dict[str, list] = {
        "account_number": [(format_account_number(a.number), lambda t: search.account_ids_by_number(t))
                           for a in accts],
        "account_no_check_digit": [(a.number[:-1].lstrip("0"), lambda t: search.account_ids_by_number(t))
                                   for a in accts],
        "phone_10": [(f"({p.digits[:3]}) {p.digits[3:6]}-{p.digits[6:]}",
                      lambda t: search.account_ids_by_phone(search.phone_digits(t), lim)) for p in phones],
        "phone_7": [(f"{p.digits[-7:-4]}-{p.digits[-4:]}",
                     lambda t: search.account_ids_by_phone(search.phone_digits(t), lim)) for p in phones],
        "meter_serial": [(m.serial.lower(), lambda t: search.premise_ids_by_meter(t, lim)) for m in meters],
        "parcel": [(prems[a.premise_id].parcel_number.replace("-", ""),
                    lambda t: search.premise_ids_by_parcel(t, lim)) for a in accts
                   if prems[a.premise_id].parcel_number],
        "name_last": [(c.last_name, lambda t: search.customer_ids_by_name(fold(t).split(), lim)) for c in custs],
        "name_first_last": [(f"{c.first_name} {c.last_name}",
                             lambda t: search.customer_ids_by_name(fold(t).split(), lim)) for c in custs],
        "name_partial_3": [(fold(c.last_name)[1:4], lambda t: search.customer_ids_by_name(fold(t).split(), lim))
                           for c in custs if len(fold(c.last_name)) >= 4],
        "name_prefix_2": [(fold(c.last_name)[:2], lambda t: search.customer_ids_by_name(fold(t).split(), lim))
                          for c in custs],
        "name_short_and_long": [(f"{fold(c.first_name)[:2]} {fold(c.last_name)}",
                                 lambda t: search.customer_ids_by_name(fold(t).split(), lim)) for c in custs],
        "address_number_street": [
            (f"{prems[a.premise_id].house_number} {prems[a.premise_id].street.split()[0][:4]}",
             lambda t: search.premise_ids_by_address(fold(t).split(), lim)) for a in accts],
        "street_only": [(prems[a.premise_id].street, lambda t: search.premise_ids_by_address(fold(t).split(), lim))
                        for a in accts],
        # two common words that rarely meet: the whole of both index lists is read
        "name_two_last_names": [(f"{a.last_name} {b.last_name}",
                                 lambda t: search.customer_ids_by_name(fold(t).split(), lim))
                                for a, b in zip(custs, custs[1:] + custs[:1]) if a.last_name != b.last_name],
        "nothing_found": [(f"zzq{i:03d}x", lambda t: search.customer_ids_by_name(fold(t).split(), lim))
                          for i in range(n)],
    }
    return {k: v for k, v in out.items() if v}


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t) * 1000


def figures(ms: list[float]) -> dict:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3), "min_ms": round(ms[0], 3),
            "max_ms": round(ms[-1], 3), "n": len(ms)}


def plans_of(user, text: str) -> list[dict]:
    """Every statement one search_accounts call runs, with its plan."""
    db = database.obj
    seen: list[tuple[str, tuple]] = []
    original = db.execute_sql

    def spy(sql, params=None, *a, **kw):
        seen.append((sql, tuple(params or ())))
        return original(sql, params, *a, **kw)

    db.execute_sql = spy
    try:
        search.search_accounts(user, text)
    finally:
        del db.execute_sql
    out = []
    for sql, params in seen:
        prefix = "EXPLAIN " if is_postgres() else "EXPLAIN QUERY PLAN "
        rows = db.execute_sql(prefix + sql, params).fetchall()
        plan = [r[0] for r in rows] if is_postgres() else [r[-1] for r in rows]
        out.append({"sql": sql, "plan": plan})
    return out


def main(argv=None) -> int:
    ap = search_arguments(__doc__.splitlines()[0], samples=50)
    ap.add_argument("--plans", action="store_true")
    args = ap.parse_args(argv)
    open_district(args.url, args.build, args.population)
    user = system_user()
    rng = random.Random(args.seed)
    result = {"backend": "postgresql" if is_postgres() else "sqlite", "accounts": Account.select().count(),
              "customers": Customer.select().count(), "parties": AccountCustomer.select().count(),
              "samples": args.samples, "kinds": {}}
    for kind, items in cases(args.samples, rng).items():
        for text, bare in items:  # warm the caches
            bare(text)
            search.search_accounts(user, text)
        bare_ms = [timed(bare, text) for text, bare in items]
        full_ms = [timed(search.search_accounts, user, text) for text, _ in items]
        hits = [len(search.search_accounts(user, text)) for text, _ in items]
        result["kinds"][kind] = {"example": items[0][0], "bare": figures(bare_ms), "search_accounts": figures(full_ms),
                                 "median_hits": statistics.median(hits)}
        if args.plans:
            result["kinds"][kind]["plans"] = plans_of(user, items[0][0])
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
