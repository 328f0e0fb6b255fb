"""Several OS processes taking payments at once lose nothing and post each form once; a SIGKILL
in the middle of take_payment leaves no partial receipt (posting, entries, payment, tenders and
audit row are one transaction)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import DrawerSession, LedgerEntry, Payment, Posting, Tender, database
from ubtui import drawer, ledger
from ubtui.verify import expected_cash, verify_all

ROOT = str(Path(__file__).resolve().parents[2])
pytestmark = pytest.mark.slow

# The child: take COUNT payments of $1.00 per account (cash $5 tendered for change) through
# the same take_payment the screen uses.  --slow lingers inside the transaction.
CHILD = r"""
import sys, time
sys.path.insert(0, ROOT)
from ubtui import payments
from ubtui.payments import AccountAmount, TakePayment, TenderIn
from ubtui.db import open_database
from ubtui.security import get_user
url, prefix, count, numbers, slow = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","), sys.argv[5] == "1"
open_database(url, upgrade=False)
user = get_user("clerk1")
if slow:
    def lingering(real):
        def write(*a, **kw):
            done = real(*a, **kw)
            time.sleep(0.003)  # inside the transaction, after the receipt's rows were sent, before COMMIT
            return done
        return write
    payments._write_receipt = lingering(payments._write_receipt)
    payments._write_receipt_pg = lingering(payments._write_receipt_pg)
for i in range(count):
    cmd = TakePayment(idempotency_key=f"{prefix}-{i}", accounts=[AccountAmount(account=n, amount="1") for n in numbers],
                      tenders=[TenderIn(kind="cash", amount=str(len(numbers) + 4))])
    payments.take_payment(user, cmd)
    print(f"posted {i}", flush=True)
""".replace("ROOT", repr(ROOT))


def spawn(url, prefix, count, accounts, slow=False):
    args = [sys.executable, "-c", CHILD, url, prefix, str(count), ",".join(a.number for a in accounts),
            "1" if slow else "0"]
    env = dict(os.environ, UBTUI_CONFIG="/nonexistent/ubtui-test-config.toml")
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.fixture
def open_drawer(system, clerk):
    drawer.create_drawer(system, "D1")
    return drawer.open_drawer(clerk, "D1", count={"20": 10})


def assert_whole():
    """Every payment posting has its receipt, tenders and entries; the money checks pass."""
    assert verify_all() == []
    for post in Posting.select().where(Posting.kind == "payment"):
        p = Payment.get_or_none(Payment.posting == post.id)
        assert p is not None, f"posting {post.id} has no receipt"
        assert Tender.select().where(Tender.payment == p.id).count() == 1
        assert LedgerEntry.select().where(LedgerEntry.posting == post.id).count() >= 1


def test_processes_taking_payments_at_once_lose_nothing(db_url, open_drawer, make_account):
    accounts = [make_account() for _ in range(2)]
    database.close()  # the children must not inherit a connection
    # four processes; two pairs share their keys (a retry racing the original form)
    procs = [spawn(db_url, "A", 40, accounts), spawn(db_url, "A", 40, accounts),
             spawn(db_url, "B", 40, accounts[:1]), spawn(db_url, "B", 40, accounts[:1])]
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    database.connect(reuse_if_open=True)
    assert Payment.select().count() == 80
    assert len({p.receipt_number for p in Payment.select()}) == 80
    assert ledger.account_balance(accounts[0].id) == -80 * 100
    assert ledger.account_balance(accounts[1].id) == -40 * 100
    session = DrawerSession.get_by_id(open_drawer.session_id)
    assert expected_cash(session) == 20000 + 40 * 200 + 40 * 100
    assert_whole()


def test_sigkill_during_take_payment_leaves_nothing_partial(db_url, open_drawer, make_account):
    accounts = [make_account() for _ in range(2)]
    database.close()
    count = 60
    for round_ in range(2):
        p = spawn(db_url, "K", count, accounts, slow=True)
        seen = 0
        while seen < 5 + 15 * round_:
            line = p.stdout.readline()
            if not line:
                break
            seen += line.startswith("posted")
        time.sleep(0.002)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        database.connect(reuse_if_open=True)
        assert_whole()
        database.close()
    p = spawn(db_url, "K", count, accounts)
    out, err = p.communicate(timeout=240)
    assert p.returncode == 0, err
    database.connect(reuse_if_open=True)
    assert Payment.select().count() == count
    for a in accounts:
        assert ledger.account_balance(a.id) == -count * 100
    assert_whole()
