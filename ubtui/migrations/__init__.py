"""Numbered schema migrations (``playhouse.migrations``: ``ubtui db upgrade``, ``db status``).

How the schema evolves:

* ``0001_initial`` creates every table from the models in ``models/`` as they are when it
  runs, so a new database gets the current schema in one step.
* A later change to a model therefore comes with a numbered migration that brings an
  *existing* database to the same place and does nothing on a new one, where 0001 already
  did it.  Use the helpers below (``add_column_if_missing``, ``create_tables_if_missing``,
  ``CREATE INDEX IF NOT EXISTS``); ``tests/models/test_schema.py`` checks that a database
  built by the migrations matches the models, and ``tests/models/test_migrations.py`` that
  the helpers do nothing twice.
* Non-model DDL (triggers, FTS tables, expression and trigram indexes) lives only in
  migrations, written for SQLite and PostgreSQL.
"""
from __future__ import annotations

import peewee


def column_names(db: peewee.Database, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def add_column_if_missing(migrator, db: peewee.Database, table: str, name: str, field: peewee.Field) -> bool:
    """Add ``table.name`` unless it is there already (a new database got it from 0001)."""
    if name in column_names(db, table):
        return False
    migrator.migrate(migrator.add_column(table, name, field))
    return True


def create_tables_if_missing(db: peewee.Database, models: list[type[peewee.Model]]) -> list[str]:
    """Create the tables of ``models`` that do not exist yet; returns their names."""
    made = [m._meta.table_name for m in models if not m.table_exists()]
    db.create_tables(models, safe=True)
    return made
