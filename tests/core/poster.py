"""A separate OS process that posts payments (used by the concurrency and crash tests).

usage: python poster.py URL PREFIX COUNT ACCOUNT_IDS [--slow]
Each posting pays 1.00 on each of the listed accounts (comma separated) with key PREFIX-i.
With --slow it lingers inside each transaction after writing, so a SIGKILL lands mid-posting.
Prints "posted i" after each commit.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from ubtui import ledger  # noqa: E402
from ubtui.db import open_database  # noqa: E402
from ubtui.ledger import EntrySpec  # noqa: E402
from ubtui.security import system_user  # noqa: E402


def main() -> None:
    url, prefix, count, ids = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    slow = "--slow" in sys.argv
    account_ids = [int(x) for x in ids.split(",")]
    open_database(url, upgrade=False)
    user = system_user()
    for i in range(count):
        key = f"{prefix}-{i}"
        specs = [EntrySpec(a, "payment", -100, description=f"payment {key}") for a in account_ids]

        def build(key=key, specs=specs):
            result = ledger.write_posting(user, key, "payment", specs)
            if slow:
                time.sleep(0.003)  # still inside the transaction
            return result

        ledger.idempotent(key, build, ledger.replay_posting)
        print(f"posted {i}", flush=True)


if __name__ == "__main__":
    main()
