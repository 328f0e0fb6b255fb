"""The accounts-owing index (issue #15): ``account (id, balance_cents, status) WHERE
balance_cents > 0``.

The aging of every account owing (``ubtui.aging``: the collections worklist, the aging
reports) starts from the accounts with a balance; without this index it read every account
row to find them.  A posting that moves a balance moves the account's entry in it (the
balance is one of its columns), in the same transaction as the balance.

On a database 0001 built from the current models the index is there: nothing to do.
"""


def up(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS "account_owing" ON "account" ("id", "balance_cents", "status") '
                   'WHERE "balance_cents" > 0')
