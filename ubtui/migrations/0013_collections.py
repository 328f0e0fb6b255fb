"""Collections (issue #15): notices sent, payment plans and their instalments, appeal holds.

New tables only; on a database 0001 built from the current models they exist already.
"""
from models import CollectionHold, CollectionNotice, PaymentPlan, PlanInstalment
from ubtui.migrations import create_tables_if_missing


def up(migrator, db):
    create_tables_if_missing(db, [CollectionNotice, PaymentPlan, PlanInstalment, CollectionHold])
