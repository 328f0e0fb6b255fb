"""End to end on both backends: sign in, find an account, read it, log a contact, quit."""
from __future__ import annotations

import datetime as _dt

from models import AuditLog, ContactLog
from screens.accounts.inquiry import InquiryScreen
from screens.shell.menu import MainMenuScreen
from tests.screens.appkit import burst, make_app, settle, text_of
from ubtui.ledger import EntrySpec, post
from ubtui.security import system_user


async def test_counter_flow(db_url, clerk, make_account):
    acct = make_account("Okonkwo", "Ada", street="Juniper Ln")
    post(system_user(), "e2e:charge:1", "charge",
         [EntrySpec(acct.id, "charge", 12345, "water", "Water Jan", "bill:1", _dt.date(2026, 2, 1))])
    app = make_app(db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # everything typed as one burst: sign in, search, open the only hit
        await burst(pilot, *"clerk1", "enter", *"password-clerk1", "enter", "f2", *"okonkwo", "enter")
        assert isinstance(app.screen, InquiryScreen) and app.screen.account_id == acct.id
        assert "Okonkwo, Ada (owner)" in text_of(app.screen.query_one("#h-customers"))
        assert text_of(app.screen.query_one("#h-balance")).startswith("Balance $123.45")
        await burst(pilot, "f6", *"Asked about bill", "enter", *"explained tiers", "enter", "enter", "enter")
        contact = ContactLog.get(ContactLog.account == acct.id)
        assert (contact.subject, contact.text, contact.user_id) == ("Asked about bill", "explained tiers", clerk.id)
        assert AuditLog.select().where((AuditLog.action == "contact.add") & (AuditLog.user == clerk.id)).count() == 1
        await burst(pilot, "f10")
        assert isinstance(app.screen, MainMenuScreen)
        await pilot.press("ctrl+q", "y")
        await pilot.pause()
    assert app.return_code == 0
