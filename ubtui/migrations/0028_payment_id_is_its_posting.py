"""A payment's id is its posting's: one B-tree less at every payment's COMMIT (#12).

A payment was found by its posting through ``payment_posting_id``, a UNIQUE index every
payment wrote a page of.  From now on a new payment's id IS its posting's id (the writers
in ``ubtui.payments``, ``Payment.save``, the demo builder), so the primary key finds it;
the index keeps only the payments written before, whose ids are not their postings'
(partial: ``WHERE id <> posting_id``), and still makes their postings unique.
``models.cashier.of_postings`` looks a payment up through either.  Old payments keep
their ids: the audit trail names payments by id and cannot be rewritten.

A new payment's id cannot be taken by an old one: every payment has a posting of its own,
written before it, so no old payment's id exceeds the newest posting's.  A database where
one does (rows imported with ids of their own) is refused, naming the first such receipt.
"""
import peewee

from models.cashier import OLD_NUMBERING


def up(migrator, db):
    row = db.execute_sql('SELECT receipt_number, id FROM payment WHERE id > '
                         '(SELECT COALESCE(MAX(id), 0) FROM posting) ORDER BY id LIMIT 1').fetchone()
    if row is not None:
        raise peewee.IntegrityError(f"receipt {row[0]} has id {row[1]}, above every posting's: new payments "
                                    "would take ids like it; renumber such payments before upgrading")
    db.execute_sql('DROP INDEX IF EXISTS "payment_posting_id"')
    db.execute_sql(f'CREATE UNIQUE INDEX "payment_posting_id" ON "payment" ("posting_id") WHERE {OLD_NUMBERING.sql}')
