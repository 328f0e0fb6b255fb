"""Stored text is data (issue #13): hostile values in every free-text field, every screen that
shows them opened in a real pseudo-terminal.  No crash, no markup, no raw escape reaches the
terminal: the app stays up, the values show as text with visible placeholders."""
from __future__ import annotations

import pytest

from tests.ptykit import AppTerminal

pytestmark = pytest.mark.slow

MARKUP = "Zzyzx [/] Meter [A/B] swapped [/] [@click=app.quit]q[/] [bold]"
# A screen clear, a colour and an OSC title whose BEL was stripped (it swallowed the rest).
ESCAPES = "AAA\x1b[2JBBB \x1b[31mQRED \x1b]0;OWNED"
BIDI = "\u202eevil\u202c \u2067iso\u2069 \u200fmark"
COMBINING = "e\u0301\u0301\u0301 Z\u0351\u0352"
LONG = "W" * 500
# What must never reach the terminal as written (markers no real frame contains).
RAW_FORBIDDEN = [b"\x1b[2JBBB", b"\x1b[31mQRED", b"\x1b]0;OWNED", "\u202e".encode(), "\u2067".encode(), b"\x00"]


@pytest.fixture
def hostile_account(db_url, backend):
    """An account whose customer, address, contact log, work order and ledger carry hostile text."""
    from models import ContactLog, database
    from tests.screens.appkit import add_user
    from ubtui import inquiry, ledger, workorders
    from ubtui.accounts import create_customer, create_premise, open_account
    from ubtui.ledger import EntrySpec
    from ubtui.security import system_user

    add_user("clerk")
    sysu = system_user()
    cust = create_customer(sysu, first_name=COMBINING, last_name=(MARKUP + ESCAPES)[:60],
                           phones=[("home", "555-010-0001")])
    prem = create_premise(sysu, house_number="12", street=(ESCAPES + BIDI)[:60], city="Cedar [Valley]",
                          state="CA", zip="95000", route="01")
    acct = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="active")
    ledger.post(sysu, "hostile-charge", "charge", [EntrySpec(acct.id, "charge", 1234, "fee", (MARKUP + ESCAPES)[:120])],
                memo=MARKUP + ESCAPES)
    inquiry.add_contact(sysu, acct.id, "phone", (MARKUP + ESCAPES)[:80], "\n".join([MARKUP, ESCAPES, BIDI, COMBINING, LONG]))
    workorders.create_work_order(sysu, kind="reread", account_id=acct.id,
                                 instructions=MARKUP + ESCAPES + BIDI)
    if backend == "sqlite":  # PostgreSQL cannot store NUL at all; the core refuses it (see tests/core)
        c = ContactLog.select().where(ContactLog.account == acct.id).first()
        database.execute_sql("UPDATE contact_log SET text = ? WHERE id = ?", (c.text + "\nnul\x00here", c.id))
    if not database.is_closed():
        database.close()
    return acct


def test_hostile_stored_text_shows_as_text_on_every_screen(db_url, hostile_account):
    with AppTerminal(db_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        t.keys("f2", "Zzyzx")
        # the search results, text and not markup; the address's ESC as the visible "␛"
        t.wait_for_all("1 account", "Zzyzx [/] Meter [", "AAA\u241b[2JBBB")
        t.keys("enter")
        header = t.wait_for("Service: ")
        assert "[A/B]" in header and "\u241b" in header  # ESC shows as the visible "␛"
        for pane in "654321":  # contacts, work orders, payments, usage, bills, transactions
            t.keys(pane)
            t.wait_idle()
            assert t.alive(), t.screen_text()
        t.keys("6")
        contacts = t.wait_idle()
        assert "[@click=app.quit]q[/]" in contacts, contacts
        t.keys("a", "a")  # account actions (A typed twice): name and address again
        t.wait_for("Account actions")
        t.wait_idle()
        t.keys("f3")
        t.wait_idle()
        t.keys("f7")  # payment entry for the account: the name and address
        t.wait_idle()
        assert t.alive(), t.screen_text()
        raw = bytes(t.raw)
    for marker in RAW_FORBIDDEN:
        assert marker not in raw, marker
