"""The read-only helpers the action screens added to ubtui.workorders (both backends)."""
from __future__ import annotations

import pytest

from models import User
from ubtui import workorders
from ubtui.errors import NotFound, PermissionDenied


def test_open_work_orders_most_urgent_first_and_only_open(system, clerk, make_account):
    a, b = make_account(), make_account(last_name="Jones")
    low = workorders.create_work_order(system, kind="reread", account_id=a.id, priority="low")
    normal = workorders.create_work_order(system, kind="meter_test", account_id=b.id)
    urgent = workorders.create_work_order(system, kind="leak_investigation", account_id=b.id, priority="high")
    gone = workorders.create_work_order(system, kind="meter_repair", account_id=a.id)
    workorders.cancel_work_order(system, gone.id, "not needed")
    address_only = workorders.create_work_order(system, kind="new_install", premise_id=a.premise_id)

    rows = workorders.open_work_orders(clerk)
    assert [r.number for r in rows] == [urgent.number, normal.number, address_only.number, low.number]
    top = rows[0]
    assert (top.kind, top.priority, top.account_id) == ("leak_investigation", "high", b.id)
    assert top.account_number.endswith(b.number[-1]) and "-" in top.account_number
    assert top.address.endswith("Main St")
    assert rows[2].account_id is None and rows[2].account_number == ""
    assert [r.number for r in workorders.open_work_orders(clerk, account_id=a.id)] == [low.number]


def test_service_parties_returns_the_premise_and_current_customers(clerk, make_account):
    a = make_account(last_name="Rivera", first_name="Ana")
    premise, parties = workorders.service_parties(clerk, a.id)
    assert premise.id == a.premise_id
    assert [(c.display_name, role) for c, role in parties] == [("Rivera, Ana", "owner")]
    with pytest.raises(NotFound):
        workorders.service_parties(clerk, 999_999)


def test_helpers_check_the_permission(make_account):
    nobody = User(username="x", role="none", active=True)
    with pytest.raises(PermissionDenied):
        workorders.open_work_orders(nobody)
    with pytest.raises(PermissionDenied):
        workorders.service_parties(nobody, make_account().id)


def test_related_accounts_are_the_customers_other_accounts(system, clerk, make_account):
    from ubtui import accounting
    from ubtui.accounts import open_account

    old = make_account(last_name="Rivera", status="final_billed")
    party = old.parties.get().customer
    elsewhere = make_account(last_name="Stranger")
    new = open_account(system, premise=elsewhere.premise, customers=[(party, "tenant")], status="active")
    rows = accounting.related_accounts(clerk, old.id)
    assert [(r.account_id, r.status) for r in rows] == [(new.id, "active")]
    assert rows[0].number.endswith("-" + new.number[-1]) and rows[0].address.endswith("Main St")
    assert [r.account_id for r in accounting.related_accounts(clerk, new.id)] == [old.id]
    assert accounting.related_accounts(clerk, elsewhere.id) == []  # shares no customer
