"""Collections (issue #15): the notice sequence and its waits in business days, each
protection, reruns, payment plans, the disconnect guard, letters in the customer's language.
Every test runs on SQLite and PostgreSQL."""
import csv
import datetime as dt

import pytest
from pydantic import ValidationError

from models import (
    Account,
    AuditLog,
    CollectionNotice,
    ContactLog,
    Customer,
    LedgerEntry,
    PaymentPlan,
    Premise,
    WorkOrder,
)
from tests.core.collectkit import AS_OF, START, action, charge, pay, post_ops, use_policy, walk
from ubtui import aging, collections, config, fieldwork, ledger, letters
from ubtui.errors import ConfigError, Conflict, InputError, PermissionDenied
from ubtui.ledger import EntrySpec
from ubtui.policy import CollectionsPolicy

# --- the notice sequence ---------------------------------------------------------------------

def test_each_step_waits_for_the_one_before(supervisor, make_account):
    a = make_account(last_name="Late")
    charge(supervisor, a, 10000, 100, "old", as_of=AS_OF)  # 100 days late, but never sent a thing
    assert action(supervisor, a, AS_OF)[0] == "reminder"
    collections.run_notices(supervisor, AS_OF)
    assert action(supervisor, a, AS_OF) == ("wait", "15-day notice from 12/08")  # reminder + 10 days
    assert action(supervisor, a, dt.date(2026, 12, 8))[0] == "notice"
    collections.run_notices(supervisor, dt.date(2026, 12, 8))
    assert action(supervisor, a, dt.date(2026, 12, 22)) == ("wait", "final notice from 12/23")
    assert action(supervisor, a, dt.date(2026, 12, 23))[0] == "final"


def test_sequence_to_the_shut_off_list_in_business_days(supervisor, make_account):
    a = make_account(last_name="Walk")
    final = walk(supervisor, a)  # Fri 2026-10-02
    # 7 business days after Friday 10/02: 10/05-10/09 and 10/12 (Columbus Day is no CA holiday), 10/13
    assert action(supervisor, a, dt.date(2026, 10, 12)) == ("wait", "shut-off from 10/13")
    assert action(supervisor, a, dt.date(2026, 10, 13)) == ("shutoff", "")
    assert final == dt.date(2026, 10, 2)
    fee = LedgerEntry.get((LedgerEntry.account == a.id) & (LedgerEntry.category == "door_tag_fee"))
    assert fee.amount_cents == 1500 and ledger.account_balance(a.id) == 11500
    steps = [n.step for n in CollectionNotice.select().where(CollectionNotice.account == a.id).order_by(CollectionNotice.id)]
    assert steps == ["reminder", "notice", "final"]


def test_holidays_and_closed_days(supervisor, make_account):
    """Final notice Thu 11/19: Thanksgiving and the day after are no business days, so the 7th
    is Wed 12/02, not Mon 11/30; on a Saturday, or a day the district closes, nobody is shut off."""
    a = make_account(last_name="Holiday")
    charge(supervisor, a, 10000, 0, "b", as_of=dt.date(2026, 9, 1))
    for day in (dt.date(2026, 10, 2), dt.date(2026, 10, 20), dt.date(2026, 11, 19)):
        collections.run_notices(supervisor, day)
    final = CollectionNotice.get((CollectionNotice.account == a.id) & (CollectionNotice.step == "final"))
    assert final.shutoff_on == dt.date(2026, 12, 2)
    assert action(supervisor, a, dt.date(2026, 11, 30))[0] == "wait"
    assert action(supervisor, a, dt.date(2026, 12, 2))[0] == "shutoff"
    assert action(supervisor, a, dt.date(2026, 12, 5)) == ("wait", "office closed (Saturday)")
    use_policy(closed_dates=[dt.date(2026, 12, 3)])
    assert action(supervisor, a, dt.date(2026, 12, 3)) == ("wait", "office closed (office closed)")


def test_minimum_amount_and_days(supervisor, make_account):
    small = make_account(last_name="Small")
    ledger.post(supervisor, "s", "charge", [EntrySpec(small.id, "charge", 4000, "water", "W", effective_on=START)])
    collections.run_notices(supervisor, START + dt.timedelta(days=30))
    assert action(supervisor, small, START + dt.timedelta(days=45)) == ("wait", "under $50.00 45+ days")
    with pytest.raises(ValidationError):
        CollectionsPolicy(min_days_delinquent=30)  # SB 998's floor


def test_rerun_the_same_day_sends_nothing(supervisor, make_account, tmp_path):
    a, b = make_account(last_name="Once"), make_account(last_name="Twice")
    charge(supervisor, a, 5000, 40, "a")
    charge(supervisor, b, 6000, 40, "b")
    first = collections.run_notices(supervisor, AS_OF, pdf=tmp_path / "1.pdf", csv=tmp_path / "1.csv")
    again = collections.run_notices(supervisor, AS_OF, pdf=tmp_path / "2.pdf")
    assert first.sent["reminder"] == 2 and again.letters == [] and again.sent["reminder"] == 0
    assert ContactLog.select().count() == 2
    assert CollectionNotice.select().count() == 2
    rows = list(csv.DictReader(open(tmp_path / "1.csv", encoding="utf-8")))
    assert {r["letter"] for r in rows} == {"reminder"} and "$50.00" in rows[0]["text"] + rows[1]["text"]
    assert (tmp_path / "1.pdf").read_bytes().startswith(b"%PDF")


def test_letters_in_the_customers_language(supervisor, make_account, tmp_path):
    es, vi = make_account(last_name="Muñoz"), make_account(last_name="Nguyễn")
    Customer.update(language="es").where(Customer.last_name == "Muñoz").execute()
    Customer.update(language="vi").where(Customer.last_name == "Nguyễn").execute()
    charge(supervisor, es, 6100, 40, "e")
    charge(supervisor, vi, 6100, 40, "v")
    run = collections.run_notices(supervisor, AS_OF, pdf=tmp_path / "l.pdf")
    by = {x.language: x for x in run.letters}
    assert by["es"].subject == "Recordatorio de pago vencido" and "28 de noviembre de 2026" in by["es"].text
    assert by["vi"].subject == "Nhắc nhở thanh toán quá hạn" and "Nguyễn" in by["vi"].text
    assert run.unicode_font  # DejaVu Sans: the diacritics are printed, not folded
    use_policy(languages=["en", "es"])  # a district that only keeps English and Spanish letters
    charge(supervisor, vi, 100, 1, "v2")
    assert collections.account_status(supervisor, vi.id, AS_OF).language == "en"


def test_notice_states_appeal_plan_and_reconnect_fee(supervisor, make_account):
    a = make_account(last_name="Rights")
    charge(supervisor, a, 10000, 0, "b", as_of=START)
    collections.run_notices(supervisor, START + dt.timedelta(days=30))
    run = collections.run_notices(supervisor, START + dt.timedelta(days=45))
    (notice,) = run.letters
    assert "appeal within 10 days" in notice.text.replace("\n", " ") or "appeal this bill" in notice.text
    assert "payment arrangement" in notice.text and "reconnect fee of $50.00" in notice.text
    assert "7 business days" in notice.text


# --- protections --------------------------------------------------------------------------------

@pytest.mark.parametrize("protect", ["medical", "dnd", "appeal", "plan"])
def test_each_protection_keeps_the_account_off_the_list(protect, supervisor, clerk, make_account):
    a = make_account(last_name="Kept")
    walk(supervisor, a)
    day = dt.date(2026, 10, 13)
    assert action(supervisor, a, day)[0] == "shutoff"
    if protect == "medical":
        Account.update(medical_certificate=True).where(Account.id == a.id).execute()
    elif protect == "dnd":
        Account.update(do_not_disconnect=True).where(Account.id == a.id).execute()
    elif protect == "appeal":
        collections.open_appeal(clerk, a.id, "says the meter was misread", as_of=day)
    else:
        collections.create_plan(clerk, a.id, instalments=3, first_due=day + dt.timedelta(days=5), as_of=day)
    got, why = action(supervisor, a, day)
    assert got == "protected" and why == {"medical": "medical certificate", "dnd": "do not disconnect",
                                         "appeal": "appeal pending", "plan": "payment plan"}[protect]
    assert collections.order_disconnects(supervisor, day).ordered == []
    with pytest.raises(Conflict, match="protected"):
        fieldwork.create_work_order(supervisor, kind="disconnect", account_id=a.id, as_of=day)


def test_multi_unit_waits_for_the_occupants_notice(supervisor, make_account):
    use_policy(tenant_notice_days=20)
    a = make_account(last_name="Landlord")
    Premise.update(dwelling_units=4).where(Premise.id == a.premise_id).execute()
    walk(supervisor, a)
    tenant = CollectionNotice.get((CollectionNotice.account == a.id) & (CollectionNotice.step == "tenant"))
    assert tenant.sent_on == dt.date(2026, 10, 2) and tenant.shutoff_on == dt.date(2026, 10, 22)
    assert action(supervisor, a, dt.date(2026, 10, 13)) == ("protected", "occupants' notice to 10/22")
    assert action(supervisor, a, dt.date(2026, 10, 22))[0] == "shutoff"
    log = [c.subject for c in ContactLog.select().where(ContactLog.account == a.id)]
    assert "Occupants' shut-off notice" in log


# --- disconnect orders ---------------------------------------------------------------------------

def test_disconnect_refused_without_notices_supervisor_or_when_protected(supervisor, clerk, make_account):
    a = make_account(last_name="Never")
    charge(supervisor, a, 9000, 120, "n")
    with pytest.raises(PermissionDenied):
        fieldwork.create_work_order(clerk, kind="disconnect", account_id=a.id, as_of=AS_OF)
    with pytest.raises(Conflict, match="not on today's shut-off list: no reminder sent yet"):
        fieldwork.create_work_order(supervisor, kind="disconnect", account_id=a.id, as_of=AS_OF)
    with pytest.raises(Conflict, match="not on today's shut-off list"):  # through the premise, too
        fieldwork.create_work_order(supervisor, kind="disconnect", premise_id=a.premise_id, as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        collections.order_disconnects(clerk, AS_OF)
    assert collections.order_disconnects(supervisor, AS_OF).ordered == []
    assert WorkOrder.select().count() == 0


def test_disconnect_ordered_once_and_not_completed_once_protected(supervisor, clerk, make_account):
    a, b = make_account(last_name="Ahn"), make_account(last_name="Bell")
    walk(supervisor, a)
    ledger.post(supervisor, "pb", "charge", [EntrySpec(b.id, "charge", 10000, "water", "W", effective_on=START)])
    day = dt.date(2026, 10, 13)
    run = collections.order_disconnects(supervisor, day)
    assert [o.account_id for o in run.ordered] == [a.id]  # b got every notice? no: none at all
    assert collections.order_disconnects(supervisor, day).ordered == []
    assert action(supervisor, a, day)[0] == "ordered"
    Account.update(medical_certificate=True).where(Account.id == a.id).execute()
    with pytest.raises(Conflict, match="now protected"):
        fieldwork.complete_work_order(clerk, run.ordered[0].id, "locked off", completed_on=day)
    assert Account.get_by_id(a.id).status == "active"


# --- payment plans ---------------------------------------------------------------------------------

def test_plan_kept_then_broken_with_a_letter(supervisor, clerk, make_account):
    a = make_account(last_name="Plan")
    walk(supervisor, a)  # owes 100.00 + 15.00 door tag
    day = dt.date(2026, 10, 13)
    new = collections.create_plan(clerk, a.id, instalments=3, first_due=dt.date(2026, 10, 20), every_days=30,
                                  as_of=day)
    assert [c for _, c in new.schedule] == [3834, 3833, 3833] and new.letter.letter == "plan_confirmation"
    assert "3 instalments" in new.letter.text and "$38.34 due November 19, 2026" not in new.letter.text
    with pytest.raises(Conflict, match="already has an active payment plan"):
        collections.create_plan(clerk, a.id, instalments=2, first_due=dt.date(2026, 10, 20), as_of=day)
    pay(supervisor, a, 3834, dt.date(2026, 10, 19), "p1")
    assert action(supervisor, a, dt.date(2026, 12, 1)) == ("protected", "payment plan")
    assert "next $38.33 11/19" in collections.plan_summary(a.id, dt.date(2026, 11, 1))
    from ubtui.inquiry import account_summary
    alerts = account_summary(clerk, a.id, as_of=dt.date(2026, 11, 1)).alerts
    assert alerts[1] == "Payment plan $38.34 of $115.00 paid, next $38.33 11/19"  # shown on the account
    # the 11/19 instalment is not paid: 60 days' grace, then the plan breaks
    assert action(supervisor, a, dt.date(2027, 1, 18))[0] == "protected"
    broken_day = dt.date(2027, 1, 19)
    assert action(supervisor, a, broken_day)[0] == "plan_broken"
    run = collections.run_notices(supervisor, broken_day)
    assert run.plans_broken == 1 and [x.letter for x in run.letters] == ["plan_broken"]
    assert PaymentPlan.get_by_id(new.plan.id).status == "broken"
    assert collections.run_notices(supervisor, broken_day).letters == []
    # the broken-plan letter starts the notices again: no shut-off on the old ones
    assert action(supervisor, a, dt.date(2027, 1, 20)) == ("wait", "15-day notice from 01/29")


def test_plan_form_rules(clerk, make_account):
    a = make_account(last_name="Rules")
    with pytest.raises(InputError, match="nothing is owed"):
        collections.create_plan(clerk, a.id, instalments=2, first_due=AS_OF, as_of=AS_OF)
    charge(clerk.__class__.get(clerk.__class__.username == "system"), a, 5000, 40, "r")
    with pytest.raises(InputError, match="Instalments"):
        collections.create_plan(clerk, a.id, instalments=13, first_due=AS_OF, as_of=AS_OF)
    with pytest.raises(InputError, match="First due"):
        collections.create_plan(clerk, a.id, instalments=2, first_due=AS_OF - dt.timedelta(days=1), as_of=AS_OF)
    with pytest.raises(InputError, match="more than the balance"):
        collections.create_plan(clerk, a.id, instalments=2, first_due=AS_OF, total_cents=9999, as_of=AS_OF)
    with pytest.raises(InputError, match=r"Amount: must cover at least the past-due \$50.00"):  # $1 would shield $50
        collections.create_plan(clerk, a.id, instalments=2, first_due=AS_OF, total_cents=100, as_of=AS_OF)
    assert PaymentPlan.select().count() == 0
    collections.create_plan(clerk, a.id, instalments=2, first_due=AS_OF, as_of=AS_OF)
    assert AuditLog.select().where(AuditLog.action == "collections.plan").count() == 1


# --- templates -------------------------------------------------------------------------------------

def _district_letters(tmp_path, name, text):
    (tmp_path / "en").mkdir(exist_ok=True)
    (tmp_path / "en" / name).write_text(text, encoding="utf-8")
    return CollectionsPolicy(letters_dir=str(tmp_path))


def test_every_shipped_template_loads():
    assert letters.templates(CollectionsPolicy()).check() == len(letters.LETTERS) * 3


def test_a_broken_template_is_named_with_its_line(tmp_path):
    pol = _district_letters(tmp_path, "reminder.j2",
                            '{% extends "_base.j2" %}\n{% block subject %}Hi{% endblock %}\n{% block body %}\n{{ past_due }\n{% endblock %}\n')
    with pytest.raises(ConfigError, match=r"reminder.j2, line 4"):
        letters.Templates(pol)


def test_an_unknown_name_in_a_template_is_found_on_load(tmp_path):
    pol = _district_letters(tmp_path, "notice.j2",
                            '{% extends "_base.j2" %}\n{% block subject %}Hi{% endblock %}\n{% block body %}\n'
                            'Dear {{ name }},\nPay {{ amount_owed }} now.\n{% endblock %}\n')
    with pytest.raises(ConfigError, match=r"notice.j2, line 5: 'amount_owed' is undefined"):
        letters.Templates(pol)


def test_templates_run_in_a_sandbox(tmp_path):
    pol = _district_letters(tmp_path, "welcome.j2",
                            '{% extends "_base.j2" %}\n{% block body %}{{ name.__class__.__mro__ }}{% endblock %}\n')
    with pytest.raises(ConfigError, match="welcome.j2"):
        letters.Templates(pol)


def test_a_district_template_overrides_the_shipped_one(supervisor, make_account, tmp_path):
    pol = _district_letters(tmp_path, "reminder.j2", '{% extends "_base.j2" %}\n{% block subject %}Friendly '
                            'reminder{% endblock %}\n{% block body %}Please pay {{ past_due }}.{% endblock %}\n')
    use_policy(letters_dir=pol.letters_dir)
    a = make_account(last_name="Own")
    charge(supervisor, a, 5000, 40, "o")
    (letter,) = collections.run_notices(supervisor, AS_OF).letters
    assert letter.subject == "Friendly reminder" and "Please pay $50.00." in letter.text


def test_shipped_policy_file_is_the_default():
    import tomllib
    from pathlib import Path
    data = tomllib.loads((Path(collections.__file__).parent / "data" / "collections_policy.toml").read_text())
    assert CollectionsPolicy.model_validate(data["collections"]) == CollectionsPolicy()


def test_policy_errors_name_the_key(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[collections]\nclosed_weekdays = [\"sat\", \"caturday\"]\n")
    with pytest.raises(ConfigError, match="collections.closed_weekdays.*caturday"):
        config.load_settings(p)


def test_clerk_may_list_but_not_send(clerk, make_account, tmp_path):
    assert collections.delinquency_list(clerk, AS_OF) == []
    with pytest.raises(PermissionDenied):
        collections.run_notices(clerk, AS_OF)


def test_final_billed_letter_goes_to_the_last_customer(system, supervisor, make_account):
    from models import AccountCustomer
    a = make_account(last_name="Moved")
    charge(system, a, 5000, 45, "m")
    AccountCustomer.update(end_date=AS_OF - dt.timedelta(days=40)).where(AccountCustomer.account == a.id).execute()
    cust = Customer.get(Customer.last_name == "Moved")
    Customer.update(mail_line1="9 New Rd", mail_city="Far", mail_state="OR", mail_zip="97000").where(
        Customer.id == cust.id).execute()
    Account.update(status="final_billed").where(Account.id == a.id).execute()
    (d,) = collections.delinquency_list(supervisor, AS_OF)
    assert d.name == "Moved, Pat" and d.mail_lines[1] == "9 New Rd" and d.status == "final_billed"


from hypothesis import HealthCheck, example, given  # noqa: E402
from hypothesis import settings as hsettings
from hypothesis import strategies as st

ops = st.lists(st.tuples(st.sampled_from(["charge", "charge", "payment", "reverse"]),
                         st.integers(min_value=1, max_value=50_000), st.integers(min_value=0, max_value=200)),
               min_size=1, max_size=14)


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
def test_grouped_aging_equals_the_entry_by_entry_aging(system, make_account, ops):
    """The worklist's one-query aging agrees with inquiry.account_aging (credits pay the
    oldest charges first; a reversal and what it reverses cancel) for any ledger."""
    from ubtui.inquiry import account_aging
    acct = make_account()
    post_ops(system, acct, ops, "g")
    balance = ledger.account_balance(acct.id)
    grouped = {k: v for k, v in aging.newer_than(AS_OF, min_balance=1).items()}
    if balance >= 1:
        got_balance, newer = grouped[acct.id]
        assert got_balance == balance
        assert aging.buckets(balance, newer) == account_aging(acct.id, AS_OF)
        assert account_aging(acct.id, AS_OF) == age_entries(  # the header's aging is the worklist's
            [AgingEntry(*r) for r in LedgerEntry.select(LedgerEntry.id, LedgerEntry.amount_cents,
                                                        LedgerEntry.effective_on, LedgerEntry.reverses)
             .where(LedgerEntry.account == acct.id).tuples()], AS_OF)
        # the worklist's form: owed_older_than worked out in the database
        owed = {r[0]: r[1:] for r in aging.raw_rows(aging.owed_by_age(AS_OF, aging.BUCKET_DAYS, account_ids=[acct.id]))}
        assert tuple(map(int, owed[acct.id])) == (balance, *(aging.owed_older_than(balance, newer, d)
                                                            for d in aging.BUCKET_DAYS))
        assert aging.buckets_of_owed(*map(int, owed[acct.id])) == aging.buckets(balance, newer)
    else:
        assert acct.id not in grouped


@hsettings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.integers(-10**9, 10**9), st.integers(0, 10**9)), min_size=1, max_size=40))
@example(pairs=[(0, 0), (-5, 0), (5, 5), (5, 6), (6, 5), (1, 0)])
def test_owed_older_than_is_the_same_in_sql_and_python(db, pairs):
    """``aging.owed_sql`` (what the worklist's statement computes) and ``owed_older_than``
    (the account header's) are one rule: equal on every balance and sum, both backends."""
    from peewee import Select, Value

    exprs = [aging.owed_sql(Value(b).cast("BIGINT"), Value(n).cast("BIGINT")) for b, n in pairs]
    got = db.execute(Select(columns=exprs)).fetchone()
    assert list(map(int, got)) == [aging.owed_older_than(b, {30: n}, 30) for b, n in pairs]


# --- the two agings agree --------------------------------------------------------------
# The worklist ages every account from grouped sums (``fill_newest_first``); the account
# screen walks the entries (``inquiry.age_entries``).  Both say credits pay the oldest
# charges first and a reversal cancels what it reverses: on any ledger that owes, the same
# buckets.
from hypothesis import example, given  # noqa: E402
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ubtui.inquiry import AgingEntry, age_entries, bucket_of  # noqa: E402

ledger_ops = st.lists(st.tuples(st.sampled_from(["charge", "credit", "reverse"]), st.integers(1, 50_000),
                                st.integers(0, 200)), min_size=1, max_size=12)


def entries_of(ops) -> list[AgingEntry]:
    out: list[AgingEntry] = []
    for kind, cents, days in ops:
        day = AS_OF - dt.timedelta(days=days)
        targets = [e for e in out if e.reverses_id is None and all(x.reverses_id != e.entry_id for x in out)]
        if kind == "reverse" and targets:
            t = targets[cents % len(targets)]
            out.append(AgingEntry(len(out) + 1, -t.amount_cents, day, t.entry_id))
        else:
            out.append(AgingEntry(len(out) + 1, cents if kind == "charge" else -cents, day))
    return out


@hsettings(max_examples=300, deadline=None)
@given(ops=ledger_ops)
@example(ops=[("charge", 100, 40), ("charge", 100, 5), ("credit", 50, 0)])  # owes the newest 150
@example(ops=[("charge", 100, 100), ("charge", 100, 5), ("reverse", 1, 3), ("credit", 50, 0)])
def test_worklist_aging_equals_the_account_screens(ops):
    entries = entries_of(ops)
    balance = sum(e.amount_cents for e in entries)
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    live_charges: dict[str, int] = {}
    for e in entries:  # what aging.newer_than's SQL sums: charges neither reversed nor reversals
        if e.amount_cents > 0 and e.reverses_id is None and e.entry_id not in reversed_ids:
            b = bucket_of(e.effective_on, AS_OF)
            live_charges[b] = live_charges.get(b, 0) + e.amount_cents
    assert aging.fill_newest_first(balance, live_charges) == age_entries(entries, AS_OF)


def test_one_off_letters_once_a_day_in_the_customers_language(clerk, make_account, tmp_path):
    a = make_account(last_name="Ruiz")
    Customer.update(language="es").where(Customer.last_name == "Ruiz").execute()
    got = collections.send_account_letter(clerk, a.id, "returned_payment", AS_OF, pdf=tmp_path / "r.pdf",
                                          amount_cents=4000, fee_cents=2500)
    assert got.subject == "Pago devuelto" and "$40.00" in got.text and "$25.00" in got.text
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert collections.send_account_letter(clerk, a.id, "returned_payment", AS_OF, amount_cents=4000) is None
    assert collections.send_account_letter(clerk, a.id, "welcome", AS_OF).subject.startswith("Bienvenido")
    assert ContactLog.select().where(ContactLog.account == a.id).count() == 2
    with pytest.raises(InputError, match="Letter"):
        collections.send_account_letter(clerk, a.id, "reminder", AS_OF)
