"""The money forms of the drawer typed as ONE burst each, to the real app on a pseudo-terminal
(tests/ptykit.py), as a fast clerk or a paste sends them: open, drop, paid-out, count and
close, void.  Each checks what was posted, not what the screen shows."""
from __future__ import annotations

import pytest

from models import Deposit, DrawerMovement, DrawerSession, Payment
from tests.ptykit import AppTerminal
from tests.screens.appkit import add_user
from ubtui import drawer, payments
from ubtui.payments import AccountAmount, TakePayment, TenderIn
from ubtui.security import system_user

pytestmark = pytest.mark.slow


def wait_until(t: AppTerminal, check, what: str, timeout: float = 30.0):
    """Poll the database until ``check()`` is true (the app posts from its own process)."""
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not posted in {timeout} s; screen:\n{t.screen_text()}")


def opened_d1(clerk, count=None):
    """D1 open for ``clerk`` (opened here; its terminal left empty: not this test's point)."""
    drawer.create_drawer(system_user(), "D1")
    drawer.open_drawer(clerk, "D1", count=count or {"20": 5})
    DrawerSession.update(terminal="").execute()


def test_open_typed_as_one_burst(sqlite_url):
    add_user("clerk")
    drawer.create_drawer(system_user(), "D1")
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        # menu D, drawer code, $100 x0, $50 x0, $20 x5, $10 x4, $5 x0, $2 x0, $1 x7, F9: $147
        t.keys("d", "D1", "enter", "enter", "enter", "5", "enter", "4", "enter", "enter", "enter", "7", "f9")
        wait_until(t, lambda: DrawerSession.select().count() == 1, "the open")
        t.wait_for("drawer D1 opened with $147.00")
    s = DrawerSession.get()
    assert (s.opening_float_cents, s.status) == (14700, "open")
    assert s.terminal and s.terminal != drawer.terminal_id()  # the app's terminal, not this process's


def test_drop_and_paid_out_typed_as_one_burst(sqlite_url):
    clerk = add_user("clerk")
    add_user("senior", "senior_clerk")
    opened_d1(clerk)
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        t.keys("d", "ctrl+d", "40.25", "enter", "to the safe", "enter")
        wait_until(t, lambda: DrawerMovement.select().count() == 1, "the drop")
        t.wait_for("drop of $40.25 recorded")
    m = DrawerMovement.get()
    assert (m.kind, m.amount_cents, m.reason) == ("drop", 4025, "to the safe")
    DrawerSession.update(operator=add_user("senior").id).execute()  # a paid-out needs a senior clerk
    with AppTerminal(sqlite_url) as t:
        t.sign_in("senior", "senior-demo-1")
        t.keys("d", "ctrl+y", "12.5", "enter", "stamps", "enter")
        wait_until(t, lambda: DrawerMovement.select().count() == 2, "the paid-out")
        t.wait_for("paid-out of $12.50 recorded")
    m = DrawerMovement.select().order_by(DrawerMovement.id.desc()).get()
    assert (m.kind, m.amount_cents, m.reason) == ("paid_out", 1250, "stamps")


def test_count_and_close_typed_as_one_burst(sqlite_url):
    clerk = add_user("clerk")
    add_user("super", "supervisor")
    opened_d1(clerk)  # $100 float, nothing taken: $10 short below
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        # the blind count ($20 x4, $10 x1 = $90), F9, then the close form: reason, next float
        # (empty: the opening float), the supervisor and password (beyond the $5 limit), Enter
        t.keys("d", "enter", "enter", "4", "enter", "1", "f9",
               "short ten", "enter", "enter", "super", "enter", "super-demo-1", "enter")
        wait_until(t, lambda: Deposit.select().count() == 1, "the close")
        t.wait_for("DEPOSIT SLIP")
    s = DrawerSession.get()
    assert (s.status, s.counted_cash_cents, s.over_short_cents, s.over_short_reason) == ("closed", 9000, -1000,
                                                                                          "short ten")
    assert s.approved_by.username == "super" and s.next_float_cents == 9000  # all of the $90 stays


def test_void_typed_as_one_burst(sqlite_url):
    from ubtui.accounts import create_customer, create_premise, open_account
    clerk = add_user("clerk")
    add_user("super", "supervisor")
    opened_d1(clerk)
    sysu = system_user()
    acct = open_account(sysu, premise=create_premise(sysu, house_number="1", street="Elm St"),
                        customers=[(create_customer(sysu, first_name="Al", last_name="Ng"), "owner")], status="active")
    r = payments.take_payment(clerk, TakePayment(idempotency_key="v1", accounts=[AccountAmount(account=acct.id, amount="30")],
                                                tenders=[TenderIn(kind="cash", amount="30")]))
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        # the receipts list, ctrl+v on its (only) receipt; the form starts on the reason
        t.keys("e", "ctrl+v", "keyed twice", "enter", "super", "enter", "super-demo-1", "enter")
        wait_until(t, lambda: Payment.get().status == "voided", "the void")
        t.wait_for("voided; balance now")
    p = Payment.get()
    assert (p.receipt_number, p.void_reason, p.void_approved_by.username) == (r.receipt_number, "keyed twice", "super")
