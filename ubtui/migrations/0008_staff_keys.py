"""Registered SSH public keys of staff (``models.StaffKey``, ``ubtui user add-key``).

The SSH door (``ubtui ssh-serve``) lets a connection in only with one of these keys; the
app's own sign-in follows.  On a database 0001 built from the current models the table is
there already: nothing to do.
"""
from ubtui.migrations import create_tables_if_missing


def up(migrator, db):
    import models

    create_tables_if_missing(db, [models.StaffKey])
