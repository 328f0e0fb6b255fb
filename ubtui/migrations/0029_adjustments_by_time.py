"""The adjusting postings by time: what the adjustments report reads.

``posting (created_at) WHERE kind IN ADJUSTING_KINDS`` (adjustments, reversals, write-offs,
refunds, transfers).  A payment or a bill writes nothing to it: partial, so the hot path
keeps its pages.  On a database 0001 built from the current models the index is there.
"""
from models.ledger import ADJUSTING_KINDS


def up(migrator, db):
    kinds = ", ".join(f"'{k}'" for k in ADJUSTING_KINDS)
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "posting_adjustments_by_time" ON "posting" ("created_at") '
                   f'WHERE "kind" IN ({kinds})')
