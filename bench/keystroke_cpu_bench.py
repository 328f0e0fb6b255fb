"""CPU time the app spends per keystroke on the search screen: prints JSON.

    python bench/keystroke_cpu_bench.py DATABASE_URL [--query garcia] [--rounds 5]
                                        [--gap 0.15] [--profile FILE]

The real app (``python -m ubtui``) in a pseudo-terminal at 80x24, signed in by typed keys, on
the search screen.  It types ``--query`` one key at a time, as ``ssh_sessions_bench.py``'s
sessions do (each key after the screen settled from the last), empties the box (Ctrl+U) and
does it again ``--rounds`` times.  The figure is CPU (user + system, from /proc) of the app
process while typing, divided by the keys typed: CPU, not wall time, so other jobs on a
shared machine do not move it much; ``first_round_cpu_ms_per_key``: the first round alone (the
screen's first search: modules imported and caches filled on first use, as each session of
``ssh_sessions_bench.py`` types its query once).  ``--profile FILE``: the app runs under cProfile while
it types (the CPU figure then includes the profiler's own cost; use it for where, not how
much); its clock is wall time, or with PROFILE_CPU=1 the main thread's CPU time (which costs
a system call per function call and so inflates functions called very often).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from keystroke_bench import CTRL_Q, CTRL_U, start_signed_in  # noqa: E402

# The app under a profiler that only runs between SIGUSR1 (start) and SIGUSR2 (stop, write the
# file): sign-in and start-up stay out of the figures.  It profiles the main thread (events,
# layout, drawing); the CPU of the other threads (the database thread's query, the driver's
# reader and writer) is read per thread from /proc.
PROFILED = """
import cProfile, os, runpy, signal, sys, time
out = sys.argv.pop(1)
del sys.argv[1:3]  # "-m ubtui"
prof = cProfile.Profile(time.thread_time) if os.environ.get("PROFILE_CPU") else cProfile.Profile()
signal.signal(signal.SIGUSR1, lambda *_: prof.enable())
signal.signal(signal.SIGUSR2, lambda *_: (prof.disable(), prof.dump_stats(out)))
runpy.run_module("ubtui", run_name="__main__", alter_sys=True)
"""


def cpu_s(pid: int, tid: int | None = None) -> float:
    path = f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat"
    try:
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads_cpu(pid: int) -> dict[int, float]:
    return {int(t): cpu_s(pid, int(t)) for t in os.listdir(f"/proc/{pid}/task")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--query", default="garcia")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--gap", type=float, default=0.15, help="quiet seconds that count as settled")
    ap.add_argument("--user", default="clerk")
    ap.add_argument("--password", default="clerk-demo-1")
    ap.add_argument("--profile")
    a = ap.parse_args()
    prefix = [sys.executable, "-c", PROFILED, a.profile] if a.profile else None
    term, _ = start_signed_in(a.url, a.user, a.password, prefix=prefix)
    try:
        term.settle(0.5)
        pid = term.proc.pid
        keys = 0
        if a.profile:
            os.kill(pid, signal.SIGUSR1)
            time.sleep(0.2)
        cpu0, wall0, per0 = cpu_s(pid), time.perf_counter(), threads_cpu(pid)
        first = None
        for r in range(a.rounds):
            if r == 1:
                first = (cpu_s(pid) - cpu0) * 1000 / keys
            for ch in a.query:
                term.write(ch.encode())
                term.settle(a.gap)
                keys += 1
            term.write(CTRL_U)
            term.settle(a.gap)
            keys += 1
        cpu1, wall1, per1 = cpu_s(pid), time.perf_counter(), threads_cpu(pid)
        if a.profile:
            os.kill(pid, signal.SIGUSR2)
            time.sleep(1)
        out = {"query": a.query, "rounds": a.rounds, "keys": keys, "profiled": bool(a.profile),
               "cpu_ms_per_key": round((cpu1 - cpu0) * 1000 / keys, 2),
               "first_round_cpu_ms_per_key": None if first is None else round(first, 2),
               "main_thread_ms_per_key": round((per1.get(pid, 0) - per0.get(pid, 0)) * 1000 / keys, 2),
               "other_threads_ms_per_key": sorted((round((v - per0.get(t, 0)) * 1000 / keys, 2)
                                                   for t, v in per1.items() if t != pid), reverse=True),
               "wall_s": round(wall1 - wall0, 2), "load_average_1m": round(os.getloadavg()[0], 2)}
        term.write(CTRL_Q)  # quit asks; "y" answers (the profile is written on a clean exit)
        if term.wait_for(b"Quit", term.mark() - 4096, 5) is not None:
            term.write(b"y")
            term.proc.wait(timeout=30)
    finally:
        term.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
