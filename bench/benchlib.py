"""Shared helpers of the benchmark scripts: figures, latency statistics, scratch databases."""
from __future__ import annotations

import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("UBTUI_CONFIG", "/nonexistent/ubtui-bench-config.toml")

PG_SERVER = os.environ.get("UBTUI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def rounded(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def figure(value: float | None, bare: float | None, unit: str, **extra) -> dict:
    """One figure: the value through ubtui, the bare-database figure measured in the same
    run, and value / bare (for a time, how many times slower; for a rate, the fraction)."""
    ratio = value / bare if value is not None and bare else None
    return {"value": rounded(value), "bare": rounded(bare), "ratio": rounded(ratio, 3), "unit": unit, **extra}


def unavailable(reason: str) -> dict:
    return {"value": None, "bare": None, "ratio": None, "reason": reason}


def percentile(samples: list[float], q: float) -> float:
    """The smallest sample at or above the ``q`` fraction of them (nearest rank)."""
    s = sorted(samples)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def p95(samples: list[float]) -> float:
    return percentile(samples, 0.95)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(fn, *args, **kw) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn(*args, **kw)
    return time.perf_counter() - t, result


class ScratchDatabase:
    """A temporary SQLite file or PostgreSQL database, removed (dropped) on exit.

    With ``existing`` (a URL) it stands for that database instead, which is kept."""

    def __init__(self, backend: str, label: str, existing: str | None = None):
        self.backend = backend
        self.label = label
        self.dir: str | None = None
        self.name: str | None = None
        self.url = existing or ""
        self.existing = bool(existing)

    def __enter__(self) -> ScratchDatabase:
        if self.existing:
            return self
        if self.backend == "sqlite":
            self.dir = tempfile.mkdtemp(prefix=f"ubtui-bench-{self.label}-")
            self.url = f"sqlite:///{self.dir}/{self.label}.db"
        else:
            import psycopg
            self.name = f"ubtui_bench_{self.label}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_SERVER, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{self.name}"')
            self.url = PG_SERVER.rsplit("/", 1)[0] + "/" + self.name
        return self

    def __exit__(self, *exc) -> None:
        from models import database
        if database.obj is not None and not database.is_closed():
            database.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self.name:
            import psycopg
            with psycopg.connect(PG_SERVER, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def raw_connect(self):
        """A plain driver connection (no Peewee) for the bare figures."""
        if self.backend == "sqlite":
            import sqlite3
            conn = sqlite3.connect(self.url.split("://", 1)[1], isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=wal")
            conn.execute("PRAGMA synchronous=2")
            return conn
        import psycopg
        return psycopg.connect(self.url, autocommit=True)

    @property
    def mark(self) -> str:
        return "?" if self.backend == "sqlite" else "%s"

    def begin(self) -> str:
        return "BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN"


def search_arguments(description: str, samples: int):
    """The search benchmarks' common arguments: the district's URL, how many random accounts,
    the seed, and ``--build N`` to build an N-account demo district there when it is empty."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("url")
    ap.add_argument("--samples", type=int, default=samples)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build", type=int, default=0, metavar="N")
    ap.add_argument("--population", choices=("demo", "census"), default="demo",
                    help="whose names and streets --build draws (ubtui.demo.POPULATIONS)")
    return ap


def open_district(url: str, build: int = 0, population: str = "demo") -> None:
    """Open the district at ``url``; with ``build`` and no account there, build a demo district
    of that many accounts (no history, names and streets of ``population``) first."""
    from models import Account
    from ubtui.db import open_database
    open_database(url)
    if build and not Account.select().exists():
        from ubtui.demo import build_demo
        build_demo(accounts=build, months=0, population=population)
