"""The meter size a new install order sets: ``work_order.meter_size``.

Service started at an address without a meter orders a new install of the size asked for,
and bills that size's installation fee (``workorders.start_service``).  The order keeps the
size so the field's completion form starts from it and says when the meter set differs from
the one billed.  Orders made before have an empty size.
"""
from peewee import CharField

from ubtui.migrations import add_column_if_missing


def up(migrator, db):
    add_column_if_missing(migrator, db, "work_order", "meter_size", CharField(max_length=8, default=""))
