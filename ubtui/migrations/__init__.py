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
    if isinstance(db, peewee.SqliteDatabase) and not field.null and field.default is not None \
            and not callable(field.default):
        # SQLite adds a NOT NULL column with a constant default in place.  Peewee's migrator
        # adds it NULL, fills it and then rebuilds the table to make it NOT NULL (copy, drop,
        # rename), which fails once triggers of other tables read this one (the search
        # triggers of 0009: "error in trigger ...: no such table: main.customer").
        field.bind(peewee.Model, name)  # a column name for the DDL; no model is changed
        ctx = db.get_sql_context()
        ddl, params = ctx.sql(field.ddl(ctx)).query()
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {ddl} DEFAULT {_inline(field.db_value(field.default))}',
                       params)
        return True
    migrator.migrate(migrator.add_column(table, name, field))
    return True


def _inline(value) -> str:
    """A constant default as SQL text (DDL takes no parameters)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def create_tables_if_missing(db: peewee.Database, models: list[type[peewee.Model]]) -> list[str]:
    """Create the tables of ``models`` that do not exist yet; returns their names."""
    made = [m._meta.table_name for m in models if not m.table_exists()]
    db.create_tables(models, safe=True)
    return made
