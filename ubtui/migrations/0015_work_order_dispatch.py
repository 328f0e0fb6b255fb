"""Work orders as a dispatcher uses them (issue #14): the crew an order is assigned to and the
date it is due (``work_order.crew``, ``work_order.due_on``).  On a database 0001 built from
the current models nothing is new."""
import peewee

from ubtui.migrations import add_column_if_missing


def up(migrator, db):
    add_column_if_missing(migrator, db, "work_order", "crew", peewee.CharField(max_length=24, default=""))
    add_column_if_missing(migrator, db, "work_order", "due_on", peewee.DateField(null=True))
