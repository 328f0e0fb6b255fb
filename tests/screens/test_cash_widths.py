"""Issue #17 on the cash screens: nothing a clerk needs is cut, at 80x24 and at 132x43.

The payment screen's customer line, its alerts and the confirmation asked for, and the daily
totals' header are drawn with long real-world values (a school district's name, a long street
with its unit, four alerts on one account, a dozen drawers and operators with long names);
every value must be on the screen whole (read back from the lines drawn, a wrapped value's
lines joined) and no line may end in an ellipsis."""
from __future__ import annotations

from screens.cash.payment import PaymentScreen
from screens.cash.totals import TotalsScreen
from screens.common.textual_internals import screen_strips
from tests.screens.appkit import TODAY, add_user, make_app, settle, sign_in
from ubtui import drawer, ledger, payments
from ubtui.accounts import create_customer, create_premise, format_account_number, open_account, set_payment_flags
from ubtui.security import system_user

SIZES = ((80, 24), (132, 43))
ORG = "Sacramento Valley Unified School District"
STREET, UNIT = "East Almond Orchard Parkway", "Suite 1400"


def lines_of(app) -> list[str]:
    return [strip.text.rstrip() for strip in screen_strips(app.screen)]


def bare(text: str) -> str:
    return "".join(text.split())


def assert_whole(app, *values: str) -> None:
    """Each of ``values`` is on the screen whole (its lines joined, spaces aside), and no
    line ends in an ellipsis."""
    lines = lines_of(app)
    joined = bare("".join(lines))
    missing = [v for v in values if bare(v) not in joined]
    assert not missing, (app.size, missing, "\n".join(lines))
    cut = [line for line in lines if line.endswith(("…", "..."))]
    assert not cut, (app.size, cut)


def region_text(app, selector: str) -> str:
    """What is drawn inside the widget ``selector`` (its lines joined, spaces aside): a widget
    beside another (the result beside the change-due digits) read alone."""
    r = app.screen.query_one(selector).region
    return bare("".join(line[r.x:r.right] for line in lines_of(app)[r.y:r.bottom]))


def long_account(balance: int = 4250, cash_only: bool = True):
    sysu = system_user()
    cust = create_customer(sysu, last_name=ORG, kind="organization")
    prem = create_premise(sysu, house_number="1247", street=STREET, unit=UNIT, city="West Sacramento",
                          state="CA", zip="95691")
    acct = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="disconnected")
    if cash_only:
        set_payment_flags(sysu, acct.id, reason="test", cash_only=True)
    ledger.post(sysu, "chg1", "charge", [ledger.EntrySpec(acct.id, "charge", balance, "water", "water",
                                                          effective_on=TODAY)])
    return acct


async def test_payment_customer_alerts_and_confirmation_whole(sqlite_url):
    clerk = add_user("clerk")
    acct = long_account()
    drawer.create_drawer(system_user(), "D1")
    drawer.open_drawer(clerk, "D1", count={"20": 5}, business_date=TODAY)
    for size in SIZES:
        app = make_app(sqlite_url)
        async with app.run_test(size=size) as pilot:
            await sign_in(pilot)
            app.push_screen(PaymentScreen())
            await settle(pilot)
            await pilot.press(*acct.number, "enter")
            await settle(pilot)
            await pilot.press(*"900.00", "enter")  # far above the balance: one more alert
            await settle(pilot)
            alerts = await app.db(payments.payment_alerts, app.user, [acct.id], [90000], ("cash",))
            assert len(alerts) >= 3, alerts
            assert_whole(app, ORG, f"1247 {STREET}", UNIT, *(a.message for a in alerts))
            await pilot.press("f9")  # the alerts to confirm: Confirm amount and why
            await settle(pilot)
            assert app.screen.query_one("#pay-confirm-row").display
            assert_whole(app, ORG, "re-type the amount, then F9", "re-type 900.00, then F9 posts",
                         *(a.message for a in alerts if a.confirm))
            assert format_account_number(acct.number) in "\n".join(lines_of(app))
            if size == SIZES[0]:  # posted once: the result, a reconnect line too, and CHANGE DUE under it
                await pilot.press(*"900.00", "f9")
                await settle(pilot)
                r = app.screen.result
                assert r is not None and r.change_cents == 0
                shown = region_text(app, "#pay-result")
                missing = [v for v in (f"Receipt {r.receipt_number}", *r.reconnects, "CHANGE DUE $0.00")
                           if bare(v) not in shown]
                assert not missing and r.reconnects, (missing, "\n".join(lines_of(app)))


async def test_totals_header_whole(sqlite_url):
    acct = long_account(balance=9_000_00, cash_only=False)
    sysu = system_user()
    codes = []
    for i in range(12):  # a busy day: a dozen drawers, each its own long-named operator
        user = add_user(f"cashier_{i:02d}_hernandez_gonzalez")
        code = f"DRW{i:02d}"
        drawer.create_drawer(sysu, code)
        drawer.open_drawer(user, code, count={"20": 5}, business_date=TODAY)
        payments.take_payment(user, payments.TakePayment(
            idempotency_key=f"t{i}", accounts=[payments.AccountAmount(account=acct.id, amount="12.34")],
            tenders=[payments.TenderIn(kind="cash", amount="12.34")], confirmed=["disconnected"]))
        if i == 0:  # a card payment of four figures: its amount on one line of the table
            payments.take_payment(user, payments.TakePayment(
                idempotency_key="card", accounts=[payments.AccountAmount(account=acct.id, amount="1039.39")],
                tenders=[payments.TenderIn(kind="card", amount="1039.39", card_last4="4242", auth_code="A1")],
                confirmed=["disconnected", "over_confirm"]))
        codes.append(code)
    add_user("super", "supervisor")
    for size in SIZES:
        app = make_app(sqlite_url)
        async with app.run_test(size=size) as pilot:
            await sign_in(pilot, "super")
            app.push_screen(TotalsScreen(TODAY))
            await settle(pilot)
            t = app.screen.totals
            assert t is not None and t.receipts == 13
            assert_whole(app, f"receipts {t.receipts}", "over/short", "Open: " + " ".join(codes),
                         *(f"cashier_{i:02d}_hernandez_gonzalez ${12.34 + 1039.39 * (i == 0):,.2f}"
                           for i in range(12)))
            r = app.screen.query_one("#tot-table").region  # the drawer's row, not the header's tenders
            assert any("$1,039.39" in line[r.x:r.right] for line in lines_of(app)[r.y:r.bottom]), \
                "\n".join(lines_of(app))
