"""The audit trail: one append-only row for every change (who, when, what, before/after)."""
from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal

from peewee import JOIN, Model, fn
from playhouse.shortcuts import model_to_dict

from models import AuditLog, User, utcnow

from .dates import db_datetime
from .db import execute
from .text import PAN_MIN, mask_pan


def _default(o):
    if isinstance(o, (_dt.date, _dt.datetime, Decimal)):
        return str(o)
    return repr(o)


def snapshot(obj: Model | dict | None, exclude: tuple[str, ...] = ("password_hash",)) -> dict | None:
    """A model row (or dict) as a plain dict for the audit log; secrets left out."""
    if obj is None:
        return None
    data = model_to_dict(obj, recurse=False) if isinstance(obj, Model) else dict(obj)
    return {k: _masked(k, v) for k, v in data.items() if k not in exclude}


# Identifiers are never free text (an idempotency key may hold a long digit run).
_IDENTIFIERS = ("key", "number", "reference", "sha256", "batch", "run_key")


def _masked(key: str, value):
    """Card numbers in free text masked to the last 4 before the audit row is written."""
    t = type(value)
    if value is None or t is int or t is bool:  # most leaves (ids, cents, flags): nothing to mask
        return value
    if t is str:  # text shorter than a card number cannot hold one (every payment's kinds, categories)
        return value if len(value) < PAN_MIN or key.endswith(_IDENTIFIERS) else mask_pan(value)
    if t is list or t is tuple:  # the short leaves inline: a receipt's rows are lists of them
        return [v if type(v) is int or (type(v) is str and len(v) < PAN_MIN) else _masked(key, v) for v in value]
    if isinstance(value, str):
        return value if key.endswith(_IDENTIFIERS) else mask_pan(value)
    if isinstance(value, dict):
        return {k: _masked(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(key, v) for v in value]
    return value


_INSERT: dict[str, str] = {}
COLUMNS = '"at", "user_id", "action", "entity", "entity_id", "before", "after", "detail"'


# One encoder for every row: ``json.dumps`` with options builds a new one per call (a
# payment's audit row spent a third of its JSON time there).
_ENCODE = json.JSONEncoder(default=_default, sort_keys=True).encode


def dumps(value) -> str | None:
    """A before/after value as the audit row stores it (JSON text; secrets left out)."""
    return None if value is None else _ENCODE(snapshot(value))


def record(user: User | None, action: str, entity: str, entity_id=None, *, before=None, after=None,
           detail: str | None = None, at: _dt.datetime | str | None = None) -> None:
    """Write one audit row; call inside the transaction of the change it records.

    Plain parameterised SQL (built once per database): every posting writes one of these,
    and Peewee's per-call SQL building cost more than the insert itself.  Nothing is read
    back, so inside ``db.pipelined()`` the row costs no round trip of its own.  ``at``: the
    moment of the change, when the caller stamps its own rows with it."""
    db = AuditLog._meta.database
    p = db.param  # "?" (SQLite) or "%s" (psycopg): the only thing the text depends on
    sql = _INSERT.get(p)
    if sql is None:
        sql = _INSERT[p] = f'INSERT INTO "audit_log" ({COLUMNS}) VALUES ({", ".join([p] * 8)})'
    params = (at or utcnow(), user.id if user is not None else None, action, entity,
              None if entity_id is None else str(entity_id), dumps(before), dumps(after),
              detail and mask_pan(detail))
    execute(sql, params)


def _first_id_at(moment: _dt.datetime, lo: int, hi: int) -> int:
    """The smallest id in [lo, hi) whose row is at ``moment`` or later (``hi`` when none).

    Rows are appended in time order, so ``at`` grows with the id: a bisection over the
    primary key (about 2 log2(n) probes) stands in for an index on ``at`` that every change
    would have to write.  Ids may have gaps (rolled-back inserts): each probe takes the
    first row at or after its id."""
    db = AuditLog._meta.database
    probe = f'SELECT id, "at" FROM "audit_log" WHERE id >= {db.param} ORDER BY id LIMIT 1'
    while lo < hi:
        mid = (lo + hi) // 2
        row = db.execute_sql(probe, (mid,)).fetchone()
        if row is None or row[0] >= hi:
            hi = mid
        elif db_datetime(row[1]) < moment:
            lo = row[0] + 1
        else:
            hi = row[0]
    return lo


def rows_between(start: _dt.datetime, end: _dt.datetime, username: str = "") -> list[tuple]:
    """Audit rows from ``start`` up to (not including) ``end``, oldest first, optionally of
    one user: (at, username, action, entity, entity_id, detail)."""
    bounds = AuditLog.select(fn.MIN(AuditLog.id), fn.MAX(AuditLog.id)).tuples().first()
    if not bounds or bounds[0] is None:
        return []
    lo, hi = bounds[0], bounds[1] + 1
    first = _first_id_at(start, lo, hi)
    last = _first_id_at(end, first, hi)
    q = (AuditLog.select(AuditLog.at, User.username, AuditLog.action, AuditLog.entity, AuditLog.entity_id,
                         AuditLog.detail)
         .join(User, JOIN.LEFT_OUTER, on=(AuditLog.user == User.id))
         .where((AuditLog.id >= first) & (AuditLog.id < last)))
    if username:
        q = q.where(User.username == username)
    return [(db_datetime(at), *rest) for at, *rest in q.order_by(AuditLog.id).tuples()]
