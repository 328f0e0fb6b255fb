"""The terminal a drawer session was opened on (``drawer_session.terminal``).

A clerk signed in on several terminals posted into one drawer session with no warning.  The
session now records the terminal that opened it (host and tty, ``cashier.terminal_id``);
a payment, drop or paid-out from another terminal warns or is refused
(``Settings.same_clerk_terminals``).  Sessions opened before this migration have an empty
terminal and are never checked.
"""
from peewee import CharField

from ubtui.migrations import add_column_if_missing


def up(migrator, db):
    add_column_if_missing(migrator, db, "drawer_session", "terminal", CharField(max_length=80, default=""))
