"""The audit trail: one append-only row for every change (who, when, what, before/after)."""
from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal

from peewee import Model, ModelSelect
from playhouse.shortcuts import model_to_dict

from models import AuditLog, User


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


def record(user: User | None, action: str, entity: str, entity_id=None, *, before=None, after=None,
           detail: str | None = None) -> AuditLog:
    """Write one audit row; call inside the transaction of the change it records."""
    return AuditLog.create(
        user=user.id if user is not None else None,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=None if before is None else json.dumps(snapshot(before), default=_default, sort_keys=True),
        after=None if after is None else json.dumps(snapshot(after), default=_default, sort_keys=True),
        detail=detail,
    )


def history(entity: str, entity_id) -> ModelSelect:
    return (AuditLog.select().where((AuditLog.entity == entity) & (AuditLog.entity_id == str(entity_id)))
            .order_by(AuditLog.id))
