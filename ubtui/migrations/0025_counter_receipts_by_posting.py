"""A counter receipt is found by its posting: one index write less on every payment (#12).

A counter receipt's number is "R" and its posting's id (``payments._receipt_number``, since
the first cashiering commit), and ``payment.posting_id`` is unique, so those numbers are
unique without an index of their own.  ``payment_receipt_number`` becomes partial: it holds
the other numbers (autopay "AP...", legacy and demo "DM...", anything not "R" and 8 or more
digits) and keeps them unique;
``models.cashier.by_receipt`` looks an "R" number up through the posting.  A SQLite payment
wrote 15 B-tree pages at COMMIT (each ~10 us through the WAL); now one fewer.

Refuses (names the receipts) if such a number ("R" and 8 or more digits) is not its posting's:
nothing would find it.
"""
import peewee

from models.cashier import OWN_NUMBER, receipt_for_posting


def up(migrator, db):
    wrong = [number for number, posting_id in db.execute_sql(
        f"SELECT receipt_number, posting_id FROM payment WHERE NOT {OWN_NUMBER.sql}")
        if number != receipt_for_posting(posting_id)]
    if wrong:
        raise peewee.IntegrityError(f"{len(wrong)} receipt numbers start with R but are not R and their "
                                    f"posting's id (first: {wrong[0]}); renumber them before upgrading")
    db.execute_sql('DROP INDEX IF EXISTS "payment_receipt_number"')
    db.execute_sql(f'CREATE UNIQUE INDEX "payment_receipt_number" ON "payment" ("receipt_number") WHERE {OWN_NUMBER.sql}')
