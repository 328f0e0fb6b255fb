"""The audit trail: one append-only row for every change (who, when, what, before/after)."""
from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal

from peewee import Model
from playhouse.shortcuts import model_to_dict

from models import AuditLog, User, utcnow


def _default(o):
    if isinstance(o, (_dt.date, _dt.datetime, Decimal)):
        return str(o)
    return repr(o)


def snapshot(obj: Model | dict | None, exclude: tuple[str, ...] = ("password_hash",)) -> dict | None:
    """A model row (or dict) as a plain dict for the audit log; secrets left out."""
    if obj is None:
        return None
    data = model_to_dict(obj, recurse=False) if isinstance(obj, Model) else dict(obj)
    return {k: v for k, v in data.items() if k not in exclude}


_INSERT: dict[str, str] = {}
COLUMNS = '"at", "user_id", "action", "entity", "entity_id", "before", "after", "detail"'


def dumps(value) -> str | None:
    """A before/after value as the audit row stores it (JSON text; secrets left out)."""
    return None if value is None else json.dumps(snapshot(value), default=_default, sort_keys=True)


def record(user: User | None, action: str, entity: str, entity_id=None, *, before=None, after=None,
           detail: str | None = None) -> None:
    """Write one audit row; call inside the transaction of the change it records.

    Plain parameterised SQL (built once per database): every posting writes one of these,
    and Peewee's per-call SQL building cost more than the insert itself.  Nothing is read
    back, so inside ``db.pipelined()`` the row costs no round trip of its own."""
    db = AuditLog._meta.database
    p = db.param  # "?" (SQLite) or "%s" (psycopg): the only thing the text depends on
    sql = _INSERT.get(p)
    if sql is None:
        sql = _INSERT[p] = f'INSERT INTO "audit_log" ({COLUMNS}) VALUES ({", ".join([p] * 8)})'
    params = (utcnow(), user.id if user is not None else None, action, entity,
              None if entity_id is None else str(entity_id), dumps(before), dumps(after), detail)
    db.execute_sql(sql, params)
