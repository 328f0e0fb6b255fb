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

    run = collections.order_disconnects(supervisor, AS_OF)
    assert [o.account_id for o in run.ordered] == [d120.id] and run.skipped == []
    again = collections.order_disconnects(supervisor, AS_OF)
    assert again.ordered == [] and again.skipped == []  # already ordered
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


def test_one_blocked_disconnect_does_not_stop_the_rest(system, supervisor, make_account):
    from ubtui.workorders import create_work_order
    a, b, gone = make_account(last_name="Ahn"), make_account(last_name="Bell"), make_account(last_name="Gone")
    for acct, key in ((a, "a"), (b, "b"), (gone, "g")):
        charge(system, acct, 9000, 120, key)
    Account.update(status="final_billed").where(Account.id == gone.id).execute()
    # someone already ordered a turn-off... and a disconnect is open at Ahn's address for another reason
    create_work_order(supervisor, kind="disconnect", premise_id=a.premise_id, instructions="main break")
    run = collections.order_disconnects(supervisor, AS_OF)
    assert [o.account_id for o in run.ordered] == [b.id]
    assert [n for n, _ in run.skipped] == [collections.format_account_number(a.number)]
    assert "already open for this address" in run.skipped[0][1]


def test_final_billed_letter_goes_to_the_last_customer(system, supervisor, make_account):
    from models import AccountCustomer, Customer
    a = make_account(last_name="Moved")
    charge(system, a, 5000, 45, "m")
    AccountCustomer.update(end_date=AS_OF - dt.timedelta(days=40)).where(AccountCustomer.account == a.id).execute()
    cust = Customer.get(Customer.last_name == "Moved")
    Customer.update(mail_line1="9 New Rd", mail_city="Far", mail_state="OR", mail_zip="97000").where(
        Customer.id == cust.id).execute()
    Account.update(status="final_billed").where(Account.id == a.id).execute()
    (d,) = collections.delinquency_list(supervisor, AS_OF)
    assert d.name == "Moved, Pat" and d.mail_lines[1] == "9 New Rd" and d.status == "final_billed"


from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

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
    posted = []
    for i, (op, cents, days_ago) in enumerate(ops):
        key = f"g-{acct.id}-{i}"
        when = AS_OF - dt.timedelta(days=days_ago)
        if op == "charge":
            posted.append(ledger.post(system, key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "W",
                                                                        effective_on=when)]))
        elif op == "payment":
            posted.append(ledger.post(system, key, "payment", [EntrySpec(acct.id, "payment", -cents,
                                                                         effective_on=when)]))
        elif posted:
            ledger.reverse(system, key, posted.pop(0).posting_id, "test")
    balance = ledger.account_balance(acct.id)
    grouped = collections._charges_by_bucket(AS_OF, 1)
    if balance >= 1:
        got_balance, charges = grouped[acct.id]
        assert got_balance == balance
        assert collections.fill_newest_first(balance, charges) == account_aging(acct.id, AS_OF)
    else:
        assert acct.id not in grouped


# --- the two agings agree --------------------------------------------------------------
# The worklist ages every account from grouped sums (``fill_newest_first``); the account
# screen walks the entries (``inquiry.age_entries``).  Both say credits pay the oldest
# charges first and a reversal cancels what it reverses: on any ledger that owes, the same
# buckets.
from hypothesis import example, given, settings as hsettings, strategies as st  # noqa: E402

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
    if balance < 0:
        return  # a credit balance is not on the worklist
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    live_charges: dict[str, int] = {}
    for e in entries:  # what _charges_by_bucket's SQL sums: charges neither reversed nor reversals
        if e.amount_cents > 0 and e.reverses_id is None and e.entry_id not in reversed_ids:
            b = bucket_of(e.effective_on, AS_OF)
            live_charges[b] = live_charges.get(b, 0) + e.amount_cents
    assert collections.fill_newest_first(balance, live_charges) == age_entries(entries, AS_OF)
