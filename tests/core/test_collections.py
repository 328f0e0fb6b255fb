import datetime as dt

import pytest

from models import Account, ContactLog, WorkOrder
from ubtui import collections, ledger
from ubtui.errors import InputError, PermissionDenied
from ubtui.ledger import EntrySpec

AS_OF = dt.date(2026, 11, 28)


def charge(user, acct, cents, days_ago, key):
    ledger.post(user, key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "Water",
                                                effective_on=AS_OF - dt.timedelta(days=days_ago))])


def test_worklist_steps_and_exemptions(system, supervisor, make_account):
    paid, d45, d75, d120, med = (make_account(last_name=n) for n in ("Paid", "Fortyfive", "Seventyfive", "Old", "Med"))
    charge(system, paid, 5000, 100, "p")
    ledger.post(system, "pp", "payment", [EntrySpec(paid.id, "payment", -5000)])
    charge(system, d45, 3000, 45, "a")
    charge(system, d45, 2000, 5, "a2")
    charge(system, d75, 4000, 75, "b")
    charge(system, d120, 9000, 120, "c")
    charge(system, med, 9000, 120, "m")
    Account.update(medical_certificate=True).where(Account.id == med.id).execute()
    rows = collections.delinquency_list(supervisor, AS_OF)
    by_name = {r.name.split(",")[0]: r for r in rows}
    assert set(by_name) == {"Fortyfive", "Seventyfive", "Old", "Med"}
    assert by_name["Fortyfive"].step == "reminder" and by_name["Fortyfive"].past_due_cents == 3000
    assert by_name["Fortyfive"].balance_cents == 5000
    assert by_name["Seventyfive"].step == "shutoff_notice"
    assert by_name["Old"].step == "disconnect" and by_name["Med"].exempt == "medical certificate"
    assert rows[0].aging["90+"] == 9000  # worst first

    orders = collections.order_disconnects(supervisor, AS_OF)
    assert [o.account_id for o in orders] == [d120.id]
    assert collections.order_disconnects(supervisor, AS_OF) == []  # already ordered
    assert WorkOrder.select().where(WorkOrder.kind == "disconnect").count() == 1


def test_letters_pdf_and_contact_log(system, supervisor, make_account, tmp_path):
    a = make_account(last_name="Muñoz")
    charge(system, a, 6100, 40, "x")
    path, n = collections.send_letters(supervisor, "reminder", tmp_path / "r.pdf", AS_OF)
    assert n == 1 and path.read_bytes().startswith(b"%PDF")
    log = ContactLog.get(ContactLog.account == a.id)
    assert log.channel == "mail" and log.subject == "Past-due reminder letter" and "$61.00" in log.text
    text = "\n".join(collections.letter_text(collections.delinquency_list(supervisor, AS_OF)[0], "shutoff_notice", AS_OF))
    assert "December 08, 2026" in text and "$61.00" in text
    with pytest.raises(InputError, match="Letter"):
        collections.send_letters(supervisor, "threat", tmp_path / "x.pdf", AS_OF)


def test_clerk_may_list_but_not_send(clerk, make_account, tmp_path):
    assert collections.delinquency_list(clerk, AS_OF) == []
    with pytest.raises(PermissionDenied):
        collections.send_letters(clerk, "reminder", tmp_path / "r.pdf", AS_OF)
