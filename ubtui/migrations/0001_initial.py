"""Initial schema: every table, append-only triggers, the built-in system user.

Creates the tables from the current models (see ``ubtui/migrations/__init__.py`` for how a
later model change comes with a migration that is a no-op on a database this one built).
"""
import peewee


def _append_only_sql(db, table):
    if isinstance(db, peewee.PostgresqlDatabase):
        return [
            """CREATE OR REPLACE FUNCTION ubtui_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'table %% is append-only: post a reversing entry instead', TG_TABLE_NAME; END;
                $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}"
                FOR EACH ROW EXECUTE FUNCTION ubtui_refuse_change()""",
        ]
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON "{table}"
            BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: post a reversing entry instead'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON "{table}"
            BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: post a reversing entry instead'); END""",
    ]


def up(migrator, db):
    import models

    db.create_tables(models.ALL_MODELS)
    for model in models.APPEND_ONLY:
        for sql in _append_only_sql(db, model._meta.table_name):
            db.execute_sql(sql)
    models.User.insert(username="system", full_name="System (CLI and batch jobs)", role="system",
                       password_hash="!", active=True).execute()
