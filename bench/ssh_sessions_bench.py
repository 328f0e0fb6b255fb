"""Many SSH sessions at once: keystroke to screen while every session types a search, and
memory per session.

    python bench/ssh_sessions_bench.py DATABASE_URL [--sessions 30] [--query garcia]
                                       [--user clerk --password clerk-demo-1]

Starts the SSH door (``ubtui.sshserver``) in its own process on a free local port, as
``ubtui ssh-serve`` runs, and opens ``--sessions`` sessions to it with asyncssh clients
(80x24 xterm, one public key registered for the bench).  Every session signs in (one after
another, a quarter second apart, as staff arrive) and opens the search screen; then all of
them type the query at once, one key at a time, each key after the screen settled from the
last (``ssh_bench.Terminal``).  Per key: the time from sending it to the last byte of the
screen update it caused.  The bare figures: the same door, the same number of sessions, each
running a raw-mode echo program instead of the app.

Memory: the resident set (RSS) and the proportional set (PSS: shared pages divided among the
processes that share them) of each session's app process, beside a bare ``python`` process
that imports nothing; and the door process itself, per session.
Prints one JSON document.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, figure, median, p95  # noqa: E402
from ssh_bench import CTRL_F, ECHO_CHILD, ENTER, Terminal, client_key, free_port, proc_mb, rss_mb  # noqa: E402

DOOR = """
import asyncio, sys
from pathlib import Path
from ubtui.sshserver import DoorLimits, serve
port, host_key, public, argv = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
async def main():
    await serve("127.0.0.1", port, host_key, argv, limits=DoorLimits(max_sessions=200,
                connections_per_minute=1000, open_per_address=1000), keys_for=lambda user: [public])
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def pss_mb(pid: int) -> float | None:
    return proc_mb(pid, "smaps_rollup", "Pss:")


def children_of(pid: int) -> list[int]:
    from ubtui.sshserver import child_pids
    return child_pids(pid)


class Door:
    """The SSH door in its own process (clients and server do not share one CPU's loop)."""

    def __init__(self, argv: list[str], key_dir: Path):
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT), UBTUI_CONFIG=os.environ.get("UBTUI_CONFIG", "/nonexistent"))
        public = client_key().export_public_key().decode().strip()
        self.proc = subprocess.Popen([sys.executable, "-c", DOOR, str(self.port), str(key_dir / "host_key"), public,
                                      *argv], stdout=subprocess.PIPE, env=env)
        if self.proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("the SSH door did not start")

    def stop(self) -> None:
        for pid in children_of(self.proc.pid):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        self.proc.kill()
        self.proc.wait()


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


async def sessions(port: int, n: int, user: str, prepare, query: bytes, door_pid: int) -> dict:
    """Open ``n`` sessions, ``prepare`` each (staggered), then all type ``query`` at once.
    CPU seconds spent while they type: the apps, the door, this client process."""
    from ubtui.sshserver import asyncssh
    ready = asyncio.Barrier(n + 1)
    typed = asyncio.Barrier(n + 1)
    results: list[dict] = []

    async def one(i: int) -> None:
        await asyncio.sleep(i * 0.25)
        async with asyncssh.connect("127.0.0.1", port, username=user, known_hosts=None,
                                    client_keys=[client_key()]) as conn:
            proc = await conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
            term = Terminal(proc)
            try:
                await prepare(term)
            finally:
                await ready.wait()  # all signed in and on the search screen (or failed)
            await asyncio.sleep(random.uniform(0, 0.3))  # typists do not start on the same millisecond
            results.append(await term.keys(query))
            await typed.wait()
            conn.close()  # a hang-up: the door ends the app

    tasks = [asyncio.ensure_future(one(i)) for i in range(n)]
    await ready.wait()
    apps = children_of(door_pid)
    cpu0 = (cpu_s(apps), cpu_s([door_pid]), cpu_s([os.getpid()]))
    started = time.perf_counter()
    await typed.wait()
    typing_s = time.perf_counter() - started
    cpu1 = (cpu_s(apps), cpu_s([door_pid]), cpu_s([os.getpid()]))
    await asyncio.gather(*tasks)
    latencies = [t for r in results for t in r["latency_s"]]
    keys = max(1, len(latencies))
    return {"latency_s": latencies, "sessions": len(results), "typing_s": typing_s,
            "cpu_ms_per_key": {name: round((b - a) * 1000 / keys, 2)
                               for name, a, b in zip(("apps", "door", "clients"), cpu0, cpu1)}}


async def run(url: str, n: int, user: str, password: str, query: str) -> dict:
    from ubtui.sshserver import child_argv
    key_dir = Path(tempfile.mkdtemp(prefix="ubtui-ssh-sessions-"))
    out: dict = {"sessions": n, "query": query, "cpus": os.cpu_count(),
                 "load_average_at_start": round(os.getloadavg()[0], 1)}
    memory: dict = {}
    try:
        # bare: the same door and sessions, an echo program in each
        door = Door(ECHO_CHILD, key_dir)
        try:
            async def echo_ready(term: Terminal) -> None:
                await asyncio.sleep(0.3)
            bare = await sessions(door.port, n, user, echo_ready, query.encode(), door.proc.pid)
        finally:
            door.stop()

        door = Door(child_argv(url), key_dir)
        try:
            async def app_ready(term: Terminal) -> None:
                if not await term.screen(b"", b"Password", timeout=120):
                    raise RuntimeError("no sign-in screen over SSH")
                if not await term.screen(password.encode() + ENTER, b"Main menu", timeout=120):
                    raise RuntimeError(f"could not sign in as {user}")
                if not await term.screen(CTRL_F, b"meter or parcel", timeout=60):
                    raise RuntimeError("the search screen did not open")
                kids = children_of(door.proc.pid)
                if len(kids) == n and not memory:
                    memory["rss"] = [rss_mb(p) or 0 for p in kids]
                    memory["pss"] = [pss_mb(p) or 0 for p in kids]
                    memory["door_rss"] = rss_mb(door.proc.pid)
            app = await sessions(door.port, n, user, app_ready, query.encode(), door.proc.pid)
        finally:
            door.stop()
    finally:
        shutil.rmtree(key_dir, ignore_errors=True)

    bare_proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    time.sleep(0.5)
    bare_rss, bare_pss = rss_mb(bare_proc.pid), pss_mb(bare_proc.pid)
    bare_proc.kill()
    bare_proc.wait()

    out["load_average_at_end"] = round(os.getloadavg()[0], 1)  # other jobs on the machine show here
    out["keystrokes"] = len(app["latency_s"])
    out["sessions_typing"] = app["sessions"]
    out["latency_median_ms"] = figure(median(app["latency_s"]) * 1000, median(bare["latency_s"]) * 1000, "ms")
    out["latency_p95_ms"] = figure(p95(app["latency_s"]) * 1000, p95(bare["latency_s"]) * 1000, "ms",
                                   target_ms=100)
    out["typing_s"] = figure(app["typing_s"], bare["typing_s"], "s", note="all sessions typing the query")
    out["cpu_ms_per_keystroke"] = {"app": app["cpu_ms_per_key"], "bare": bare["cpu_ms_per_key"],
                                   "note": "CPU while typing / keystrokes: the session processes, the door, "
                                           "the bench's own clients"}
    out["latency_max_ms"] = figure(max(app["latency_s"]) * 1000, max(bare["latency_s"]) * 1000, "ms")
    if memory:
        out["memory_per_session_rss_mb"] = figure(median(memory["rss"]), bare_rss, "MB",
                                                  note="median resident set of a session's app; bare: python -c")
        out["memory_per_session_pss_mb"] = figure(median(memory["pss"]), bare_pss, "MB",
                                                  note="proportional set: shared library pages divided")
        out["door_rss_mb"] = {"value": memory["door_rss"], "unit": "MB",
                              "note": f"the SSH door process itself with {n} sessions"}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--user", default="clerk")
    ap.add_argument("--password", default="clerk-demo-1")
    ap.add_argument("--query", default="garcia")
    args = ap.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.url, args.sessions, args.user, args.password, args.query)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
