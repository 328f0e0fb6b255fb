"""How an appeal was decided (issue #15): ``collection_hold.outcome``, "" while the appeal is
pending, then ``upheld`` or ``denied`` (who decided, when and why: the audit row and the
note).  On a database 0001 built from the current models nothing is new."""
import peewee

from ubtui.migrations import add_column_if_missing


def up(migrator, db):
    add_column_if_missing(migrator, db, "collection_hold", "outcome", peewee.CharField(max_length=8, default=""))
