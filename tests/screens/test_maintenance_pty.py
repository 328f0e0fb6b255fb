"""The maintenance forms typed in a real pseudo-terminal (tests/ptykit.py), each in one burst of
keys as a fast clerk types it (issue #19): name, mailing address, phones, e-mails, language and
preferences, add a role, end a role, info codes, premise notes, merge.  Hostile text goes into
every free-text field ("[/] [bold]x", emoji, 500 characters typed into a shorter field; ESC
sequences, which no terminal can type, stored as an import would), then every screen that shows
it is opened: nothing crashes, the text shows as typed, and no stored byte reaches the terminal
as a control sequence."""
from __future__ import annotations

import re

import pytest

from models import Account, AccountCustomer, Customer, Email, Phone, Premise
from tests.ptykit import AppTerminal
from tests.screens.appkit import add_user
from tests.screens.test_actions import new_account

pytestmark = pytest.mark.slow

MARKUP = "[/] [bold]x"
EMOJI = "\U0001f4a7\U0001f436"  # droplet, dog
LONG = "y" * 500
ESC = "\x1b]0;pwned\x07\x1b[2J"  # a title change and a clear screen, if it ever reached the terminal


def said(text: str) -> re.Pattern:
    """A result line, wherever the status line wraps it."""
    return re.compile(r"\s+".join(re.escape(w) for w in text.split()))


def dashed(acct) -> str:
    return acct.number[:-1] + "-" + acct.number[-1]


def test_each_customer_form_in_one_burst_with_hostile_text(sqlite_url):
    add_user("clerk")
    acct = new_account()
    number = dashed(acct)
    cid = AccountCustomer.get(AccountCustomer.account == acct.id).customer_id
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        open_actions = ("f2", number, "enter", "a", "a")
        # name and mailing address ("send my bills to my PO box"): markup, emoji, 500 characters
        t.keys(*open_actions, "n", "ctrl+u", f"{MARKUP} {EMOJI}", "enter", "ctrl+u", f"[bold]Zed{EMOJI}[/]", "enter",
               "ctrl+u", "PO Box 77", "enter", "ctrl+u", f"{MARKUP} {LONG}", "enter", "ctrl+u", f"[@click=app.quit]{EMOJI}",
               "enter", "ctrl+u", "or", "enter", "ctrl+u", "97201-1234", "f9")
        t.wait_for(said("name and mailing address saved"), timeout=60)
        # phones and an e-mail ("I have a new phone")
        t.keys("p", "ctrl+u", "541 555 0199 mobile", "enter", "555-010-0001", "enter", "enter", "Zed@Example.org", "f9")
        t.wait_for(said("2 phones, 1 e-mail saved"), timeout=60)
        # language and preferences
        t.keys("l", "ctrl+u", "es", "enter", "ctrl+u", "te", "enter", "ctrl+u", "em", "enter")
        t.wait_for(said("language es, contact by text, bills by email"), timeout=60)
        # add a customer ("add my wife to the account"), hostile name
        t.keys("g", "enter", f"[/]Wife{EMOJI} {LONG}", "enter", f"{MARKUP}", "enter", "541 555 0166", "enter",
               "enter", "enter")
        t.wait_for(said("is tenant from"), timeout=60)
        # end a role: the wife's (the second listed)
        t.keys("e", "2", "enter", "enter")
        t.wait_for(said(": tenant until"), timeout=60)
        # info codes and premise notes
        t.keys("i", "ctrl+u", "dog, locked gate", "enter", "ctrl+u", f"{MARKUP} {EMOJI} {LONG}", "f9")
        t.wait_for_all(said("info codes and premise notes saved"), "Account actions", timeout=60)
        assert t.alive()
        # every screen that shows it: the account (header, changes), the forms, the F4 lists, search
        t.keys("n")  # the wife's role ends today: she is the customer of record until tonight
        t.wait_for("Changing: [/]Wife", timeout=30)
        t.keys("ctrl+u", "1")
        t.wait_for("Changing: [bold]Zed", timeout=30)
        t.keys("f3", "e")
        t.wait_for("1: [bold]Zed", timeout=30)
        t.keys("f3", "p", "f4")
        t.wait_for("(owner)", timeout=30)
        t.keys("f3", "f3", "i")
        t.wait_for("Premise notes", timeout=30)
        assert "[/] [bold]x" in t.wait_for("yyyy", timeout=30)
        t.keys("f3", "f3", "7")
        # the 500-character note takes three lines at most: the changes under it still show
        shown = t.wait_for_all("info codes: (none) -> dog,locked gate", "[bold]Zed", timeout=30)
        assert "[@click=app.quit]" not in shown
        t.keys("f2", "ctrl+u", "zed")
        shown = t.wait_for(number, timeout=30)
        assert t.alive()
    c = Customer.get_by_id(cid)
    assert (c.first_name, c.last_name, c.mail_line1, c.mail_city, c.mail_state, c.mail_zip) == (
        f"{MARKUP} {EMOJI}", f"[bold]Zed{EMOJI}[/]", "PO Box 77", f"[@click=app.quit]{EMOJI}", "OR", "97201-1234")
    assert c.mail_line2 == f"{MARKUP} {LONG}"[:80]  # the field takes 80 characters of the 500 typed
    assert (c.language, c.contact_by, c.bill_delivery) == ("es", "text", "email")
    assert [(p.kind, p.digits) for p in Phone.select().where(Phone.customer == cid).order_by(Phone.id)] == [
        ("mobile", "5415550199"), ("home", "5550100001")]
    assert [e.address for e in Email.select().where(Email.customer == cid)] == ["zed@example.org"]
    wife = AccountCustomer.select().where((AccountCustomer.account == acct.id) & (AccountCustomer.customer != cid)).get()
    assert wife.role == "tenant" and wife.end_date is not None
    assert wife.customer.last_name == f"[/]Wife{EMOJI} {LONG}"[:60] and wife.customer.first_name == MARKUP
    a = Account.get_by_id(acct.id)
    assert a.info_codes == "dog,locked gate"
    assert Premise.get_by_id(a.premise_id).notes == f"{MARKUP} {EMOJI} {LONG}"


def test_stored_escape_sequences_never_reach_the_terminal_and_a_supervisor_merges(sqlite_url):
    """ESC sequences stored in every free-text field (as an old import could), shown on every
    screen of the issue; then the duplicate merged in one burst with the supervisor's password."""
    add_user("clerk")
    add_user("super", "supervisor")
    acct = new_account()
    dup = new_account(house="14")  # the same Ana Rivera, the same phone: a duplicate
    keep = AccountCustomer.get(AccountCustomer.account == acct.id).customer_id
    other = AccountCustomer.get(AccountCustomer.account == dup.id).customer_id
    for cid in (keep, other):
        Customer.update(display_name=f"Rivera{ESC}, Ana", mail_line1=f"PO Box{ESC} 1", mail_line2=ESC,
                        mail_city=f"Cedar{ESC}").where(Customer.id == cid).execute()
    Premise.update(notes=f"gate{ESC}").where(Premise.id == acct.premise_id).execute()
    Account.update(info_codes=f"dog{ESC}").where(Account.id == acct.id).execute()
    with AppTerminal(sqlite_url) as t:
        t.sign_in("clerk", "clerk-demo-1")
        t.keys("f2", dashed(acct), "enter")
        t.wait_for("1 Transactions", timeout=60)
        t.keys("7")
        t.wait_for("customer added", timeout=30)
        t.keys("a", "a", "n")
        t.wait_for("Changing: Rivera", timeout=30)
        t.keys("f3", "p")
        t.wait_for("Phone 1", timeout=30)
        t.keys("f3", "e", "f4")
        t.wait_for("Rivera", timeout=30)
        t.wait_for("Enter picks", timeout=30)
        t.keys("f3", "f3")
        t.keys("i")
        t.wait_for("Premise notes", timeout=30)
        t.keys("f3", "m", "f4")
        t.wait_for(f"{keep} + {other}", timeout=30)
        # the merge, approved by the supervisor typed into the form: one burst
        t.keys("f3", "ctrl+u", "1", "enter", "enter", "super", "enter", "super-demo-1", "enter")
        t.wait_for(said(f"customer {other} merged into {keep}"), timeout=60)
        t.keys("f3", "7")
        t.wait_for(said("merged into this record"), timeout=30)  # the pane reads again on return
        t.keys("f2", "ctrl+u", "rivera")
        t.wait_for(dashed(dup), timeout=30)
        assert t.alive()
        raw = bytes(t.raw)
    assert b"\x1b]0;pwned" not in raw and b"pwned\x07" not in raw  # shown as placeholders, never sent
    assert Customer.get_by_id(other).merged_into_id == keep
    assert AccountCustomer.get(AccountCustomer.account == dup.id).customer_id == keep
