"""Property: an allocation pays exactly the amount, never more than is open in a category,
puts only the excess into credit, and follows the configured order."""
import datetime as _dt

from hypothesis import HealthCheck, given, settings, strategies as st

from ubtui import cashier

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
    monkeypatch.setattr(cashier, "_rows", lambda q, p: fake_rows(ch, cr))
    items = cashier.open_items(1)
    owed = {}
    for _, _, c, a in items:
        owed[c] = owed.get(c, 0) + a
    # what is open equals charges minus credits (when the credits do not exceed the charges)
    total_open = sum(a for _, a, _ in ch) - sum(a for _, a in cr)
    assert sum(owed.values()) == max(total_open, 0) or total_open < 0
    alloc = cashier.allocate(1, amount, list(order))
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
