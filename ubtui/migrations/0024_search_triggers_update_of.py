"""The search documents' update triggers (0009) name their columns: ``AFTER UPDATE OF number,
premise_id ON account`` and so on (issue #12's speed).

Written ``AFTER UPDATE ON account WHEN (...)``, every UPDATE of an account -- each payment's
balance -- carried the trigger: SQLite compiled it into the statement, began and committed the
FTS5 table with the transaction (a ``PRAGMA data_version`` among it) and checked the WHEN
clause, about 27,000 instructions a balance update (callgrind; a bare one-row UPDATE
transaction costs 70,000).  With ``UPDATE OF`` a statement that sets none of those columns
leaves the trigger out altogether; PostgreSQL likewise fires it only when the UPDATE sets one
of them.  What the triggers do is unchanged (the WHEN clause stays: a column set to its own
value refreshes nothing)."""
import importlib

import peewee

search = importlib.import_module("ubtui.migrations.0009_account_search")


def up(migrator, db):
    pg = isinstance(db, peewee.PostgresqlDatabase)
    for table, cols in search.CHANGED.items():
        of = f"OF {', '.join(cols)} "
        if pg:
            db.execute_sql(f'DROP TRIGGER IF EXISTS {table}_search_au ON "{table}"')
            db.execute_sql(search.postgres_update_trigger(table, of))
        else:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_search_au")
            db.execute_sql(search.sqlite_update_trigger(table, of))
