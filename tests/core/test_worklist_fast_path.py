"""The worklist gives, line for line and in the same order, what the general rule gives:
every account past due through ``collections._decide``, its addressee by
``accounts.choose_customer_of_record`` (Python, not the SQL form), its address by
``format_address``, the lines sorted by the screen's key.  A faster pass over the lines
(a shortcut for accounts with no notice, plan or appeal; another sort; addresses read
later) must keep this test green: each of those, tried, made it fail when broken.

The ledger is generated: the collections bench's district (two bills each, notices already
sent, plans, appeals, medical certificates, multi-unit premises) with more states mixed in
(do-not-disconnect, open disconnect orders, final notices without a stated date, occupants'
notices, disconnected and final-billed accounts, accounts alike but for numbers that do not
look like ours), read on several days (a holiday among them, and one after plans have
broken).  Both backends."""
import datetime as dt
import importlib.util
import random
from pathlib import Path

import pytest

from models import Account, CollectionHold, CollectionNotice, PaymentPlan, PlanInstalment, Premise, WorkOrder
from ubtui import aging, collections, ledger
from ubtui.accounts import format_account_number
from ubtui.addresses import format_address
from ubtui.ledger import EntrySpec
from ubtui.policy import closed_reason
from ubtui.security import system_user

BENCH = Path(__file__).resolve().parents[2] / "bench" / "collections_bench.py"


def bench_module():
    import sys
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("collections_bench", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def by_the_rule(as_of: dt.date) -> list[tuple]:
    """The worklist as the general rule makes it, one account at a time."""
    pol = collections.policy()
    days = sorted({pol.reminder_after_days, pol.notice_after_days, pol.min_days_delinquent, *aging.BUCKET_DAYS})
    owing = aging.raw_rows(aging.owed_by_age(as_of, days, min_balance=pol.reminder_min_cents,
                                             statuses=("active", "disconnected", "final_billed"),
                                             at_least=(pol.reminder_after_days, pol.reminder_min_cents)))
    sent = collections._sent(None, as_of, pol)
    plans = collections._plan_states(None, as_of, pol)
    appeals = {h.account_id for h in collections.CollectionHold.select().where(
        collections.CollectionHold.closed_on.is_null())}
    ordered = {w.account_id for w in WorkOrder.select().where(
        (WorkOrder.kind == "disconnect") & WorkOrder.status.in_(["open", "assigned"]))}
    parties = collections._billing_parties([r[0] for r in owing], as_of)
    closed = closed_reason(pol, as_of)
    lines = []
    for account_id, balance, *owed in owing:
        balance, owed = int(balance), dict(zip(days, map(int, owed)))
        acct = Account.get_by_id(account_id)
        p = Premise.get_by_id(acct.premise_id)
        ages = aging.buckets_of_owed(balance, owed[30], owed[60], owed[90])
        plan = plans.get(account_id)
        multi = (p.dwelling_units or 1) > 1
        action, why, earliest = collections._decide(
            pol, as_of, closed, owed=owed, status=acct.status,
            protected=collections._protection(pol, acct.medical_certificate, acct.do_not_disconnect,
                                              account_id in appeals, plan),
            plan=plan, sent=sent.get(account_id, {}), multi_unit=multi, ordered=account_id in ordered)
        party = parties.get(account_id)
        address = format_address(p.house_number, p.street, p.unit)
        lines.append((account_id, format_account_number(acct.number), party.name if party else "", address,
                      collections._mail_lines(party, address, p.city, p.state, p.zip),
                      collections.letters.language_of(party.language if party else "en", pol), balance, ages,
                      balance - ages["current"], action, why, earliest, acct.status, multi, plan))
    rank = {a: i for i, a in enumerate(collections.ACTIONS)}
    lines.sort(key=lambda x: (rank[x[9]], -x[7]["90+"], -x[7]["60"], -x[8], x[1]))
    return lines


def as_lines(items) -> list[tuple]:
    return [(i.account_id, i.number, i.name, i.address, i.mail_lines, i.language, i.balance_cents, i.aging,
             i.past_due_cents, i.action, i.why, i.shutoff_on, i.status, i.multi_unit, i.plan) for i in items]


def mix_in(seed: int, as_of: dt.date) -> None:
    """States the bench's district lacks, on accounts picked at random."""
    rng = random.Random(seed)
    sysu = system_user()
    ids = [a.id for a in Account.select(Account.id).order_by(Account.id)]
    for account_id in rng.sample(ids, 12):
        Account.update(do_not_disconnect=True).where(Account.id == account_id).execute()
    for account_id in rng.sample(ids, 8):
        Account.update(status=rng.choice(["disconnected", "final_billed", "inactive"])).where(
            Account.id == account_id).execute()
    for n, account_id in enumerate(rng.sample(ids, 8)):
        WorkOrder.create(number=f"T{seed}-{n}", account=account_id, kind="disconnect",
                         status=rng.choice(["open", "assigned", "done"]), requested_on=as_of, created_by=sysu.id)
    for account_id in rng.sample(ids, 30):  # the whole sequence, the final's date left to the business days
        for step, ago in (("reminder", 40), ("notice", 28), ("final", rng.randint(1, 12))):
            CollectionNotice.create(account=account_id, step=step, sent_on=as_of - dt.timedelta(days=ago),
                                    user=sysu.id)
    owing = [a.id for a in Account.select(Account.id).where(Account.balance_cents > 0).order_by(Account.id)]
    for account_id in rng.sample(owing, 10):  # appeals, and plans kept or not (their instalments' days)
        CollectionHold.create(account=account_id, opened_on=as_of - dt.timedelta(days=3), created_by=sysu.id,
                              note="test", closed_on=rng.choice([None, None, as_of - dt.timedelta(days=1)]))
    for account_id in rng.sample(owing, 10):
        plan = PaymentPlan.create(account=account_id, total_cents=9000, instalments=3, created_by=sysu.id,
                                  created_on=as_of - dt.timedelta(days=rng.randint(0, 50)))
        for s in range(3):
            PlanInstalment.create(plan=plan.id, seq=s + 1, amount_cents=3000,
                                  due_on=plan.created_on + dt.timedelta(days=14 + 30 * s))
    multi = [p.id for p in Premise.select(Premise.id).where(Premise.dwelling_units > 1)]
    for account in Account.select().where(Account.premise.in_(multi)).limit(6):
        CollectionNotice.create(account=account.id, step="tenant", sent_on=as_of - dt.timedelta(days=rng.randint(0, 14)),
                                user=sysu.id)


def twins(make_account, as_of: dt.date) -> None:
    """Accounts owing the same on the same days, so only their numbers order them, with numbers
    whose order changes once formatted ("12345678" shows as "1234567-8", after "12345670X")."""
    for number in ("12345678", "12345670X", "1234567", "A1"):
        acct = make_account(last_name="Twin")
        ledger.post(system_user(), f"twin-{number}", "charge", [EntrySpec(
            acct.id, "charge", 9000, "water", "Water", effective_on=as_of - dt.timedelta(days=100))])
        Account.update(number=number).where(Account.id == acct.id).execute()


@pytest.mark.parametrize("seed,piece", [(15, None), (16, None), (17, 97)])
def test_fast_worklist_equals_the_rule_line_by_line(db, supervisor, make_account, seed, piece, monkeypatch):
    """``piece``: the district read in pieces of that many account ids, each statement read
    ahead in a thread while the lines of the pieces before are made (PostgreSQL)."""
    if piece:
        monkeypatch.setattr(collections, "PIECE_ACCOUNTS", piece)
    bench = bench_module()
    bench.build(400, seed=seed, say=lambda m: None)
    mix_in(seed, bench.AS_OF)
    twins(make_account, bench.AS_OF)
    shown = 0
    for as_of in (bench.AS_OF, bench.AS_OF + dt.timedelta(days=9),  # Thanksgiving: the office closed
                  bench.AS_OF + dt.timedelta(days=21), bench.AS_OF + dt.timedelta(days=80)):  # plans broken
        got = as_lines(collections.worklist(supervisor, as_of).items)
        assert got == by_the_rule(as_of)
        shown += len(got)
        actions = {line[9] for line in got}
        assert {"reminder", "wait", "protected"} <= actions, actions
    assert shown > 200
