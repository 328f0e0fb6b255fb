"""Per-address throttling for the doors (``ubtui ssh-serve``, ``ubtui web``): one implementation.

``Throttle`` counts, per client address, new connections (at most ``connections_per_minute``),
open ones (at most ``open_per_address``) and failed sign-ins: ``failures_to_block`` of them
within ``failure_window`` seconds block the address for ``block_seconds``.  What a failed
sign-in is depends on the door: over SSH, a connection that ends without passing the key
check; in the browser, each wrong password typed into the app's sign-in (the app reports it,
``report``), so an outsider cannot run through a user's lockout allowance from one address.

``report`` is the app's half: a session started by the browser door has ``UBTUI_DOOR_EVENTS``
(a Unix datagram socket of the door) and ``UBTUI_DOOR_SESSION`` (its token) in its
environment, and the sign-in screen sends ``failed`` or ``signed_in`` there.  Anywhere else it
does nothing.  Nothing here imports Textual.
"""
from __future__ import annotations

import collections
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("ubtui.throttle")

EVENTS_ENV, SESSION_ENV = "UBTUI_DOOR_EVENTS", "UBTUI_DOOR_SESSION"
EVENTS = ("failed", "signed_in")


@dataclass
class ThrottleLimits:
    connections_per_minute: int = 30  # per address
    open_per_address: int = 20  # an office behind one NAT address shares this
    failures_to_block: int = 10  # failed sign-ins from one address...
    failure_window: float = 10 * 60  # ...within this many seconds...
    block_seconds: float = 15 * 60  # ...block the address this long


class Throttle:
    """Per-address limits on connections and on failed sign-ins (no authentication)."""

    MAX_ADDRESSES = 10_000  # forget quiet addresses beyond this many

    def __init__(self, limits: ThrottleLimits, clock: Callable[[], float] = time.monotonic, door: str = "door"):
        self.limits = limits
        self.clock = clock
        self.door = door  # for the log line
        self.recent: dict[str, collections.deque] = {}
        self.failures: dict[str, collections.deque] = {}
        self.open: collections.Counter = collections.Counter()
        self.blocked_until: dict[str, float] = {}

    def blocked(self, addr: str) -> bool:
        return self.blocked_until.get(addr, 0) > self.clock()

    def admit(self, addr: str) -> str | None:
        """Count a new connection from ``addr``; the reason to refuse it, or None."""
        now = self.clock()
        lim = self.limits
        if self.blocked_until.get(addr, 0) > now:
            return "too many failed sign-ins from your address; try again later"
        self.blocked_until.pop(addr, None)
        recent = self._window(self.recent, addr, now - 60)
        if len(recent) >= lim.connections_per_minute:
            return "too many connections from your address; try again in a minute"
        if self.open[addr] >= lim.open_per_address:
            return "too many open sessions from your address"
        recent.append(now)
        self.open[addr] += 1
        if len(self.recent) > self.MAX_ADDRESSES:
            self._forget(now)
        return None

    def closed(self, addr: str, signed_in: bool) -> None:
        """A connection that ``admit`` let in has ended; one that never signed in is a failure."""
        self.open[addr] -= 1
        if self.open[addr] <= 0:
            del self.open[addr]
        if not signed_in:
            self.failed(addr)

    def failed(self, addr: str) -> bool:
        """Count one failed sign-in from ``addr``; whether the address is now blocked."""
        now = self.clock()
        failures = self._window(self.failures, addr, now - self.limits.failure_window)
        failures.append(now)
        if len(failures) < self.limits.failures_to_block:
            return False
        self.blocked_until[addr] = now + self.limits.block_seconds
        failures.clear()
        log.warning("%s: %s blocked for %d s after %d failed sign-ins", self.door, addr, self.limits.block_seconds,
                    self.limits.failures_to_block)
        return True

    @staticmethod
    def _window(table: dict, addr: str, since: float) -> collections.deque:
        q = table.setdefault(addr, collections.deque())
        while q and q[0] < since:
            q.popleft()
        return q

    def _forget(self, now: float) -> None:
        for table, since in ((self.recent, now - 60), (self.failures, now - self.limits.failure_window)):
            for addr in [a for a, q in table.items() if not q or q[-1] < since]:
                del table[addr]
        for addr in [a for a, t in self.blocked_until.items() if t <= now]:
            del self.blocked_until[addr]


def report(event: str) -> None:
    """(The app) tell the door that started this session about a sign-in: ``failed`` or
    ``signed_in``.  Outside a door session, or if the door is gone, nothing happens."""
    path, token = os.environ.get(EVENTS_ENV), os.environ.get(SESSION_ENV)
    if not path or not token or event not in EVENTS:
        return
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(f"{token} {event}".encode(), path)
    except OSError as e:  # the door stopped: the app goes on
        log.info("door events: %s", e)
