"""Keystroke to results on screen, the real app in a pseudo-terminal: prints JSON.

    python bench/keystroke_bench.py DATABASE_URL [--samples 40] [--kinds name,address,...]
                                    [--gap 0.1] [--no-burst] [--cold-starts 3] [--quick] [--each]
                                    [--phases]

Spawns ``python -m ubtui --database URL`` in a pty (TERM=xterm-256color, 80x24), signs in
by typing (clerk / clerk-demo-1), opens the search screen (Ctrl+F), and for each kind of
query (name, address, account number, phone, meter; optional: street) types sampled real
values, spread over the database as ``search_bench.py`` picks them.  A thread reads the
pty and time-stamps every read.

End to end (``median_ms``, ``p95_ms``): the keys before the last are typed ``--gap``
seconds apart and their results left to settle; then the last key is written and timed
until the output holds the bytes that draw the first result row (the first hit's account
number, or for account-number queries - whose number is echoed in the box - its name or
address).  When the last key does not change the hits (``unchanged_by_last_key``: e.g. the
check digit of an account number whose other digits already found it) the app has no row to
draw, and the time is to the last byte of the update the key causes.  ``burst``: the same
text typed again in one write (a very fast typist, a pasted number), timed from that write
to the first result row; the app handles the keys one by one, in order.  Between queries
the box is emptied and the output left to settle.

Bare: the index query that search runs for the same text (the candidate-id function of
``ubtui.search`` that search_bench times), in this process, in the same run, each text
warmed once first.  Ratio: end to end / bare.

Cold start: process start to the search screen drawn (its placeholder text seen), signing in
by typed keys on the way; bare: a ``python -c`` that imports the driver, connects and runs
SELECT 1.  ``--quick``: three samples a kind, one cold start (the smoke test).

Echo floor (``echo_floor_ms``): a key that searches nothing (a trailing space after a
query's results are drawn), timed to the last byte it causes: what any key costs the app
and the terminal before a search adds its query and rows.
``--profile FILE``: the measured app runs under cProfile.
``--phases``: the measured app runs through ``bench/phase_trace.py``, which time-stamps the
search screen's steps; per kind, ``phases_ms`` splits the keys that changed the hits into key
-> box changed -> search began -> ended -> hits put in the table -> update timer fired ->
frame drawn -> its bytes made -> handed to the terminal writer -> on the bench's side
(median, 90th percentile, largest); and the first step in its own (``KEY_STEPS``): read by
the terminal driver's input thread -> taken by the app's loop -> handed to the box -> the
box's change at the screen's handler.
``--each``: every sample's text, milliseconds and whether its last key changed the hits
(the p95 of 30 samples is their second slowest: which keys those are says where to look).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, figure, median, p95, percentile, rounded, unavailable  # noqa: E402

LIMIT = 50  # search_accounts' default: rows on the search screen at most
CTRL_F, CTRL_Q, CTRL_U, ENTER = b"\x06", b"\x11", b"\x15", b"\r"
SEARCH_MARK = b"meter or parcel"  # the search box's placeholder: drawn with the screen
KINDS = {  # our kind -> search_bench's case
    "name": "name_last",
    "address": "address_number_street",
    "account": "account_number",
    "phone": "phone_10",
    "meter": "meter_serial",
    "street": "street_only",
}
DEFAULT_KINDS = ("name", "address", "account", "phone", "meter")
UNIT_NOTE = ("median_ms/p95_ms: last key typed after the others had their results (gap_s apart); "
             "burst: the whole query in one write; bare: the index query search runs for the text")


class Pty:
    """The app in a pseudo-terminal; a thread reads everything it writes, time-stamped."""

    def __init__(self, argv: list[str], env: dict, cols: int = 80, rows: int = 24):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=str(ROOT),
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.buf = bytearray()
        self.times: list[tuple[int, float]] = []  # (end offset of a read, when it came)
        self.cond = threading.Condition()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.buf += data
                self.times.append((len(self.buf), time.perf_counter()))
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.buf)

    def write(self, data: bytes) -> float:
        """Write ``data``; the time right after its last byte went to the terminal."""
        os.write(self.fd, data)
        return time.perf_counter()

    def wait_for(self, marker: bytes | re.Pattern, since: int, timeout: float) -> float | None:
        """The time the output from ``since`` on first held ``marker`` (None: not in ``timeout``)."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            while True:
                found = (marker.search(self.buf, since) if isinstance(marker, re.Pattern)
                         else self.buf.find(marker, since) >= 0)
                if found:
                    return time.perf_counter()
                left = deadline - time.perf_counter()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def last_output(self, since: int, quiet: float = 0.2, timeout: float = 10.0) -> float | None:
        """When the last byte after offset ``since`` came, once the output has been quiet
        for ``quiet`` seconds (None: nothing came)."""
        self.settle(quiet, timeout)
        with self.cond:
            after = [t for end, t in self.times if end > since]
        return after[-1] if after else None

    def settle(self, quiet: float = 0.25, timeout: float = 10.0) -> None:
        """Wait until the output stays quiet for ``quiet`` seconds."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            n = len(self.buf)
            while time.perf_counter() < deadline:
                self.cond.wait(quiet)
                if len(self.buf) == n:
                    return
                n = len(self.buf)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.close(self.fd)
        except OSError:
            pass

    def tail(self, n: int = 300) -> str:
        with self.cond:
            return bytes(self.buf[-n:]).decode("utf-8", "replace")


def app_env() -> dict:
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24", PYTHONPATH=str(ROOT))
    env.setdefault("UBTUI_CONFIG", "/nonexistent/ubtui-bench-config.toml")
    for k in ("UBTUI_DATABASE_URL", "NO_COLOR", "TEXTUAL"):
        env.pop(k, None)
    return env


def start_signed_in(url: str, user: str, password: str, profile: str | None = None,
                    prefix: list[str] | None = None) -> tuple[Pty, float]:
    """The app on its search screen, signed in by typed keys; (pty, seconds from spawn).
    With ``profile``, the app runs under cProfile, which writes that file when it quits;
    ``prefix``: what runs ``-m ubtui ...`` instead of the interpreter alone."""
    if prefix is None:
        prefix = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    term = Pty([*prefix, "-m", "ubtui", "--database", url], app_env())
    try:
        if term.wait_for(b"Password", 0, 60) is None:
            raise RuntimeError(f"no login screen: {term.tail()!r}")
        since = term.mark()
        term.write(user.encode() + ENTER + password.encode() + ENTER)
        if term.wait_for(b"Main menu", since, 60) is None:
            raise RuntimeError(f"could not sign in as {user}: {term.tail()!r}")
        since = term.mark()
        term.write(CTRL_F)
        shown = term.wait_for(SEARCH_MARK, since, 30)
        if shown is None:
            raise RuntimeError(f"the search screen did not open: {term.tail()!r}")
        return term, shown - term.started
    except BaseException:
        term.close()
        raise


def bare_cold_start(url: str) -> float:
    if url.startswith("sqlite"):
        code = (f"import sqlite3; c = sqlite3.connect({url.split('://', 1)[1]!r}); "
                "c.execute('SELECT 1').fetchall(); print('ready', flush=True)")
    else:
        code = f"import psycopg; c = psycopg.connect({url!r}); c.execute('SELECT 1').fetchall(); print('ready', flush=True)"
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    seconds = time.perf_counter() - t
    p.wait()
    return seconds


ANY_ACCOUNT_NUMBER = re.compile(rb"\d{7}-\d")  # as the results table draws one


def marker_of(hits: list, typed: str) -> bytes | re.Pattern:
    """Text of the first result row that the echo of ``typed`` in the box cannot contain.

    When the search stopped at its limit, which of the many matches it returns is up to the
    database (a PostgreSQL sequential scan starts where the last one stopped), so the app's
    first row may differ from ours: then any account number drawn counts."""
    if len(hits) >= LIMIT and not ANY_ACCOUNT_NUMBER.search(typed.encode()):
        return ANY_ACCOUNT_NUMBER
    hit = hits[0]
    for text in (hit.number, hit.name[:12], hit.address[:12]):
        if text and text.lower() not in typed.lower() and typed.lower() not in text.lower():
            return text.encode()
    return hit.number.encode()


def type_query(term: Pty, text: str, hits: list, prefix_hits: list, gap: float | None,
               timeout: float) -> tuple[float | None, bool, float]:
    """Type ``text`` into the (empty) box; seconds from the write of its last key to the
    result on screen, whether that key left the results as they were, and when it was
    written (``time.perf_counter``).

    ``gap`` None: every key in one write (a burst).  Otherwise the keys before the last are
    typed ``gap`` seconds apart and their results left to settle, then the last key is
    timed: to the first bytes that draw the first result row or, when the last key does not
    change the hits (``prefix_hits``: the app has nothing new to draw), to the last byte of
    the update it causes (the echo)."""
    keys = text.encode()
    marker = marker_of(hits, text)
    unchanged = False
    if gap is None:
        since = term.mark()
        sent = term.write(keys)
    else:
        for ch in keys[:-1]:
            term.write(bytes([ch]))
            time.sleep(gap)
        term.settle(quiet=0.15)
        unchanged = prefix_hits == hits
        since = term.mark()
        sent = term.write(keys[-1:])
    if unchanged:
        shown = term.last_output(since, quiet=0.15)
    else:
        shown = term.wait_for(marker, since, timeout)
    term.settle(quiet=0.15)
    term.write(CTRL_U)  # empty the box (the table empties too) before the next query
    term.settle(quiet=0.15)
    return (None if shown is None else shown - sent), unchanged, sent


def measure_kind(term: Pty, items: list, user, gap: float, burst: bool, timeout: float,
                 each_out: bool = False, phase_marks: list | None = None) -> dict:
    from ubtui.search import search_accounts
    paced, bursts, bare, missed, unchanged, each = [], [], [], [], 0, []
    for text, bare_fn in items:  # warm the database caches (the app's queries read the same pages)
        bare_fn(text)
        search_accounts(user, text)
    for text, bare_fn in items:
        hits = search_accounts(user, text)
        if not hits:
            missed.append({"text": text, "why": "no hits"})
            continue
        prefix_hits = search_accounts(user, text[:-1]) if text[:-1].strip() else []
        took, same, sent = type_query(term, text, hits, prefix_hits, gap, timeout)
        unchanged += same
        if took is None:
            missed.append({"text": text, "why": f"first row not drawn in {timeout} s"})
            continue
        paced.append(took)
        each.append([text, rounded(took * 1000, 2), same])
        if phase_marks is not None:
            phase_marks.append((text.strip(), sent * 1000, took * 1000, same))
        if burst:
            took, _, _ = type_query(term, text, hits, prefix_hits, None, timeout)
            if took is not None:
                bursts.append(took)
        t = time.perf_counter()
        bare_fn(text)
        bare.append(time.perf_counter() - t)
    out: dict = {"example": items[0][0] if items else None, "samples": len(paced)}
    if not paced:
        return {**out, **unavailable("no result drawn"), "missed": missed}
    out["median_ms"] = figure(median(paced) * 1000, median(bare) * 1000, "ms")
    out["p95_ms"] = figure(p95(paced) * 1000, p95(bare) * 1000, "ms")
    out["max_ms"] = rounded(max(paced) * 1000, 2)
    out["unchanged_by_last_key"] = unchanged
    if each_out:
        out["each"] = each  # [typed text, ms, whether the last key left the hits as they were]
    if bursts:
        out["burst"] = {"median_ms": figure(median(bursts) * 1000, median(bare) * 1000, "ms"),
                        "p95_ms": figure(p95(bursts) * 1000, p95(bare) * 1000, "ms"), "samples": len(bursts)}
    if missed:
        out["missed"] = missed
    return out


# --phases: where a key's time goes, from the app's time stamps (bench/phase_trace.py)
PHASES = ("key_to_changed", "changed_to_search", "search", "search_to_show", "show", "show_to_tick",
          "tick_to_display", "display_to_write", "write_to_screen")
# key_to_changed in its steps: written -> read by the driver's input thread -> taken by the
# app's loop -> handed to the search box -> the box's change reached the screen's handler
KEY_STEPS = ("key_read", "read_to_app", "app_to_box", "box_to_changed")


def _first(events: list[tuple], event: str, after: float, text: str | None) -> float | None:
    """When the first ``event`` (about ``text``, unless None) came at or after ``after``."""
    return next((t for t, ev, d in events if ev == event and t >= after
                 and (text is None or str(d).strip() == text)), None)


def phases_of(marks: list[tuple], trace_lines: list[str]) -> dict:
    """Per phase, the median, 90th percentile and largest milliseconds over the timed keys
    that changed the hits (``marks``: text, when its last key was written, ms to its first
    result row, unchanged), from ``phase_trace``'s lines: the key written -> the box's text
    changed -> the search began -> ended -> the hits began to be put in the table -> were ->
    the screen's update timer fired -> the update it drew was turned into bytes -> handed to
    the terminal's writer -> reached the bench."""
    import ast

    events = []
    for line in trace_lines:
        stamp, event, detail = line.rstrip("\n").split(" ", 2)
        events.append((float(stamp), event, ast.literal_eval(detail)))
    per: dict[str, list[float]] = {p: [] for p in PHASES + KEY_STEPS}
    for text, sent, took, unchanged in marks:
        if unchanged:
            continue
        window = [e for e in events if sent <= e[0] <= sent + took + 100]
        changed = _first(window, "changed", sent, text)
        start = changed and _first(window, "search-start", changed, text)
        end = start and _first(window, "search-end", start, text)
        show = end and _first(window, "show-start", end, text)
        shown = show and _first(window, "show-end", show, text)
        tick = shown and _first(window, "tick", shown, None)
        display = tick and _first(window, "display", tick, None)
        frame = display and _first(window, "write", display, None)
        if not frame:
            continue
        for name, ms in zip(PHASES, (changed - sent, start - changed, end - start, show - end, shown - show,
                                     tick - shown, display - tick, frame - display, sent + took - frame)):
            per[name].append(ms)
        read = _first(window, "key-read", sent, None)
        app = read and _first(window, "key-app", read, None)
        box = app and _first(window, "key-box", app, None)
        if box and box <= changed:  # the last of the key's steps before the handler
            for name, ms in zip(KEY_STEPS, (read - sent, app - read, box - app, changed - box)):
                per[name].append(ms)
    n = len(per[PHASES[0]])
    if not n:
        return unavailable("no timed key found in the app's time stamps")
    return {"keys": n, **{name: {"median": rounded(median(v), 2), "p90": rounded(percentile(v, 0.9), 2),
                                 "max": rounded(max(v), 2)} for name, v in per.items() if v}}


def echo_floor(term: Pty, texts: list[str], samples: int) -> dict:
    """The app's own cost of one key, with no search behind it: after ``text``'s results are
    drawn, a trailing space (the search ignores it: the query is unchanged) is typed and timed
    to the last byte of the update it causes -- the box redrawn with the cursor one cell on.
    Every search result arrives on top of this: Textual takes the key, the box redraws and
    the frame is written to the terminal.  The bare query of the same kind, against which
    the issue's "no more than twice" is set, is in ``kinds``."""
    took = []
    for text in (texts * samples)[:samples]:
        term.write(text.encode())
        term.settle(quiet=0.15)
        since = term.mark()
        sent = term.write(b" ")
        shown = term.last_output(since, quiet=0.15)
        if shown is not None:
            took.append(shown - sent)
        term.write(CTRL_U)
        term.settle(quiet=0.15)
    if not took:
        return unavailable("no echo seen")
    return {"samples": len(took), "median_ms": rounded(median(took) * 1000, 2), "p95_ms": rounded(p95(took) * 1000, 2),
            "min_ms": rounded(min(took) * 1000, 2)}


def run(args) -> dict:
    from search_bench import cases

    from models import Account
    from ubtui.db import is_postgres, open_database
    from ubtui.security import system_user

    open_database(args.url)
    user = system_user()
    rng = random.Random(args.seed)
    all_cases = cases(args.samples, rng)
    result: dict = {"backend": "postgresql" if is_postgres() else "sqlite", "accounts": Account.select().count(),
                    "samples": args.samples, "gap_s": args.gap, "unit_note": UNIT_NOTE,
                    "cpus": os.cpu_count(), "load_average_1m_at_start": round(os.getloadavg()[0], 2), "terminal": "xterm-256color 80x24", "kinds": {}}

    cold, bare_cold = [], []
    trace = None
    if args.phases:  # the measured app (the last started) notes its phases in this file
        trace = Path(tempfile.mkstemp(prefix="ubtui-phases-", suffix=".txt")[1])
    for i in range(args.cold_starts):
        last = i == args.cold_starts - 1
        prefix = None
        if trace is not None and last:
            os.environ["UBTUI_BENCH_PHASES"] = str(trace)
            prefix = [sys.executable, str(Path(__file__).resolve().parent / "phase_trace.py")]
        term, seconds = start_signed_in(args.url, args.user, args.password, args.profile if last else None,
                                        prefix=prefix)
        cold.append(seconds)
        if not last:
            term.close()
        bare_cold.append(bare_cold_start(args.url))
    result["cold_start_s"] = figure(median(cold), median(bare_cold), "s", runs=[rounded(c, 3) for c in cold],
                                    bare_is="python -c: import the driver, connect, SELECT 1")
    kind_marks: dict[str, list] = {}
    try:
        term.settle(quiet=0.3)
        for kind in args.kinds:
            items = all_cases.get(KINDS[kind], [])
            marks: list | None = [] if trace is not None else None
            result["kinds"][kind] = measure_kind(term, items, user, args.gap, not args.no_burst,
                                                 args.timeout, args.each, marks) if items else \
                unavailable(f"no {kind} values in this database")
            if marks:
                kind_marks[kind] = marks
        names = [t for t, _ in all_cases.get(KINDS["name"], [])] or ["smith"]
        result["echo_floor_ms"] = echo_floor(term, names, args.samples)
        term.write(CTRL_Q)
        if term.wait_for(b"Quit", term.mark() - 4096, 5) is not None:
            term.write(b"y")
            term.proc.wait(timeout=30)
    finally:
        term.close()
    if trace is not None:
        lines = trace.read_text().splitlines()
        trace.unlink()
        for kind, marks in kind_marks.items():
            result["kinds"][kind]["phases_ms"] = phases_of(marks, lines)
    result["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)  # other jobs slow every figure
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--samples", type=int, default=40, help="values per kind of query")
    ap.add_argument("--kinds", default=",".join(DEFAULT_KINDS), help=f"comma list of {', '.join(KINDS)}")
    ap.add_argument("--gap", type=float, default=0.1, help="seconds between the keys typed before the last")
    ap.add_argument("--no-burst", action="store_true", help="skip the second typing of each query in one write")
    ap.add_argument("--cold-starts", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for one result")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--user", default="clerk")
    ap.add_argument("--password", default="clerk-demo-1")
    ap.add_argument("--profile", metavar="FILE", help="run the measured app under cProfile, stats to FILE")
    ap.add_argument("--phases", action="store_true",
                    help="time-stamp the app's phases of each timed key (bench/phase_trace.py): phases_ms")
    ap.add_argument("--each", action="store_true", help="list every sample: text, ms, unchanged by its last key")
    ap.add_argument("--quick", action="store_true", help="3 samples a kind, one cold start")
    args = ap.parse_args(argv)
    args.kinds = [k for k in args.kinds.split(",") if k]
    if unknown := [k for k in args.kinds if k not in KINDS]:
        ap.error(f"unknown kinds: {unknown}")
    if args.quick:
        args.samples, args.cold_starts = min(args.samples, 3), 1
    print(json.dumps(run(args), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
