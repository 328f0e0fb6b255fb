"""The new-service desk and its forms at 80x24 (main menu N): the desk with a customer and an
address picked, the new customer / address / meter forms, start service at an address, a
move from an account, and the duplicates list."""
from __future__ import annotations

from tests.screens.appkit import add_user, make_app, settle, sign_in
from tests.screens.test_actions import new_account
from tests.screens.test_actions_snap import actions_opener, still


def desk_app(sqlite_url, press: tuple[str, ...] = ()):
    add_user("senior", "senior_clerk")
    new_account()  # Rivera, Ana at 12 Oak Ave: customer 1, premise 1
    app = make_app(sqlite_url)

    async def before(pilot) -> None:
        await sign_in(pilot, "senior")
        await pilot.press("f10", "n")
        await settle(pilot)
        await pilot.press(*press)
        await settle(pilot)
        still(app)
        await pilot.pause()

    return app, before


# C: the same name and phone as customer 1, F9, Enter uses it
PICK_CUSTOMER = ("c", *"rivera", "enter", *"ana", *["enter"] * 7, *"555-010-0001", "f9", "enter")


def test_desk_with_a_customer_picked(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, PICK_CUSTOMER)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_duplicate_customer_list(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, PICK_CUSTOMER[:-1])
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_new_customer_form(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, ("c",))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_new_premise_form_with_an_error(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, ("p", *"40", "enter", *"Depot Rd", "enter", "enter", "enter", *"NV", "enter",
                                        *"8950", "f9"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_new_meter_form(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, ("m",))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_start_at_an_address_form(sqlite_url, snap_compare):
    app, before = desk_app(sqlite_url, (*PICK_CUSTOMER, "s"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_move_form(sqlite_url, snap_compare):
    add_user("senior", "senior_clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    assert snap_compare(app, terminal_size=(80, 24), run_before=actions_opener(app, acct.id, "senior", ("h",)))


def test_final_credit_form(sqlite_url, snap_compare):
    import datetime as dt

    from models import Bill
    from tests.screens.appkit import TODAY
    from ubtui import ledger
    from ubtui.security import system_user

    add_user("senior", "senior_clerk")
    old = new_account(status="final_billed")
    Bill.create(account=old.id, period_start=TODAY - dt.timedelta(days=30), period_end=TODAY, bill_date=TODAY,
                due_date=TODAY + dt.timedelta(days=21), kind="final", total_cents=0)
    ledger.post(system_user(), "credit", "payment", [ledger.EntrySpec(old.id, "payment", -4150)])
    app, before = desk_app(sqlite_url, ("r", "f4"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
