"""What the CLI commands written beside their core module share: the database to open, the
acting user, a --date option.  The core may import this module (it imports only the core);
it never imports ``ubtui.cli``, so the command line sits on top of the core, not inside it.
"""
from __future__ import annotations

from ubtui import clock


def database_url(args) -> str:
    from ubtui.config import default_database_url, settings
    return getattr(args, "database", None) or settings().database_url or default_database_url()


def connect(args, *, upgrade: bool = True):
    from ubtui.db import open_database
    return open_database(database_url(args), upgrade=upgrade)


def actor():
    from ubtui.security import system_user
    return system_user()


def parse_date(text: str | None):
    """A --date option: YYYY-MM-DD, default today."""
    from ubtui.dates import parse_date as parse
    return parse(text, "Date", default=clock.today())


def approver_password(args) -> str:
    """The password of the supervisor named by ``--approved-by``: from standard input with
    ``--approver-password-stdin`` (scripts), otherwise asked on the terminal (never an option:
    it would show in the process list and the shell history).  The core function checks it."""
    import getpass
    import sys

    from ubtui.errors import InputError
    if getattr(args, "approver_password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise InputError("Approved by", "no terminal to ask for the password; use --approver-password-stdin")
    return getpass.getpass(f"Password of {args.approved_by}: ")


def add_approval_options(parser) -> None:
    """--approved-by USER and --approver-password-stdin: a supervisor approves at this terminal."""
    parser.add_argument("--approved-by", default="", metavar="USER",
                        help="the supervisor who approves (asked for their password)")
    parser.add_argument("--approver-password-stdin", action="store_true",
                        help="read the approving supervisor's password from standard input")
