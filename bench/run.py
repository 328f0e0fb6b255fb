"""The benchmark suite: one command, one JSON document.

    python bench/run.py [--quick] [--backend sqlite|postgres|both] [--accounts N] [--output FILE]

For each backend it builds the datasets it needs in scratch databases (a temporary SQLite
file; a PostgreSQL database created on 127.0.0.1:5432 as user postgres and dropped at the
end): the search dataset (1,000,000 accounts, no history: ``--accounts``) and the payments
dataset (100,000 accounts with two months of history).  ``--quick`` uses tiny sizes (the
smoke test runs it).  Each figure is printed with the matching bare-database figure measured
in the same run and their ratio (``benchlib.figure``):

* ``demo_build``: seconds per 100,000 accounts vs. bare inserts of the same number of rows;
* ``ledger_post``: ``ubtui.ledger.post`` per second, latency median/p95 vs. a bare
  INSERT+UPDATE transaction;
* ``reports``: the heaviest reports over the search dataset (collections worklist = aging of
  every account with a balance, ``ubtui verify``, a balance summary) vs. their bare queries;
* ``cold_start``: process start to a usable search screen (headless, signed in) vs. a bare
  Python process that connects and runs SELECT 1;
* ``ssh``: keystroke-to-screen latency and bytes per keystroke in the search and payment
  screens, memory per session (``bench/ssh_bench.py``);
* ``ssh_sessions``: the same with 30 sessions typing at once through one SSH door, p95 and
  CPU per keystroke, memory per session beside a bare Python process
  (``bench/ssh_sessions_bench.py``);
* ``keystroke``: last keystroke to the first result row on screen per kind of query, the
  real app in a pseudo-terminal, vs. the bare index query; cold start signing in by typed
  keys (``bench/keystroke_bench.py``);
* ``search``, ``relevance``, ``payments``, ``billrun``: the other benchmark scripts, run as subprocesses,
  their JSON merged (``null`` with a reason when a script is missing or fails).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import PG_SERVER, ROOT, ScratchDatabase, figure, median, p95, unavailable  # noqa: E402

BENCH = ROOT / "bench"
PY = sys.executable
FULL = {"search_accounts": 1_000_000, "mid_accounts": 100_000, "mid_months": 2, "posts": 2000,
        "payments_n": 100_000, "billrun_n": 100_000, "cold_starts": 3, "ssh_query": "garcia", "search_samples": 50,
        "relevance_samples": 1000, "script_timeout": 3600, "keystroke_samples": 30, "ssh_sessions": 30}
QUICK = {"search_accounts": 600, "mid_accounts": 150, "mid_months": 1, "posts": 50,
         "payments_n": 30, "billrun_n": 30, "cold_starts": 1, "ssh_query": "ga", "search_samples": 5,
         "relevance_samples": 20, "script_timeout": 60, "keystroke_samples": 2, "ssh_sessions": 2}
USER, PASSWORD = "clerk", "clerk-demo-1"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- dataset build ---------------------------------------------------------------------------
def build(db: ScratchDatabase, accounts: int, months: int) -> dict:
    from ubtui.db import open_database
    from ubtui.demo import build_demo
    open_database(db.url)
    t = time.perf_counter()
    stats = build_demo(accounts=accounts, months=months, seed=7,
                       progress=lambda m: log(m) if "0,000/" in m or accounts < 50_000 else None)
    seconds = time.perf_counter() - t
    rows = sum(stats.counts.values())
    bare = bare_inserts(db, rows, chunks=max(1, -(-accounts // 2000)))
    per = 100_000 / accounts
    return {"accounts": accounts, "months": months, "rows": rows, "seconds": round(seconds, 3),
            "per_100k_accounts_s": figure(seconds * per, bare * per, "s",
                                          bare_is=f"{rows:,} rows of 4 columns inserted in the same number of transactions")}


def bare_inserts(db: ScratchDatabase, rows: int, chunks: int) -> float:
    """Seconds to insert ``rows`` plain rows (executemany / COPY) in ``chunks`` transactions."""
    conn = db.raw_connect()
    try:
        conn.execute("CREATE TABLE bench_bare (id BIGINT PRIMARY KEY, a BIGINT, b TEXT, c TEXT)")
        per = -(-rows // chunks)
        t = time.perf_counter()
        for lo in range(0, rows, per):
            data = [(i, i * 7, f"text {i}", "x") for i in range(lo, min(rows, lo + per))]
            if db.backend == "sqlite":
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT INTO bench_bare VALUES (?, ?, ?, ?)", data)
                conn.execute("COMMIT")
            else:
                with conn.transaction(), conn.cursor() as cur, cur.copy("COPY bench_bare FROM STDIN") as cp:
                    for r in data:
                        cp.write_row(r)
        seconds = time.perf_counter() - t
        conn.execute("DROP TABLE bench_bare")
        return seconds
    finally:
        conn.close()


# --- ledger posting --------------------------------------------------------------------------
def ledger_post(db: ScratchDatabase, n: int) -> dict:
    from peewee import fn

    from models import Account, User
    from ubtui import ledger
    from ubtui.db import open_database
    open_database(db.url)
    rng = random.Random(3)
    lo, hi = Account.select(fn.MIN(Account.id), fn.MAX(Account.id)).scalar(as_tuple=True)
    ids = [rng.randint(lo, hi) for _ in range(n)]
    user = User.get(User.username == "senior")
    run = f"{time.time_ns()}"
    lat = []
    t0 = time.perf_counter()
    for i, acct in enumerate(ids):
        t = time.perf_counter()
        ledger.post(user, f"bench:{run}:{i}", "payment",
                    [ledger.EntrySpec(acct, "payment", -100, description="bench payment")])
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    from models import database
    database.close()

    conn = db.raw_connect()
    m = db.mark
    bare = []
    try:
        conn.execute("CREATE TABLE bench_entry (id BIGINT PRIMARY KEY, account_id BIGINT, amount BIGINT, "
                     "key VARCHAR(80) UNIQUE)")
        b0 = time.perf_counter()
        for i, acct in enumerate(ids):
            t = time.perf_counter()
            conn.execute(db.begin())
            conn.execute(f"INSERT INTO bench_entry VALUES ({m}, {m}, {m}, {m})", (i, acct, -100, f"b{i}"))
            conn.execute(f"UPDATE account SET balance_cents = balance_cents + 0 WHERE id = {m}", (acct,))
            conn.execute("COMMIT")
            bare.append(time.perf_counter() - t)
        bare_total = time.perf_counter() - b0
        conn.execute("DROP TABLE bench_entry")
    finally:
        conn.close()
    return {
        "postings": n,
        "per_second": figure(n / total, n / bare_total, "postings/s"),
        "latency_median_ms": figure(median(lat) * 1000, median(bare) * 1000, "ms"),
        "latency_p95_ms": figure(p95(lat) * 1000, p95(bare) * 1000, "ms"),
        "bare_is": "one transaction: INSERT of an entry row + UPDATE of the account row",
    }


# --- reports at the search size --------------------------------------------------------------
def reports(db: ScratchDatabase) -> dict:
    from peewee import Case, fn

    from models import Account, database
    from ubtui.collections import delinquency_list
    from ubtui.db import open_database
    from ubtui.security import system_user
    from ubtui.verify import verify_all
    open_database(db.url)
    user = system_user()
    out = {"accounts": Account.select().count()}

    def best_of(fn_, runs=2):
        times = []
        result = None
        for _ in range(runs):
            t = time.perf_counter()
            result = fn_()
            times.append(time.perf_counter() - t)
        return min(times), result

    # 1. collections worklist: aging of every account with a balance
    t_app, worklist = best_of(lambda: delinquency_list(user, _dt.date.today()), runs=1)
    sql_cands = ("SELECT e.account_id, e.id, e.amount_cents, e.effective_on, e.reverses_id FROM ledger_entry e "
                 "JOIN account a ON a.id = e.account_id WHERE a.balance_cents >= 100 "
                 "AND a.status IN ('active', 'disconnected', 'final_billed')")
    t_bare, _ = best_of(lambda: database.execute_sql(sql_cands).fetchall(), runs=1)
    out["collections_worklist_s"] = figure(t_app, t_bare, "s", rows=len(worklist),
                                           bare_is="fetch the ledger entries of every account with a balance")
    # 2. ubtui verify (every invariant) vs the bare balance check alone
    t_app, breaches = best_of(verify_all, runs=1)
    bal_sql = ("SELECT a.id FROM account a LEFT JOIN ledger_entry e ON e.account_id = a.id "
               "GROUP BY a.id, a.balance_cents HAVING a.balance_cents != COALESCE(SUM(e.amount_cents), 0)")
    t_bare, _ = best_of(lambda: database.execute_sql(bal_sql).fetchall(), runs=1)
    out["verify_s"] = figure(t_app, t_bare, "s", breaches=len(breaches),
                             bare_is="the balances = sum of entries query alone")
    # 3. balance summary by status and class (ORM) vs the same SQL text
    positive = fn.SUM(Case(None, [(Account.balance_cents > 0, 1)], 0))
    summary = (Account.select(Account.status, Account.account_class, fn.COUNT(Account.id).alias("n"),
                              fn.SUM(Account.balance_cents).alias("owed"), positive.alias("owing"))
               .group_by(Account.status, Account.account_class))
    sql, params = summary.sql()
    t_app, rows = best_of(lambda: list(summary.dicts()))
    t_bare, _ = best_of(lambda: database.execute_sql(sql, params).fetchall())
    out["balance_summary_s"] = figure(t_app, t_bare, "s", rows=len(rows))
    database.close()
    return out


# --- cold start ------------------------------------------------------------------------------
def spawn_until_line(argv: list[str], timeout: float = 120) -> tuple[float, str]:
    """Seconds from spawning ``argv`` to its first line of output, and that line."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=str(ROOT),
                            text=True)
    try:
        line = proc.stdout.readline()
        seconds = time.perf_counter() - t
    finally:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return seconds, line.strip()


def cold_start(db: ScratchDatabase, runs: int) -> dict:
    app, bare, detail = [], [], {}
    for _ in range(runs):
        s, line = spawn_until_line([PY, str(BENCH / "coldstart_child.py"), db.url, USER, PASSWORD])
        if not line.startswith("{"):
            return unavailable(f"the app did not reach the search screen headless: {line[:120]!r}")
        app.append(s)
        detail = json.loads(line)
    if db.backend == "sqlite":
        code = (f"import sqlite3; c = sqlite3.connect({db.url.split('://', 1)[1]!r}); "
                "c.execute('SELECT 1').fetchall(); print('ready', flush=True)")
    else:
        code = (f"import psycopg; c = psycopg.connect({db.url!r}); "
                "c.execute('SELECT 1').fetchall(); print('ready', flush=True)")
    for _ in range(runs):
        bare.append(spawn_until_line([PY, "-c", code])[0])
    return {"to_search_screen_s": figure(median(app), median(bare), "s",
                                         bare_is="python -c: import the driver, connect, SELECT 1"),
            "inside_child_s": {k: round(v, 3) for k, v in detail.items()},
            "note": "headless (run_test, 80x24), includes signing in (argon2id) and F2"}


# --- SSH ---------------------------------------------------------------------------------------
def ssh(db: ScratchDatabase, query: str) -> dict:
    try:
        from ubtui import sshserver  # noqa: F401  (imports asyncssh without its DSA warning)
    except ImportError as e:
        return unavailable(f"no SSH server in this build ({e})")
    from models import Account
    from ubtui.db import open_database
    open_database(db.url)
    number = Account.select(Account.number).where(Account.status == "active").order_by(Account.id).first().number
    from models import database
    database.close()
    res = run_json([PY, str(BENCH / "ssh_bench.py"), db.url, "--user", USER, "--password", PASSWORD,
                    "--query", query, "--account", number], timeout=600)
    return res


# --- the other engineers' scripts ---------------------------------------------------------------
def run_json(argv: list[str], timeout: float) -> dict:
    """Run a benchmark script; its stdout is one JSON document (or an error is recorded)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("UBTUI_CONFIG", "/nonexistent/ubtui-bench-config.toml")
    t = time.perf_counter()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return unavailable(f"{Path(argv[1]).name} did not finish in {timeout:.0f} s")
    elapsed = round(time.perf_counter() - t, 2)
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
        return unavailable(f"{Path(argv[1]).name} exited {p.returncode}: {tail[:200]}")
    try:
        data = json.loads(p.stdout)
    except json.JSONDecodeError:
        return unavailable(f"{Path(argv[1]).name} printed no JSON document")
    if isinstance(data, dict):
        data.setdefault("wall_s", elapsed)
    return data


def other_script(name: str, argv_tail: list[str], timeout: float) -> dict:
    script = BENCH / name
    if not script.exists():
        return unavailable(f"bench/{name} does not exist yet")
    return run_json([PY, str(script), *argv_tail], timeout)


# --- one backend --------------------------------------------------------------------------------
def run_backend(backend: str, sizes: dict, only: set[str] | None, search_url: str | None = None) -> dict:
    want = (lambda k: only is None or k in only)
    out: dict = {}
    with ScratchDatabase(backend, "mid") as mid:
        log(f"{backend}: building {sizes['mid_accounts']:,} accounts with {sizes['mid_months']} months")
        out["demo_build"] = {"payments_dataset": build(mid, sizes["mid_accounts"], sizes["mid_months"])}
        if want("ledger_post"):
            log(f"{backend}: ledger postings")
            out["ledger_post"] = ledger_post(mid, sizes["posts"])
        if want("payments"):
            log(f"{backend}: payments_bench")
            # over the accounts of this dataset (it adds none when there are enough)
            out["payments"] = other_script("payments_bench.py", [mid.url, "--n", str(sizes["payments_n"]),
                                                                 "--accounts", str(sizes["mid_accounts"])],
                                           sizes["script_timeout"])
    if want("billrun"):
        log(f"{backend}: billrun_bench")
        if backend == "sqlite":
            with ScratchDatabase("sqlite", "billrun") as scratch:
                out["billrun"] = other_script("billrun_bench.py", [scratch.url, "--n", str(sizes["billrun_n"])],
                                              sizes["script_timeout"])
        else:
            out["billrun"] = other_script("billrun_bench.py", [PG_SERVER, "--n", str(sizes["billrun_n"])],
                                          sizes["script_timeout"])
    with ScratchDatabase(backend, "search", search_url) as big:
        if big.existing:
            out["demo_build"]["search_dataset"] = {"prebuilt": big.url}
        else:
            log(f"{backend}: building {sizes['search_accounts']:,} accounts (no history)")
            out["demo_build"]["search_dataset"] = build(big, sizes["search_accounts"], 0)
        if want("reports"):
            log(f"{backend}: reports")
            out["reports"] = reports(big)
        if want("search"):
            log(f"{backend}: search_bench")
            out["search"] = other_script("search_bench.py",
                                         [big.url, "--samples", str(sizes["search_samples"])],
                                         sizes["script_timeout"])
        if want("relevance"):
            log(f"{backend}: relevance_bench")
            out["relevance"] = other_script("relevance_bench.py",
                                            [big.url, "--samples", str(sizes["relevance_samples"])],
                                            sizes["script_timeout"])
        if want("cold_start"):
            log(f"{backend}: cold start")
            out["cold_start"] = cold_start(big, sizes["cold_starts"])
        if want("keystroke"):
            log(f"{backend}: keystroke_bench")
            out["keystroke"] = other_script("keystroke_bench.py",
                                            [big.url, "--samples", str(sizes["keystroke_samples"]),
                                             "--cold-starts", str(sizes["cold_starts"])], sizes["script_timeout"])
        if want("ssh"):
            log(f"{backend}: keystrokes over SSH")
            out["ssh"] = ssh(big, sizes["ssh_query"])
        if want("ssh_sessions"):
            log(f"{backend}: {sizes['ssh_sessions']} SSH sessions typing at once")
            out["ssh_sessions"] = other_script("ssh_sessions_bench.py",
                                               [big.url, "--sessions", str(sizes["ssh_sessions"]), "--user", USER,
                                                "--password", PASSWORD, "--query", sizes["ssh_query"]],
                                               sizes["script_timeout"] * 5)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny datasets (the smoke test)")
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--accounts", type=int, default=None, help="size of the search dataset (default 1,000,000)")
    ap.add_argument("--search-url", default=None, metavar="URL",
                    help="use this existing demo database (e.g. a 1,000,000-account build) as the search dataset")
    ap.add_argument("--payments-n", type=int, default=None, help="payments posted by payments_bench")
    ap.add_argument("--billrun-n", type=int, default=None, help="accounts billed by billrun_bench")
    ap.add_argument("--only", default=None,
                    help="comma list: ledger_post,payments,billrun,reports,search,relevance,cold_start,keystroke,ssh,"
                         "ssh_sessions")
    ap.add_argument("--output", default=None, help="also write the JSON to this file")
    args = ap.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.accounts:
        sizes["search_accounts"] = args.accounts
        sizes["mid_accounts"] = min(sizes["mid_accounts"], args.accounts)
    for key in ("payments_n", "billrun_n"):
        if getattr(args, key):
            sizes[key] = getattr(args, key)
    only = set(args.only.split(",")) if args.only else None
    if args.search_url and args.backend == "both":
        ap.error("--search-url names one database: choose its --backend")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    started = time.perf_counter()
    doc: dict = {"meta": meta(args, sizes)}
    for b in backends:
        doc[b] = run_backend(b, sizes, only, args.search_url)
    doc["meta"]["total_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text + "\n")
    print(text)
    return 0


def meta(args, sizes: dict) -> dict:
    import sqlite3
    info = {"command": "python bench/run.py " + " ".join(sys.argv[1:]), "quick": args.quick,
            "started_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
            "sizes": {k: v for k, v in sizes.items() if k != "ssh_query"}}
    if args.backend in ("postgres", "both"):
        try:
            import psycopg
            with psycopg.connect(PG_SERVER) as c:
                info["postgres"] = c.execute("SHOW server_version").fetchone()[0]
        except Exception as e:  # the run will fail on it anyway, with the message
            info["postgres"] = f"unreachable: {e.__class__.__name__}"
    return info


if __name__ == "__main__":
    sys.exit(main())
