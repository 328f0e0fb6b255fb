"""Base model, the database proxy and the field types every table shares.

Money is stored as integer cents in a BIGINT column (``CentsField``).  SQLite
stores ``DecimalField`` as REAL, so it is never used for money here.
"""
from __future__ import annotations

import datetime as _dt

from peewee import BigIntegerField, DatabaseProxy, DateTimeField, Model

database = DatabaseProxy()


def utcnow() -> _dt.datetime:
    """Naive UTC timestamp (both backends store it without a zone)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


class CentsField(BigIntegerField):
    """An amount of money in integer cents.  Never a float."""

    def db_value(self, value):
        if value is not None and not isinstance(value, int):
            raise TypeError(f"{self.name}: money must be integer cents, got {type(value).__name__}")
        return super().db_value(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class CreatedMixin(Model):
    created_at = DateTimeField(default=utcnow)
