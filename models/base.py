"""Base model, the database proxy and the field types every table shares.

Money is stored as integer cents in a BIGINT column (``CentsField``).  SQLite
stores ``DecimalField`` as REAL, so it is never used for money here.
"""
from __future__ import annotations

import datetime as _dt

from peewee import (
    BigIntegerField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    Model,
    SchemaManager,
    SqliteDatabase,
    TextField,
)

from ubtui.errors import InputError
from ubtui.text import clean_free_text  # leaf modules: no models, no database, no Textual

database = DatabaseProxy()


def utcnow() -> _dt.datetime:
    """Naive UTC timestamp (both backends store it without a zone)."""
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


class CentsField(BigIntegerField):
    """An amount of money in integer cents.  Never a float."""

    def db_value(self, value):
        if value is not None and not isinstance(value, int):
            raise TypeError(f"{self.name}: money must be integer cents, got {type(value).__name__}")
        return super().db_value(value)


class FreeTextMixin:
    """A column people type free text into (notes, subjects, reasons, names): what is stored
    has card numbers masked to their last 4, and NUL or lone surrogates are refused with an
    ``InputError`` naming the column, whichever service writes it."""

    def db_value(self, value):
        return super().db_value(clean_free_text(value, self.verbose_name or self.name.replace("_", " ").capitalize()))


class FreeTextField(FreeTextMixin, TextField):
    pass


class FreeCharField(FreeTextMixin, CharField):
    """Also refuses text longer than the column (PostgreSQL would fail, SQLite keep it)."""

    def db_value(self, value):
        value = super().db_value(value)
        if isinstance(value, str) and self.max_length and len(value) > self.max_length:
            name = self.verbose_name or self.name.replace("_", " ").capitalize()
            raise InputError(name, f"{len(value):,} characters; at most {self.max_length}")
        return value


class WithoutRowidOnSqlite(SchemaManager):
    """``Meta.schema_manager_class`` of a table keyed by its primary key alone: on SQLite it
    is created ``WITHOUT ROWID``, so its rows live in the primary key's B-tree (a write
    touches one B-tree, not the table's and its key index's).  PostgreSQL has no such
    clause; Peewee's ``Meta.without_rowid`` would add it on either database."""

    def _create_table(self, safe=True, **options):
        ctx = super()._create_table(safe, **options)
        db = self.database
        if isinstance(getattr(db, "obj", db), SqliteDatabase):
            ctx.literal(" WITHOUT ROWID")
        return ctx


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class CreatedMixin(Model):
    created_at = DateTimeField(default=utcnow)
