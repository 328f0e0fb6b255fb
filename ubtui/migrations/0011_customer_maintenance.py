"""Customer and account maintenance (issue #19): contact preferences, merged records, roles
that can be held again, and the account's change history read by index.

* ``customer.contact_by``, ``customer.bill_delivery``: how the customer wants to be reached
  and to get bills; ``customer.merged_into``: the record a duplicate was merged into.
* ``account_customer``: unique per (account, customer, role, start date) instead of per
  (account, customer, role), so a tenant who moves back gets a second role row.
* ``audit_log``: three partial indexes, one per entity the account's "changes" history reads
  (account, customer, premise).  Payments, postings and drawers write audit rows of other
  entities, so a payment writes no page of them (the audit table stays without indexes on
  the hot path).

On a database 0001 built from the current models only the audit indexes are new.
"""
import peewee

from ubtui.migrations import add_column_if_missing

OLD_PARTY_INDEX = "account_customer_account_id_customer_id_role"
NEW_PARTY_INDEX = "account_customer_account_id_customer_id_role_start_date"
AUDIT_ENTITIES = ("account", "customer", "premise")


def up(migrator, db):
    from models import Customer

    add_column_if_missing(migrator, db, "customer", "contact_by", peewee.CharField(max_length=8, default=""))
    add_column_if_missing(migrator, db, "customer", "bill_delivery", peewee.CharField(max_length=8, default="mail"))
    if "merged_into_id" not in {c.name for c in db.get_columns("customer")}:
        field = peewee.ForeignKeyField(Customer, null=True, field=Customer.id, on_delete="RESTRICT")
        migrator.migrate(migrator.add_column("customer", "merged_into_id", field))
    db.execute_sql('CREATE INDEX IF NOT EXISTS "customer_merged_into_id" ON "customer" ("merged_into_id")')
    db.execute_sql(f'DROP INDEX IF EXISTS "{OLD_PARTY_INDEX}"')
    db.execute_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS "{NEW_PARTY_INDEX}" ON "account_customer" '
                   '("account_id", "customer_id", "role", "start_date")')
    for entity in AUDIT_ENTITIES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "audit_log_{entity}_rows" ON "audit_log" ("entity_id", "id") '
                       f"WHERE \"entity\" = '{entity}'")
