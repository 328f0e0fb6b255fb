"""Per-account category sums beside the cached balance; the account's debits by date (issue #12).

A payment used to sum every credit of the account by category, and its older charges, in one
pass over the account's entries: a cost that grew with years of history.

* ``ledger_category_sum (account_id, category, debit_cents, credit_cents)``: moved by every
  posting in its transaction with in-SQL arithmetic, as the account's cached balance is
  (``ubtui.ledger``); ``ubtui verify`` recomputes it from the entries.  Filled here from the
  entries already there.
* ``ledger_entry_debits_by_date (account_id, effective_on, id, amount_cents, category, kind)
  WHERE amount_cents > 0``: the account's newest charges by date are the first rows of this
  index (``ubtui.payments.ledger_rows``).  A payment writes nothing to it.

On a database 0001 built from the current models the table and the index are there; the fill
finds no entries.
"""
from models import CategorySum
from ubtui.migrations import create_tables_if_missing


def up(migrator, db):
    create_tables_if_missing(db, [CategorySum])
    db.execute_sql('CREATE INDEX IF NOT EXISTS "ledger_entry_debits_by_date" ON "ledger_entry" '
                   '("account_id", "effective_on", "id", "amount_cents", "category", "kind") '
                   'WHERE "amount_cents" > 0')
    db.execute_sql('DELETE FROM "ledger_category_sum"')
    db.execute_sql('INSERT INTO "ledger_category_sum" ("account_id", "category", "debit_cents", "credit_cents") '
                   "SELECT account_id, category, "
                   "CAST(COALESCE(SUM(CASE WHEN amount_cents > 0 THEN amount_cents END), 0) AS BIGINT), "
                   "CAST(COALESCE(SUM(CASE WHEN amount_cents < 0 THEN amount_cents END), 0) AS BIGINT) "
                   "FROM ledger_entry GROUP BY account_id, category")
