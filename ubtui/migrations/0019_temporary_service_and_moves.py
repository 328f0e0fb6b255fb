"""Temporary service and moves (issue #14): ``account.service_ends_on``, the last day of a
temporary construction (hydrant meter) service, and ``account.moved_to_account_id``, the
account a customer moved to (a credit left after the final bill goes there).  On a database
0001 built from the current models nothing is new."""
import peewee

from ubtui.migrations import add_column_if_missing


def up(migrator, db):
    add_column_if_missing(migrator, db, "account", "service_ends_on", peewee.DateField(null=True))
    add_column_if_missing(migrator, db, "account", "moved_to_account_id", peewee.IntegerField(null=True))
