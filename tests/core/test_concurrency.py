"""Several OS processes posting to the same accounts at once lose nothing and post each key once;
a SIGKILL in the middle of a batch leaves nothing partial, and rerunning the batch with the same
idempotency keys posts every payment exactly once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import LedgerEntry, Posting, database
from ubtui import ledger
from ubtui.verify import verify_all

POSTER = str(Path(__file__).with_name("poster.py"))
pytestmark = pytest.mark.slow


def spawn(url, prefix, count, accounts, slow=False):
    args = [sys.executable, POSTER, url, prefix, str(count), ",".join(str(a.id) for a in accounts)]
    if slow:
        args.append("--slow")
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_processes_posting_at_once_lose_nothing(db_url, make_account):
    accounts = [make_account() for _ in range(3)]
    database.close()  # the children must not inherit a connection
    # four processes, two pairs sharing the same keys (a retry racing the original)
    procs = [spawn(db_url, "A", 60, accounts), spawn(db_url, "A", 60, accounts),
             spawn(db_url, "B", 60, accounts[:2]), spawn(db_url, "B", 60, accounts[:2])]
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    database.connect(reuse_if_open=True)
    assert Posting.select().count() == 120
    assert ledger.account_balance(accounts[0].id) == -120 * 100
    assert ledger.account_balance(accounts[1].id) == -120 * 100
    assert ledger.account_balance(accounts[2].id) == -60 * 100
    assert verify_all() == []


def test_sigkill_mid_batch_then_rerun_posts_each_payment_once(db_url, make_account):
    accounts = [make_account() for _ in range(2)]
    database.close()
    count = 150
    for round_ in range(3):  # kill at a different point each time
        p = spawn(db_url, "K", count, accounts, slow=True)
        target = 10 + 25 * round_
        seen = 0
        while seen < target:
            line = p.stdout.readline()
            if not line:
                break
            seen += line.startswith("posted")
        time.sleep(0.001 * (round_ + 1))
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        assert p.returncode == -signal.SIGKILL
        database.connect(reuse_if_open=True)
        # nothing partial: every posting has all its entries and balances agree
        assert verify_all() == []
        for post in Posting.select():
            assert LedgerEntry.select().where(LedgerEntry.posting == post.id).count() == 2
        database.close()
    p = spawn(db_url, "K", count, accounts)
    out, err = p.communicate(timeout=240)
    assert p.returncode == 0, err
    database.connect(reuse_if_open=True)
    assert Posting.select().count() == count
    keys = [k for (k,) in Posting.select(Posting.idempotency_key).tuples()]
    assert sorted(keys) == sorted(f"K-{i}" for i in range(count))
    for a in accounts:
        assert ledger.account_balance(a.id) == -count * 100 == ledger.computed_balance(a.id)
    assert verify_all() == []
