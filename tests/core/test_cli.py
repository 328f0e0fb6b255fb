"""The CLI as a person uses it: one-line errors, exit codes (``ubtui_process``: a real
subprocess; ``ubtui``: the same entry point in this process)."""
import contextlib
import io
import os
import subprocess
import sys

import pytest


def ubtui_process(*args, input=None, env_extra=None):
    """``python -m ubtui ARGS`` in a real subprocess: what the shell runs."""
    env = dict(os.environ, UBTUI_ARGON2_FAST="1", UBTUI_CONFIG="/nonexistent.toml")
    env.pop("UBTUI_DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ubtui", *args], capture_output=True, text=True, input=input,
                          env=env, timeout=120)


def ubtui(*args, input=None, env_extra=None):
    """``ubtui ARGS`` through the CLI's own ``main`` in this process, as ``ubtui_process``
    runs it (the default settings, standard input from ``input``, the exit code and both
    outputs captured): a subprocess costs a second of start-up a command, and the command
    tests run hundreds.  The tests that check what only a process shows (the entry point,
    a cold start) use ``ubtui_process``."""
    from ubtui import config
    from ubtui.cli.commands import main
    env = {"UBTUI_ARGON2_FAST": "1", "UBTUI_CONFIG": "/nonexistent.toml", **(env_extra or {})}
    saved_env = {k: os.environ.get(k) for k in [*env, "UBTUI_DATABASE_URL"]}
    saved_settings, saved_stdin = config._settings, sys.stdin
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.pop("UBTUI_DATABASE_URL", None)
        os.environ.update(env)
        config._settings = None  # loaded from UBTUI_CONFIG, as a new process would
        sys.stdin = io.StringIO(input or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as e:  # argparse's usage errors
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    finally:
        sys.stdin = saved_stdin
        config._settings = saved_settings
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(["ubtui", *args], code, out.getvalue(), err.getvalue())


def test_user_commands_and_verify(db_url):
    r = ubtui("--database", db_url, "user", "add", "dana", "--name", "Dana Diaz", "--role", "supervisor",
              "--password-stdin", input="s3cret-pass\n")
    assert r.returncode == 0 and "added dana (supervisor)" in r.stdout, r.stderr
    r = ubtui("--database", db_url, "user", "add", "dana", "--name", "Dana", "--role", "clerk", "--password-stdin",
              input="s3cret-pass\n")
    assert r.returncode == 2 and r.stderr.strip() == "ubtui: user 'dana' already exists"
    assert ubtui("--database", db_url, "user", "disable", "dana").returncode == 0
    listing = ubtui("--database", db_url, "user", "list").stdout
    assert "dana" in listing and "disabled" in listing and "system" not in listing
    r = ubtui("--database", db_url, "verify")
    assert r.returncode == 0 and r.stdout.startswith("ok")
    r = ubtui("--database", db_url, "db", "status")
    assert r.returncode == 0 and "0001_initial" in r.stdout and "PENDING" not in r.stdout


def test_verify_exits_nonzero_naming_the_breach(db_url, make_account, db):
    from models import Account
    a = make_account()
    Account.update(balance_cents=Account.balance_cents + 5).where(Account.id == a.id).execute()
    db.close()
    r = ubtui("--database", db_url, "verify")
    assert r.returncode == 1 and f"balance: account {a.number}: balance 5 != sum of entries 0" in r.stdout


@pytest.mark.parametrize("args,msg", [
    (["--database", "oracle://x/y", "verify"], "ubtui: database URL 'oracle://x/y': unknown kind 'oracle'"),
    (["--database", "postgresql://x@127.0.0.1:1/db", "verify"], "ubtui: cannot open database"),
])
def test_bad_database_is_one_line_not_a_traceback(args, msg):
    r = ubtui(*args)
    assert r.returncode == 2 and r.stderr.startswith(msg) and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_short_password_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    r = ubtui("--database", url, "user", "add", "erin", "--name", "Erin", "--role", "clerk", "--password-stdin",
              input="short\n")
    assert r.returncode == 2 and r.stderr.strip() == "ubtui: Password: must be at least 8 characters"


def test_collections_and_autopay_commands(db_url, make_account, db, tmp_path):
    import datetime as dt

    from ubtui import ledger
    from ubtui.ledger import EntrySpec
    from ubtui.security import system_user
    a = make_account(last_name="Late")
    ledger.post(system_user(), "old", "charge", [EntrySpec(a.id, "charge", 12345, "water", "Water",
                                                           effective_on=dt.date(2026, 7, 1))])
    db.close()
    r = ubtui("--database", db_url, "collections", "list", "--date", "2026-11-28")
    assert r.returncode == 0 and "Late, Pat" in r.stdout and "$123.45" in r.stdout and "reminder" in r.stdout
    # 150 days late but never sent a notice: no disconnect (issue #15)
    r = ubtui("--database", db_url, "collections", "disconnects", "--date", "2026-11-28")
    assert r.returncode == 0 and "0 disconnect orders created" in r.stdout
    pdf, csv = tmp_path / "l.pdf", tmp_path / "l.csv"
    for _ in range(2):
        r = ubtui("--database", db_url, "collections", "run", "--date", "2026-11-28", "--pdf", str(pdf), "--csv", str(csv))
    assert r.returncode == 0 and "0 letters sent" in r.stdout and pdf.exists()  # the rerun sends nothing
    r = ubtui("--database", db_url, "collections", "plan", a.number, "--instalments", "13", "--first-due", "2026-12-01")
    assert r.returncode == 2 and "Instalments: must be 1 to 12" in r.stderr
    r = ubtui("--database", db_url, "collections", "policy")
    assert r.returncode == 0 and "min_days_delinquent = 60" in r.stdout and "27 letter templates checked" in r.stdout
    r = ubtui("--database", db_url, "collections", "list", "--date", "28/11/2026")
    assert r.returncode == 2 and "Date: '28/11/2026' is not a date; type YYYY-MM-DD" in r.stderr
    out = tmp_path / "d.ach"
    r = ubtui("--database", db_url, "autopay", "draft", "--effective", "2026-12-01", "--output", str(out),
              env_extra={"UBTUI_SECRET_KEY": "x" * 43 + "="})
    assert r.returncode == 0 and "0 payments" in r.stdout and out.exists()


def test_database_option_may_follow_the_command():
    from ubtui.cli import hoist_database
    assert hoist_database(["demo", "--database", "x.db", "--no-launch"]) == ["--database", "x.db", "demo", "--no-launch"]
    assert hoist_database(["verify", "--database=y.db"]) == ["--database=y.db", "verify"]
    assert hoist_database(["user", "list"]) == ["user", "list"]


def test_a_sqlite_run_does_not_load_the_postgresql_driver(db_url, backend):
    """Peewee imports psycopg as it loads (0.2 s of a cold start); a run that can only open
    SQLite skips it, one that names PostgreSQL (argument, environment or config) still gets it."""
    code = ("import sys; import ubtui.cli as c; sys.argv = ['ubtui', *sys.argv[1:]]; rc = c.main(); "
            "print('driver', sys.modules.get('psycopg') is not None); sys.exit(rc)")
    env = dict(os.environ, UBTUI_ARGON2_FAST="1", UBTUI_CONFIG="/nonexistent.toml")
    env.pop("UBTUI_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-c", code, "--database", db_url, "db", "status"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"driver {backend == 'postgres'}" in r.stdout
    r = subprocess.run([sys.executable, "-c", code, "db", "status"], capture_output=True, text=True,
                       env=dict(env, UBTUI_DATABASE_URL=db_url), timeout=120)
    assert r.returncode == 0 and f"driver {backend == 'postgres'}" in r.stdout, r.stderr
