"""The helpers later migrations use do their work once: on an old database, not a new one."""
from peewee import CharField, IntegerField, Model
from playhouse.migrate import SchemaMigrator

from ubtui.migrations import add_column_if_missing, column_names, create_tables_if_missing


def test_add_column_only_where_missing(db):
    db.execute_sql('CREATE TABLE "old_thing" ("id" INTEGER PRIMARY KEY, "name" VARCHAR(10))')
    migrator = SchemaMigrator.from_database(db)
    assert add_column_if_missing(migrator, db, "old_thing", "note", CharField(max_length=20, default=""))
    assert not add_column_if_missing(migrator, db, "old_thing", "note", CharField(max_length=20, default=""))
    assert "note" in column_names(db, "old_thing")


def test_create_tables_only_where_missing(db):
    class NewThing(Model):
        n = IntegerField()

        class Meta:
            database = db
            table_name = "new_thing"

    assert create_tables_if_missing(db, [NewThing]) == ["new_thing"]
    assert create_tables_if_missing(db, [NewThing]) == []
