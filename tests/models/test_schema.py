"""The numbered migrations build exactly the schema the models describe, on both backends."""
from playhouse.schema_diff import diff_models

from models import ALL_MODELS, APPEND_ONLY, Account, LedgerEntry, Posting, User


def test_migrations_match_the_models(db):
    diff = diff_models(db, ALL_MODELS)
    # Extra indexes the migrations add (expression, trigram) are not in the models: ignore those.
    missing = (diff.create_tables, diff.add_columns, diff.drop_columns, diff.add_indexes)
    assert not any(missing), f"models changed without a migration: {diff}"


def test_money_columns_are_integers(db):
    money = [f for m in ALL_MODELS for f in m._meta.sorted_fields if f.name.endswith("_cents")]
    assert money and all(f.field_type == "BIGINT" for f in money)
    cols = {c.name: c.data_type.lower() for c in db.get_columns(Account._meta.table_name)}
    assert cols["balance_cents"] in ("bigint", "integer")


def test_idempotency_key_and_reversal_link_are_unique(db):
    def unique_cols(model):
        return {tuple(i.columns) for i in db.get_indexes(model._meta.table_name) if i.unique}
    assert ("idempotency_key",) in unique_cols(Posting)
    assert ("reverses_id",) in unique_cols(LedgerEntry)
    assert ("username",) in unique_cols(User)


def test_append_only_tables_are_listed():
    assert {m.__name__ for m in APPEND_ONLY} == {"AuditLog", "Posting", "LedgerEntry"}
