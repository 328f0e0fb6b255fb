"""The day's cash totals: by drawer session, operator and tender, and the receipts list.

THE rule for voids lives here (``counts_in_totals``): every total on the cash screens and
reports (daily totals, the drawer summary, the cash receipts journal, the receipts list)
counts receipts through ``Tally``, so they agree for the same day.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from peewee import JOIN

from models import Account, Drawer, DrawerSession, LedgerEntry, Payment, Tender, User
from models.cashier import of_session, paid_into

from .accounts import format_account_number
from .dates import local_time
from .drawer import business_today
from .payments import customer_name, tender_label
from .security import require


# --- supervisor daily totals --------------------------------------------------------------
# THE rule for voids, used by every total on the cash screens and reports (daily totals, the
# drawer summary, the cash receipts journal, the receipts list): a voided receipt is LISTED,
# marked VOID, and left out of every total and count (receipts, amounts, tenders, change);
# voids are counted and summed on their own.  A returned payment stays in the day it was taken.
def counts_in_totals(status: str) -> bool:
    """Whether a receipt of this status counts in the day's totals (voided ones do not)."""
    return status != "voided"


@dataclass
class Tally:
    """Receipts and voids counted by ``counts_in_totals``."""
    receipts: int = 0
    total_cents: int = 0
    change_cents: int = 0
    voids: int = 0
    void_cents: int = 0

    def add(self, status: str, total_cents: int, change_cents: int = 0) -> bool:
        """Count one receipt; False when it is a void (left out of the totals)."""
        if not counts_in_totals(status):
            self.voids += 1
            self.void_cents += total_cents
            return False
        self.receipts += 1
        self.total_cents += total_cents
        self.change_cents += change_cents
        return True


def tally(rows: Iterable) -> Tally:
    """The totals of receipts (anything with ``status``, ``total_cents``, ``change_cents``)."""
    t = Tally()
    for r in rows:
        t.add(r.status, r.total_cents, r.change_cents)
    return t


@dataclass
class SessionTotals(Tally):
    """One drawer session's receipts (``session_id`` 0: receipts of no drawer, e.g. autopay)."""
    session_id: int = 0
    drawer: str = ""
    operator: str = ""
    status: str = ""
    cash_cents: int = 0  # net of change
    checks_cents: int = 0
    other_cents: int = 0
    over_short_cents: int | None = None
    unbalanced: bool = False
    by_tender: dict[str, int] = field(default_factory=dict)  # kind -> cents (cash net of change)


@dataclass
class DailyTotals:
    business_date: _dt.date
    sessions: list[SessionTotals]
    by_operator: dict[str, int]  # operator -> total cents
    by_tender: dict[str, int]  # kind -> cents (cash net of change)
    receipts: int
    voids: int
    void_cents: int
    total_cents: int
    over_short_cents: int
    open_drawers: list[str]
    closed_drawers: list[str]
    unbalanced_drawers: list[str]


def _day_payments(day: _dt.date) -> list[tuple]:
    """(id, session id, status, total, change, channel, username) of every receipt of the day."""
    return list(Payment.select(Payment.id, Payment.session, Payment.status, Payment.total_cents,
                               Payment.change_cents, Payment.channel, User.username)
                .join(User, on=(Payment.user == User.id)).where(Payment.business_date == day)
                .order_by(Payment.id).tuples())


def session_tallies(day: _dt.date) -> dict[int | str, SessionTotals]:
    """Every receipt of the day tallied by drawer session (receipts of no session -- autopay,
    mail -- by channel, keyed by the channel), with tenders; the one place the day is summed."""
    sessions: dict[int | str, SessionTotals] = {}
    for s, code, op in _session_rows(day):
        sessions[s.id] = SessionTotals(session_id=s.id, drawer=code, operator=op, status=s.status,
                                       over_short_cents=s.over_short_cents,
                                       unbalanced=(s.status == "closed" and bool(s.over_short_cents)))
    counted: dict[int, SessionTotals] = {}
    for pid, sid, status, total, change, channel, _username in _day_payments(day):
        st = sessions.get(sid) if sid is not None else None
        if st is None:
            st = sessions.setdefault(channel, SessionTotals(drawer=f"({channel})", operator=f"({channel})", status="-"))
        if st.add(status, total, change):
            st.cash_cents -= change
            if change:
                st.by_tender["cash"] = st.by_tender.get("cash", 0) - change
            counted[pid] = st
    if counted:
        for pid, kind, amt in (Tender.select(Tender.payment, Tender.kind, Tender.amount_cents)
                               .join(Payment).where(Payment.business_date == day).tuples()):
            st = counted.get(pid)
            if st is None:  # a voided receipt's tenders
                continue
            st.by_tender[kind] = st.by_tender.get(kind, 0) + amt
            if kind == "cash":
                st.cash_cents += amt
            elif kind == "check":
                st.checks_cents += amt
            else:
                st.other_cents += amt
    return sessions


def daily_totals(user: User, business_date: _dt.date | None = None) -> DailyTotals:
    """Today's totals by drawer, operator and tender; drawers open/closed/unbalanced; voids
    (``counts_in_totals``: voided receipts are counted apart, never in the totals)."""
    require(user, "drawer.view_all")
    day = business_date or business_today()
    sessions = session_tallies(day)
    by_tender: dict[str, int] = {}
    by_op: dict[str, int] = {}
    ss = list(sessions.values())
    for st in ss:
        for kind, cents in st.by_tender.items():
            by_tender[kind] = by_tender.get(kind, 0) + cents
        by_op[st.operator] = by_op.get(st.operator, 0) + st.total_cents
    drawers = [s for s in ss if s.session_id]
    return DailyTotals(day, ss, by_op, by_tender, sum(s.receipts for s in ss), sum(s.voids for s in ss),
                       sum(s.void_cents for s in ss), sum(s.total_cents for s in ss),
                       sum(s.over_short_cents or 0 for s in drawers if s.status == "closed"),
                       [s.drawer for s in drawers if s.status != "closed"],
                       [s.drawer for s in drawers if s.status == "closed"],
                       [s.drawer for s in drawers if s.unbalanced])


def _session_rows(day: _dt.date):
    q = (DrawerSession.select(DrawerSession, Drawer, User).join(Drawer)
         .switch(DrawerSession).join(User, on=(DrawerSession.operator == User.id))
         .where(DrawerSession.business_date == day).order_by(Drawer.code, DrawerSession.id))
    for s in q:
        yield s, s.drawer.code, s.operator.username


@dataclass
class ReceiptRow:
    payment_id: int
    receipt_number: str
    created_at: _dt.datetime | None
    business_date: _dt.date | None
    drawer: str
    operator: str
    accounts: str  # formatted numbers, comma separated
    name: str
    tenders: str  # "cash", "check #123", "card ...1234"
    total_cents: int
    change_cents: int
    status: str


def list_receipts(user: User, business_date: _dt.date | None = None, *, session_id: int | None = None,
                  operator: str | None = None, tender: str | None = None, account_id: int | None = None,
                  limit: int = 5000) -> list[ReceiptRow]:
    """Receipts of a day (drill-down from the totals), newest last."""
    require(user, "report.view")
    q = (Payment.select(Payment, User.username.alias("op_name"), Drawer.code.alias("drawer_code"))
         .join(User, on=(Payment.user == User.id))
         .switch(Payment).join(DrawerSession, JOIN.LEFT_OUTER).join(Drawer, JOIN.LEFT_OUTER))
    if business_date is not None:
        q = q.where(Payment.business_date == business_date)
    if session_id == 0:  # the receipts of no drawer session (autopay, mail)
        q = q.where(Payment.session.is_null())
    elif session_id is not None:
        q = q.where(of_session(session_id))
    if operator:
        q = q.where(User.username == operator)
    if tender:
        q = q.where(Payment.id.in_(Tender.select(Tender.payment).where(Tender.kind == tender)))
    if account_id is not None:
        q = q.where(paid_into([account_id]))
    payments = list(q.order_by(Payment.id).limit(limit).objects())
    ids = [p.id for p in payments]
    tenders: dict[int, list[str]] = {}
    accounts: dict[int, list[int]] = {}
    if ids:
        for t in Tender.select().where(Tender.payment.in_(ids)).order_by(Tender.payment, Tender.seq):
            tenders.setdefault(t.payment_id, []).append(tender_label(t))
        for pid, aid in (Payment.select(Payment.id, LedgerEntry.account)
                         .join(LedgerEntry, on=(LedgerEntry.posting == Payment.posting))
                         .where(Payment.id.in_(ids)).distinct().tuples()):
            accounts.setdefault(pid, []).append(aid)
    numbers = {a.id: format_account_number(a.number)
               for a in Account.select(Account.id, Account.number).where(
                   Account.id.in_(sorted({a for v in accounts.values() for a in v}) or [0]))}
    rows = []
    for p in payments:
        aids = sorted(accounts.get(p.id, []))
        rows.append(ReceiptRow(p.id, p.receipt_number, local_time(p.created_at), p.business_date, p.drawer_code or "", p.op_name,
                               ", ".join(numbers[a] for a in aids), p.payer_name or (customer_name(aids[0]) if aids else ""),
                               ", ".join(tenders.get(p.id, [])), p.total_cents, p.change_cents, p.status))
    return rows
