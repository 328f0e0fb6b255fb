import datetime as dt

import pytest

from models import Account, AccountCustomer, AuditLog, Bill, Payment, Tender
from ubtui import accounting, ledger, returns
from ubtui.errors import Conflict, InputError, NotFound, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.verify import verify_all


def bill(user, acct, cents, key):
    ledger.post(user, key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "Water")])


def check_payment(user, accounts_amounts, receipt):
    """A posted check payment as the cashier module records it."""
    res = ledger.post(user, f"pay:{receipt}", "payment",
                      [EntrySpec(a.id, "payment", -c, "", "Payment") for a, c in accounts_amounts])
    total = sum(c for _, c in accounts_amounts)
    p = Payment.create(receipt_number=receipt, posting=res.posting_id, user=user.id, total_cents=total)
    Tender.create(payment=p, seq=1, kind="check", amount_cents=total, check_number="1001")
    return p


def test_returned_check_reverses_charges_fee_and_stops_checks(system, make_account):
    a = make_account()
    bill(system, a, 8000, "b1")
    check_payment(system, [(a, 8000)], "R-1")
    r = returns.return_payment(system, "R-1", "NSF")
    assert r.fee_cents == 2500 and not r.no_checks_set
    assert ledger.account_balance(a.id) == 8000 + 2500
    assert Payment.get(Payment.receipt_number == "R-1").status == "returned"
    with pytest.raises(Conflict, match="already returned"):
        returns.return_payment(system, "R-1", "NSF")
    check_payment(system, [(a, 100)], "R-2")
    assert returns.return_payment(system, "R-2", "account closed").no_checks_set
    assert Account.get_by_id(a.id).no_checks
    assert AuditLog.select().where(AuditLog.action == "account.payment_flags").count() == 1
    assert verify_all() == []


def paid_with(user, acct, receipt, *tenders):
    """A posted payment of ``acct`` with these (kind, cents) tenders."""
    total = sum(c for _, c in tenders)
    res = ledger.post(user, f"pay:{receipt}", "payment", [EntrySpec(acct.id, "payment", -total, "", "Payment")])
    p = Payment.create(receipt_number=receipt, posting=res.posting_id, user=user.id, total_cents=total)
    for seq, (kind, cents) in enumerate(tenders, 1):
        Tender.create(payment=p, seq=seq, kind=kind, amount_cents=cents, check_number="7" if kind == "check" else "")
    return p


def test_cash_never_comes_back_from_a_bank(system, make_account):
    a = make_account()
    bill(system, a, 9000, "b1")
    paid_with(system, a, "R-C", ("cash", 9000))
    paid_with(system, a, "R-S", ("cash", 5000), ("check", 4000))  # split: only the check could bounce
    with pytest.raises(InputError, match="Receipt: R-C was paid in cash: a bank cannot return it"):
        returns.return_payment(system, "R-C", "NSF")
    with pytest.raises(InputError, match=r"Receipt: R-S was paid \$50.00 in cash too"):
        returns.return_payment(system, "R-S", "NSF")
    assert ledger.account_balance(a.id) == 9000 - 18000  # nothing reversed, no fee
    assert {p.status for p in Payment.select()} == {"posted"}
    for kind in ("check", "money_order", "card", "ach"):  # what a bank or card processor sends back
        paid_with(system, a, f"R-{kind}", (kind, 100))
        assert returns.return_payment(system, f"R-{kind}", "NSF", charge_fee=False).fee_cents == 0
    assert ledger.account_balance(a.id) == 9000 - 18000
    assert verify_all() == []


def test_one_check_for_two_accounts_is_returned_on_both(system, make_account):
    a, b = make_account(), make_account()
    check_payment(system, [(a, 1000), (b, 2000)], "R-9")
    returns.return_payment(system, "R-9", "NSF", charge_fee=False)
    assert ledger.account_balance(a.id) == 0 and ledger.account_balance(b.id) == 0
    assert verify_all() == []


def test_refund_never_exceeds_the_credit(senior, make_account, system):
    a = make_account()
    check_payment(system, [(a, 5000)], "R-3")  # overpayment: credit of 50.00
    with pytest.raises(InputError, match=r"Refund amount: \$50.01 is more than the credit on the account \(\$50.00\)"):
        accounting.refund_credit(senior, a.id, 5001, "moved away", key="rf1")
    r = accounting.refund_credit(senior, a.id, 5000, "moved away", key="rf2")
    assert r.balances[a.id] == 0
    assert accounting.refund_credit(senior, a.id, 5000, "moved away", key="rf2").posting_id == r.posting_id
    with pytest.raises(InputError, match="Reason"):
        accounting.refund_credit(senior, a.id, 10, " ", key="rf3")


def also_on(acct, other):
    """``acct``'s owner becomes a party of ``other`` too (the same customer's other account)."""
    AccountCustomer.create(account=other.id, customer=AccountCustomer.get(AccountCustomer.account == acct.id).customer_id,
                           role="owner")


def test_balance_transfer_moves_money_in_one_posting(senior, make_account, system):
    old, new = make_account(), make_account()
    also_on(old, new)
    bill(system, old, 4321, "b")
    r = accounting.transfer_balance(senior, old.id, new.id, "final bill to new address", key="t1")
    assert r.balances == {old.id: 0, new.id: 4321}
    with pytest.raises(Conflict, match="balance is zero"):
        accounting.transfer_balance(senior, old.id, new.id, "again", key="t2")
    with pytest.raises(InputError):
        accounting.transfer_balance(senior, old.id, old.id, "same", key="t3")
    assert verify_all() == []


def test_a_balance_goes_to_a_stranger_s_account_only_with_a_supervisor(senior, supervisor, make_account, system):
    mine, stranger = make_account(last_name="Smith"), make_account(last_name="Jones")
    bill(system, mine, 4321, "b")
    with pytest.raises(InputError, match="To account: no customer of this account has ever been on that one"):
        accounting.transfer_balance(senior, mine.id, stranger.id, "typo", key="t1")
    assert ledger.account_balance(stranger.id) == 0 and ledger.account_balance(mine.id) == 4321
    r = accounting.transfer_balance(supervisor, mine.id, stranger.id, "estate settled by the neighbour", key="t2")
    assert r.balances == {mine.id: 0, stranger.id: 4321}
    assert verify_all() == []


def test_write_off_needs_a_supervisor_and_a_final_account(senior, supervisor, make_account, system):
    a = make_account()
    bill(system, a, 999, "b")
    with pytest.raises(PermissionDenied):
        accounting.write_off(senior, a.id, "uncollectible", key="w")
    with pytest.raises(Conflict, match="only final-billed or closed"):
        accounting.write_off(supervisor, a.id, "uncollectible", key="w")
    Account.update(status="final_billed").where(Account.id == a.id).execute()
    accounting.write_off(supervisor, a.id, "uncollectible", key="w")
    assert ledger.account_balance(a.id) == 0
    with pytest.raises(NotFound):
        returns.return_payment(supervisor, "nope", "NSF")


def test_deposit_applied_at_final_bill_leaves_a_refundable_credit(clerk, senior, system):
    from ubtui.accounts import create_customer, create_premise
    from ubtui.readings import install_meter
    from ubtui.workorders import start_service
    cust = create_customer(system, last_name="Ortiz", first_name="Ana")
    prem = create_premise(system, house_number="7", street="Birch Ln")
    install_meter(system, prem.id, "M-7", on=dt.date(2026, 1, 1), reading=0)  # a turn-on: no installation fee
    acct = start_service(clerk, premise=prem, customer=cust, deposit_cents=10000).account
    ledger.post(system, "pay-dep", "payment", [EntrySpec(acct.id, "payment", -10000)])
    with pytest.raises(Conflict, match="no final bill"):  # the deposit secures the final bill
        accounting.apply_deposit(senior, acct.id, key="dep0")
    bill(system, acct, 3000, "final")
    Bill.create(account=acct.id, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31),
                bill_date=dt.date(2026, 1, 31), due_date=dt.date(2026, 2, 21), kind="final", total_cents=3000)
    accounting.apply_deposit(senior, acct.id, key="dep1")
    assert ledger.account_balance(acct.id) == -7000
    assert Account.get_by_id(acct.id).deposit_held_cents == 0
    with pytest.raises(Conflict, match="no deposit"):
        accounting.apply_deposit(senior, acct.id, key="dep2")
    accounting.refund_credit(senior, acct.id, 7000, "final refund", key="rf")
    assert ledger.account_balance(acct.id) == 0 and verify_all() == []
