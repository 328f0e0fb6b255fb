"""Fewer index writes per posting: drop indexes nothing reads, make the "void" links partial.

Every index is one more B-tree page written (and, on SQLite, copied through the WAL) for each
payment or bill.  A payment wrote 33 pages where a bare INSERT+UPDATE writes 3; these were
the ones no query uses or that hold only NULLs:

* ``ledger_entry.account_id`` is the first column of ``ledger_entry (account_id, id)``;
* ``ledger_entry.reverses_id`` and ``payment.void_posting_id`` stay UNIQUE, but only where
  set (partial indexes): almost every row has NULL there;
* the user/created_at/action columns of posting, payment and audit_log are only ever read
  after selecting by entity, session, date or account.

On a database 0001 built from the current models this only re-creates the same indexes.
"""

DROP = ["posting_user_id", "posting_created_at", "ledger_entry_account_id", "payment_user_id",
        "payment_voided_by_id", "payment_void_approved_by_id", "payment_created_at", "audit_log_user_id",
        "audit_log_action"]
PARTIAL_UNIQUE = [("ledger_entry_reverses_id", "ledger_entry", "reverses_id"),
                  ("payment_void_posting_id", "payment", "void_posting_id")]


def up(migrator, db):
    for name in DROP:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for name, table, column in PARTIAL_UNIQUE:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
        db.execute_sql(f'CREATE UNIQUE INDEX "{name}" ON "{table}" ("{column}") WHERE "{column}" IS NOT NULL')
