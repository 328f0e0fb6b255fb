"""db.read_ahead: reads run in a thread with its own connection, handed back in order."""
import threading

import pytest

from models import Account, database
from ubtui.db import read_ahead, select


def _alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "read-ahead"]


def test_results_in_order_from_another_connection(make_account):
    ids = [make_account().id for _ in range(3)]
    seen_threads = set()

    def read(account_id):
        def run():
            seen_threads.add(threading.get_ident())
            return select("SELECT id FROM account WHERE id = ?", (account_id,))
        return run

    got = list(read_ahead([read(i) for i in ids]))
    assert got == [[(i,)] for i in ids]
    assert seen_threads and threading.get_ident() not in seen_threads
    assert not _alive()


def test_several_connections_hand_back_in_order(make_account):
    """The first two reads meet at a barrier: they can only both pass if they run at once,
    on two threads (two connections)."""
    ids = [make_account().id for _ in range(5)]
    both = threading.Barrier(2, timeout=10)

    def read(n, account_id):
        def run():
            if n < 2:
                both.wait()
            assert threading.current_thread() is not threading.main_thread()
            return select("SELECT id FROM account WHERE id = ?", (account_id,))
        return run

    assert list(read_ahead([read(n, i) for n, i in enumerate(ids)], connections=2)) == [[(i,)] for i in ids]
    assert not _alive()


def test_an_error_comes_at_its_turn_and_stops_the_thread(make_account):
    make_account()

    def boom():
        raise ValueError("read 2 failed")

    reader = iter(read_ahead([lambda: 1, boom, lambda: 3]))
    assert next(reader) == 1
    with pytest.raises(ValueError, match="read 2 failed"):
        next(reader)
    assert not _alive()


def test_stopping_early_stops_the_thread(make_account):
    make_account()
    for got in read_ahead([lambda n=n: n for n in range(10)], depth=1):
        if got == 1:
            break
    assert not _alive()


def test_refused_inside_a_transaction(make_account):
    make_account()
    with database.atomic():
        Account.select().count()
        with pytest.raises(RuntimeError, match="transaction"):
            read_ahead([lambda: 1])
