"""The search documents' update triggers (migrations 0009, 0024): a balance update leaves the
search index alone, a change of a searched column still refreshes the document."""
from __future__ import annotations

from models import Account
from ubtui.accounts import create_customer, create_premise, open_account
from ubtui.db import is_postgres
from ubtui.search import search_accounts


def _account(system):
    cust = create_customer(system, first_name="Ada", last_name="Quimby")
    prem = create_premise(system, house_number="12", street="Larch Ln")
    return open_account(system, premise=prem, customers=[(cust, "owner")], status="active")


def test_a_balance_update_does_not_touch_the_search_index(db, system):
    acct = _account(system)
    if is_postgres(db):
        # the trigger names its columns: an UPDATE that sets none of them does not fire it
        (event,) = [r[0] for r in db.execute_sql(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'account_search_au'").fetchall()]
        assert "AFTER UPDATE OF number, premise_id ON" in event
        return
    conn = db.connection()
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        with db.atomic():
            db.execute_sql('UPDATE "account" SET "balance_cents" = "balance_cents" + 1 WHERE "id" = ?', (acct.id,))
    finally:
        conn.set_trace_callback(None)
    # before 0024 the FTS5 table was begun with the transaction: "PRAGMA 'main'.data_version"
    assert not [s for s in seen if "data_version" in s or "account_fts" in s], seen


def test_a_changed_account_number_is_still_found_by_search(db, system, clerk):
    acct = _account(system)
    Account.update(number="00999995").where(Account.id == acct.id).execute()
    hits = search_accounts(clerk, "0099999-5")
    assert [h.account_id for h in hits] == [acct.id]
