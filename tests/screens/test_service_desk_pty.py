"""A vacant address served in a real pseudo-terminal (tests/ptykit.py), typed as ONE burst
from the main menu: a new customer, a new address, its meter and service started, each form
posting while the keys of the next one are already waiting."""
from __future__ import annotations

import re

import pytest

from models import Account, Customer, Meter, Premise
from tests.ptykit import AppTerminal
from tests.screens.appkit import add_user

pytestmark = pytest.mark.slow


def test_customer_address_meter_and_start_in_one_burst(sqlite_url):
    add_user("senior", "senior_clerk")
    with AppTerminal(sqlite_url) as t:
        t.sign_in("senior", "senior-demo-1")
        t.keys("f10", "n",
               "c", "Okafor", "enter", "Ben", "enter", "enter", "PO Box 9", "enter", "enter", "Reno", "enter", "NV",
               "enter", "89501", "enter", "541-555-0177", "f9",
               "p", "40", "enter", "Depot Rd", "enter", "enter", "Reno", "enter", "NV", "enter", "89501", "enter",
               "001-222-33", "enter", "02", "enter", "17", "f9",
               "m", "enter", "SN-40", "enter", "enter", "Badger", "f9",
               "s", "f9")
        t.wait_for("new account 0001001-7 for Okafor, Ben", timeout=90)
        # the form may show its result for a frame before it gives the desk back: wait for the desk
        t.wait_for_all("Address:  1  40 Depot Rd", "Customer: 1  Okafor, Ben", re.compile(r"new\s+account\s+0001001-7"),
                       timeout=30)
    assert Customer.get().mail_line1 == "PO Box 9" and Premise.get().read_sequence == 17
    assert (Meter.get().serial, Meter.get().make) == ("SN-40", "Badger")
    acct = Account.get()
    assert (acct.premise_id, acct.status, acct.deposit_held_cents) == (1, "pending", 10000)


def test_a_new_address_without_a_meter_gets_its_install_ordered_and_billed_in_one_burst(sqlite_url):
    """No M step: the address has no meter, so starting service orders the new install of the
    size typed (Meter size, the ninth field) and bills its installation fee with the deposit."""
    from models import LedgerEntry, WorkOrder

    add_user("senior", "senior_clerk")
    with AppTerminal(sqlite_url) as t:
        t.sign_in("senior", "senior-demo-1")
        t.keys("f10", "n",
               "c", "Okafor", "enter", "Chidi", "f9",
               "p", "812", "enter", "Quarry Rd", "f9",
               "s", *["enter"] * 8, '3/4"', "f9")
        t.wait_for_all(re.compile(r"new\s+account\s+0001001-7"), re.compile(r"installation\s+fee\s+\$800\.00"),
                       timeout=90)
    acct = Account.get()
    wo = WorkOrder.get(WorkOrder.account == acct.id)
    assert (wo.kind, acct.status) == ("new_install", "pending") and '3/4" meter' in wo.instructions
    assert sorted((e.category, e.amount_cents) for e in LedgerEntry.select().where(LedgerEntry.account == acct.id)) == [
        ("deposit", 10000), ("install_fee", 80000)]
    assert Meter.select().count() == 0  # set when the field completes the order
