"""Two more index writes off every payment: ``ledger_entry.reference`` and ``audit_log.at``.

A payment's transaction wrote 17 B-tree pages; each one is copied through SQLite's WAL and
costs about 10 us of the commit.  Nothing reads the audit log by time alone (an entity's
history is read by its index), and a reference ("bill:12", "latefee:34") is looked up among
its account's entries, which ``ledger_entry (account_id, id)`` finds.
"""

DROP = ["ledger_entry_reference", "audit_log_at"]


def up(migrator, db):
    for name in DROP:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
