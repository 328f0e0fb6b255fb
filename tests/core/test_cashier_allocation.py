"""Property: an allocation pays exactly the amount, never more than is open in a category,
puts only the excess into credit, and follows the configured order."""
import datetime as _dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Account, Drawer
from ubtui import drawer, payments, voids
from ubtui.verify import expected_cash

CATS = ["water", "sewer", "late_fee", "reconnect_fee", "fee"]
charges = st.lists(st.tuples(st.sampled_from(CATS), st.integers(1, 50_000), st.integers(0, 400)), max_size=8)
credits = st.lists(st.tuples(st.sampled_from(CATS + ["", "credit"]), st.integers(1, 50_000)), max_size=4)


def fake_rows(ch, cr):
    today = _dt.date(2026, 6, 1)
    rows = [(i + 1, c, a, today - _dt.timedelta(days=d)) for i, (c, a, d) in enumerate(ch)]
    rows += [(100 + i, c, -a, today) for i, (c, a) in enumerate(cr)]
    return sorted(rows, key=lambda r: (r[3], r[0]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ch=charges, cr=credits, amount=st.integers(1, 200_000),
       order=st.permutations(["reconnect_fee", "fee", "late_fee", "oldest"]))
def test_allocation_pays_exactly_and_in_order(monkeypatch, ch, cr, amount, order):
    monkeypatch.setattr(payments, "ledger_rows", lambda account_id: fake_rows(ch, cr))
    items = payments.open_items(1)
    owed = {}
    for _, _, c, a in items:
        owed[c] = owed.get(c, 0) + a
    # what is open equals charges minus credits (when the credits do not exceed the charges)
    total_open = sum(a for _, a, _ in ch) - sum(a for _, a in cr)
    assert sum(owed.values()) == max(total_open, 0) or total_open < 0
    alloc = payments.allocate(1, amount, list(order))
    assert sum(c for _, c in alloc) == amount
    for cat, cents in alloc:
        assert cents > 0
        if cat != "credit":
            assert cents <= owed[cat]
    paid_off = sum(c for cat, c in alloc if cat != "credit")
    assert paid_off == min(amount, sum(owed.values()))
    # a category named in the order is paid before anything ranked after it
    rest = order.index("oldest")
    rank = {c: i for i, c in enumerate(order) if c != "oldest"}
    ranks = [rank.get(cat, rest) for cat, _ in alloc if cat != "credit"]
    assert ranks == sorted(ranks)


ops = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 2), st.integers(1, 30_000), st.sampled_from(["cash", "check", "card"]),
              st.integers(0, 5_000)),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("drop"), st.integers(1, 5_000)),
), min_size=1, max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=ops)
def test_any_sequence_keeps_the_drawer_and_ledger_exact(seq, sqlite_url, monkeypatch):
    """Payments (with change), voids and drops in any order: balances equal their entries,
    tenders - change = total, and expected cash moves by exactly cash in - change - drops."""
    import uuid

    from models import DrawerSession, Payment
    from ubtui.accounts import create_customer, create_premise, open_account
    from ubtui.errors import NotFound
    from ubtui.money import format_plain
    from ubtui.payments import AccountAmount, TakePayment, TenderIn
    from ubtui.security import create_user, get_user, system_user
    from ubtui.verify import verify_all

    def add_user(name, role="clerk"):
        try:
            return get_user(name)
        except NotFound:
            return create_user(system_user(), name, name.title(), role, name + "-password")

    monkeypatch.setattr(voids, "approve", lambda u, p, perm: get_user("sup"))
    clerk = add_user("clerk")
    add_user("sup", "supervisor")
    sysu = system_user()
    if not Drawer.select().exists():
        drawer.create_drawer(sysu, "D1")
        drawer.open_drawer(clerk, "D1", count={"20": 5})
        for i in range(3):
            c = create_customer(sysu, last_name=f"P{i}")
            open_account(sysu, premise=create_premise(sysu, house_number=str(i), street="Elm"), customers=[(c, "owner")])
    accounts = list(Account.select().order_by(Account.id))
    session = drawer.current_session(clerk)
    before = expected_cash(session)
    delta = 0
    for op in seq:
        if op[0] == "pay":
            _, a, cents, kind, extra = op
            extra = extra if kind == "cash" else 0
            t = TenderIn(kind=kind, amount=format_plain(cents + extra), check_number="1" if kind == "check" else "",
                         card_last4="4242" if kind == "card" else "", auth_code="OK1" if kind == "card" else "")
            payments.take_payment(clerk, TakePayment(idempotency_key=uuid.uuid4().hex, tenders=[t], accounts=[
                AccountAmount(account=accounts[a].id, amount=format_plain(cents))]))
            delta += cents if kind == "cash" else 0
        elif op[0] == "void":
            posted = list(Payment.select().where(Payment.status == "posted").order_by(Payment.id))
            if posted:
                p = posted[op[1] % len(posted)]
                cash = sum(t.amount_cents for t in p.tenders if t.kind == "cash") - p.change_cents
                voids.void_payment(clerk, p.receipt_number, "test", "sup", "x")
                delta -= cash
        else:
            drawer.drawer_movement(clerk, "drop", format_plain(op[1]), "", uuid.uuid4().hex)
            delta -= op[1]
    assert expected_cash(DrawerSession.get_by_id(session.id)) == before + delta
    assert verify_all() == []


history = st.lists(st.tuples(st.sampled_from(["charge", "pay", "loose", "fee"]),
                             st.sampled_from(["water", "sewer", "late_fee", ""]), st.integers(1, 9_000),
                             st.integers(-5, 40)), min_size=1, max_size=14)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=history, recent=st.integers(1, 5))
def test_the_bounded_read_gives_the_open_items_of_every_entry(entries, recent, sqlite_url, monkeypatch):
    """A payment reads the newest charges and sums of the rest (``ledger_rows``); open items,
    allocation and the past-due amount must be those of every entry read one by one, also
    with charges backdated past newer ones and older charges still owed (a tiny window of
    ``recent`` charges makes the sums do the work)."""
    import uuid

    from models import Account, LedgerEntry
    from ubtui import ledger
    from ubtui.accounts import create_customer, create_premise, open_account
    from ubtui.security import system_user

    monkeypatch.setattr(payments, "RECENT_CHARGES", recent)
    sysu = system_user()
    a = open_account(sysu, premise=create_premise(sysu, house_number="1", street="Elm St"), status="active",
                     customers=[(create_customer(sysu, first_name="Al", last_name="Ng"), "owner")])
    run = uuid.uuid4().hex[:8]
    today = _dt.date(2026, 6, 1)
    for n, (what, cat, cents, days) in enumerate(entries):
        sign, kind = {"charge": (1, "charge"), "pay": (-1, "payment"), "loose": (-1, "payment"),
                      "fee": (1, "fee")}[what]
        ledger.post(sysu, f"h{run}-{n}", kind, [ledger.EntrySpec(a.id, kind, sign * cents, "" if what == "loose" else cat,
                                                           what, effective_on=today - _dt.timedelta(days=days))])
    every = [(e.id, e.category, e.amount_cents, e.effective_on, e.kind) for e in LedgerEntry.select()
             .where(LedgerEntry.account == a.id).order_by(LedgerEntry.effective_on, LedgerEntry.id)]
    rows = payments.ledger_rows(a.id)
    assert payments.open_items(a.id, rows) == payments.open_items(a.id, every)
    for order in (["oldest"], ["late_fee", "oldest"]):
        assert payments.allocate(a.id, 5000, order, rows) == payments.allocate(a.id, 5000, order, every)
    acct = Account.get_by_id(a.id)
    for day in (today, today - _dt.timedelta(days=20)):
        assert payments._past_due_cents(acct, day, rows) == payments._past_due_cents(acct, day, every)
