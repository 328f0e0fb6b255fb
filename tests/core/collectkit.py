"""Helpers for the collections tests: charges, payments, the policy, a walk through the notices."""
import datetime as dt

from ubtui import collections, config, ledger
from ubtui.ledger import EntrySpec
from ubtui.policy import CollectionsPolicy

AS_OF = dt.date(2026, 11, 28)
START = dt.date(2026, 8, 3)  # a Monday: the unpaid bill's date in the walks below


def charge(user, acct, cents, days_ago, key, as_of=AS_OF):
    ledger.post(user, key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "Water",
                                                effective_on=as_of - dt.timedelta(days=days_ago))])


def pay(user, acct, cents, on, key):
    ledger.post(user, key, "payment", [EntrySpec(acct.id, "payment", -cents, effective_on=on)])


def use_policy(**changes):
    s = config.settings()
    config.use_settings(s.model_copy(update={"collections": CollectionsPolicy(**{**s.collections.model_dump(), **changes})}))


def action(user, acct, day):
    it = collections.account_status(user, acct.id, day)
    return (it.action, it.why) if it else (None, "")


def walk(user, acct, start=START):
    """Bill ``acct`` $100 on ``start`` and send each notice on the first day it is due:
    reminder at 30 days, 15-day notice at 45, final notice 15 days later.  Returns the final's date."""
    ledger.post(user, f"bill-{acct.id}", "charge", [EntrySpec(acct.id, "charge", 10000, "water", "Water",
                                                              effective_on=start)])
    for days, step in ((30, "reminder"), (45, "notice"), (60, "final")):
        day = start + dt.timedelta(days=days)
        assert action(user, acct, day)[0] == step, (day, action(user, acct, day))
        collections.run_notices(user, day)
    return start + dt.timedelta(days=60)


def post_ops(user, acct, ops, prefix="op"):
    """Post (op, cents, days_ago) on ``acct``: "charge", "payment", or "reverse" (one of the
    postings made so far, picked by ``cents``, is reversed)."""
    posted = []
    for i, (op, cents, days_ago) in enumerate(ops):
        key, when = f"{prefix}-{acct.id}-{i}", AS_OF - dt.timedelta(days=days_ago)
        if op == "charge":
            posted.append(ledger.post(user, key, "charge", [EntrySpec(acct.id, "charge", cents, "water", "W",
                                                                      effective_on=when)]))
        elif op == "payment":
            posted.append(ledger.post(user, key, "payment", [EntrySpec(acct.id, "payment", -cents, effective_on=when)]))
        elif posted:
            ledger.reverse(user, key, posted.pop(cents % len(posted)).posting_id, "test")
