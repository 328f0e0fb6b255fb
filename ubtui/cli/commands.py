"""The ``ubtui`` command line.  Every subcommand calls the same core functions the screens use.

Commands run on the server itself act as the built-in ``system`` user (each change still
writes its audit row, as that user).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from ubtui import __version__
from ubtui.cli.support import actor, connect, database_url, parse_date  # noqa: F401  (the commands here and older callers)
from ubtui.errors import UbtuiError
from ubtui.text import counted

# Each entry adds one group of subcommands: fn(subparsers).  Later modules append here.
REGISTRARS: list[Callable] = []


def registrar(fn: Callable) -> Callable:
    REGISTRARS.append(fn)
    return fn


def read_new_password(args) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UbtuiError("no terminal to ask for the password; use --password-stdin")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat password: "):
        raise UbtuiError("the two passwords differ; nothing changed")
    return first


# --- db -----------------------------------------------------------------------------------
@registrar
def add_db(sub):
    p = sub.add_parser("db", help="database schema: upgrade, status")
    dsub = p.add_subparsers(dest="db_cmd", required=True)
    dsub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)
    dsub.add_parser("status", help="list migrations and whether they are applied").set_defaults(func=cmd_db_status)


def cmd_db_upgrade(args) -> int:
    from ubtui.db import upgrade_schema
    connect(args, upgrade=False)
    applied = upgrade_schema()
    print("applied: " + ", ".join(applied) if applied else "schema is up to date")
    return 0


def cmd_db_status(args) -> int:
    from ubtui.db import schema_status
    connect(args, upgrade=False)
    pending = 0
    for name, applied in schema_status():
        print(f"{name:40} {'applied ' + str(applied)[:19] if applied else 'PENDING'}")
        pending += applied is None
    return 1 if pending else 0


# --- verify -------------------------------------------------------------------------------
@registrar
def add_verify(sub):
    sub.add_parser("verify", help="check every money invariant; exit 1 naming each breach").set_defaults(func=cmd_verify)


def cmd_verify(args) -> int:
    from ubtui.verify import verify_all
    connect(args)
    breaches = verify_all()
    for b in breaches:
        print(b)
    if breaches:
        print(f"{len(breaches)} breach(es) found", file=sys.stderr)
        return 1
    print("ok: balances equal their entries, reversals cancel what they name, tenders and drawers agree")
    return 0


# --- users --------------------------------------------------------------------------------
@registrar
def add_user(sub):
    p = sub.add_parser("user", help="users: add, passwd, disable, enable, list")
    usub = p.add_subparsers(dest="user_cmd", required=True)
    a = usub.add_parser("add", help="add a user")
    a.add_argument("username")
    a.add_argument("--name", required=True, help="full name")
    a.add_argument("--role", required=True, choices=["clerk", "senior_clerk", "supervisor", "admin"])
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(func=cmd_user_add)
    pw = usub.add_parser("passwd", help="set a user's password")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=cmd_user_passwd)
    for name, active in (("disable", False), ("enable", True)):
        d = usub.add_parser(name, help=f"{name} a user")
        d.add_argument("username")
        d.set_defaults(func=cmd_user_active, active=active)
    usub.add_parser("list", help="list users").set_defaults(func=cmd_user_list)
    k = usub.add_parser("add-key", help="register an SSH public key: it opens the SSH door (ubtui ssh-serve)")
    k.add_argument("username")
    k.add_argument("key_file", help="the public key file (~/.ssh/id_ed25519.pub), or - for standard input")
    k.set_defaults(func=cmd_user_add_key)
    ks = usub.add_parser("keys", help="list a user's registered SSH keys")
    ks.add_argument("username")
    ks.set_defaults(func=cmd_user_keys)
    rk = usub.add_parser("remove-key", help="unregister an SSH key (by the fingerprint 'user keys' shows)")
    rk.add_argument("username")
    rk.add_argument("fingerprint")
    rk.set_defaults(func=cmd_user_remove_key)


def cmd_user_add(args) -> int:
    from ubtui.security import create_user
    connect(args)
    user = create_user(actor(), args.username, args.name, args.role, read_new_password(args))
    print(f"added {user.username} ({user.role})")
    return 0


def cmd_user_passwd(args) -> int:
    from ubtui.security import set_password
    connect(args)
    set_password(actor(), args.username, read_new_password(args))
    print(f"password changed for {args.username}")
    return 0


def cmd_user_active(args) -> int:
    from ubtui.security import set_active
    connect(args)
    user = set_active(actor(), args.username, args.active)
    print(f"{user.username} is now {'enabled' if user.active else 'disabled'}")
    return 0


def cmd_user_list(args) -> int:
    from ubtui.security import list_users
    connect(args)
    print(f"{'USER':16} {'ROLE':13} {'STATE':9} NAME")
    for u in list_users():
        state = "active" if u.active else "disabled"
        if u.locked_until:
            state = "locked"
        print(f"{u.username:16} {u.role:13} {state:9} {u.full_name}")
    return 0


def cmd_user_add_key(args) -> int:
    from ubtui.security import add_key
    if args.key_file == "-":
        text = sys.stdin.read(16384)
    else:
        try:
            with open(args.key_file, encoding="utf-8") as f:
                text = f.read(16384)
        except (OSError, UnicodeDecodeError) as e:
            raise UbtuiError(f"cannot read key file {args.key_file}: {getattr(e, 'strerror', None) or e}") from None
    connect(args)
    row = add_key(actor(), args.username, text)
    print(f"key {row.fingerprint} ({row.algorithm}) added for {args.username}")
    return 0


def cmd_user_keys(args) -> int:
    from ubtui.security import list_keys
    connect(args)
    for k in list_keys(args.username):
        print(f"{k.fingerprint:52} {k.algorithm:20} {str(k.added_at)[:16]}  {k.comment}")
    return 0


def cmd_user_remove_key(args) -> int:
    from ubtui.security import remove_key
    connect(args)
    remove_key(actor(), args.username, args.fingerprint)
    print(f"key {args.fingerprint} removed from {args.username}")
    return 0


# --- demo and the app ---------------------------------------------------------------------
@registrar
def add_demo(sub):
    p = sub.add_parser("demo", help="create a demo district and open the app on it")
    p.add_argument("--accounts", type=int, default=None, help="number of accounts (default 500)")
    p.add_argument("--months", type=int, default=24, help="months of readings and bills (default 24)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--population", choices=("demo", "census"), default="demo",
                   help="census: names with real-world frequencies and a street per ~285 accounts, "
                        "for benchmarks at scale (needs the test extra's Faker)")
    p.add_argument("--no-launch", action="store_true", help="only create the district")
    p.add_argument("--force", action="store_true", help="rebuild even if the database has data")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    from ubtui.config import DEMO_DATABASE_FILE, data_dir
    from ubtui.demo import DEFAULT_ACCOUNTS, build_demo, has_data
    if not args.database:
        args.database = os.environ.get("UBTUI_DATABASE_URL") or f"sqlite:///{data_dir() / DEMO_DATABASE_FILE}"
    connect(args)
    if args.force or not has_data():
        stats = build_demo(accounts=args.accounts or DEFAULT_ACCOUNTS, months=args.months, seed=args.seed,
                           population=args.population, progress=lambda msg: print(msg, file=sys.stderr))
        print(stats.summary())
    else:
        print("demo district already present (use --force to rebuild)", file=sys.stderr)
    if args.no_launch:
        return 0
    return launch(args)


@registrar
def add_collections(sub):
    p = sub.add_parser("collections", help="notices before shut-off, the shut-off list, payment plans, letters")
    csub = p.add_subparsers(dest="coll_cmd", required=True)
    lst = csub.add_parser("list", help="the day's worklist: each account's next step, protections, counts")
    lst.add_argument("--date", help="as of (YYYY-MM-DD, default today)")
    lst.set_defaults(func=cmd_collections_list)
    run = csub.add_parser("run", help="send the day's letters (once per account and step) to PDF and CSV")
    run.add_argument("--pdf", help="PDF file to write (one letter a page)")
    run.add_argument("--csv", help="mail-merge CSV file to write")
    run.add_argument("--date")
    run.set_defaults(func=cmd_collections_run)
    let = csub.add_parser("letters", help="send one step's letters to a PDF")
    let.add_argument("kind", choices=["reminder", "notice", "final", "plan_broken", "shutoff_notice"])
    let.add_argument("--output", required=True, help="PDF file to write")
    let.add_argument("--date")
    let.set_defaults(func=cmd_collections_letters)
    dis = csub.add_parser("disconnects", help="order disconnects for the accounts on today's shut-off list")
    dis.add_argument("--date")
    dis.set_defaults(func=cmd_collections_disconnects)
    plan = csub.add_parser("plan", help="a payment arrangement for an account")
    plan.add_argument("account", help="account number")
    plan.add_argument("--instalments", type=int, required=True)
    plan.add_argument("--first-due", required=True, help="YYYY-MM-DD")
    plan.add_argument("--every", type=int, default=30, help="days between instalments (default 30)")
    plan.add_argument("--amount", help="amount of the plan (default: the balance)")
    plan.add_argument("--output", help="PDF of the confirmation letter")
    plan.set_defaults(func=cmd_collections_plan)
    pol = csub.add_parser("policy", help="print the collections policy in force and check the letter templates")
    pol.set_defaults(func=cmd_collections_policy)


def cmd_collections_list(args) -> int:
    from ubtui.collections import ACTION_TEXT, worklist
    from ubtui.money import format_cents
    connect(args)
    wl = worklist(actor(), parse_date(args.date))
    print(f"{'ACCOUNT':10} {'NAME':24} {'PAST DUE':>11} {'90+':>10} {'STEP':18} WHY")
    for d in wl.items:
        print(f"{d.number:10} {d.name[:24]:24} {format_cents(d.past_due_cents):>11} "
              f"{format_cents(d.aging['90+']):>10} {ACTION_TEXT[d.action]:18} {d.why}")
    for action, (n, cents) in wl.counts().items():
        if n:
            print(f"{ACTION_TEXT[action]:18} {n:8} {format_cents(cents):>14}")
    if wl.closed:
        print(f"office closed today ({wl.closed}): nobody is shut off")
    print(f"{counted(len(wl.items), 'account')}")
    return 0


def _print_run(result) -> None:
    for step, n in result.sent.items():
        if n:
            print(f"{step}: {counted(n, 'letter')}")
    if result.plans_broken:
        print(f"{counted(result.plans_broken, 'payment plan')} broken")
    for path in (result.pdf, result.csv):
        if path:
            print(f"written: {path}")
    if result.pdf and not result.unicode_font:
        print("note: no DejaVu Sans font found; accents the built-in font lacks were folded in the PDF")


def cmd_collections_run(args) -> int:
    from ubtui.collections import run_notices
    connect(args)
    result = run_notices(actor(), parse_date(args.date), pdf=args.pdf, csv=args.csv)
    _print_run(result)
    print(f"{counted(len(result.letters), 'letter')} sent")
    return 0


def cmd_collections_letters(args) -> int:
    from ubtui.collections import send_letters
    connect(args)
    path, n = send_letters(actor(), args.kind, args.output, parse_date(args.date))
    print(f"{counted(n, 'letter')} written to {path}")
    return 0


def cmd_collections_disconnects(args) -> int:
    from ubtui.collections import order_disconnects
    connect(args)
    run = order_disconnects(actor(), parse_date(args.date))
    for wo in run.ordered:
        print(wo.number)
    for number, why in run.skipped:
        print(f"skipped {number}: {why}")
    print(f"{counted(len(run.ordered), 'disconnect order')} created")
    return 0


def cmd_collections_plan(args) -> int:
    from ubtui.accounts import get_account
    from ubtui.collections import create_plan
    from ubtui.money import format_cents, parse_amount
    connect(args)
    total = parse_amount(args.amount, field="Amount") if args.amount else None
    new = create_plan(actor(), get_account(args.account).id, instalments=args.instalments,
                      first_due=parse_date(args.first_due), every_days=args.every, total_cents=total, pdf=args.output)
    for due, cents in new.schedule:
        print(f"{due.isoformat()} {format_cents(cents):>12}")
    print(f"payment plan {new.plan.id}: {format_cents(new.plan.total_cents)} in {new.plan.instalments}")
    return 0


def cmd_collections_policy(args) -> int:
    from ubtui.config import settings
    from ubtui.letters import templates
    pol = settings().collections
    for key, value in pol.model_dump().items():
        print(f"{key} = {value!r}")
    print(f"{templates(pol).check()} letter templates checked")
    return 0


@registrar
def add_autopay(sub):
    p = sub.add_parser("autopay", help="autopay drafts: draft")
    asub = p.add_subparsers(dest="ap_cmd", required=True)
    d = asub.add_parser("draft", help="post today's autopay payments and write the NACHA file")
    d.add_argument("--date", help="business date (default today)")
    d.add_argument("--effective", required=True, help="settlement date YYYY-MM-DD")
    d.add_argument("--output", required=True, help="NACHA file to write (mode 0600)")
    d.set_defaults(func=cmd_autopay_draft)


def cmd_autopay_draft(args) -> int:
    from ubtui.autopay import build_draft, write_draft_file
    from ubtui.money import format_cents
    connect(args)
    result = build_draft(actor(), parse_date(args.date), parse_date(args.effective))
    write_draft_file(actor(), result.batch_id, args.output)
    state = "drafted" if result.created else "already drafted"
    print(f"{state}: {counted(result.entry_count, 'payment')}, {format_cents(result.total_cents)}; file {args.output}")
    return 0


@registrar
def add_ssh(sub):
    p = sub.add_parser("ssh-serve", help="serve the app to remote staff over SSH")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=2222)
    p.add_argument("--host-key", default=None, help="host key file (created if missing)")
    p.add_argument("--max-sessions", type=int, default=50, help="sessions at once (default 50)")
    p.add_argument("--idle-minutes", type=float, default=30, help="end a session after this long without a key (30)")
    p.add_argument("--max-hours", type=float, default=12, help="end a session after this long (default 12)")
    p.set_defaults(func=cmd_ssh_serve)


def cmd_ssh_serve(args) -> int:
    from pathlib import Path

    from ubtui.config import data_dir
    from ubtui.sshserver import DoorLimits, run_forever
    for name in ("max_sessions", "idle_minutes", "max_hours"):
        if getattr(args, name) <= 0:
            raise UbtuiError(f"--{name.replace('_', '-')} must be more than 0")
    connect(args)  # fail early, with a clear message, on a bad database; the door reads keys
    key = Path(args.host_key) if args.host_key else data_dir() / "ssh_host_ed25519_key"
    limits = DoorLimits(max_sessions=args.max_sessions, idle_timeout=args.idle_minutes * 60,
                        max_session=args.max_hours * 3600)
    run_forever(args.host, args.port, key, database_url(args), limits)
    return 0


@registrar
def add_web(sub):
    p = sub.add_parser("web", help="serve the app to browsers (supervisors' read-mostly door)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--max-sessions", type=int, default=20, help="browser sessions at once (default 20)")
    p.add_argument("--public-url", default=None,
                   help="the address browsers use, e.g. https://counter.example.org (default http://HOST:PORT)")
    p.set_defaults(func=cmd_web)


def cmd_web(args) -> int:
    from ubtui.webserver import run_forever
    if args.max_sessions <= 0:
        raise UbtuiError("--max-sessions must be more than 0")
    connect(args)  # fail early, with a clear message, on a bad database
    run_forever(args.host, args.port, database_url(args), args.max_sessions, args.public_url)
    return 0


# --- cashiering: ubtui report ..., ubtui drawer ... (ubtui/cli/reports.py, ubtui/cli/drawer.py) ----
@registrar
def add_report(sub):
    from .reports import add_cli
    add_cli(sub)


@registrar
def add_drawer(sub):
    from .drawer import add_cli
    add_cli(sub)


@registrar
def add_payments(sub):  # ubtui payments import FILE
    from .payments import add_cli
    add_cli(sub)


def launch(args) -> int:
    from screens.app import run_app
    return run_app(database_url(args)) or 0


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The parser; without ``commands`` only the options of opening the app."""
    p = argparse.ArgumentParser(prog="ubtui", description="Counter application of a water utility district.")
    p.add_argument("--version", action="version", version=f"ubtui {__version__}")
    p.add_argument("--database", metavar="URL",
                   help="sqlite:///path.db or postgresql://user@host/db (default: $UBTUI_DATABASE_URL, the config file, or a file in the data folder)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    if commands:
        for reg in REGISTRARS:
            reg(sub)
    return p


def opens_app(argv: list[str]) -> bool:
    """Whether ``argv`` names no command, so that it opens the app."""
    return not _split_database(argv)[1]


@registrar
def add_billing(sub):
    from ubtui.cli.billing import add_cli
    add_cli(sub)


@registrar
def add_maintenance(sub):  # ubtui customer ..., ubtui account ...
    from ubtui.cli.maintenance import add_cli
    add_cli(sub)


@registrar
def add_service(sub):  # ubtui service ...
    from ubtui.cli.service import add_cli
    add_cli(sub)


@registrar
def add_workorder(sub):  # ubtui workorder ...
    from ubtui.cli.workorders import add_cli
    add_cli(sub)


# Modules that add subcommand groups with @registrar (imported before parsing).
EXTENSION_MODULES: list[str] = []


def _load_extensions() -> None:
    import importlib
    for name in EXTENSION_MODULES:
        importlib.import_module(name)


def _split_database(argv: list[str]) -> tuple[list[str], list[str]]:
    """(the last ``--database URL`` or ``--database=URL`` as typed, every other argument)."""
    rest, front = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--database" and i + 1 < len(argv):
            front = [a, argv[i + 1]]
            i += 2
            continue
        if a.startswith("--database="):
            front = [a]
        else:
            rest.append(a)
        i += 1
    return front, rest


def hoist_database(argv: list[str]) -> list[str]:
    """``--database URL`` may stand anywhere (``ubtui demo --database URL``): move it first."""
    front, rest = _split_database(argv)
    return front + rest


def _sqlite_only(argv: list[str]) -> bool:
    """Whether this run can only open SQLite: the URL of ``--database``, else
    ``UBTUI_DATABASE_URL``, else the config file's ``database_url``, else the default file."""
    front, _ = _split_database(argv)
    url = (front[-1] if len(front) == 2 else front[0].split("=", 1)[1]) if front else None
    url = url or os.environ.get("UBTUI_DATABASE_URL")
    if not url:
        import tomllib

        from ubtui.config import config_path
        try:
            path = config_path()
            url = tomllib.loads(path.read_text(encoding="utf-8")).get("database_url") if path.exists() else None
        except (OSError, ValueError):
            return False  # the config file's own error is reported later
    if not url:
        return True
    return "://" not in url or url.split("://", 1)[0].lower() in ("sqlite", "sqlite3")


def main(argv: list[str] | None = None) -> int:
    if argv is None and "peewee" not in sys.modules and _sqlite_only(sys.argv[1:]):
        # Peewee imports the PostgreSQL driver as it loads (0.2 s of a 1.2 s cold start);
        # a run that can only open SQLite tells it the driver is not there.
        sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]  # None: "not installed"
        sys.modules.setdefault("psycopg2", None)  # type: ignore[arg-type]
    import peewee

    argv = hoist_database(list(sys.argv[1:] if argv is None else argv))
    # Opening the app needs no subcommand: the modules that add them (reports, cli.drawer,
    # billing: 0.1 s) are not imported on the way to the login screen.
    commands = not opens_app(argv)
    if commands:
        _load_extensions()
    args = build_parser(commands).parse_args(argv)
    try:
        from ubtui.config import apply_timezone, settings
        apply_timezone(settings())
        if not args.command:
            connect(args)
            return launch(args)
        return args.func(args) or 0
    except UbtuiError as e:
        print(f"ubtui: {e}", file=sys.stderr)
        return 2
    except peewee.DatabaseError as e:
        first = (str(e).strip().splitlines() or [e.__class__.__name__])[0]
        print(f"ubtui: database error: {first}; nothing was written", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ubtui: interrupted; nothing half-written (each change is one transaction)", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the last resort: one line, the traceback in the log
        from ubtui.errlog import log_exception, one_line_error
        print(f"ubtui: {one_line_error(e, log_exception(e, 'cli ' + ' '.join(argv[:2])))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
