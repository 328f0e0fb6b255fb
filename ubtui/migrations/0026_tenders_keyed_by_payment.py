"""Tenders keyed by their payment: one B-tree page less at every payment's COMMIT (#12).

A tender was a row of its own table (rowid ``id``) found through the ``tender_payment_id``
index: a payment wrote a page of each.  Nothing looks a tender up by its id; every reader
wants a payment's tenders in receipt order.  So the key is ``(payment_id, seq)``, seq 1..n
its line on the receipt (numbered here in id order, the order they were written), and on
SQLite the table is ``WITHOUT ROWID``: its rows live in that key's B-tree, the index goes.
A SQLite payment wrote ~13.6 B-tree pages at COMMIT (each ~10 us through the WAL), now ~12.6.

SQLite has no way to change a table's key in place: the table is rebuilt (created anew,
copied, the old one dropped with its index, renamed; no trigger or view reads it).
PostgreSQL changes it in place (heap pages are not written per B-tree there; the key is
the same shape): seq is added and filled, the ``id`` column goes with its sequence and
primary key, the new primary key takes the name ``tender_pkey``.

On a database 0001 built from the current models ``seq`` is there: nothing to do.
"""
import peewee

from ubtui.migrations import column_names

_SQLITE_TABLE = (
    'CREATE TABLE "tender_keyed" ("payment_id" INTEGER NOT NULL, "seq" INTEGER NOT NULL, '
    '"kind" VARCHAR(12) NOT NULL, "amount_cents" INTEGER NOT NULL, "check_number" VARCHAR(12) NOT NULL, '
    '"bank" VARCHAR(40) NOT NULL, "check_name" VARCHAR(80) NOT NULL, "card_last4" VARCHAR(4) NOT NULL, '
    '"auth_code" VARCHAR(12) NOT NULL, PRIMARY KEY ("payment_id", "seq"), '
    'FOREIGN KEY ("payment_id") REFERENCES "payment" ("id") ON DELETE RESTRICT) WITHOUT ROWID')
_VALUES = '"kind", "amount_cents", "check_number", "bank", "check_name", "card_last4", "auth_code"'
# a tender's line on its receipt: the order its payment wrote them in
_SEQ = 'row_number() OVER (PARTITION BY "payment_id" ORDER BY "id")'


def up(migrator, db):
    if "seq" in column_names(db, "tender"):
        return
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql('ALTER TABLE "tender" ADD COLUMN "seq" SMALLINT')
        db.execute_sql(f'UPDATE "tender" t SET "seq" = n.seq FROM (SELECT "id", {_SEQ} AS seq FROM "tender") n '
                       'WHERE n."id" = t."id"')
        db.execute_sql('ALTER TABLE "tender" ALTER COLUMN "seq" SET NOT NULL')
        db.execute_sql('ALTER TABLE "tender" DROP COLUMN "id"')  # its primary key and sequence with it
        db.execute_sql('ALTER TABLE "tender" ADD CONSTRAINT "tender_pkey" PRIMARY KEY ("payment_id", "seq")')
        db.execute_sql('DROP INDEX IF EXISTS "tender_payment_id"')
        return
    db.execute_sql(_SQLITE_TABLE)
    db.execute_sql(f'INSERT INTO "tender_keyed" ("payment_id", "seq", {_VALUES}) '
                   f'SELECT "payment_id", {_SEQ}, {_VALUES} FROM "tender" ORDER BY "payment_id", "id"')
    db.execute_sql('DROP TABLE "tender"')  # and its index tender_payment_id
    db.execute_sql('ALTER TABLE "tender_keyed" RENAME TO "tender"')
