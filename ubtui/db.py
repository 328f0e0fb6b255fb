"""Opening the database: one place turns a URL into a connected Peewee database.

* SQLite (default): WAL, synchronous=FULL, foreign keys on, ``BEGIN IMMEDIATE`` for every
  transaction (writers queue instead of failing half way), busy timeout.
* PostgreSQL: psycopg 3 (``postgresql://user@host:port/dbname``).
"""
from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee
from playhouse.migrations import Runner
from playhouse.postgres_ext import Psycopg3Database

from models import database as proxy

from .errors import ConfigError, UbtuiError

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
SQLITE_BUSY_TIMEOUT_S = 30


class DatabaseUnavailable(UbtuiError):
    pass


def make_database(url: str) -> peewee.Database:
    """Build (not yet connect) the database for ``url``; a bad URL raises ConfigError."""
    if not url or not url.strip():
        raise ConfigError("database URL is empty; use sqlite:///path/to/file.db or postgresql://user@host/db")
    url = url.strip()
    if "://" not in url:  # a bare path
        url = "sqlite:///" + os.path.abspath(url)
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in ("sqlite", "sqlite3"):
        path = unquote(url.split("://", 1)[1])
        if path in ("", "/"):
            raise ConfigError(f"database URL {url!r} names no file; use sqlite:///path/to/file.db")
        if path != ":memory:":
            # sqlite:///relative.db -> "/relative.db" keeps the absolute reading of the URL
            parent = Path(path).parent
            if not parent.exists():
                try:
                    parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise ConfigError(f"database file {path!r}: cannot create folder {parent} ({e.strerror})") from None
        return peewee.SqliteDatabase(
            path,
            pragmas={"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                     "cache_size": -32000, "temp_store": 2},
            timeout=SQLITE_BUSY_TIMEOUT_S,
            lock_type="IMMEDIATE",
            check_same_thread=False,
        )
    if scheme in ("postgres", "postgresql", "psycopg3", "postgresql+psycopg"):
        if not parsed.path.strip("/"):
            raise ConfigError(f"database URL {url!r} names no database; use postgresql://user@host:5432/dbname")
        try:
            port = parsed.port or 5432
        except ValueError:
            raise ConfigError(f"database URL {url!r} has a bad port number") from None
        return Psycopg3Database(
            unquote(parsed.path.lstrip("/")),
            host=parsed.hostname or "127.0.0.1",
            port=port,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            connect_timeout=5,
            # A search that reads a table in order with a LIMIT would otherwise start where
            # another session's scan of it is, and the same words would list other accounts.
            options="-c synchronize_seqscans=off",
        )
    raise ConfigError(
        f"database URL {url!r}: unknown kind {scheme!r}; use sqlite:///path/to/file.db or postgresql://user@host/db")


def is_postgres(db: peewee.Database | peewee.DatabaseProxy | None = None) -> bool:
    """Whether ``db`` (default: the open database) is PostgreSQL.  A model's
    ``_meta.database`` is the models' proxy, which is neither: it is looked through."""
    if db is None or isinstance(db, peewee.DatabaseProxy):
        db = proxy.obj
    return isinstance(db, peewee.PostgresqlDatabase)


def open_database(url: str, *, upgrade: bool = True) -> peewee.Database:
    """Connect the models to ``url`` and (by default) bring the schema up to date."""
    db = make_database(url)
    proxy.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except peewee.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise DatabaseUnavailable(
            f"cannot open database {redact(url)}: {first}. Is the server running and the URL right?"
        ) from None
    if upgrade:
        upgrade_schema(db)
    return db


def redact(url: str) -> str:
    p = urlparse(url)
    if p.password:
        return url.replace(":" + p.password + "@", ":***@")
    return url


def runner(db: peewee.Database | None = None) -> Runner:
    return Runner(db or proxy.obj, MIGRATIONS_DIR)


def upgrade_schema(db: peewee.Database | None = None) -> list[str]:
    """Apply pending numbered migrations; returns the names applied."""
    db = db or proxy.obj
    r = runner(db)
    if is_postgres(db):
        # Several processes may open a fresh database at once: serialise the upgrade.
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(72011)")
            return r.up()
    return r.up()


def schema_status(db: peewee.Database | None = None) -> list[tuple[str, object]]:
    return [(m.name, m.applied) for m in runner(db).status()]


def transaction():
    """The write transaction every service uses (``BEGIN IMMEDIATE`` on SQLite).

    On SQLite, outside any transaction, the outermost block is ``_SqliteWrite``: the same
    BEGIN IMMEDIATE / COMMIT / ROLLBACK as Peewee's ``atomic()``, on Peewee's transaction
    stack (so a nested ``atomic()`` or ``transaction()`` is a savepoint inside it), without
    the dozen calls a level Peewee spends getting there (a payment's whole Python cost is
    ~100 us).  Nested blocks and PostgreSQL use ``atomic()`` as before."""
    db = proxy.obj
    if is_postgres(db) or db.in_transaction():
        return db.atomic()
    return _SqliteWrite(db)


class _SqliteWrite:
    """The outermost write transaction on SQLite (see ``transaction``)."""

    __slots__ = ("db", "conn")

    def __init__(self, db: peewee.Database):
        self.db = db

    def __enter__(self):
        with peewee.__exception_wrapper__:  # "database is locked" as Peewee's error
            self.conn = self.db.connection()
            self.conn.execute("BEGIN IMMEDIATE")
        self.db.push_transaction(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.pop_transaction()
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]  # not in peewee's stubs
            if exc_type is not None:
                self.conn.rollback()
                return
            try:
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise


def execute(sql: str, params=()):
    """Run one statement in the driver's placeholder style; returns the cursor.

    ``Database.execute_sql`` with less in between on SQLite: the connection's own
    ``execute`` under Peewee's exception mapping (a taken unique key is still Peewee's
    ``IntegrityError``).  Peewee's path (a logger check, a new cursor, a closed-connection
    check) cost about 2 us a statement, and a payment runs nine of them between two
    ``fsync``s.  PostgreSQL goes through Peewee as before (its pipeline mode hooks in there)."""
    db = proxy.obj
    if isinstance(db, peewee.PostgresqlDatabase):  # is_postgres, without a call a statement
        return db.execute_sql(sql, params)
    try:  # the wrapper entered only on an error: a ``with`` costs every statement two calls
        return db.connection().execute(sql, params)
    except Exception:
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]  # not in peewee's stubs
            raise


def qmarks(query: str) -> str:
    """``query``, written with ``?`` placeholders, in the open database's own style (``%s``
    for psycopg).  The hot paths (payments, bill runs, search) run plain SQL: building a
    statement with the ORM cost more than running it."""
    return query.replace("?", proxy.obj.param)


def select(query: str, params=()) -> list[tuple]:
    """The rows of plain SQL written with ``?`` placeholders (see ``qmarks``)."""
    return proxy.obj.execute_sql(qmarks(query), tuple(params)).fetchall()


def in_list(values) -> str:
    """``(?, ?, ...)``: one placeholder for each of ``values`` (an IN list)."""
    return "(" + ", ".join("?" for _ in values) + ")"


def insert_rows(table: str, columns: list[str], rows: list[tuple], db: peewee.Database | None = None) -> None:
    """Many rows into ``table`` without reading anything back: PostgreSQL's COPY (psycopg
    would otherwise send one statement per row, or parse thousands of placeholders), SQLite's
    executemany.  Inside the caller's transaction."""
    if not rows:
        return
    db = db or proxy.obj
    cols = ", ".join(f'"{c}"' for c in columns)
    if is_postgres(db):
        with db.connection().cursor() as cur:
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for r in rows:
                    copy.write_row(r)
    else:
        db.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(columns))})', rows)


_NO_PIPELINE = nullcontext()


def pipelined():
    """Send the statements of the block without waiting for each answer (PostgreSQL).

    psycopg's pipeline mode queues statements and waits only where a result is read, so a
    write transaction of several INSERTs costs a few round trips to the server instead of one
    per statement (a payment: 2 instead of 10).  Errors of queued statements surface at the
    next read or at the end of the block, as Peewee's exceptions.  A no-op on SQLite (there
    is no round trip) and inside a transaction already open (the caller owns it)."""
    db = proxy.obj
    if not is_postgres(db) or db.in_transaction():
        return _NO_PIPELINE
    return _pipeline(db)


@contextmanager
def _pipeline(db: peewee.Database):
    from psycopg.pq import TransactionStatus
    conn = db.connection()
    try:
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]  # not in peewee's stubs
            with conn.pipeline():
                yield
    finally:
        # a statement failed inside the pipeline: the ROLLBACK Peewee queued was skipped with
        # the rest, so the transaction is still open (and aborted) here
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")


@contextmanager
def planned_each_time():
    """The statements of the block are planned for their own parameters every time
    (PostgreSQL; a no-op on SQLite).

    psycopg prepares a statement on the server once its text has run five times, and after
    five more runs the server may keep one generic plan for any parameters.  A word search's
    text is the same whatever the words, and the right plan is not: the trigram index for a
    rare word, the table in order for a common one.  (Written without ESCAPE, the LIKE got a
    generic plan after ten runs that read the table in order: 300 ms for a rare surname at
    1,000,000 accounts, where the index takes 2 ms.)"""
    db = proxy.obj
    if not is_postgres(db):
        yield
        return
    conn = db.connection()
    before = conn.prepare_threshold
    conn.prepare_threshold = None  # neither prepares nor uses a prepared statement
    try:
        yield
    finally:
        conn.prepare_threshold = before


class read_ahead:
    """The results of ``reads`` (functions that each run one read), in order, the next ones
    run while the caller works on those before: a thread with its own connection starts on
    them at once and runs up to ``depth`` ahead.  Each driver lets other threads run while it
    waits on the database (sqlite3 in ``sqlite3_step``, psycopg on the socket), so a big
    report's statements and its Python pass share the two halves of the time instead of
    adding them (issue #15's worklist: 1,000,000 accounts in statements of 125,000).

    With ``connections`` n, n threads each read every n-th (the database works on n at once).

    Reads on another connection see what is committed, not the caller's own open
    transaction: only for reads made outside one (``RuntimeError`` inside one).  An error in
    a read is raised when its turn comes; ``close`` (or dropping the object) stops the threads."""

    def __init__(self, reads: list, depth: int = 2, connections: int = 1):
        import queue
        import threading

        db = proxy.obj
        if db.in_transaction():
            raise RuntimeError("read_ahead: reads on another connection would not see this transaction's changes")
        self._count = len(reads)
        # several connections: read k of every n on the k-th, handed back in the reads' order
        self._others = [read_ahead(reads[k::connections], depth) for k in range(1, connections)]
        reads = reads[::connections]
        self._results: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()

        def work() -> None:
            try:
                for read in reads:
                    if self._stop.is_set():
                        return
                    try:
                        got = (True, read())
                    except BaseException as e:  # handed over, raised in the caller's thread
                        got = (False, e)
                    while not self._stop.is_set():
                        try:
                            self._results.put(got, timeout=0.05)
                            break
                        except queue.Full:
                            continue
                    if not got[0]:
                        return
            finally:
                if not db.is_closed():
                    db.close()  # this thread's connection

        self._thread = threading.Thread(target=work, name="read-ahead", daemon=True)
        self._thread.start()

    def __iter__(self):
        try:
            mine = self._own()
            turns = [mine] + [iter(o._own()) for o in self._others]
            for i in range(self._count):
                yield next(turns[i % len(turns)])
        finally:
            self.close()

    def _own(self):
        while True:
            ok, got = self._results.get()
            if not ok:
                raise got
            yield got

    def close(self) -> None:
        for other in getattr(self, "_others", ()):
            other.close()
        if hasattr(self, "_thread"):  # (not when __init__ refused)
            self._stop.set()
            self._thread.join()

    def __del__(self) -> None:
        self.close()
