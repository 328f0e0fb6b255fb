
import pytest

from models import database
from ubtui import config
from ubtui.db import DatabaseUnavailable, make_database, open_database, schema_status
from ubtui.errors import ConfigError


def test_sqlite_pragmas(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db._lock_type == "IMMEDIATE"
    assert all(applied for _, applied in schema_status())
    db.close()


def test_bare_path_and_creates_folder(tmp_path):
    db = open_database(str(tmp_path / "sub" / "b.db"))
    assert (tmp_path / "sub" / "b.db").exists()
    db.close()


@pytest.mark.parametrize("url,msg", [
    ("", "empty"), ("mysql://x/y", "unknown kind 'mysql'"), ("postgresql://host", "names no database"),
    ("postgresql://h:notaport/db", "bad port"), ("sqlite://", "names no file"),
])
def test_bad_urls_get_one_line_messages(url, msg):
    with pytest.raises(ConfigError, match=msg):
        make_database(url)


def test_missing_server_is_a_clear_message():
    with pytest.raises(DatabaseUnavailable, match="cannot open database .*Is the server running"):
        open_database("postgresql://nobody@127.0.0.1:1/nodb")
    database.initialize(None)


def test_upgrade_is_idempotent_and_on_postgres_too(db_url):
    open_database(db_url)
    assert [a for _, a in schema_status()] and all(a for _, a in schema_status())


def test_config_file_errors_name_the_file_and_key(tmp_path, monkeypatch):
    p = tmp_path / "c.toml"
    p.write_text("idle_lock_minutes = -3\n")
    with pytest.raises(ConfigError, match=r"c.toml: key 'idle_lock_minutes'"):
        config.load_settings(p)
    p.write_text("database_url = \n")
    with pytest.raises(ConfigError, match=r"c.toml: "):
        config.load_settings(p)
    p.write_text("nonsense_key = 1\n")
    with pytest.raises(ConfigError, match="nonsense_key"):
        config.load_settings(p)
    p.write_text('database_url = "sqlite:///x.db"\n[district]\nname = "Elm Creek WD"\n')
    monkeypatch.delenv("UBTUI_DATABASE_URL", raising=False)
    s = config.load_settings(p)
    assert s.database_url == "sqlite:///x.db" and s.district.name == "Elm Creek WD"
    monkeypatch.setenv("UBTUI_DATABASE_URL", "sqlite:///y.db")
    assert config.load_settings(p).database_url == "sqlite:///y.db"
    p.write_text('[district]\ntimezone = "Pacific/Nowhere"\n')
    with pytest.raises(ConfigError, match=r"key 'district.timezone': .*unknown time zone 'Pacific/Nowhere'"):
        config.load_settings(p)


def test_the_district_time_zone_sets_the_business_day_and_the_times_shown(tmp_path, monkeypatch):
    """A server kept on UTC, a district in California: with [district] timezone set, a
    payment stored at 01:00 UTC on the 16th shows at 18:00 on the 15th."""
    import datetime as dt
    import time

    from ubtui.dates import local_time
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    p = tmp_path / "c.toml"
    p.write_text('[district]\ntimezone = "America/Los_Angeles"\n')
    try:
        assert local_time(dt.datetime(2026, 3, 16, 1, 0)) == dt.datetime(2026, 3, 16, 1, 0)
        config.apply_timezone(config.load_settings(p))
        assert local_time(dt.datetime(2026, 3, 16, 1, 0)) == dt.datetime(2026, 3, 15, 18, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_pipelined_failure_rolls_back_and_leaves_the_connection_usable(db_url, system):
    """A statement that fails inside ``pipelined()`` (PostgreSQL answers it only at the next
    read) raises Peewee's error, writes nothing, and the next statement works."""
    import peewee

    from models import Posting
    from ubtui.db import pipelined, transaction
    db = database.obj
    row = ('INSERT INTO "posting" ("idempotency_key", "kind", "user_id", "created_at", "memo") '
           f"VALUES ({db.param}, 'charge', {db.param}, '2026-01-01 00:00:00', '')")
    with pytest.raises(peewee.IntegrityError):
        with pipelined():
            with transaction():
                db.execute_sql(row, ("first", system.id))
                db.execute_sql(row, ("first", system.id))  # the same unique key
                db.execute_sql(row, ("after", system.id))
    assert Posting.select().count() == 0
    with pipelined():
        with transaction():
            db.execute_sql(row, ("ok", system.id))
    assert [p.idempotency_key for p in Posting.select()] == ["ok"]


def test_the_write_transaction_commits_rolls_back_and_nests_as_savepoints(db_url, system):
    """``transaction()`` (on SQLite its own outermost BEGIN IMMEDIATE): the block's rows are
    there after it, none after a block that raised, and a nested block that raised undoes
    only its own rows (a savepoint on Peewee's stack) while the outer one commits."""
    import peewee

    from models import Posting
    from ubtui.db import transaction
    db = database.obj
    row = ('INSERT INTO "posting" ("idempotency_key", "kind", "user_id", "created_at", "memo") '
           f"VALUES ({db.param}, 'charge', {db.param}, '2026-01-01 00:00:00', '')")
    with transaction():
        assert db.in_transaction()
        db.execute_sql(row, ("kept", system.id))
    assert not db.in_transaction()
    with pytest.raises(RuntimeError):
        with transaction():
            db.execute_sql(row, ("undone", system.id))
            raise RuntimeError("refused after writing")
    with transaction():
        db.execute_sql(row, ("outer", system.id))
        with pytest.raises(peewee.IntegrityError):
            with transaction():
                db.execute_sql(row, ("inner", system.id))
                db.execute_sql(row, ("kept", system.id))  # taken: the savepoint rolls back
        with db.atomic():
            db.execute_sql(row, ("atomic inside", system.id))
    assert sorted(p.idempotency_key for p in Posting.select()) == ["atomic inside", "kept", "outer"]
    assert not db.in_transaction()


def test_the_sqlite_write_transaction_takes_the_write_lock_at_begin(tmp_path):
    """BEGIN IMMEDIATE: while one connection's block is open another cannot start writing,
    and the error it gets is Peewee's (what the services' retry and message handling catch)."""
    import sqlite3

    import peewee

    from ubtui.db import transaction
    path = tmp_path / "lock.db"
    db = open_database(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with transaction():
        db.execute_sql("CREATE TABLE t (x INTEGER)")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again after COMMIT
    try:
        db.execute_sql("PRAGMA busy_timeout = 0")
        with pytest.raises(peewee.OperationalError, match="locked"):
            with transaction():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert db.execute_sql("SELECT count(*) FROM t").fetchone()[0] == 0
    db.close()
