import datetime as dt

import pytest
from cryptography.fernet import Fernet

from models import Account, AuditLog, AutopayBatch, AutopayEnrollment, Payment
from ubtui import autopay, ledger
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.verify import verify_all

ROUTING = "021000021"  # a valid ABA check digit


@pytest.fixture(autouse=True)
def secret_key(monkeypatch):
    monkeypatch.setenv("UBTUI_SECRET_KEY", Fernet.generate_key().decode())


def test_routing_check_digit():
    assert autopay.routing_ok(ROUTING) and autopay.routing_ok("121000358")
    assert not autopay.routing_ok("021000022") and not autopay.routing_ok("12345678")


def test_enrol_stores_the_bank_account_only_encrypted(senior, make_account, db):
    a = make_account()
    e = autopay.enroll(senior, a.id, holder_name="Pat Smith", routing_number=ROUTING, bank_account="000123456789")
    assert e.bank_account == "****6789" and Account.get_by_id(a.id).autopay
    row = AutopayEnrollment.get_by_id(e.id)
    assert "123456789" not in row.bank_account_enc and autopay.decrypt(row.bank_account_enc) == "000123456789"
    audit_text = " ".join(r.after or "" for r in AuditLog.select())
    assert "123456789" not in audit_text and "****6789" in audit_text
    with pytest.raises(Conflict, match="already on autopay"):
        autopay.enroll(senior, a.id, holder_name="Pat", routing_number=ROUTING, bank_account="5555")
    autopay.cancel(senior, a.id, "customer request")
    assert not Account.get_by_id(a.id).autopay
    autopay.enroll(senior, a.id, holder_name="Pat", routing_number=ROUTING, bank_account="5555")


@pytest.mark.parametrize("kw,field", [
    (dict(holder_name="", routing_number=ROUTING, bank_account="1234"), "Account holder"),
    (dict(holder_name="X", routing_number="021000022", bank_account="1234"), "Routing number"),
    (dict(holder_name="X", routing_number=ROUTING, bank_account="12"), "Bank account"),
    (dict(holder_name="X", routing_number=ROUTING, bank_account="1234", bank_account_type="gold"), "Account type"),
])
def test_bad_enrolment_input_names_the_field(senior, make_account, kw, field):
    a = make_account()
    with pytest.raises(InputError, match=f"^{field}: "):
        autopay.enroll(senior, a.id, **kw)
    assert AutopayEnrollment.select().count() == 0


def test_clerk_cannot_enrol(clerk, make_account):
    with pytest.raises(PermissionDenied):
        autopay.enroll(clerk, make_account().id, holder_name="X", routing_number=ROUTING, bank_account="1234")


def test_daily_draft_posts_payments_and_writes_a_valid_nacha_file(senior, system, make_account, tmp_path):
    owes, credit, none = make_account(), make_account(), make_account()
    ledger.post(system, "c1", "charge", [EntrySpec(owes.id, "charge", 8642, "water", "Water")])
    ledger.post(system, "c2", "payment", [EntrySpec(credit.id, "payment", -500)])
    for a, acct_no in ((owes, "11112222"), (credit, "33334444"), (none, "55556666")):
        autopay.enroll(senior, a.id, holder_name=f"Holder {a.id}", routing_number=ROUTING, bank_account=acct_no,
                       start_on=dt.date(2026, 11, 1))
    d = autopay.build_draft(senior, dt.date(2026, 11, 27), dt.date(2026, 11, 30))
    assert d.created and d.entry_count == 1 and d.total_cents == 8642
    assert ledger.account_balance(owes.id) == 0 and ledger.account_balance(credit.id) == -500
    lines = d.nacha_text.splitlines()
    assert len(lines) % 10 == 0 and all(len(ln) == 94 for ln in lines)
    assert [ln[0] for ln in lines[:5]] == ["1", "5", "6", "8", "9"]
    entry = lines[2]
    assert entry[1:3] == "27" and entry[3:12] == ROUTING and entry[12:29].strip() == "11112222"
    assert int(entry[29:39]) == 8642 and entry[39:54].strip() == owes.number
    assert int(lines[3][20:32]) == 8642 and int(lines[4][31:43]) == 8642
    again = autopay.build_draft(senior, dt.date(2026, 11, 27), dt.date(2026, 11, 30))
    assert not again.created and again.batch_id == d.batch_id and again.nacha_text == d.nacha_text
    assert Payment.select().where(Payment.channel == "autopay").count() == 1
    assert "11112222" not in AutopayBatch.get_by_id(d.batch_id).nacha_enc
    path = autopay.write_draft_file(senior, d.batch_id, tmp_path / "draft.ach")
    assert path.read_text() == d.nacha_text and (path.stat().st_mode & 0o777) == 0o600
    assert verify_all() == []


def test_the_account_autopay_flag_is_a_field_not_a_backref(senior, make_account):
    """A backref named "autopay" once hid Account.autopay: every account then looked enrolled."""
    a, b = make_account(), make_account()
    autopay.enroll(senior, a.id, holder_name="Pat", routing_number=ROUTING, bank_account="123456")
    assert Account.get_by_id(a.id).autopay is True and Account.get_by_id(b.id).autopay is False
    assert [x.id for x in Account.select().where(Account.autopay == True)] == [a.id]  # noqa: E712
