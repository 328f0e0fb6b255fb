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
