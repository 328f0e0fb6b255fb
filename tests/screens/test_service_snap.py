"""The service forms at 80x24: start service (class, rate code, cycle, deposit, prior debt) and
stop service (the forwarding address in its parts)."""
from __future__ import annotations

from tests.screens.appkit import add_user, make_app
from tests.screens.test_actions import new_account
from tests.screens.test_actions_snap import actions_opener


def service_app(sqlite_url, press: tuple[str, ...], status: str = "final_billed"):
    """A supervisor on an account (a final-billed one: a new customer starts service at its
    address) who presses ``press`` in its actions."""
    add_user("super", "supervisor")
    acct = new_account(status=status)
    app = make_app(sqlite_url)
    return app, actions_opener(app, acct.id, "super", press)


def test_start_service_form(sqlite_url, snap_compare):
    app, before = service_app(sqlite_url, ("s",))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_stop_service_form(sqlite_url, snap_compare):
    app, before = service_app(sqlite_url, ("t",), status="active")  # service to stop
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
