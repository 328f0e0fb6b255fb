"""The terminal a drawer session was opened on; the account's entries index gets the date.

* ``drawer_session.terminal``: a clerk signed in on several terminals posted into one drawer
  session with no warning.  The session now records the terminal that opened it (host and
  tty, ``drawer.terminal_id``); a payment, drop or paid-out from another terminal warns or
  is refused (``Settings.same_clerk_terminals``).  Sessions opened before have an empty
  terminal and are never checked.
* ``ledger_entry (account_id, id, amount_cents, category, effective_on)`` replaces 0005's
  index: a payment reads an account's newest charges and only SUMS of the older ones by
  category with their latest date (``payments.ledger_rows``), from the index alone, so its
  cost does not grow with years of history.  Still one index write per entry.
"""
from peewee import CharField

from ubtui.migrations import add_column_if_missing

OLD = "ledger_entry_account_id_id_amount_cents_category"
NEW = "ledger_entry_account_id_id_amount_cents_category_effective_on"


def up(migrator, db):
    add_column_if_missing(migrator, db, "drawer_session", "terminal", CharField(max_length=80, default=""))
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{NEW}" ON "ledger_entry" '
                   '("account_id", "id", "amount_cents", "category", "effective_on")')
    db.execute_sql(f'DROP INDEX IF EXISTS "{OLD}"')
