"""Cashiering core: drawers, payments, tenders, alerts, allocation, voids, balancing, totals."""
from __future__ import annotations

import datetime as _dt
import json

import pytest

from models import Account, AuditLog, Deposit, DrawerSession, LedgerEntry, Payment, Posting, Tender
from ubtui import drawer as drawers
from ubtui import ledger, payments, totals, voids
from ubtui.accounts import format_account_number
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.payments import AccountAmount, TakePayment, TenderIn
from ubtui.verify import expected_cash, verify_all

FLOAT = {"20": 5, "10": 5, "5": 4, "1": 10, "0.25": 40}  # $100 + $50 + $20 + $10 + $10 = $190


def charge(system, account, cents, category="water", days_ago=0, key=None):
    day = _dt.date.today() - _dt.timedelta(days=days_ago)
    ledger.post(system, key or f"chg:{account.id}:{category}:{cents}:{days_ago}", "fee" if "fee" in category else "charge",
                [ledger.EntrySpec(account.id, "charge", cents, category, f"{category} charge", effective_on=day)])


@pytest.fixture
def drawer(system, clerk):
    drawers.create_drawer(system, "D1", "Front counter")
    return drawers.open_drawer(clerk, "D1", count=FLOAT, workstation="ws1")


def pay(user, account, amount, *tenders, key="k1", **kw):
    tenders = tenders or (TenderIn(kind="cash", amount=amount),)
    return payments.take_payment(user, TakePayment(idempotency_key=key, accounts=[AccountAmount(account=account.number,
                                                                                                amount=amount)],
                                                  tenders=list(tenders), **kw))


def balance(account):
    return ledger.account_balance(account.id)


# --- drawers ------------------------------------------------------------------------------
def test_open_drawer_counts_float_and_one_session_per_drawer(drawer, senior, clerk):
    assert drawer.float_cents == 19000
    s = DrawerSession.get_by_id(drawer.session_id)
    assert s.status == "open" and s.open_guard == "D1" and json.loads(s.opening_count)["20"] == 5
    with pytest.raises(Conflict, match="D1 is already open"):
        drawers.open_drawer(senior, "D1", count=FLOAT)
    from ubtui.security import system_user
    drawers.create_drawer(system_user(), "D2")
    with pytest.raises(Conflict, match="already have drawer D1"):
        drawers.open_drawer(clerk, "D2", count={})


@pytest.mark.parametrize("count, field", [({"20": "x"}, "$20 bills"), ({"3": 1}, "Denomination"),
                                          ({"20": "-1"}, "$20 bills"), ({"1": 10**6}, "$1 bills")])
def test_bad_denomination_counts_are_refused(system, clerk, count, field):
    drawers.create_drawer(system, "D1")
    with pytest.raises(InputError) as e:
        drawers.open_drawer(clerk, "D1", count=count)
    assert e.value.field == field
    assert DrawerSession.select().count() == 0


def test_no_payment_without_open_drawer(clerk, make_account):
    a = make_account()
    with pytest.raises(Conflict, match="no drawer is open"):
        pay(clerk, a, "10.00")
    assert Payment.select().count() == 0 and Posting.select().count() == 0


def test_unbalanced_older_session_warns(system, clerk, make_account, monkeypatch):
    drawers.create_drawer(system, "D1")
    yesterday = _dt.date.today() - _dt.timedelta(days=1)
    drawers.open_drawer(clerk, "D1", count=FLOAT, business_date=yesterday)
    drawers.count_drawer(clerk, cash=FLOAT)
    # counted but never closed; the next day, another drawer is opened
    drawers.create_drawer(system, "D2")
    DrawerSession.update(status="counted").execute()
    res = drawers.open_drawer(clerk, "D2", count=FLOAT)
    assert any("D1" in w and "counted" in w for w in res.warnings)


def close_day(user, day, count, *, reason="", next_float=None):
    """Open D1 on ``day`` with ``count``, count it as it is and close it (a balanced day
    unless ``count`` is off), the float left as ``next_float``."""
    drawers.open_drawer(user, "D1", count=count, business_date=day)
    drawers.count_drawer(user, cash=count)
    return drawers.close_drawer(user, reason=reason, next_float=next_float)


def test_a_zero_float_warns_and_offers_the_float_left_at_the_last_close(system, clerk):
    drawers.create_drawer(system, "D1")
    check = drawers.check_float(clerk, "d1", {})
    assert check.carried_cents is None and check.warnings == ["the float is $0.00: count the money in the drawer"]
    close_day(clerk, _dt.date.today() - _dt.timedelta(days=1), FLOAT, next_float="100")
    check = drawers.check_float(clerk, "D1", {"20": "0"})
    assert check.float_cents == 0 and check.carried_cents == 10000
    # the close banked four $20s and a $10, keeping the change: F4 on the screen fills these in
    assert check.carried_count == {"20": 1, "10": 4, "5": 4, "1": 10, "0.25": 40}
    assert "the last close left $100.00" in check.warnings[0]
    assert "carried" in drawers.check_float(clerk, "D1", {"20": 4}).warnings[0]
    assert drawers.check_float(clerk, "D1", check.carried_count).warnings == []
    assert DrawerSession.select().where(DrawerSession.status == "open").count() == 0  # a check writes nothing
    opened = drawers.open_drawer(clerk, "D1", count={})
    assert any("$0.00" in w for w in opened.warnings)  # opened anyway (the screen asked twice)


def test_an_unusual_float_warns(system, clerk):
    drawers.create_drawer(system, "D1")
    assert "more than the usual $1,000.00" in drawers.check_float(clerk, "D1", {"100": 20}).warnings[0]
    assert drawers.check_float(clerk, "D1", {"100": 2}).warnings == []


def test_an_over_short_note_is_shown_at_the_next_open_only(system, clerk):
    drawers.create_drawer(system, "D1")
    today = _dt.date.today()
    close_day(clerk, today - _dt.timedelta(days=3), FLOAT)
    # two days ago the count was $1 over (a $1 bill more than the float)
    over = dict(FLOAT, **{"1": 11})
    drawers.open_drawer(clerk, "D1", count=FLOAT, business_date=today - _dt.timedelta(days=2))
    drawers.count_drawer(clerk, cash=over)
    drawers.close_drawer(clerk, reason="found a dollar", next_float="190")
    res = drawers.open_drawer(clerk, "D1", count=FLOAT, business_date=today - _dt.timedelta(days=1))
    assert [w for w in res.warnings if "over/short" in w] == [
        f"drawer D1 from {today - _dt.timedelta(days=2)} closed $1.00 over/short"]
    drawers.count_drawer(clerk, cash=FLOAT)
    drawers.close_drawer(clerk)
    assert not any("over/short" in w for w in drawers.open_drawer(clerk, "D1", count=FLOAT).warnings)


@pytest.mark.parametrize("mode", ["warn", "refuse"])
def test_the_same_clerk_on_another_terminal(drawer, system, clerk, make_account, monkeypatch, mode):
    from ubtui.config import settings
    settings().same_clerk_terminals = mode
    a = make_account()
    s = DrawerSession.get_by_id(drawer.session_id)
    assert s.terminal == drawers.terminal_id() and s.terminal
    assert pay(clerk, a, "5", key="here").alerts == []  # from the terminal that opened it
    monkeypatch.setattr(drawers, "terminal_id", lambda: "counter-2:pts/7")
    alerts = payments.payment_alerts(clerk, [a.id], "5", ["cash"])
    assert [(x.code, x.hard) for x in alerts if x.code == "other_terminal"] == [("other_terminal", mode == "refuse")]
    assert s.terminal in alerts[0].message and "counter-2:pts/7" in alerts[0].message
    if mode == "warn":
        r = pay(clerk, a, "5", key="there")
        assert sorted(x.code for x in r.alerts) == ["credit", "other_terminal"]  # the first $5 left a credit
        drawers.drawer_movement(clerk, "drop", "20", "", "drop-there")
        assert "not on this one" in AuditLog.select().where(AuditLog.action == "drawer.drop").get().detail
    else:
        with pytest.raises(Conflict, match="opened on terminal"):
            pay(clerk, a, "5", key="there")
        with pytest.raises(Conflict, match="opened on terminal"):
            drawers.drawer_movement(clerk, "drop", "20", "", "drop-there")
        assert Payment.select().count() == 1
    drawers.create_drawer(system, "D2")
    with pytest.raises(Conflict, match="D1 open on terminal"):  # a second drawer from here names the first's
        drawers.open_drawer(clerk, "D2", count=FLOAT)


# --- payments -----------------------------------------------------------------------------
def test_cash_payment_with_change_and_new_balance(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 4250)
    r = pay(clerk, a, "42.50", TenderIn(kind="cash", amount="50"))
    assert (r.total_cents, r.tendered_cents, r.change_cents, r.created) == (4250, 5000, 750, True)
    assert r.receipt_number.startswith("R") and r.accounts[0].balance_after_cents == 0
    assert r.accounts[0].balance_before_cents == 4250
    assert balance(a) == 0 and verify_all() == []
    assert expected_cash(DrawerSession.get_by_id(drawer.session_id)) == 19000 + 4250


def test_double_enter_posts_once(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 3000)
    first = pay(clerk, a, "30", key="form-1")
    again = pay(clerk, a, "30", key="form-1")
    assert again.created is False and again.receipt_number == first.receipt_number
    assert Payment.select().count() == 1 and balance(a) == 0


def test_one_audit_row_per_receipt_names_its_posting_and_entries(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 3000)
    r = pay(clerk, a, "30", key="form-audit")
    pay(clerk, a, "30", key="form-audit")  # the replay writes nothing, audit included
    rows = list(AuditLog.select().where(AuditLog.user == clerk.id))
    mine = [x for x in rows if x.action in ("payment.take", "post.payment")]
    assert [x.action for x in mine] == ["payment.take"] and mine[0].entity_id == str(r.payment_id)
    after = json.loads(mine[0].after)
    posting = Payment.get_by_id(r.payment_id).posting_id
    assert after["posting"] == posting and after["key"] == "form-audit"
    assert after["paid"] == [[a.id, [["water", 3000]]]]


def test_receipt_numbers_are_unique(drawer, clerk, make_account):
    a = make_account()
    numbers = {pay(clerk, a, "1", key=f"k{i}").receipt_number for i in range(5)}
    assert len(numbers) == 5 and balance(a) == -500  # overpayments stay as credit


def test_split_tender_change_only_from_cash(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 10000)
    r = pay(clerk, a, "100", TenderIn(kind="check", amount="60", check_number="1234", bank="First", name="Pat"),
            TenderIn(kind="cash", amount="50"))
    assert r.change_cents == 1000 and r.tendered_cents == 11000
    kinds = sorted((t.kind, t.amount_cents, t.check_number) for t in Tender.select())
    assert kinds == [("cash", 5000, ""), ("check", 6000, "1234")]
    with pytest.raises(InputError, match="change is given only from cash") as e:
        pay(clerk, a, "10", TenderIn(kind="check", amount="20", check_number="1235"), key="k2")
    assert e.value.field == "Amount tendered"
    assert Payment.select().count() == 1


def test_one_check_pays_several_accounts(drawer, clerk, system, make_account):
    a, b = make_account(), make_account("Jones")
    charge(system, a, 2000)
    charge(system, b, 3000)
    r = payments.take_payment(clerk, TakePayment(
        idempotency_key="multi", accounts=[AccountAmount(account=a.number, amount="20"),
                                           AccountAmount(account=b.number, amount="30")],
        tenders=[TenderIn(kind="check", amount="50", check_number="777")]))
    fmt = format_account_number
    assert {x.number: x.amount_cents for x in r.accounts} == {fmt(a.number): 2000, fmt(b.number): 3000}
    assert balance(a) == 0 and balance(b) == 0 and Posting.select().where(Posting.kind == "payment").count() == 1
    assert verify_all() == []


def test_partial_and_overpayment(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 5000)
    pay(clerk, a, "20", key="p1")
    assert balance(a) == 3000
    r = pay(clerk, a, "50", key="p2")
    assert balance(a) == -2000
    assert ("credit", 2000) in r.accounts[0].allocation


def test_allocation_order_reconnect_fee_then_fees_then_oldest(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 3000, "water", days_ago=60)
    charge(system, a, 2000, "sewer", days_ago=30)
    charge(system, a, 500, "late_fee", days_ago=20)
    charge(system, a, 7500, "reconnect_fee", days_ago=1)
    charge(system, a, 3100, "water", days_ago=0, key="w2")
    r = pay(clerk, a, "110")
    assert r.accounts[0].allocation == [("reconnect_fee", 7500), ("late_fee", 500), ("water", 3000)]
    entries = {e.category: -e.amount_cents for e in LedgerEntry.select().where(LedgerEntry.kind == "payment")}
    assert entries == {"reconnect_fee": 7500, "late_fee": 500, "water": 3000}
    # the next payment sees what is still open: sewer (older) before the new water charge
    r2 = pay(clerk, a, "30", key="k2")
    assert r2.accounts[0].allocation == [("sewer", 2000), ("water", 1000)]


def test_allocation_with_uncategorised_old_credits(system, make_account):
    a = make_account()
    charge(system, a, 1000, "water", days_ago=40)
    charge(system, a, 1000, "sewer", days_ago=10)
    ledger.post(system, "old-pay", "payment", [ledger.EntrySpec(a.id, "payment", -1500)])
    assert payments.allocate(a.id, 2000, ["oldest"]) == [("sewer", 500), ("credit", 1500)]



def test_credits_read_as_sums_give_the_same_open_items(system, clerk, drawer, make_account):
    """``ledger_rows`` sums credits by category in SQL; open charges must come out as from
    every entry read one by one, in integer cents on either backend."""
    a = make_account()
    charge(system, a, 4000, "water", days_ago=70)
    charge(system, a, 2500, "sewer", days_ago=65)
    charge(system, a, 500, "late_fee", days_ago=40)
    pay(clerk, a, "12.34", key="p1")
    pay(clerk, a, "20", key="p2")
    charge(system, a, 3000, "water", days_ago=5)
    ledger.post(system, "loose", "payment", [ledger.EntrySpec(a.id, "payment", -700)])
    every = [(e.id, e.category, e.amount_cents, e.effective_on, e.kind)
             for e in LedgerEntry.select().where(LedgerEntry.account == a.id).order_by(LedgerEntry.effective_on, LedgerEntry.id)]
    rows = payments.ledger_rows(a.id)
    assert all(r[0] is None for r in rows if r[2] < 0) and len(rows) < len(every)  # credits as sums
    assert all(type(r[2]) is int for r in rows)
    assert payments.open_items(a.id) == payments.open_items(a.id, every)
    assert sum(c for *_, c in payments.open_items(a.id)) == balance(a)


@pytest.mark.parametrize("years", [1, 5])
def test_a_payment_reads_the_same_few_rows_however_long_the_history(system, clerk, drawer, make_account, years):
    """Years of monthly bills paid (by category at the counter, or as loose mail payments,
    a late fee and a leak credit now and then) leave the same few rows to read: the charges
    still open, a sum per category and the recent charges.  Open items, allocation and the
    past-due alert are those of every entry read one by one."""
    a = make_account()
    today = _dt.date.today()
    for m in range(12 * years, 0, -1):
        day = today - _dt.timedelta(days=30 * m + 3)
        ledger.post(system, f"bill-{m}", "charge", [ledger.EntrySpec(a.id, "charge", 3000 + m, "water", "water", effective_on=day),
                                                    ledger.EntrySpec(a.id, "charge", 2100, "sewer", "sewer", effective_on=day)])
        paid = [ledger.EntrySpec(a.id, "payment", -(5100 + m), "", "mail", effective_on=day + _dt.timedelta(days=20))]
        if m % 3 == 0:
            paid = [ledger.EntrySpec(a.id, "payment", -(3000 + m), "water", "counter", effective_on=day),
                    ledger.EntrySpec(a.id, "payment", -2100, "sewer", "counter", effective_on=day)]
        ledger.post(system, f"pay-{m}", "payment", paid)
        if m % 7 == 0:
            ledger.post(system, f"fee-{m}", "fee", [ledger.EntrySpec(a.id, "fee", 500, "late_fee", "late", effective_on=day)])
            ledger.post(system, f"leak-{m}", "adjustment", [ledger.EntrySpec(a.id, "adjustment", -400, "water", "leak",
                                                                             effective_on=day)])
    charge(system, a, 4500, "water", days_ago=10)
    charge(system, a, 2100, "sewer", days_ago=10)
    every = [(e.id, e.category, e.amount_cents, e.effective_on, e.kind)
             for e in LedgerEntry.select().where(LedgerEntry.account == a.id).order_by(LedgerEntry.effective_on, LedgerEntry.id)]
    rows = payments.ledger_rows(a.id)
    assert len(rows) <= payments.RECENT_CHARGES + 10 and len(every) > 12 * years * 3
    assert payments.open_items(a.id, rows) == payments.open_items(a.id, every)
    assert sum(c for *_, c in payments.open_items(a.id, rows)) == balance(a) > 0
    for order in (["oldest"], ["late_fee", "oldest"], ["sewer", "oldest"]):
        assert payments.allocate(a.id, 9000, order, rows) == payments.allocate(a.id, 9000, order, every)
    acct = Account.get_by_id(a.id)
    assert payments._past_due_cents(acct, today, rows) == payments._past_due_cents(acct, today, every)
    assert payments._past_due_cents(acct, today - _dt.timedelta(days=5), rows) == \
        payments._past_due_cents(acct, today - _dt.timedelta(days=5), every)


def test_payment_reads_its_sums_from_the_index_alone(db):
    """A payment reads no table row per past bill or payment: its newest charges are the
    first rows of the debits index, by date (amount, category and kind in it, so no table
    row either), and the sums of everything else are the account's rows of the category
    sums (issue #12: the read does not grow with the years).  SQLite's plan says so."""
    index = {i.name: i.columns for i in db.get_indexes("ledger_entry")}
    assert index["ledger_entry_account_id_id_amount_cents_category_effective_on"] == [
        "account_id", "id", "amount_cents", "category", "effective_on"]
    assert index["ledger_entry_debits_by_date"] == [
        "account_id", "effective_on", "id", "amount_cents", "category", "kind"]
    if db.param != "?":
        return  # PostgreSQL picks index-only scans by its statistics; the index is the same
    plan = [r[-1] for r in db.execute_sql("EXPLAIN QUERY PLAN " + payments._open_sql(False, "?", payments.RECENT_CHARGES), (1, 1, 1)).fetchall()]
    steps = [p for p in plan if "ledger_entry" in p]
    assert steps == ["SEARCH ledger_entry USING COVERING INDEX ledger_entry_debits_by_date (account_id=?)"], plan
    assert not any("TEMP B-TREE" in p for p in plan), plan  # in the index's order: the LIMIT stops the read
    assert any(p.startswith("SEARCH s USING") and "(account_id=?)" in p for p in plan), plan  # the category sums


@pytest.mark.parametrize("tender, field", [
    (TenderIn(kind="card", amount="10", card_last4="4111111111111111", auth_code="A1"), "Card last 4"),
    (TenderIn(kind="card", amount="10", card_last4="4111 1111 1111 1111", auth_code="A1"), "Card last 4"),
    (TenderIn(kind="card", amount="10", card_last4="1234", auth_code="4012888888881881"), "Card last 4"),
    (TenderIn(kind="check", amount="10", check_number="4012888888881881"), "Tender"),
    (TenderIn(kind="card", amount="10", card_last4="123", auth_code="A1"), "Card last 4"),
    (TenderIn(kind="card", amount="10", card_last4="1234", auth_code=""), "Auth code"),
    (TenderIn(kind="check", amount="10", check_number=""), "Check number"),
    (TenderIn(kind="check", amount="10", check_number="12a"), "Check number"),
    (TenderIn(kind="cash", amount="10.005"), "Amount tendered"),
    (TenderIn(kind="cash", amount="1e3"), "Amount tendered"),
    (TenderIn(kind="bitcoin", amount="10"), "Tender"),
])
def test_bad_tenders_are_refused_and_card_numbers_never_stored(drawer, clerk, make_account, db, tender, field):
    a = make_account()
    with pytest.raises(InputError) as e:
        pay(clerk, a, "10", tender)
    assert e.value.field == field
    assert "4111" not in str(e.value) and "4012" not in str(e.value)
    assert Payment.select().count() == 0 and Posting.select().where(Posting.kind == "payment").count() == 0
    for row in AuditLog.select():
        assert "4111111111111111" not in f"{row.before}{row.after}{row.detail}"
        assert "4012888888881881" not in f"{row.before}{row.after}{row.detail}"


def test_card_tender_keeps_last4_and_auth_only(drawer, clerk, make_account):
    a = make_account()
    pay(clerk, a, "10", TenderIn(kind="card", amount="10", card_last4="4242", auth_code="ok123"))
    t = Tender.get()
    assert (t.card_last4, t.auth_code) == ("4242", "OK123")


def test_bad_account_and_amounts(drawer, clerk, make_account):
    a = make_account()
    with pytest.raises(InputError) as e:
        payments.take_payment(clerk, TakePayment(idempotency_key="x", accounts=[AccountAmount(account="99999")],
                                                tenders=[TenderIn(kind="cash", amount="5")]))
    assert e.value.field == "Account"
    bad_digit = a.number[:-1] + str((int(a.number[-1]) + 1) % 10)
    with pytest.raises(InputError, match="check digit"):
        payments.take_payment(clerk, TakePayment(idempotency_key="x", accounts=[AccountAmount(account=bad_digit)],
                                                tenders=[TenderIn(kind="cash", amount="5")]))
    with pytest.raises(InputError, match="less than the payment") as e:
        pay(clerk, a, "20", TenderIn(kind="cash", amount="10"))
    with pytest.raises(InputError) as e:
        pay(clerk, a, "-5", TenderIn(kind="cash", amount="5"))
    assert e.value.field == "Amount"
    assert Payment.select().count() == 0


# --- alerts -------------------------------------------------------------------------------
def test_alerts_before_posting(drawer, clerk, system, make_account):
    a = make_account()
    charge(system, a, 4000, days_ago=45)
    d = make_account("Disc", status="disconnected")
    alerts = payments.payment_alerts(clerk, [a.id, d.id], "5000", ["cash"])
    codes = {(x.code, x.account) for x in alerts}
    assert ("past_due", format_account_number(a.number)) in codes
    assert ("disconnected", format_account_number(d.number)) in codes
    assert ("far_above", format_account_number(d.number)) in codes
    assert not any(x.hard for x in alerts)


def test_cash_only_refuses_checks(drawer, clerk, system, make_account):
    from ubtui.accounts import set_payment_flags
    a = make_account()
    set_payment_flags(system, a.id, cash_only=True, reason="test")
    alerts = payments.payment_alerts(clerk, [a.id], "10", ["check"])
    assert [x.code for x in alerts if x.hard] == ["cash_only"]
    with pytest.raises(InputError, match="CASH ONLY"):
        pay(clerk, a, "10", TenderIn(kind="check", amount="10", check_number="1"))
    assert Payment.select().count() == 0
    assert pay(clerk, a, "10").created


def test_alerts_that_matter_need_the_clerks_confirmation(drawer, clerk, system, make_account):
    """A form that asks (``confirmed`` a list) posts only what the clerk confirmed."""
    from ubtui.config import Settings, use_settings

    use_settings(Settings(payment_confirm_over_cents=50_000))
    a = make_account()
    charge(system, a, 9169)
    with pytest.raises(payments.AlertsToConfirm) as e:
        pay(clerk, a, "30000", confirmed=[])
    assert {x.code for x in e.value.alerts} == {"far_above", "over_confirm"} and e.value.field == "Confirm"
    with pytest.raises(payments.AlertsToConfirm):
        pay(clerk, a, "30000", confirmed=["far_above"])
    assert Payment.select().count() == 0
    assert pay(clerk, a, "30000", confirmed=["far_above", "over_confirm"]).created
    assert pay(clerk, a, "20", key="k2", confirmed=[]).created  # nothing to confirm
    closed = make_account("Gone", status="closed")
    codes = {x.code: x.confirm for x in payments.payment_alerts(clerk, [closed.id], "10", ["cash"])}
    assert codes == {"closed": True}
    assert {x.code for x in payments.payment_alerts(clerk, [a.id], "10", ["cash"])} == {"credit"}


# --- voids --------------------------------------------------------------------------------
def test_same_day_void_needs_supervisor_and_reverses_exactly(drawer, clerk, system, supervisor, senior, make_account):
    a = make_account()
    charge(system, a, 4000)
    r = pay(clerk, a, "25")
    assert balance(a) == 1500
    with pytest.raises(Exception, match="wrong user name or password"):
        voids.void_payment(clerk, r.receipt_number, "typo", "super1", "wrong-password")
    with pytest.raises(PermissionDenied):
        voids.void_payment(clerk, r.receipt_number, "typo", "senior1", "password-senior1")
    assert Payment.get().status == "posted"
    v = voids.void_payment(clerk, r.receipt_number, "typo", "super1", "password-super1")
    assert balance(a) == 4000 and v.balances[a.id] == 4000
    p = Payment.get()
    assert p.status == "voided" and p.void_approved_by_id == supervisor.id
    with pytest.raises(Conflict, match="already voided"):
        voids.void_payment(clerk, r.receipt_number, "again", "super1", "password-super1")
    assert verify_all() == []


def test_old_payment_void_says_use_returned_payment(drawer, clerk, supervisor, make_account, monkeypatch):
    a = make_account()
    r = pay(clerk, a, "25")
    monkeypatch.setattr(voids, "business_today", lambda: _dt.date.today() + _dt.timedelta(days=1))
    with pytest.raises(Conflict, match="returned payment"):
        voids.void_payment(clerk, r.receipt_number, "late", "super1", "password-super1")


# --- balancing ----------------------------------------------------------------------------
def test_blind_count_close_deposit_and_float(drawer, clerk, system, supervisor, make_account):
    a = make_account()
    charge(system, a, 100000)
    pay(clerk, a, "42.50", TenderIn(kind="cash", amount="50"), key="p1")
    pay(clerk, a, "100", TenderIn(kind="check", amount="100", check_number="501"), key="p2")
    pay(clerk, a, "20", TenderIn(kind="card", amount="20", card_last4="1111", auth_code="X9"), key="p3")
    drawers.drawer_movement(clerk, "drop", "100", "safe", "drop-1")
    # expected = 190 + 50 - 7.50 - 100 = 132.50; count is $1 short
    counted = {"20": 3, "10": 5, "5": 3, "1": 6, "0.25": 2}  # 60 + 50 + 15 + 6 + 0.50 = 131.50
    res = drawers.count_drawer(clerk, cash=counted, checks=["100.00"], other={"card": "20"})
    assert (res.counted_cash_cents, res.expected_cash_cents, res.over_short_cents) == (13150, 13250, -100)
    assert res.expected_checks_cents == 10000 and res.counted_check_count == 1 and res.expected_other_cents == 2000
    assert res.needs_reason and not res.needs_approval
    with pytest.raises(InputError) as e:
        drawers.close_drawer(clerk)
    assert e.value.field == "Reason"
    with pytest.raises(InputError) as e:
        drawers.close_drawer(clerk, reason="miscounted change", next_float="1.001")
    assert e.value.field == "Next float"
    closed = drawers.close_drawer(clerk, reason="miscounted change", next_float="100")
    # the bank gets the largest pieces ($20, $10, $1, two quarters); $100 in smaller ones stays
    assert closed.over_short_cents == -100 and closed.next_float_cents == 10000 and not closed.warnings
    dep = Deposit.get_by_id(closed.deposit_id)
    assert dep.checks_cents == 10000 and dep.check_count == 1
    assert (dep.currency_cents, dep.coin_cents, dep.total_cents) == (3100, 50, 13150)
    assert "#501" in dep.slip_text and "TOTAL DEPOSIT" in dep.slip_text
    s = DrawerSession.get_by_id(drawer.session_id)
    assert s.status == "closed" and s.open_guard is None and s.expected_cash_cents == 13250
    assert verify_all() == []
    # the float carries to the next opening; a different count warns
    nxt = drawers.open_drawer(clerk, "D1", count={"20": 4})
    assert any("carried" in w for w in nxt.warnings)


@pytest.mark.parametrize("counts, float_cents, kept", [
    # $20 taken in on a $153.80 float: one $20 to the bank; the small bills and the coin stay
    ({"20": 6, "10": 2, "5": 4, "1": 10, "0.50": 4, "0.25": 4, "0.10": 5, "0.05": 4, "0.01": 10}, 15380,
     {"20": 5, "10": 2, "5": 4, "1": 10, "0.50": 4, "0.25": 4, "0.10": 5, "0.05": 4, "0.01": 10}),
    # the largest pieces cannot make $0.30 (a quarter, then no nickel): the float is taken instead
    ({"20": 1, "0.25": 1, "0.10": 3}, 2025, {"20": 1, "0.25": 1}),
    # more float asked than there is: everything stays (close_drawer warns)
    ({"5": 2}, 2000, {"5": 2}),
])
def test_the_bank_gets_the_largest_pieces_and_the_float_keeps_the_change(counts, float_cents, kept):
    from ubtui.drawer import _float_from
    assert _float_from(counts, float_cents) == kept


def test_over_short_beyond_threshold_needs_supervisor(drawer, clerk, supervisor, make_account):
    res = drawers.count_drawer(clerk, cash={"20": 5, "10": 5})  # 150 of 190: $40 short
    assert res.over_short_cents == -4000 and res.needs_approval
    with pytest.raises(PermissionDenied, match="supervisor must approve"):
        drawers.close_drawer(clerk, reason="unknown")
    with pytest.raises(PermissionDenied):
        drawers.close_drawer(clerk, reason="unknown", approver_username="clerk1", approver_password="password-clerk1")
    closed = drawers.close_drawer(clerk, reason="unknown", approver_username="super1",
                                  approver_password="password-super1")
    assert DrawerSession.get_by_id(closed.session_id).approved_by_id == supervisor.id


def test_paid_out_needs_permission_and_reason(drawer, clerk, senior):
    with pytest.raises(PermissionDenied):
        drawers.drawer_movement(clerk, "paid_out", "5", "stamps", "po-1")
    with pytest.raises(InputError) as e:
        drawers.drawer_movement(clerk, "drop", "abc", "", "d-1")
    assert e.value.field == "Drop amount"
    m1 = drawers.drawer_movement(clerk, "drop", "50", "", "d-1")
    m2 = drawers.drawer_movement(clerk, "drop", "50", "", "d-1")
    assert m1.id == m2.id


# --- totals -------------------------------------------------------------------------------
def test_daily_totals_and_drill_down(drawer, clerk, system, supervisor, make_account):
    a = make_account()
    pay(clerk, a, "10", key="a")
    pay(clerk, a, "30", TenderIn(kind="check", amount="30", check_number="9"), key="b")
    r = pay(clerk, a, "5", key="c")
    voids.void_payment(clerk, r.receipt_number, "wrong account", "super1", "password-super1")
    with pytest.raises(PermissionDenied):
        totals.daily_totals(clerk)
    t = totals.daily_totals(supervisor)
    assert t.total_cents == 4000 and t.receipts == 2 and t.voids == 1 and t.void_cents == 500
    assert t.by_tender == {"cash": 1000, "check": 3000} and t.by_operator == {"clerk1": 4000}
    assert t.open_drawers == ["D1"] and t.sessions[0].cash_cents == 1000
    rows = totals.list_receipts(supervisor, _dt.date.today(), tender="check")
    assert [x.tenders for x in rows] == ["check #9"]
    assert [x.status for x in totals.list_receipts(supervisor, _dt.date.today())] == ["posted", "posted", "voided"]


def test_no_void_once_the_drawer_is_counted(drawer, clerk, supervisor, make_account):
    a = make_account()
    r = pay(clerk, a, "25")
    drawers.count_drawer(clerk, cash={"20": 5, "10": 5, "5": 4, "1": 10, "0.25": 40, "1c": 25})
    with pytest.raises(Conflict, match="already counted"):
        voids.void_payment(clerk, r.receipt_number, "late", "super1", "password-super1")
    assert Payment.get().status == "posted" and verify_all() == []


def test_a_session_s_payments_are_found_by_its_business_date(drawer, clerk, system, make_account):
    """Payments of a session are read through the business-date index (payment.session_id has
    none); verify names a receipt whose date left its session's."""
    a = make_account()
    charge(system, a, 5000)
    r = pay(clerk, a, "20", key="day-1")
    s = DrawerSession.get_by_id(drawer.session_id)
    assert expected_cash(s) == 19000 + 2000
    assert [x.receipt_number for x in totals.list_receipts(system, session_id=s.id)] == [r.receipt_number]
    Payment.update(business_date=s.business_date - _dt.timedelta(days=1)).where(Payment.id == r.payment_id).execute()
    assert expected_cash(s) == 19000
    assert any(b.check == "payment" and r.receipt_number in b.message and "session" in b.message
               for b in verify_all())
