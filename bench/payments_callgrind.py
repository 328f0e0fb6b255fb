"""Instructions a payment costs, counted by valgrind (callgrind): a figure the machine's load
does not move, for comparing two versions of the code on a shared machine.

usage: python bench/payments_callgrind.py DB_FILE [--n 120]

DB_FILE is a SQLite database that ``payments_bench.py`` has prepared (the bench clerk, drawer
and accounts; ``--history-years 5`` for the issue #12 figures); it is copied, never written.
The script runs itself under ``valgrind --tool=callgrind`` four times on fresh copies (next to
the file): 20 and 20 + N take_payment calls, 20 and 20 + N bare INSERT+UPDATE transactions,
after 30 of each to warm up, with hashing fixed (PYTHONHASHSEED=0) and the warm-up's objects
out of the garbage collector's way (``gc.freeze``).  The difference of each pair over N is
the user-space instructions of one posting, Python and SQLite together (the kernel's work in
pwrite and fdatasync is not counted: ``payments_bench.py`` and the WAL frames a payment
writes say that part).  Prints one JSON document.  Takes some minutes (valgrind runs the
program about 50 times slower).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def child(path: str, mode: str, n: int) -> None:
    """Run under valgrind: warm up, then ``n`` payments or bare transactions."""
    import gc
    import uuid

    sys.path.insert(0, os.path.dirname(HERE))
    sys.path.insert(0, HERE)
    os.environ.setdefault("UBTUI_ARGON2_FAST", "1")
    import payments_bench as pb

    from ubtui import payments
    from ubtui.db import open_database
    from ubtui.payments import AccountAmount, TakePayment, TenderIn
    open_database("sqlite:///" + path)
    clerk, numbers = pb.setup(200, charge=False)
    bare = pb.bare_setup(len(numbers))
    run = uuid.uuid4().hex[:8]
    cmds = [TakePayment(idempotency_key=f"cg-{run}-{i}",
                        accounts=[AccountAmount(account=numbers[i % len(numbers)], amount="12.34")],
                        tenders=[TenderIn(kind="cash", amount="20")]) for i in range(30 + n)]
    for i in range(30):
        payments.take_payment(clerk, cmds[i])
        bare(i)
    gc.collect()
    gc.freeze()
    if mode == "pay":
        for c in cmds[30:]:
            payments.take_payment(clerk, c)
    else:
        for i in range(n):
            bare(i)


def count(db_file: str, mode: str, n: int) -> int:
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(db_file))) as tmp:
        copy = os.path.join(tmp, "cg.db")
        shutil.copyfile(db_file, copy)
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                              os.path.abspath(__file__), "--child", mode, copy, "--n", str(n)],
                             env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    if m is None:
        raise SystemExit(f"valgrind said: {out.stderr[-500:]}")
    return int(m.group(1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db_file")
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--child", choices=("pay", "bare"))
    args = ap.parse_args(argv)
    if args.child:
        child(args.db_file, args.child, args.n)
        return 0
    per = {mode: (count(args.db_file, mode, 20 + args.n) - count(args.db_file, mode, 20)) // args.n
           for mode in ("pay", "bare")}
    print(json.dumps({"benchmark": "payments_callgrind", "n": args.n, "instructions_per_payment": per["pay"],
                      "instructions_per_bare": per["bare"], "ratio": round(per["pay"] / per["bare"], 2)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
