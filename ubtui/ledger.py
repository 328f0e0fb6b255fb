"""The ledger core: idempotent postings of immutable entries; balance = sum of entries.

* ``post`` writes one ``Posting`` (its idempotency key is UNIQUE) and its entries, and moves
  each account's cached balance with in-SQL arithmetic (``balance = balance + x``) in the same
  transaction, so concurrent cashiers lose nothing on either backend; then, the same way, the
  account's sums by entry category (``CategorySum``: debits and credits), which a payment's
  allocation reads instead of years of entries.  ``ubtui verify`` recomputes both.
* The same key posted again returns the first posting and writes nothing.
* A mistake is corrected by ``reverse``: new entries of the opposite amount that name the
  entries they cancel (``reverses`` is UNIQUE, so nothing is reversed twice).
"""
from __future__ import annotations

import datetime as _dt
import functools
import secrets
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TypeVar

import peewee
from peewee import fn

from models import Account, CategorySum, LedgerEntry, Posting, User, utcnow

from . import audit, clock
from .db import execute, insert_rows, is_postgres, pipelined, transaction
from .errors import Conflict, InputError, NotFound, UbtuiError
from .security import require
from .text import clean_free_text as free_text  # the raw SQL here skips the fields' own cleaning

T = TypeVar("T")

KIND_PERMISSION = {
    "charge": "billing.run",
    "fee": "billing.run",
    "payment": "payment.take",
    "adjustment": "adjustment.post",
    "refund": "refund.issue",
    "transfer": "balance.transfer",
    "write_off": "writeoff.post",
    "deposit": "payment.take",
}
MAX_KEY = 80


@dataclass(frozen=True)
class EntrySpec:
    account_id: int
    kind: str
    amount_cents: int
    category: str = ""
    description: str = ""
    reference: str = ""
    effective_on: _dt.date | None = None
    reverses_id: int | None = None


class PostingResult:
    """What a posting wrote.  ``entry_ids`` and ``balances`` may be read back lazily: inside
    ``db.pipelined()`` the statements that return them are answered together with the
    statements after them, at the first read."""

    def __init__(self, posting_id: int, idempotency_key: str, entry_ids, created: bool, balances=None):
        self.posting_id = posting_id
        self.idempotency_key = idempotency_key
        self.created = created  # False when the key had been posted before (nothing written this time)
        self._entry_ids = entry_ids  # a list, or a function returning it
        self._balances = balances if balances is not None else {}  # a dict, or a function returning it

    @property
    def entry_ids(self) -> list[int]:
        if callable(self._entry_ids):
            self._entry_ids = self._entry_ids()
        return self._entry_ids

    @property
    def balances(self) -> dict[int, int]:  # account id -> balance after
        if callable(self._balances):
            self._balances = self._balances()
        return self._balances

    def __repr__(self) -> str:
        return f"PostingResult(posting_id={self.posting_id}, key={self.idempotency_key!r}, created={self.created})"


def new_key(prefix: str) -> str:
    """A fresh idempotency key for one form: ``prefix``, the time in nanoseconds (16 hex
    digits) and 48 random bits.  Keys made later sort later, so a district's postings add
    their keys at the end of the unique index, whose last pages stay in the cache however
    many million keys it holds (a random key, as a uuid4, lands on any of its pages)."""
    return f"{prefix}{time.time_ns():016x}{secrets.token_hex(6)}"


def check_key(key: str) -> str:
    if not key or not isinstance(key, str) or len(key) > MAX_KEY:
        raise InputError("Idempotency key", f"must be 1-{MAX_KEY} characters")
    return key


class AlreadyPosted(peewee.IntegrityError):
    """``write_posting`` found its idempotency key taken (by an earlier or a concurrent posting).

    An ``IntegrityError``, as the unique index would raise: callers that roll back and look
    again on a duplicate treat both alike."""


def _posted(key: str) -> Posting | None:
    return Posting.get_or_none(Posting.idempotency_key == key)


def idempotent(key: str, build: Callable[[], T], replay: Callable[[Posting], T], *, pipeline: bool = False) -> T:
    """Run ``build`` in one write transaction unless ``key`` was posted already.

    ``build`` calls ``write_posting`` with ``key``, whose INSERT ... ON CONFLICT DO NOTHING is
    the check: when the key is taken (a double Enter, a retry after a crash, a concurrent twin
    that committed first) nothing is written, the transaction rolls back and ``replay`` of the
    first posting is returned.  No separate lookup precedes the write, so a posting costs one
    statement less.  A ``build`` that refuses (say "already reversed") because its own posting
    is already there also ends in the replay, not the error.

    ``pipeline=True`` runs it in ``db.pipelined()`` (PostgreSQL: statements answered together
    at the next read); only for a ``build`` whose statements need no answer it has not read
    (Peewee's row counts, for one, are not known there until a read)."""
    check_key(key)
    try:
        with pipelined() if pipeline else nullcontext():
            with transaction():
                return build()
    except peewee.IntegrityError:
        existing = _posted(key)
        if existing is None:
            raise Conflict("another change to the same records got there first; look again and retry") from None
        return replay(existing)
    except UbtuiError:
        existing = _posted(key)
        if existing is None:
            raise
        return replay(existing)


_STATEMENTS: dict[str, dict[str, str]] = {}
SUMS = CategorySum._meta.table_name
ENTRY_COLUMNS = ("posting_id", "account_id", "kind", "category", "amount_cents", "effective_on", "posted_at",
                 "description", "reference", "reverses_id")  # the order of ``_entry_params``


def _quoted(name: str) -> str:
    return f'"{name}"'


def _sql(db: peewee.Database) -> dict[str, str]:
    """The posting statements as plain parameterised SQL, built once per database.

    Peewee builds SQL from its query objects on every call, which cost about 4 of the 5.6 ms
    a posting took; these few statements are the hot path of every payment and bill."""
    p = db.param  # "?" (SQLite) or "%s" (psycopg): the only thing the text depends on
    found = _STATEMENTS.get(p)
    if found is None:
        # a key already posted writes nothing (and, with RETURNING, returns no row)
        skip_taken = ' ON CONFLICT ("idempotency_key") DO NOTHING'
        move_balance = f'UPDATE "account" SET "balance_cents" = "balance_cents" + {p} WHERE "id" = {p}'
        found = _STATEMENTS[p] = {
            # + rows + "taken" (or "skip_taken": SQLite, see _write_posting_sqlite)
            "posting_into": 'INSERT INTO "posting" ("idempotency_key", "kind", "user_id", "created_at", "memo") VALUES ',
            "posting_row": f"({p}, {p}, {p}, {p}, {p})",
            "taken": skip_taken + ' RETURNING id, "idempotency_key"',
            "skip_taken": skip_taken,
            "entry": f'INSERT INTO "ledger_entry" ({", ".join(map(_quoted, ENTRY_COLUMNS))}) VALUES ',
            "entry_row": f"({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            "move_balance": move_balance,
            "balance": move_balance + ' RETURNING "balance_cents"',
            # + rows + "sums_set": the category sums moved by in-SQL arithmetic (a new category: a new row)
            "sums_into": f'INSERT INTO "{SUMS}" ("account_id", "category", "debit_cents", "credit_cents") ',
            "sums_row": f"({p}, {p}, {p}, {p})",
            "sums_set": (f' ON CONFLICT ("account_id", "category") DO UPDATE SET '
                         f'"debit_cents" = "{SUMS}"."debit_cents" + excluded."debit_cents", '
                         f'"credit_cents" = "{SUMS}"."credit_cents" + excluded."credit_cents"'),
        }
    return found


def _checked(entries: Iterable[EntrySpec]) -> list[EntrySpec]:
    """The entries of one posting, refused (before anything is written) unless each is a
    non-zero amount of integer cents and each reversal names what it reverses."""
    specs = list(entries)
    if not specs:
        raise InputError("Posting", "has no entries")
    for s in specs:
        if not isinstance(s.amount_cents, int) or isinstance(s.amount_cents, bool):
            raise InputError("Amount", "must be integer cents")
        if s.amount_cents == 0:
            raise InputError("Amount", "must not be zero")
        if s.kind == "reversal" and s.reverses_id is None:
            raise InputError("Posting", "a reversal must name the entry it reverses")
    return specs


def _entry_rows(specs: list[EntrySpec]) -> list[dict]:
    today = clock.today()
    return [dict(account=s.account_id, kind=s.kind, category=s.category, amount_cents=s.amount_cents,
                 effective_on=s.effective_on or today, description=free_text(s.description[:120], "Description"),
                 reference=s.reference[:40], reverses=s.reverses_id)
            for s in specs]


def _entry_values(r: dict, now) -> tuple:
    """One entry row's values in ``ENTRY_COLUMNS`` order, after ``posting_id``."""
    return (r["account"], r["kind"], r["category"], r["amount_cents"], r["effective_on"], now, r["description"],
            r["reference"], r["reverses"])


def _entry_params(posting_id: int, rows: list[dict], now) -> tuple:
    return tuple(v for r in rows for v in (posting_id, *_entry_values(r, now)))


def _deltas(specs: Iterable[EntrySpec]) -> dict[int, int]:
    out: dict[int, int] = {}
    for s in specs:
        out[s.account_id] = out.get(s.account_id, 0) + s.amount_cents
    return out


def _sum_deltas(specs: Iterable[EntrySpec]) -> list[tuple[int, str, int, int]]:
    """(account id, category, debits, credits) a posting adds to ``CategorySum``, in
    (account, category) order: the order every posting moves them in (no deadlock)."""
    out: dict[tuple[int, str], list[int]] = {}
    for s in specs:
        d = out.setdefault((s.account_id, s.category), [0, 0])
        d[0 if s.amount_cents > 0 else 1] += s.amount_cents
    return [(a, c, d[0], d[1]) for (a, c), d in sorted(out.items())]


def _move_sums(sql: dict[str, str], sums: list[tuple[int, str, int, int]]):
    """Move the category sums (after the balances: the account rows are locked first)."""
    for lo in range(0, len(sums), ROWS_PER_STATEMENT):
        part = sums[lo:lo + ROWS_PER_STATEMENT]
        execute(sql["sums_into"] + "VALUES " + ", ".join([sql["sums_row"]] * len(part)) + sql["sums_set"],
                tuple(v for row in part for v in row))


@dataclass(frozen=True)
class NewPosting:
    """One posting of a batch (``write_postings``)."""
    key: str
    kind: str
    entries: list[EntrySpec]
    memo: str = ""


ROWS_PER_STATEMENT = 300  # entry rows of ten parameters: within every SQLite's parameter limit


def lock_accounts(account_ids: list[int]) -> None:
    """PostgreSQL, inside a transaction: lock these accounts' rows in id order before moving
    their balances, so two postings over the same accounts never deadlock each other.  (SQLite
    needs none: BEGIN IMMEDIATE lets one writer in at a time.)"""
    db = Posting._meta.database
    if is_postgres(db) and account_ids:
        db.execute_sql(f'SELECT id FROM "account" WHERE id IN ({", ".join([db.param] * len(account_ids))}) '
                       'ORDER BY id FOR UPDATE', tuple(account_ids))


def write_postings(user: User, postings: list[NewPosting], *, action: str, detail: str | None = None) -> list[int]:
    """Inside a transaction: many postings at once (a bill run's chunk); their ids, in order.

    The same rows as ``write_posting`` would write one by one, with a handful of statements
    per batch instead of four per posting: the postings in multi-row INSERTs, the entries in
    multi-row INSERTs, every account's balance moved by one UPDATE (in-SQL arithmetic, after
    locking the accounts in id order on PostgreSQL), and one audit row ``action`` listing
    each posting's key, id and entries.  Raises ``AlreadyPosted`` (the caller's transaction
    rolls back: nothing written) when any key is taken."""
    if not postings:
        return []
    checked = [(np, _checked(np.entries)) for np in postings]
    keys = [np.key for np in postings]
    if len(set(keys)) != len(keys):
        raise InputError("Posting", "the same idempotency key twice in one batch")
    db = Posting._meta.database
    p = db.param
    sql = _sql(db)
    now = utcnow()
    ids: dict[str, int] = {}
    for lo in range(0, len(checked), ROWS_PER_STATEMENT):
        part = checked[lo:lo + ROWS_PER_STATEMENT]
        cur = db.execute_sql(sql["posting_into"] + ", ".join([sql["posting_row"]] * len(part)) + sql["taken"],
                             tuple(v for np, _ in part for v in (np.key, np.kind, user.id, now, free_text(np.memo[:500], "Memo"))))
        ids.update((k, i) for i, k in cur.fetchall())
    if len(ids) != len(keys):
        taken = next(k for k in keys if k not in ids)
        raise AlreadyPosted(f"idempotency key {taken!r} is already posted")
    entry_params: list[tuple] = []
    audit_rows = []
    for np, specs in checked:
        rows = _entry_rows(specs)
        audit_rows.append({"key": np.key, "posting": ids[np.key], "entries": rows})
        entry_params += [_entry_params(ids[np.key], [r], now) for r in rows]
    insert_rows("ledger_entry", list(ENTRY_COLUMNS), entry_params)
    deltas = _deltas(s for _, specs in checked for s in specs)
    accounts = sorted(deltas)
    for lo in range(0, len(accounts), ROWS_PER_STATEMENT):
        some = accounts[lo:lo + ROWS_PER_STATEMENT]
        lock_accounts(some)
        values = ", ".join([f"({p}, {p})"] * len(some))
        cur = db.execute_sql(f'UPDATE "account" SET "balance_cents" = "balance_cents" + v.column2 '
                             f'FROM (VALUES {values}) AS v WHERE "account"."id" = v.column1',
                             tuple(x for a in some for x in (a, deltas[a])))
        if cur.rowcount != len(some):
            raise NotFound("an account of this batch does not exist")
    _move_sums(sql, _sum_deltas(s for _, specs in checked for s in specs))
    audit.record(user, action, "posting", ids[keys[0]], after={"postings": audit_rows}, detail=detail)
    return [ids[k] for k in keys]


def write_posting(user: User, key: str, kind: str, entries: Iterable[EntrySpec], memo: str = "", *,
                  audited: bool = True, now: _dt.datetime | str | None = None) -> PostingResult:
    """Inside a transaction: insert the posting, its entries and move cached balances.

    Validates amounts (integer cents, non-zero) and accounts; raises before writing.  Raises
    ``AlreadyPosted`` (writing nothing) when ``key`` is taken.  ``audited=False`` leaves the
    audit row to the caller, which names the posting in the row of the change it is part of
    (a payment: one audit row per receipt, not two).  ``now``: the posting's timestamp, when
    the caller stamps its other rows with the same moment (SQLite: a datetime, or the text
    sqlite3 stores for it)."""
    specs = _checked(entries)
    db = Posting._meta.database
    sql = _sql(db)
    now = now or utcnow()
    posting = (key, kind, user.id, now, free_text(memo[:500], "Memo"))
    rows = _entry_rows(specs)
    deltas = _deltas(specs)
    write = _write_posting_pg if is_postgres() else _write_posting_sqlite
    result = write(sql, posting, rows, deltas, now)
    _move_sums(sql, _sum_deltas(specs))
    if audited:
        audit.record(user, f"post.{kind}", "posting", result.posting_id,
                     after={"key": key, "entries": rows}, detail=memo[:200] or None)
    return result


def _write_posting_pg(sql: dict[str, str], posting: tuple, rows: list[dict], deltas: dict[int, int], now) -> PostingResult:
    """PostgreSQL: the posting, its entries and the balances, each statement returning what
    the result needs; read back only when asked (see ``PostingResult``): inside
    ``db.pipelined()`` the answers come with the next read.  An unknown account raises then,
    and the transaction the caller is in rolls back."""
    row = execute(sql["posting_into"] + sql["posting_row"] + sql["taken"], posting).fetchone()
    if row is None:
        raise AlreadyPosted(f"idempotency key {posting[0]!r} is already posted")
    posting_id = row[0]
    # All the entries in one multi-row INSERT (a bill has several lines).  Ids come from one
    # statement in row order, so sorted ids match the entries one to one.
    values = ", ".join([sql["entry_row"]] * len(rows))
    entries_cur = execute(sql["entry"] + values + " RETURNING id", _entry_params(posting_id, rows, now))
    # Lock order by account id: two multi-account postings never deadlock each other.
    balance_curs = [(account_id, execute(sql["balance"], (deltas[account_id], account_id)))
                    for account_id in sorted(deltas)]

    def entry_ids() -> list[int]:
        return sorted(i for (i,) in entries_cur.fetchall())

    def balances() -> dict[int, int]:
        out = {}
        for account_id, cur in balance_curs:
            row = cur.fetchone()
            if row is None:
                raise NotFound(f"account id {account_id} does not exist")
            out[account_id] = int(row[0])
        return out
    return PostingResult(posting_id, posting[0], entry_ids, True, balances)


def _write_posting_sqlite(sql: dict[str, str], posting: tuple, rows: list[dict], deltas: dict[int, int],
                          now) -> PostingResult:
    """SQLite: the same rows without RETURNING, which costs SQLite (3.40) more than the
    statement it is on (a posting's insert 4 us, 13 with it; the balance's update 2.4 us, 13
    with it).  The posting's id is the insert's rowid (no row changed: the key was taken);
    the balances are read back by id inside the transaction; the entries' ids, which few
    callers want, are read when asked (the entries are immutable: any moment gives them)."""
    cur = execute(sql["posting_into"] + sql["posting_row"] + sql["skip_taken"], posting)
    if cur.rowcount != 1:
        raise AlreadyPosted(f"idempotency key {posting[0]!r} is already posted")
    posting_id = cur.lastrowid
    execute(sql["entry"] + ", ".join([sql["entry_row"]] * len(rows)), _entry_params(posting_id, rows, now))
    accounts = sorted(deltas)
    for account_id in accounts:
        if execute(sql["move_balance"], (deltas[account_id], account_id)).rowcount != 1:
            raise NotFound(f"account id {account_id} does not exist")
    balances = dict(execute(_balances_sql(len(accounts)), accounts).fetchall())

    def entry_ids() -> list[int]:
        return [i for (i,) in execute(_ENTRY_IDS, (posting_id,)).fetchall()]
    return PostingResult(posting_id, posting[0], entry_ids, True, balances)


_ENTRY_IDS = 'SELECT id FROM "ledger_entry" WHERE "posting_id" = ? ORDER BY id'  # SQLite


@functools.lru_cache(maxsize=8)
def _balances_sql(n: int) -> str:
    """SQLite: (id, balance) of ``n`` accounts."""
    return f'SELECT id, "balance_cents" FROM "account" WHERE id IN ({", ".join(["?"] * n)})'


_ENTRY_VALUES_PG = ("(%s::bigint, %s::text, %s::text, %s::bigint, %s::date, %s::timestamp, %s::text, %s::text, "
                    "%s::bigint)")  # ENTRY_COLUMNS after posting_id, typed: VALUES rows carry no column types


def posting_ctes_pg(user: User, key: str, kind: str, entries: Iterable[EntrySpec], memo: str, now) -> tuple[str, list]:
    """PostgreSQL: ``write_posting`` as WITH items of one bigger statement (a payment writes
    its receipt, tenders and audit row in the same statement: one statement's client work
    instead of six).  Returns (``p AS (...), e AS (...), b AS (...)``, params):

    * ``p``: the posting's id, or no row when ``key`` is taken -- everything else selects
      FROM p, so then nothing at all is written (the caller replays the first posting);
    * ``e``: its entries' ids;  ``b``: (id, balance_cents) of each account after the move;
    * ``cs``: the category sums moved, after ``b`` (it reads ``b``: the account rows are
      locked first, as in ``write_posting``).

    For a posting over several accounts the caller locks them first (``lock_accounts``: an
    UPDATE FROM VALUES has no order)."""
    specs = _checked(entries)
    rows = _entry_rows(specs)
    deltas = _deltas(specs)
    sql = _sql(Posting._meta.database)
    params: list = [key, kind, user.id, now, free_text(memo[:500], "Memo")]
    for r in rows:
        params += _entry_values(r, now)
    for account_id in sorted(deltas):
        params += [account_id, deltas[account_id]]
    sums = _sum_deltas(specs)
    for row in sums:
        params += row
    text = (f'p AS ({sql["posting_into"]}{sql["posting_row"]}{sql["taken"]}), '
            f'e AS (INSERT INTO "ledger_entry" ({", ".join(map(_quoted, ENTRY_COLUMNS))}) '
            f'SELECT p.id, v.* FROM p, (VALUES {", ".join([_ENTRY_VALUES_PG] * len(rows))}) AS v RETURNING id), '
            f'b AS (UPDATE "account" SET "balance_cents" = "balance_cents" + v.d FROM p, '
            f'(VALUES {", ".join(["(%s::bigint, %s::bigint)"] * len(deltas))}) AS v (a, d) '
            f'WHERE "account"."id" = v.a RETURNING "account"."id", "account"."balance_cents"), '
            f'cs AS ({sql["sums_into"]}SELECT v.* FROM b, '
            f'(VALUES {", ".join(["(%s::bigint, %s::text, %s::bigint, %s::bigint)"] * len(sums))}) '
            f'AS v (a, c, d, cr) WHERE b.id = v.a{sql["sums_set"]})')
    return text, params


def replay_posting(posting: Posting) -> PostingResult:
    entries = list(LedgerEntry.select().where(LedgerEntry.posting == posting.id).order_by(LedgerEntry.id))
    balances = {a: account_balance(a) for a in dict.fromkeys(e.account_id for e in entries)}
    return PostingResult(posting.id, posting.idempotency_key, [e.id for e in entries], False, balances)


def post(user: User, key: str, kind: str, entries: Iterable[EntrySpec], memo: str = "",
         permission: str | None = None) -> PostingResult:
    """Post entries atomically and idempotently, after checking the user's permission."""
    require(user, permission or KIND_PERMISSION.get(kind, "adjustment.post"))
    specs = list(entries)
    return idempotent(key, lambda: write_posting(user, key, kind, specs, memo), replay_posting, pipeline=True)


def reverse(user: User, key: str, posting_id: int, reason: str, *, permission: str = "adjustment.post",
            effective_on: _dt.date | None = None) -> PostingResult:
    """Post the exact opposite of every entry of ``posting_id``."""
    require(user, permission)
    if not reason or not reason.strip():
        raise InputError("Reason", "say why this is reversed")

    def build() -> PostingResult:
        original = Posting.get_or_none(Posting.id == posting_id)
        if original is None:
            raise NotFound(f"posting {posting_id} does not exist")
        entries = list(LedgerEntry.select().where(LedgerEntry.posting == posting_id))
        if any(e.kind == "reversal" for e in entries):
            raise Conflict(f"posting {posting_id} is itself a reversal; post a new entry instead")
        done = LedgerEntry.select().where(LedgerEntry.reverses.in_([e.id for e in entries])).exists()
        if done:
            raise Conflict(f"posting {posting_id} has already been reversed")
        specs = [EntrySpec(e.account_id, "reversal", -e.amount_cents, e.category,
                           f"Reversal: {e.description}"[:120], e.reference, effective_on, e.id)
                 for e in entries]
        return write_posting(user, key, "reversal", specs, memo=f"reverses posting {posting_id}: {reason.strip()}")

    return idempotent(key, build, replay_posting)


def account_balance(account_id: int) -> int:
    """The cached balance (kept equal to the sum of entries; ``ubtui verify`` proves it)."""
    v = Account.select(Account.balance_cents).where(Account.id == account_id).scalar()
    if v is None:
        raise NotFound(f"account id {account_id} does not exist")
    return int(v)


def category_sums(account_id: int) -> dict[str, tuple[int, int]]:
    """The account's cached sums by category: {category: (debits, credits)}."""
    return {c: (int(d), int(cr)) for c, d, cr in CategorySum.select(
        CategorySum.category, CategorySum.debit_cents, CategorySum.credit_cents)
        .where(CategorySum.account == account_id).tuples()}


# Every account's (or, with a WHERE, some accounts') sums by category from the entries
# themselves: what ``CategorySum`` must hold (``ubtui verify``, ``rebuild_category_sums``).
SUMS_OF_ENTRIES = ("SELECT account_id, category, "
                   "CAST(COALESCE(SUM(CASE WHEN amount_cents > 0 THEN amount_cents END), 0) AS BIGINT) AS debit, "
                   "CAST(COALESCE(SUM(CASE WHEN amount_cents < 0 THEN amount_cents END), 0) AS BIGINT) AS credit "
                   "FROM ledger_entry {where} GROUP BY account_id, category")


def computed_category_sums(account_id: int) -> dict[str, tuple[int, int]]:
    """The same sums from the entries themselves (what ``category_sums`` must equal)."""
    p = Posting._meta.database.param
    return {c: (int(d), int(cr)) for _, c, d, cr in
            execute(SUMS_OF_ENTRIES.format(where=f"WHERE account_id = {p}"), (account_id,)).fetchall()}


def rebuild_category_sums() -> None:
    """Inside a transaction: recompute every account's category sums from the entries (after
    rows were written in bulk, beside the ledger: the demo and the benchmarks' history)."""
    execute(f'DELETE FROM "{SUMS}"')
    execute(f'INSERT INTO "{SUMS}" ("account_id", "category", "debit_cents", "credit_cents") '
            + SUMS_OF_ENTRIES.format(where=""))


def computed_balance(account_id: int) -> int:
    v = (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0))
         .where(LedgerEntry.account == account_id).scalar())
    return int(v)
