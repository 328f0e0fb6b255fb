"""The live-charges index: what the aging of every account owing reads (issue #15).

``ledger_entry (account_id, effective_on, amount_cents, reverses_id) WHERE amount_cents > 0
AND reverses_id IS NULL`` holds exactly the entries ``ubtui.aging`` sums (a charge neither a
reversal nor, checked against the reverses index, reversed), so the collections worklist
ages every account from this index without reading the table.  Payments and reversals are
not in it: a payment writes nothing more.

On a database 0001 built from the current models the index is there: nothing to do.
"""


def up(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS "ledger_entry_live_charges" ON "ledger_entry" '
                   '("account_id", "effective_on", "amount_cents", "reverses_id") '
                   'WHERE "amount_cents" > 0 AND "reverses_id" IS NULL')
