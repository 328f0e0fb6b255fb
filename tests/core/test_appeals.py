"""Appeals (issue #15): a pending appeal keeps the account off the shut-off list; anyone who
takes the customer's word records it, a supervisor decides it (upheld or denied, with a
note); each step audited and permission-checked in the core.  Both backends."""
import datetime as dt

import pytest

from models import AuditLog, CollectionHold
from tests.core.collectkit import action, walk
from ubtui import collections
from ubtui.errors import Conflict, InputError, NotFound, PermissionDenied

DAY = dt.date(2026, 10, 13)  # the walk's account is on the shut-off list that day


def test_record_list_and_decide_an_appeal(supervisor, clerk, make_account):
    a = make_account(last_name="Appellant")
    walk(supervisor, a)
    assert action(supervisor, a, DAY)[0] == "shutoff"
    hold = collections.open_appeal(clerk, a.id, "says the meter was misread", as_of=DAY,
                                   opened_on=DAY - dt.timedelta(days=2))
    assert action(supervisor, a, DAY) == ("protected", "appeal pending")
    with pytest.raises(Conflict, match="already has an appeal pending"):
        collections.open_appeal(clerk, a.id, "again", as_of=DAY)
    (got,) = collections.pending_appeals(clerk, DAY)
    assert (got.hold_id, got.account_id, got.name, got.opened_on, got.days, got.note) == (
        hold.id, a.id, "Appellant, Pat", DAY - dt.timedelta(days=2), 2, "says the meter was misread")
    assert collections.pending_appeals(clerk, DAY, account_id=a.id + 999) == []
    with pytest.raises(PermissionDenied):  # a clerk records; a supervisor decides
        collections.decide_appeal(clerk, hold.id, "upheld", "meter re-read: 40 units less")
    with pytest.raises(InputError, match="Decision"):
        collections.decide_appeal(supervisor, hold.id, "maybe", "x")
    with pytest.raises(InputError, match="Note"):
        collections.decide_appeal(supervisor, hold.id, "denied", "  ")
    after = collections.decide_appeal(supervisor, hold.id, "Denied", "read confirmed by a second visit", as_of=DAY)
    assert (after.outcome, after.closed_on) == ("denied", DAY)
    assert after.note.endswith("Denied: read confirmed by a second visit")
    assert collections.pending_appeals(clerk, DAY) == []
    assert action(supervisor, a, DAY)[0] == "shutoff"  # denied: the notices stand
    with pytest.raises(NotFound):
        collections.decide_appeal(supervisor, hold.id, "upheld", "twice")
    actions = [r.action for r in AuditLog.select().where(AuditLog.entity_id == str(a.id)).order_by(AuditLog.id)
               if r.action.startswith("collections.appeal")]
    assert actions == ["collections.appeal", "collections.appeal_decided"]


def test_appeal_input_is_checked(clerk, make_account):
    a = make_account()
    with pytest.raises(InputError, match="Reason"):
        collections.open_appeal(clerk, a.id, " ", as_of=DAY)
    with pytest.raises(InputError, match="Received"):
        collections.open_appeal(clerk, a.id, "contests", as_of=DAY, opened_on=DAY + dt.timedelta(days=1))
    with pytest.raises(NotFound):
        collections.open_appeal(clerk, a.id + 999, "contests", as_of=DAY)
    hold = collections.open_appeal(clerk, a.id, "card 4111 1111 1111 1111 was charged twice", as_of=DAY)
    assert "4111 1111" not in CollectionHold.get_by_id(hold.id).note  # card numbers masked
