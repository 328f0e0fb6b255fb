"""The fast worklist (grouped sums over the live-charges index, the addressee chosen in SQL)
gives, on any ledgers and parties, what the rule says entry by entry: the accounts past due,
their aging and past-due amount, and the letter's addressee.  Both backends."""
import datetime as dt

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from models import AccountCustomer, Customer, LedgerEntry
from tests.core.collectkit import AS_OF, post_ops
from ubtui import collections
from ubtui.accounts import create_customer
from ubtui.inquiry import AgingEntry, age_entries

ROLES = ("billing", "tenant", "owner", "guarantor")
account_ops = st.lists(st.tuples(st.sampled_from(["charge", "charge", "payment", "reverse"]),
                                 st.integers(1, 30_000), st.integers(0, 150)), min_size=1, max_size=8)
parties = st.lists(st.tuples(st.sampled_from(ROLES), st.none() | st.integers(1, 90), st.sampled_from(["en", "es", "fr"])),
                   max_size=3)
accounts = st.lists(st.tuples(account_ops, parties, st.booleans()), min_size=1, max_size=4)


def owed_by_entry_walk(entries: list[AgingEntry]) -> tuple[int, list[tuple[dt.date, int]]]:
    """The balance and, for each live charge, what is still owed on it (credits pay the oldest
    charges first; a reversal and what it reverses cancel)."""
    present = {e.entry_id for e in entries}
    cancelled = {e.reverses_id for e in entries if e.reverses_id in present}
    live = [e for e in entries if e.entry_id not in cancelled and e.reverses_id not in cancelled]
    credit = -sum(e.amount_cents for e in live if e.amount_cents < 0)
    owed = []
    for day, _id, amount in sorted((e.effective_on, e.entry_id, e.amount_cents) for e in live if e.amount_cents > 0):
        applied = min(credit, amount)
        credit -= applied
        owed.append((day, amount - applied))
    return sum(e.amount_cents for e in entries), owed


def addressee(account_id: int) -> tuple[str, str]:
    """Whom ``accounts.customer_of_record`` names on the worklist's day (the rule every letter,
    bill, receipt and search follows), and their language."""
    from models import Account
    from ubtui.accounts import customer_of_record

    party = customer_of_record(Account.get_by_id(account_id), AS_OF)
    return (party.name, Customer.get_by_id(party.customer_id).language) if party else ("", "en")


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=accounts)
@example(spec=[([("charge", 9000, 70)], [("tenant", 10, "es"), ("billing", 50, "en")], True)])  # the latest ended wins
def test_worklist_equals_the_rule_entry_by_entry(system, supervisor, make_account, spec):
    pol = collections.policy()
    made = {}
    for n, (ops, extra, owner_left) in enumerate(spec):
        acct = make_account(last_name=f"Rule{n}")
        post_ops(system, acct, ops, "r")
        if owner_left:  # the owner's role ended (a final-billed account's last parties)
            AccountCustomer.update(end_date=AS_OF - dt.timedelta(days=30)).where(AccountCustomer.account == acct.id).execute()
        for j, (role, ended_days_ago, lang) in enumerate(extra):
            c = create_customer(system, first_name="Al", last_name=f"Party{j}", language=lang)
            AccountCustomer.create(account=acct.id, customer=c.id, role=role, start_date=AS_OF - dt.timedelta(days=400),
                                   end_date=None if ended_days_ago is None else AS_OF - dt.timedelta(days=ended_days_ago))
        made[acct.id] = acct
    got = {it.account_id: it for it in collections.worklist(supervisor, AS_OF).items if it.account_id in made}
    for account_id in made:
        entries = [AgingEntry(*r) for r in LedgerEntry.select(LedgerEntry.id, LedgerEntry.amount_cents,
                                                               LedgerEntry.effective_on, LedgerEntry.reverses)
                   .where(LedgerEntry.account == account_id).tuples()]
        balance, owed = owed_by_entry_walk(entries)
        late = sum(c for day, c in owed if (AS_OF - day).days >= pol.reminder_after_days)
        if balance < pol.reminder_min_cents or late < pol.reminder_min_cents:
            assert account_id not in got
            continue
        it = got[account_id]
        expected_aging = age_entries(entries, AS_OF)
        assert (it.balance_cents, it.aging, it.past_due_cents) == (
            balance, expected_aging, balance - expected_aging["current"])
        name, lang = addressee(account_id)
        assert (it.name, it.language) == (name, lang if lang in pol.languages else "en")
