"""Field results that feed the account (issue #14): a reread or a meter test outside tolerance
proposes a rebill or an adjustment (``adjustment_proposal``) that waits for approval.  New
table only; on a database 0001 built from the current models it exists already."""
from models import AdjustmentProposal
from ubtui.migrations import create_tables_if_missing


def up(migrator, db):
    create_tables_if_missing(db, [AdjustmentProposal])
