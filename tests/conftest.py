"""Shared fixtures: a fresh database per test on SQLite and (when configured) PostgreSQL.

PostgreSQL runs when ``UBTUI_TEST_POSTGRES_URL`` points at a server where we may create
databases (``.ci/run`` sets it).  Each pytest worker creates its own database, upgrades it
once, truncates it before each test, and drops it at the end.
"""
from __future__ import annotations

import os
import uuid

os.environ.setdefault("UBTUI_ARGON2_FAST", "1")  # cheap hashes: hundreds of logins in tests
os.environ.pop("UBTUI_DATABASE_URL", None)
os.environ.setdefault("UBTUI_CONFIG", "/nonexistent/ubtui-test-config.toml")

import psycopg
import pytest

from models import ALL_MODELS, User, database
from ubtui import clock, config
from ubtui.db import open_database

PG_URL = os.environ.get("UBTUI_TEST_POSTGRES_URL")
PG_SKIP_REASON = "PostgreSQL not configured (set UBTUI_TEST_POSTGRES_URL)"
BACKENDS = ["sqlite", "postgres"]


def _admin_conninfo(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + (url.rsplit("/", 1)[1] or "postgres")


class PgTestDatabase:
    """One database per worker: created on first use, dropped at the end of the session."""

    def __init__(self, base_url: str, worker: str):
        self.base_url = base_url
        self.name = f"ubtui_test_{worker}_{uuid.uuid4().hex[:8]}"
        self.url = base_url.rsplit("/", 1)[0] + "/" + self.name
        self.ready = False

    def admin(self, sql: str) -> None:
        with psycopg.connect(_admin_conninfo(self.base_url), autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self.admin(f'CREATE DATABASE "{self.name}"')
        self.ready = True

    def drop(self) -> None:
        if self.ready:
            if not database.is_closed() and database.obj is not None:
                database.close()
            self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database(worker_id):
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    pg = PgTestDatabase(PG_URL, worker_id)
    pg.create()
    open_database(pg.url)  # migrations once
    yield pg
    pg.drop()


def fresh_postgres(pg: PgTestDatabase) -> str:
    db = open_database(pg.url, upgrade=False)
    tables = ", ".join(f'"{m._meta.table_name}"' for m in ALL_MODELS)
    db.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    User.insert(username="system", full_name="System (CLI and batch jobs)", role="system",
                password_hash="!", active=True).execute()
    return pg.url


@pytest.fixture(autouse=True)
def default_settings():
    config.use_settings(config.Settings())
    yield
    config.use_settings(config.Settings())


@pytest.fixture(autouse=True)
def real_clock():
    """Each test starts on the real clock (an app made with ``today=`` or ``clock.frozen``
    sets the one clock of the process: ``ubtui.clock``)."""
    clock.set_today(None)
    yield
    clock.set_today(None)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def db_url(backend, tmp_path, request):
    """A URL of an empty, upgraded database of the parametrised backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        open_database(url)
        yield url
    else:
        pg = request.getfixturevalue("pg_database")
        yield fresh_postgres(pg)
    if not database.is_closed():
        database.close()


@pytest.fixture
def db(db_url):
    return database.obj


@pytest.fixture
def sqlite_url(tmp_path):
    """SQLite only (screen tests): an empty, upgraded database."""
    url = f"sqlite:///{tmp_path / 'screen.db'}"
    open_database(url)
    yield url
    if not database.is_closed():
        database.close()


@pytest.fixture
def system(db_url):
    from ubtui.security import system_user
    return system_user()


def _make_user(username: str, role: str):
    from ubtui.security import create_user, system_user
    return create_user(system_user(), username, username.title(), role, "password-" + username)


@pytest.fixture
def clerk(db_url):
    return _make_user("clerk1", "clerk")


@pytest.fixture
def senior(db_url):
    return _make_user("senior1", "senior_clerk")


@pytest.fixture
def supervisor(db_url):
    return _make_user("super1", "supervisor")


@pytest.fixture
def make_account(db_url):
    """Factory: an active account with one owner at a new premise."""
    from ubtui.accounts import create_customer, create_premise, open_account
    from ubtui.security import system_user
    counter = iter(range(1, 10_000))

    def make(last_name: str = "Smith", first_name: str = "Pat", street: str = "Main St", **kw):
        n = next(counter)
        sysu = system_user()
        cust = create_customer(sysu, first_name=first_name, last_name=last_name,
                               phones=[("home", f"555-010-{n:04d}")])
        prem = create_premise(sysu, house_number=str(100 + n), street=street, city="Cedar Valley", state="CA",
                              zip="95000", parcel_number=f"001-{n:03d}-00", route="01", read_sequence=n)
        return open_account(sysu, premise=prem, customers=[(cust, "owner")], status=kw.pop("status", "active"), **kw)

    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With UBTUI_REQUIRE_POSTGRES=1 (``.ci/run`` sets it) a skipped PostgreSQL test fails."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("UBTUI_REQUIRE_POSTGRES") == "1":
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("backend") == "postgres" or "pg_database" in getattr(item, "fixturenames", ()):
            report.outcome = "failed"
            report.longrepr = f"PostgreSQL test skipped but UBTUI_REQUIRE_POSTGRES=1: {report.longrepr}"


@pytest.fixture
def pacific_time(monkeypatch):
    """The process's local time zone is California's for the test (timestamps are stored in
    UTC and shown in local time)."""
    import time
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
