"""Collections of delinquent accounts: the day's worklist, notices before shut-off, the
shut-off list, protections, payment plans and the letters.

The policy (``[collections]`` in the config file, ``ubtui.policy``; California SB 998 by
default) sets the steps.  For an account past due, each day's worklist says what comes next:

    reminder  ->  15-day notice  ->  final notice / door tag (fee)  ->  shut-off list
                   (reminder sent,     (notice_days after the        (final_business_days
                    notice_after_days   notice)                        business days after the
                    past due)                                          final, office open today)

A step counts only once sent (``CollectionNotice`` rows, one per account, step and day), so an
account can reach the shut-off list only by way of every notice and every wait, and a rerun
the same day sends nothing new.  Protections keep an account off the list whatever the path
(worklist, ``order_disconnects``, a hand-made work order in ``workorders``): a medical
certificate, do-not-disconnect, a kept payment plan, a pending appeal, and for multi-unit
premises the occupants' notice and its wait.  Aging comes from ``ubtui.aging``, the same
implementation as the account header.
"""
from __future__ import annotations

import datetime as _dt
import functools
import gc
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from peewee import JOIN, SQL, Case, IntegrityError, fn

from models import (
    Account,
    AccountCustomer,
    CollectionHold,
    CollectionNotice,
    ContactLog,
    Customer,
    LedgerEntry,
    PaymentPlan,
    PlanInstalment,
    Premise,
    User,
    WorkOrder,
)

from . import audit, clock, ledger, letters
from .accounts import ROLE_PRECEDENCE, Party, choose_customer_of_record, format_account_number
from .addresses import format_address
from .aging import (  # noqa: F401  (fill_newest_first, owed_older_than: tests)
    BUCKET_DAYS,
    buckets,
    buckets_of_owed,
    fill_newest_first,
    newer_than,
    owed_by_age,
    owed_older_than,
    raw_rows,
)
from .config import settings
from .dates import db_date
from .db import is_postgres, read_ahead, transaction
from .errors import Conflict, InputError, NotFound, PermissionDenied
from .ledger import EntrySpec
from .money import format_cents
from .policy import CollectionsPolicy, add_business_days, closed_reason, next_business_day
from .security import has_permission, require

CHUNK = 500
# What the worklist says for an account today, in the order the screen lists them.
ACTIONS = ("shutoff", "final", "notice", "reminder", "plan_broken", "ordered", "protected", "wait")
ACTION_TEXT = {"shutoff": "shut-off list", "final": "final notice", "notice": "15-day notice",
               "reminder": "reminder", "plan_broken": "plan broken", "ordered": "disconnect ordered",
               "protected": "protected", "wait": "waiting"}
SEND_STEPS = ("reminder", "notice", "final", "plan_broken")  # the actions a run sends letters for
SUBJECTS = {"reminder": "Past-due reminder letter", "notice": "15-day shut-off notice",
            "final": "Final notice / door tag", "tenant": "Occupants' shut-off notice",
            "plan_confirmation": "Payment plan confirmation", "plan_broken": "Payment plan broken",
            "returned_payment": "Returned payment letter", "welcome": "Welcome letter", "final_bill": "Final bill letter"}
LEGACY_KINDS = {"shutoff_notice": "notice"}


def policy() -> CollectionsPolicy:
    return settings().collections


@dataclass(frozen=True)
class PlanState:
    plan_id: int
    total_cents: int
    instalments: int
    paid_cents: int
    due_cents: int  # instalments due by today
    next_due: _dt.date | None
    next_cents: int
    missed_due: _dt.date | None  # the oldest instalment unpaid beyond the grace period
    complete: bool

    @property
    def kept(self) -> bool:
        return self.missed_due is None

    def describe(self) -> str:
        s = f"plan {format_cents(self.paid_cents)} of {format_cents(self.total_cents)} paid"
        if self.missed_due:
            return s + f", instalment of {self.missed_due:%m/%d} missed"
        if self.next_due:
            s += f", next {format_cents(self.next_cents)} {self.next_due:%m/%d}"
        return s


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__,
class WorkItem:         # 4-5 us a line against 0.7, which was a sixth of the worklist at scale
    account_id: int
    number: str
    name: str
    address: str
    mail: tuple  # (party, address, city, state, zip): the letter's address block, made when asked
    language: str
    balance_cents: int
    aging: dict[str, int]
    past_due_cents: int
    action: str  # one of ACTIONS
    why: str = ""  # the protection, or what the account waits for
    shutoff_on: _dt.date | None = None  # earliest shut-off by the notices sent
    status: str = "active"
    multi_unit: bool = False
    plan: PlanState | None = None

    @property
    def mail_lines(self) -> tuple[str, ...]:
        return _mail_lines(*self.mail)

    # the old worklist's names, for callers that still use them
    @property
    def step(self) -> str:
        return self.action

    @property
    def exempt(self) -> str:
        return self.why if self.action == "protected" else ""

    @property
    def open_disconnect(self) -> bool:
        return self.action == "ordered"


Delinquent = WorkItem


@dataclass(frozen=True)
class Worklist:
    as_of: _dt.date
    items: list[WorkItem]
    closed: str  # why the office is closed today ("" when open): no shut-off on such a day

    def counts(self) -> dict[str, tuple[int, int]]:
        """action -> (accounts, cents past due)."""
        out = {a: (0, 0) for a in ACTIONS}
        for it in self.items:
            n, c = out[it.action]
            out[it.action] = (n + 1, c + it.past_due_cents)
        return out


class _Party(NamedTuple):
    name: str
    line1: str
    line2: str
    city: str
    state: str
    zip: str
    language: str


def _billing_parties(account_ids, as_of: _dt.date | None = None) -> dict[int, _Party]:
    """Who gets the letter: the account's customer of record on ``as_of``
    (``accounts.choose_customer_of_record``: the rule the bill, the receipt and search
    follow), at their mailing address.  One statement for all the accounts."""
    day = as_of or clock.today()
    roles: dict[int, list[Party]] = {}
    mail: dict[int, _Party] = {}
    q = (AccountCustomer.select(AccountCustomer.account, AccountCustomer.id, AccountCustomer.customer,
                                AccountCustomer.role, AccountCustomer.start_date, AccountCustomer.end_date,
                                Customer.display_name, Customer.mail_line1, Customer.mail_line2,
                                Customer.mail_city, Customer.mail_state, Customer.mail_zip, Customer.language)
         .join(Customer).where(_among(AccountCustomer.account, account_ids) & Customer.merged_into.is_null()))
    for account_id, link_id, customer_id, role, start_date, end_date, *party in raw_rows(q):
        # SQLite hands tuples back as stored text
        roles.setdefault(account_id, []).append(
            Party(link_id, customer_id, party[0], role, db_date(start_date), db_date(end_date)))
        mail[link_id] = _Party(*party)
    out = {}
    for account_id, parties in roles.items():
        chosen = choose_customer_of_record(parties, day)
        if chosen is not None:
            out[account_id] = mail[chosen.link_id]
    return out


def _party_columns():
    """The letter's addressee as columns of a query on ``Account`` (LEFT JOIN ``Customer`` on
    ``_BEST_PARTY``): the billing party, else the tenant, else the owner; current parties
    first, else (a final-billed account) the last ones it had, at their mailing address."""
    return (Customer.display_name, Customer.mail_line1, Customer.mail_line2, Customer.mail_city,
            Customer.mail_state, Customer.mail_zip, Customer.language)


def _best_party(day: _dt.date):
    """``accounts.choose_customer_of_record`` as a correlated subquery on ``Account`` (the
    worklist reads every past-due account's addressee in its one statement): the roles active
    on ``day``, else those that ended last, else the first to start; then billing, tenant,
    owner; then the latest start; merged records left out.  A test holds the two equal."""
    AC, C = AccountCustomer, Customer.alias("party")
    group = Case(None, [(((AC.start_date.is_null()) | (AC.start_date <= day))
                         & (AC.end_date.is_null() | (AC.end_date >= day)), 0),
                        (AC.end_date < day, 1)], 2)
    rank = Case(AC.role, [(r, i) for i, r in enumerate(ROLE_PRECEDENCE)], len(ROLE_PRECEDENCE))
    return (AC.select(AC.customer).join(C, on=(C.id == AC.customer))
            .where((AC.account == Account.id) & C.merged_into.is_null())
            .order_by(group, Case(None, [(group == 1, AC.end_date)], None).desc(),
                      Case(None, [(group == 2, AC.start_date)], None), rank, AC.start_date.desc(), AC.id.desc())
            .limit(1))


def _party(row) -> _Party | None:
    """A ``_Party`` from the ``_party_columns`` of a row (None: the account has no party)."""
    return None if row[0] is None else _Party(*row)




def _mail_lines(cust: _Party | None, address: str, city: str, state: str, zip_: str) -> tuple[str, ...]:
    if cust is not None and cust.line1:
        where = f"{cust.city}, {cust.state} {cust.zip}".strip(", ")
        return tuple(x for x in (cust.name, cust.line1, cust.line2, where) if x)
    where = f"{city}, {state} {zip_}".strip(", ")
    return tuple(x for x in ((cust.name if cust else "Occupant"), address, where) if x)


# --- payment plans: state -------------------------------------------------------------------------

def _among(column, account_ids):
    """``column`` among ``account_ids``: a list, a subquery of account ids, or None (every
    account: the small collections tables are read whole rather than against a million ids)."""
    return SQL("1 = 1") if account_ids is None else column.in_(account_ids)


def _plan_states(account_ids, as_of: _dt.date, pol: CollectionsPolicy) -> dict[int, PlanState]:
    """The active plans of ``account_ids`` and how they stand: grouped queries for the plans,
    their instalments, and the payments since each plan began less those reversed."""
    P, E, R, I = PaymentPlan, LedgerEntry, LedgerEntry.alias("r"), PlanInstalment
    active = (P.status == "active") & _among(P.account, account_ids)
    plans = list(P.select().where(active))
    if not plans:
        return {}
    schedule: dict[int, list[tuple[_dt.date, int]]] = {}
    for plan_id, due_on, cents in (I.select(I.plan, I.due_on, I.amount_cents)
                                   .where(I.plan.in_(P.select(P.id).where(active))).order_by(I.plan, I.seq).tuples()):
        schedule.setdefault(plan_id, []).append((db_date(due_on), int(cents)))
    on = (E.account == P.account) & (E.kind == "payment") & (E.effective_on >= P.created_on)
    paid = dict(P.select(P.id, fn.SUM(E.amount_cents)).join(E, on=on).where(active).group_by(P.id).tuples())
    undone = dict(P.select(P.id, fn.SUM(R.amount_cents)).join(E, on=on).join(R, on=(R.reverses == E.id))
                  .where(active).group_by(P.id).tuples())
    return {p.account_id: _plan_state(p, schedule.get(p.id, []),
                                      int(-(paid.get(p.id) or 0) - (undone.get(p.id) or 0)), as_of, pol)
            for p in plans}


def _plan_state(p: PaymentPlan, schedule: list[tuple[_dt.date, int]], paid: int, as_of: _dt.date,
                pol: CollectionsPolicy) -> PlanState:
    cumulative, due, missed, next_due, next_cents = 0, 0, None, None, 0
    for due_on, cents in schedule:
        cumulative += cents
        if due_on <= as_of:
            due = cumulative
        if missed is None and paid < cumulative and (as_of - due_on).days > pol.plan_grace_days:
            missed = due_on
        if next_due is None and paid < cumulative and due_on >= as_of:
            next_due, next_cents = due_on, cumulative - max(paid, cumulative - cents)
    return PlanState(p.id, int(p.total_cents), p.instalments, paid, due, next_due, next_cents, missed,
                     paid >= int(p.total_cents))


# --- the worklist ---------------------------------------------------------------------------------

def _sent(account_ids, as_of: _dt.date, pol: CollectionsPolicy) -> dict[int, dict[str, tuple]]:
    """account -> step -> (latest sent_on, its shutoff_on) of the notices still in force.
    A broken-plan letter starts the sequence again: it counts as the reminder, and the
    notices before it no longer count."""
    N = CollectionNotice
    since = as_of - _dt.timedelta(days=pol.notice_valid_days)
    q = (N.select(N.account, N.step, N.sent_on, N.shutoff_on)
         .where(_among(N.account, account_ids) & N.step.in_(["reminder", "notice", "final", "tenant", "plan_broken"])
                & (N.sent_on >= since) & (N.sent_on <= as_of)))
    out: dict[int, dict[str, tuple]] = {}
    for account_id, step, sent_on, shutoff_on in raw_rows(q):
        sent_on, shutoff_on = db_date(sent_on), db_date(shutoff_on)
        prev = out.setdefault(account_id, {}).get(step)
        if prev is None or sent_on > prev[0]:
            out[account_id][step] = (sent_on, shutoff_on)
    for steps in out.values():
        broken = steps.pop("plan_broken", None)
        if broken is not None:
            for step in [s for s, (day, _) in steps.items() if day < broken[0]]:
                del steps[step]
            steps["reminder"] = broken
    return out


def _protection(pol: CollectionsPolicy, medical: bool, dnd: bool, appeal: bool, plan: PlanState | None) -> str:
    on = pol.protections
    if medical and "medical_certificate" in on:
        return "medical certificate"
    if dnd and "do_not_disconnect" in on:
        return "do not disconnect"
    if appeal and "appeal" in on:
        return "appeal pending"
    if plan is not None and plan.kept and "payment_plan" in on:
        return "payment plan"
    return ""


def _decide(pol: CollectionsPolicy, as_of: _dt.date, closed: str, *, owed: _ByDay,
            status: str, protected: str, plan: PlanState | None, sent: dict[str, tuple], multi_unit: bool,
            ordered: bool) -> tuple[str, str, _dt.date | None]:
    """(action, why, earliest shut-off) for one account: the whole notice sequence.  ``owed``:
    N -> what is owed on charges N days old or older (``aging.owed_older_than``)."""
    if plan is not None and not plan.kept:
        return "plan_broken", f"instalment due {plan.missed_due:%m/%d} not paid", None
    if protected in ("payment plan", "appeal pending"):
        return "protected", protected, None
    if "reminder" not in sent:
        return "reminder", "", None
    if protected:
        return "protected", protected, None
    if "notice" not in sent:
        after = sent["reminder"][0] + _dt.timedelta(days=pol.notice_gap_days)
        if owed[pol.notice_after_days] < pol.min_past_due_cents:
            return "wait", f"under {format_cents(pol.min_past_due_cents)} {pol.notice_after_days}+ days", None
        if as_of < after:
            return "wait", f"15-day notice from {after:%m/%d}", None
        return "notice", "", None
    if "final" not in sent:
        after = sent["notice"][0] + _dt.timedelta(days=pol.notice_days)
        if as_of < after:
            return "wait", f"final notice from {after:%m/%d}", sent["notice"][1]
        return "final", "", None
    earliest = sent["final"][1] or add_business_days(pol, sent["final"][0], pol.final_business_days)
    if multi_unit and "tenant_notice" in pol.protections:
        if "tenant" not in sent:
            return "protected", "occupants not notified", earliest
        tenant_until = sent["tenant"][0] + _dt.timedelta(days=pol.tenant_notice_days)
        if as_of < tenant_until:
            return "protected", f"occupants' notice to {tenant_until:%m/%d}", max(earliest, tenant_until)
    if as_of < earliest:
        return "wait", f"shut-off from {earliest:%m/%d}", earliest
    if owed[pol.min_days_delinquent] < pol.min_past_due_cents:
        return "wait", f"under {format_cents(pol.min_past_due_cents)} {pol.min_days_delinquent}+ days", earliest
    if status != "active":
        return "wait", f"account {status.replace('_', ' ')}", earliest
    if ordered:
        return "ordered", "", earliest
    if closed:
        return "wait", f"office closed ({closed})", earliest
    return "shutoff", "", earliest


@contextmanager
def _no_cyclic_gc():
    """The cyclic garbage collector paused: building a quarter of a million lines makes only
    acyclic objects, yet each allocation threshold set off a pass over all of them (a third of
    the worklist's time).  Reference counting still frees everything; the collector resumes
    (if it was on) when the block ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


# On PostgreSQL a district with more accounts (by id) than this is read in statements of this
# many, each run ahead (``db.read_ahead``) while the lines of those before are made: at
# 1,000,000 accounts the statement and the pass over the lines took 3.6 s and 2.0 s one after
# the other.
PIECE_ACCOUNTS = 125_000
# Pieces read at once, each a statement without parallel workers of its own: the server's
# cores run the pieces and this process makes the lines (1M accounts, 2 cores: 3.3-3.6 s;
# one connection with parallel workers: 4.8-5.1 s; one statement and the pass after it: 6.1).
PIECE_CONNECTIONS = 2


def _pieces(statement, account_ids: list[int] | None):
    """The rows of ``statement`` for ``account_ids``, or on PostgreSQL for every account in
    pieces of ``PIECE_ACCOUNTS`` ids read ahead (one statement, in this thread, when that is
    one piece).  SQLite runs in this process: a thread reading it takes the interpreter's
    lock back for every row it fetches, so it would wait on the pass, not run beside it."""
    if account_ids is None and is_postgres():
        first, last = Account.select(fn.MIN(Account.id), fn.MAX(Account.id)).tuples().get()
        if first is not None and last - first >= PIECE_ACCOUNTS:
            return read_ahead([functools.partial(statement, (lo, min(lo + PIECE_ACCOUNTS - 1, last)))
                               for lo in range(first, last + 1, PIECE_ACCOUNTS)], connections=PIECE_CONNECTIONS)
    return iter([statement()])


def _without_jit(query, piece: bool = False) -> list[tuple]:
    """``raw_rows`` of the worklist's statement; on PostgreSQL with JIT compilation off for it
    (in its own transaction, or the caller's): the correlated addressee subquery's cost
    estimate puts the statement past ``jit_above_cost``, and compiling took 0.06 s of 0.3 at
    80,000 accounts for a statement that runs once; past ``jit_optimize_above_cost`` (estimated
    cost 164,000 at 80,000 accounts: about 250,000) it would also optimise and inline.  A
    ``piece`` of a district read on several connections has no parallel workers of its own
    (``PIECE_CONNECTIONS``)."""
    if not is_postgres():
        return raw_rows(query)
    with transaction():
        Account._meta.database.execute_sql("SET LOCAL jit = off")
        if piece:
            Account._meta.database.execute_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        return raw_rows(query)


def _items(as_of: _dt.date, pol: CollectionsPolicy, account_ids: list[int] | None = None) -> list[WorkItem]:
    with _no_cyclic_gc():
        return _items_of(as_of, pol, account_ids)


def _items_of(as_of: _dt.date, pol: CollectionsPolicy, account_ids: list[int] | None) -> list[WorkItem]:
    """The worklist lines of ``account_ids``, or of every account owing (``None``).  One
    statement reads the accounts past due with their aging worked out in the database
    (``aging.owed_by_age``), their premises and their addressee (a big district: one a piece
    of it, read ahead, see ``_pieces``); four small ones read the
    notices in force, the active plans, the open appeals and the open disconnect orders
    (each table whole, not per account: they hold only accounts in collections); then one
    pass in Python decides each account's step."""
    days = sorted({pol.reminder_after_days, pol.notice_after_days, pol.min_days_delinquent, *BUCKET_DAYS})
    statuses = ("active", "disconnected", "final_billed")

    def statement(id_range: tuple[int, int] | None = None) -> list[tuple]:
        aged = owed_by_age(as_of, days, min_balance=pol.reminder_min_cents if account_ids is None else None,
                           account_ids=account_ids, statuses=statuses,
                           at_least=(pol.reminder_after_days, pol.reminder_min_cents), id_range=id_range)
        # the addressee's id as a column of the grouped query: worked out once per account past
        # due (after HAVING), then a primary-key join; in the join's ON clause PostgreSQL ran it twice
        aged = aged.select_extend(_best_party(as_of).alias("party_id")).alias("aged")
        A = Account.alias("acct")
        return _without_jit(A.select(aged.c.account_id, aged.c.balance, *(aged.c[f"owed_{d}"] for d in days),
                                     A.number, A.status, A.medical_certificate, A.do_not_disconnect,
                                     Premise.house_number, Premise.street, Premise.unit, Premise.city, Premise.state,
                                     Premise.zip, Premise.dwelling_units, *_party_columns())
                            .from_(aged).join(A, on=(A.id == aged.c.account_id))
                            .join(Premise, on=(Premise.id == A.premise))
                            .join(Customer, JOIN.LEFT_OUTER, on=(Customer.id == aged.c.party_id))
                            .where(SQL("1 = 1") if id_range is None else A.id.between(*id_range)),
                            piece=id_range is not None)

    pieces = _pieces(statement, account_ids)  # a big district's first statement starts now
    closed = closed_reason(pol, as_of)
    W = WorkOrder
    ordered_q = W.select(W.account).where((W.kind == "disconnect") & W.status.in_(["open", "assigned"])
                                          & W.account.is_null(False))
    appeals_q = CollectionHold.select(CollectionHold.account).where(CollectionHold.closed_on.is_null())
    if account_ids is not None:
        ordered_q = ordered_q.where(_among(W.account, account_ids))
        appeals_q = appeals_q.where(_among(CollectionHold.account, account_ids))
    ordered = {a for (a,) in raw_rows(ordered_q)}
    appeals = {a for (a,) in raw_rows(appeals_q)}
    sent = _sent(account_ids, as_of, pol)
    plans = _plan_states(account_ids, as_of, pol)
    n = len(days)
    i30, i60, i90 = (days.index(d) for d in BUCKET_DAYS)
    out: list[WorkItem] = []
    no_notices: dict = {}
    languages: dict[str, str] = {}
    for row in (row for rows in pieces for row in rows):  # integers from both drivers: the sums are cast to BIGINT (aging._grouped)
        account_id, balance = row[0], row[1]
        owed = row[2:2 + n]
        (number, status, medical, dnd, house, street, unit, city, state, zip_, units) = row[2 + n:13 + n]
        aging = buckets_of_owed(balance, owed[i30], owed[i60], owed[i90])
        plan = plans.get(account_id)
        multi = (units or 1) > 1
        action, why, earliest = _decide(
            pol, as_of, closed, owed=_Owed(days, owed), status=status,
            protected=_protection(pol, medical, dnd, account_id in appeals, plan), plan=plan,
            sent=sent.get(account_id, no_notices), multi_unit=multi, ordered=account_id in ordered)
        cust = None if row[13 + n] is None else _Party(*row[13 + n:])
        address = format_address(house, street, unit)
        lang = cust.language if cust else "en"
        if lang not in languages:
            languages[lang] = letters.language_of(lang, pol)
        out.append(WorkItem(account_id, format_account_number(number), cust.name if cust else "", address,
                            (cust, address, city, state, zip_), languages[lang], balance, aging,
                            balance - aging["current"], action, why, earliest, status, multi, plan))
    # The step's order, then the oldest debts first, then the number: two stable sorts, the
    # second by one integer (step, 90+, 60, past due in 64-bit places): a quarter of a million
    # lines sorted by a tuple of five took 0.4-0.6 s, these 0.15 s.
    rank = {a: i for i, a in enumerate(ACTIONS)}
    out.sort(key=attrgetter("number"))
    out.sort(key=lambda d: ((rank[d.action] << 192) - (d.aging["90+"] << 128) - (d.aging["60"] << 64)
                            - d.past_due_cents))
    return out


class _ByDay(Protocol):
    """N -> what is owed on charges N days old or older (a dict, or ``_Owed``)."""

    def __getitem__(self, day: int, /) -> int: ...


class _Owed:
    """N -> what is owed on charges N days old or older, read from a worklist row's columns
    only when ``_decide`` asks (most lines are decided before: a dict made for each of them
    cost more than those lookups)."""
    __slots__ = ("days", "values")

    def __init__(self, days: list[int], values: tuple):
        self.days, self.values = days, values

    def __getitem__(self, day: int) -> int:
        return self.values[self.days.index(day)]


def worklist(user: User, as_of: _dt.date | None = None) -> Worklist:
    """The day's collections steps for every account past due: who gets which notice, who is
    on the shut-off list, who is protected and why, who waits and for what."""
    require(user, "report.view")
    as_of = as_of or clock.today()
    pol = policy()
    return Worklist(as_of, _items(as_of, pol), closed_reason(pol, as_of))


def delinquency_list(user: User, as_of: _dt.date | None = None) -> list[WorkItem]:
    return worklist(user, as_of).items


def account_status(user: User, account_id: int, as_of: _dt.date | None = None) -> WorkItem | None:
    """The worklist's line for one account (None: nothing past due)."""
    require(user, "account.view")
    got = _items(as_of or clock.today(), policy(), [account_id])
    return got[0] if got else None


def account_alerts(account_id: int, as_of: _dt.date) -> list[str]:
    """What the account header says about collections: the payment plan, an open appeal."""
    out = []
    plan = plan_summary(account_id, as_of)
    if plan:
        out.append(plan)
    if CollectionHold.select().where((CollectionHold.account == account_id) & CollectionHold.closed_on.is_null()).exists():
        out.append("Appeal pending: no shut-off")
    return out


def plan_summary(account_id: int, as_of: _dt.date | None = None) -> str:
    """The active payment plan of an account in a line for the account header ("" if none)."""
    state = _plan_states([account_id], as_of or clock.today(), policy()).get(account_id)
    return ("Payment " + state.describe()) if state else ""


# --- letters ---------------------------------------------------------------------------------------

def _context(it: WorkItem, lang: str, as_of: _dt.date, pol: CollectionsPolicy, **extra) -> dict:
    d = settings().district
    ctx = dict(letters.SAMPLE)  # every name a template may use exists; the real ones follow
    ctx.update(district_name=d.name, district_address=d.address, district_phone=d.phone,
               date=letters.format_date(as_of, lang), name=it.name or "Customer", mail_lines=list(it.mail_lines),
               account_number=it.number, service_address=it.address, past_due=format_cents(it.past_due_cents),
               balance=format_cents(it.balance_cents), reconnect_fee=format_cents(pol.reconnect_fee_cents),
               appeal_days=pol.appeal_days, final_business_days=pol.final_business_days,
               plan_grace_days=pol.plan_grace_days, fee="", shutoff_on="", amount="", deposit="",
               plan_total="", instalments=[], missed_due_on="")
    ctx.update(extra)
    return ctx


def _send(user: User, it: WorkItem, step: str, as_of: _dt.date, pol: CollectionsPolicy, *,
          shutoff_on: _dt.date | None = None, fee_cents: int = 0, mail_lines: tuple[str, ...] | None = None,
          lang: str | None = None, contact_text: str = "", **extra) -> letters.Letter | None:
    """Inside a transaction: record ``step`` for the account today and render its letter;
    None when it was already sent today (the UNIQUE row is there: nothing new)."""
    lang = lang or it.language
    if CollectionNotice.select().where((CollectionNotice.account == it.account_id) & (CollectionNotice.step == step)
                                       & (CollectionNotice.sent_on == as_of)).exists():
        return None
    try:
        with CollectionNotice._meta.database.atomic():
            CollectionNotice.create(account=it.account_id, step=step, sent_on=as_of, shutoff_on=shutoff_on,
                                    past_due_cents=it.past_due_cents, fee_cents=fee_cents, language=lang, user=user.id)
    except IntegrityError:  # another terminal sent it a moment ago
        return None
    ctx = _context(it, lang, as_of, pol, **extra)
    if shutoff_on:
        ctx["shutoff_on"] = letters.format_date(shutoff_on, lang)
    if fee_cents:
        ctx["fee"] = format_cents(fee_cents)
    if mail_lines is not None:
        ctx["mail_lines"] = list(mail_lines)
    subject, text = letters.templates(pol).render(step, lang, ctx)
    ContactLog.create(account=it.account_id, channel="mail", subject=SUBJECTS[step][:80],
                      text=contact_text or f"{subject} ({lang}); past due {format_cents(it.past_due_cents)}, "
                                           f"balance {format_cents(it.balance_cents)}", user=user.id)
    return letters.Letter(it.account_id, it.number, step, lang, subject, text, tuple(ctx["mail_lines"]))


def _notice_dates(pol: CollectionsPolicy, step: str, as_of: _dt.date) -> _dt.date:
    """The earliest shut-off a notice sent today may state."""
    if step == "notice":
        return add_business_days(pol, as_of + _dt.timedelta(days=pol.notice_days), pol.final_business_days)
    return next_business_day(pol, add_business_days(pol, as_of, pol.final_business_days))


@dataclass(frozen=True)
class RunResult:
    as_of: _dt.date
    letters: list[letters.Letter]
    sent: dict[str, int]  # step -> letters sent
    fees_cents: int
    plans_broken: int
    pdf: Path | None = None
    csv: Path | None = None
    unicode_font: bool = True


def _outputs(pdf: str | Path | None, csv_path: str | Path | None) -> tuple[Path | None, Path | None]:
    out: list[Path | None] = []
    for p in (pdf, csv_path):
        if p is None:
            out.append(None)
            continue
        p = Path(p)
        if not p.parent.is_dir():
            raise InputError("File", f"folder {p.parent} does not exist")
        out.append(p)
    return out[0], out[1]


def run_notices(user: User, as_of: _dt.date | None = None, *, pdf: str | Path | None = None,
                csv: str | Path | None = None, steps: tuple[str, ...] = SEND_STEPS) -> RunResult:
    """Send the day's letters: every account whose next step (in ``steps``) is due today gets
    its letter once; door tags post their fee; broken plans are closed with a letter.  A rerun
    the same day sends nothing new.  Letters go to ``pdf`` (one a page) and ``csv`` (mail merge)."""
    require(user, "collections.manage")
    as_of = as_of or clock.today()
    pol = policy()
    pdf_path, csv_path = _outputs(pdf, csv)
    letters.templates(pol)  # a broken template stops the run here, before anything is sent
    items = [it for it in _items(as_of, pol) if it.action in steps]
    made: list[letters.Letter] = []
    sent = dict.fromkeys(("reminder", "notice", "final", "tenant", "plan_broken"), 0)
    fees = broken = 0
    for start in range(0, len(items), CHUNK):
        with transaction():
            for it in items[start:start + CHUNK]:
                got: list[letters.Letter | None] = []
                if it.action == "plan_broken":
                    assert it.plan is not None and it.plan.missed_due is not None  # broken: an instalment missed
                    broken += _break_plan(user, it, as_of)
                    got.append(_send(user, it, "plan_broken", as_of, pol,
                                     missed_due_on=letters.format_date(it.plan.missed_due, it.language)))
                elif it.action in ("reminder", "notice"):
                    shutoff = _notice_dates(pol, it.action, as_of) if it.action == "notice" else None
                    got.append(_send(user, it, it.action, as_of, pol, shutoff_on=shutoff))
                elif it.action == "final":
                    shutoff = _notice_dates(pol, "final", as_of)
                    letter = _send(user, it, "final", as_of, pol, shutoff_on=shutoff, fee_cents=pol.door_tag_fee_cents)
                    got.append(letter)
                    if letter is not None and pol.door_tag_fee_cents:
                        ledger.write_posting(user, f"doortag:{it.account_id}:{as_of.isoformat()}", "fee", [EntrySpec(
                            it.account_id, "fee", pol.door_tag_fee_cents, "door_tag_fee",
                            f"Door-tag fee (final notice {as_of:%m/%d/%Y})", effective_on=as_of)])
                        fees += pol.door_tag_fee_cents
                    if letter is not None and it.multi_unit:
                        tenant_until = max(shutoff, as_of + _dt.timedelta(days=pol.tenant_notice_days))
                        got.append(_send(user, it, "tenant", as_of, pol, shutoff_on=tenant_until,
                                         mail_lines=("Occupants", it.address), lang=it.language))
                for letter in got:
                    if letter is not None:
                        made.append(letter)
                        sent[letter.letter] += 1
            audit.record(user, "collections.run", "collections", as_of.isoformat(),
                         detail=", ".join(f"{k} {v}" for k, v in sent.items() if v) or "nothing due")
    unicode_font = True
    if pdf_path is not None:
        unicode_font = letters.write_pdf(made, pdf_path)
    if csv_path is not None:
        letters.write_csv(made, csv_path)
    return RunResult(as_of, made, sent, fees, broken, pdf_path, csv_path, unicode_font)


def send_letters(user: User, kind: str, path: str | Path, as_of: _dt.date | None = None) -> tuple[Path, int]:
    """One step's letters to a PDF (the old entry point): ``run_notices`` for that step."""
    kind = LEGACY_KINDS.get(kind, kind)
    if kind not in SEND_STEPS:
        raise InputError("Letter", f"must be one of {', '.join(SEND_STEPS)}")
    result = run_notices(user, as_of, pdf=path, steps=(kind,))
    return Path(path), len(result.letters)


# --- the shut-off list and disconnect orders -------------------------------------------------------

def check_disconnect(user: User, account_id: int | None, premise_id: int | None = None,
                     as_of: _dt.date | None = None) -> None:
    """Refuse a disconnect work order unless the user may order disconnects and the account
    (or the premise's current account) is on today's shut-off list: every notice sent and
    waited out, not protected, office open.  ``workorders.create_work_order`` calls it (passed by
    ``fieldwork.create_work_order`` and ``order_disconnects``)."""
    if not has_permission(user, "collections.disconnect"):
        raise PermissionDenied(f"{user.username} ({user.role}) may not order a disconnect; ask a supervisor")
    as_of = as_of or clock.today()
    if account_id is None and premise_id is not None:
        current = (Account.select(Account.id).where((Account.premise == premise_id) & (Account.status == "active"))
                   .order_by(Account.id.desc()).first())
        if current is None:
            return  # nobody is served there: an operational shut-off of an empty address
        account_id = current.id
    if account_id is None:
        return
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        raise NotFound(f"no account id {account_id}")
    pol = policy()
    number = format_account_number(acct.number)
    appeal = CollectionHold.select().where((CollectionHold.account == account_id)
                                           & CollectionHold.closed_on.is_null()).exists()
    plan = _plan_states([account_id], as_of, pol).get(account_id)
    why = _protection(pol, acct.medical_certificate, acct.do_not_disconnect, appeal, plan)
    if why:
        raise Conflict(f"account {number} is protected ({why}): it cannot be disconnected")
    items = _items(as_of, pol, [account_id])
    it = items[0] if items else None
    if it is None:
        raise Conflict(f"account {number} has nothing past due: it is not on the shut-off list")
    if it.action != "shutoff":
        why = {"reminder": "no reminder sent yet", "notice": "no 15-day notice sent yet",
               "final": "no final notice sent yet"}.get(it.action, it.why or ACTION_TEXT[it.action])
        raise Conflict(f"account {number} is not on today's shut-off list: {why}")


def check_disconnect_completion(account_id: int | None, as_of: _dt.date) -> None:
    """A disconnect order is not carried out for an account protected since it was made."""
    if account_id is None:
        return
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        return
    pol = policy()
    appeal = CollectionHold.select().where((CollectionHold.account == account_id)
                                           & CollectionHold.closed_on.is_null()).exists()
    why = _protection(pol, acct.medical_certificate, acct.do_not_disconnect, appeal,
                      _plan_states([account_id], as_of, pol).get(account_id))
    if why:
        raise Conflict(f"account {format_account_number(acct.number)} is now protected ({why}): "
                       "cancel the disconnect order instead")


@dataclass(frozen=True)
class DisconnectRun:
    ordered: list[WorkOrder]
    skipped: list[tuple[str, str]]  # (account number, why)


def order_disconnects(user: User, as_of: _dt.date | None = None) -> DisconnectRun:
    """Disconnect work orders for the accounts on today's shut-off list (a supervisor's job).
    Each order is its own transaction: one that cannot be made is skipped with the reason."""
    require(user, "collections.disconnect")
    as_of = as_of or clock.today()
    from .workorders import create_work_order

    ordered, skipped = [], []
    for it in worklist(user, as_of).items:
        if it.action != "shutoff":
            continue
        try:
            ordered.append(create_work_order(user, kind="disconnect", account_id=it.account_id, scheduled_on=as_of,
                                             instructions=f"Non-payment: {format_cents(it.past_due_cents)} past due; "
                                                          f"final notice served, shut-off from {it.shutoff_on}",
                                             as_of=as_of, disconnect_check=check_disconnect))
        except (Conflict, PermissionDenied) as e:
            skipped.append((it.number, str(e)))
    return DisconnectRun(ordered, skipped)


# --- payment plans -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewPlan:
    plan: PaymentPlan
    schedule: list[tuple[_dt.date, int]]
    letter: letters.Letter | None


def split_instalments(total_cents: int, count: int, first_due: _dt.date, every_days: int) -> list[tuple[_dt.date, int]]:
    """``count`` instalments summing to ``total_cents`` (the odd cents on the first ones)."""
    base, extra = divmod(total_cents, count)
    return [(first_due + _dt.timedelta(days=every_days * i), base + (1 if i < extra else 0)) for i in range(count)]


def create_plan(user: User, account_id: int, *, instalments: int, first_due: _dt.date, every_days: int = 30,
                total_cents: int | None = None, note: str = "", as_of: _dt.date | None = None,
                pdf: str | Path | None = None) -> NewPlan:
    """A payment arrangement: ``instalments`` payments of the balance (or ``total_cents``, at
    least what is past due: a plan for less would keep the rest of the debt off the shut-off
    list) every ``every_days`` from ``first_due``.  While kept, the account stays off the
    shut-off list.  The confirmation letter is logged (and written to ``pdf``)."""
    require(user, "plan.create")
    as_of = as_of or clock.today()
    pol = policy()
    if not 1 <= instalments <= pol.plan_max_instalments:
        raise InputError("Instalments", f"must be 1 to {pol.plan_max_instalments}")
    if not 7 <= every_days <= 31:
        raise InputError("Every", "must be 7 to 31 days")
    if first_due < as_of:
        raise InputError("First due", "must not be before today")
    if first_due > as_of + _dt.timedelta(days=62):
        raise InputError("First due", "must be within two months")
    pdf_path, _ = _outputs(pdf, None)
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        if PaymentPlan.select().where((PaymentPlan.account == account_id) & (PaymentPlan.status == "active")).exists():
            raise Conflict(f"account {format_account_number(acct.number)} already has an active payment plan")
        balance = int(acct.balance_cents)
        total = balance if total_cents is None else total_cents
        if total <= 0:
            raise InputError("Amount", "nothing is owed on this account" if total_cents is None else "must be more than 0")
        if total > balance:
            raise InputError("Amount", f"must not be more than the balance {format_cents(balance)}")
        it = _account_item(account_id, as_of, pol)
        if total < it.past_due_cents:
            raise InputError("Amount", f"must cover at least the past-due {format_cents(it.past_due_cents)}: "
                                       f"the plan keeps the account off the shut-off list")
        if total < instalments:
            raise InputError("Instalments", "more instalments than cents")
        schedule = split_instalments(total, instalments, first_due, every_days)
        plan = PaymentPlan.create(account=account_id, total_cents=total, instalments=instalments, status="active",
                                  created_on=as_of, note=note.strip()[:500], created_by=user.id)
        PlanInstalment.insert_many([{"plan": plan.id, "seq": i + 1, "due_on": d, "amount_cents": c}
                                    for i, (d, c) in enumerate(schedule)]).execute()
        audit.record(user, "collections.plan", "payment_plan", plan.id, after=plan,
                     detail=f"{format_cents(total)} in {instalments} from {first_due.isoformat()} every {every_days} days")
        lang = it.language
        letter = _send(user, it, "plan_confirmation", as_of, pol, plan_total=format_cents(total),
                       instalments=[{"n": i + 1, "amount": format_cents(c), "due_on": letters.format_date(d, lang)}
                                    for i, (d, c) in enumerate(schedule)],
                       contact_text=f"Payment plan {format_cents(total)} in {instalments} instalments, "
                                    f"first {first_due:%m/%d/%Y}")
    if pdf_path is not None and letter is not None:
        letters.write_pdf([letter], pdf_path)
    return NewPlan(plan, schedule, letter)


def _account_item(account_id: int, as_of: _dt.date, pol: CollectionsPolicy) -> WorkItem:
    """A letter's addressee for any account (past due or not)."""
    acct = Account.get_by_id(account_id)
    p = Premise.get_by_id(acct.premise_id)
    cust = _billing_parties([account_id], as_of).get(account_id)
    address = format_address(p.house_number, p.street, p.unit)
    aging = buckets(int(acct.balance_cents), newer_than(as_of, account_ids=[account_id]).get(account_id, (0, {}))[1])
    return WorkItem(account_id, format_account_number(acct.number), cust.name if cust else "", address,
                    (cust, address, p.city, p.state, p.zip),
                    letters.language_of(cust.language if cust else "en", pol), int(acct.balance_cents), aging,
                    aging["30"] + aging["60"] + aging["90+"], "wait", status=acct.status,
                    multi_unit=(p.dwelling_units or 1) > 1)


def _break_plan(user: User, it: WorkItem, as_of: _dt.date) -> int:
    """Inside a transaction: mark the account's active plan broken (1) or nothing (0)."""
    plan = PaymentPlan.get_or_none((PaymentPlan.account == it.account_id) & (PaymentPlan.status == "active"))
    if plan is None:
        return 0
    PaymentPlan.update(status="broken", broken_on=as_of, closed_on=as_of).where(PaymentPlan.id == plan.id).execute()
    audit.record(user, "collections.plan_broken", "payment_plan", plan.id, before=plan,
                 after=PaymentPlan.get_by_id(plan.id), detail=it.why)
    return 1


def review_plans(user: User, as_of: _dt.date | None = None) -> int:
    """Close the active plans paid in full (status completed); returns how many.  Broken
    ones are closed, with their letter, by ``run_notices``."""
    require(user, "collections.manage")
    as_of = as_of or clock.today()
    pol = policy()
    done = 0
    with transaction():
        active = [p.account_id for p in PaymentPlan.select(PaymentPlan.account).where(PaymentPlan.status == "active")]
        for start in range(0, len(active), CHUNK):
            for state in _plan_states(active[start:start + CHUNK], as_of, pol).values():
                if state.complete:
                    PaymentPlan.update(status="completed", closed_on=as_of).where(PaymentPlan.id == state.plan_id).execute()
                    audit.record(user, "collections.plan_completed", "payment_plan", state.plan_id)
                    done += 1
    return done


def cancel_plan(user: User, plan_id: int, reason: str) -> PaymentPlan:
    require(user, "collections.manage")
    if not reason or not reason.strip():
        raise InputError("Reason", "say why the plan is cancelled")
    with transaction():
        plan = PaymentPlan.get_or_none(PaymentPlan.id == plan_id)
        if plan is None:
            raise NotFound(f"no payment plan {plan_id}")
        if plan.status != "active":
            raise Conflict(f"payment plan {plan_id} is already {plan.status}")
        PaymentPlan.update(status="cancelled", closed_on=clock.today(),
                           note=(plan.note + f" Cancelled: {reason.strip()}").strip()[:500]).where(
            PaymentPlan.id == plan_id).execute()
        after = PaymentPlan.get_by_id(plan_id)
        audit.record(user, "collections.plan_cancel", "payment_plan", plan_id, before=plan, after=after)
    return after


# --- appeals ------------------------------------------------------------------------------------

MAX_APPEAL_NOTE = 500


@dataclass(frozen=True)
class Appeal:
    hold_id: int
    account_id: int
    number: str  # formatted
    name: str  # the customer of record today
    opened_on: _dt.date
    note: str
    days: int  # pending for


def open_appeal(user: User, account_id: int, note: str, as_of: _dt.date | None = None, *,
                opened_on: _dt.date | None = None) -> CollectionHold:
    """The customer contests the bill (received ``opened_on``, default today): the account
    is off the shut-off list until a supervisor decides the appeal (``decide_appeal``).
    Whoever takes the customer's word may record it (a clerk at the counter)."""
    from .accounts import clean_text
    from .text import clean_free_text
    require(user, "contact.add")
    today = as_of or clock.today()
    opened_on = opened_on or today
    note = clean_free_text(clean_text(note, "Reason", MAX_APPEAL_NOTE, required=True), "Reason")
    if opened_on > today:
        raise InputError("Received", "must not be after today")
    if opened_on < today - _dt.timedelta(days=366):
        raise InputError("Received", "must be within the last year")
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        if CollectionHold.select().where((CollectionHold.account == account_id)
                                         & CollectionHold.closed_on.is_null()).exists():
            raise Conflict(f"account {format_account_number(acct.number)} already has an appeal pending")
        hold = CollectionHold.create(account=account_id, kind="appeal", opened_on=opened_on, note=note,
                                     created_by=user.id)
        audit.record(user, "collections.appeal", "account", account_id, after=hold)
    return hold


def pending_appeals(user: User, as_of: _dt.date | None = None, account_id: int | None = None) -> list[Appeal]:
    """The appeals not yet decided (of one account, or all), oldest first."""
    require(user, "account.view")
    today = as_of or clock.today()
    H = CollectionHold
    q = (H.select(H.id, H.account, Account.number, H.opened_on, H.note).join(Account)
         .where(H.closed_on.is_null() & _among(H.account, None if account_id is None else [account_id]))
         .order_by(H.opened_on, H.id))
    rows = list(q.tuples())
    names = _billing_parties([r[1] for r in rows], today) if rows else {}
    out = []
    for hold_id, acct_id, number, opened_on, note in rows:
        party = names.get(acct_id)
        opened_on = db_date(opened_on)
        out.append(Appeal(hold_id, acct_id, format_account_number(number), party.name if party else "",
                          opened_on, note, (today - opened_on).days))
    return out


def decide_appeal(user: User, hold_id: int, outcome: str, note: str, as_of: _dt.date | None = None) -> CollectionHold:
    """A supervisor decides a pending appeal: ``upheld`` (the customer was right: correct the
    bill with an adjustment) or ``denied`` (the notices go on).  Either way the account is no
    longer protected by it; the decision and its note are audited."""
    from models.collections import APPEAL_OUTCOMES

    from .accounts import clean_text
    from .text import clean_free_text
    require(user, "collections.manage")
    outcome = (outcome or "").strip().lower()
    if outcome not in APPEAL_OUTCOMES:
        raise InputError("Decision", "must be upheld or denied")
    note = clean_free_text(clean_text(note, "Note", 200, required=True), "Note")
    with transaction():
        hold = CollectionHold.get_or_none(CollectionHold.id == hold_id)
        if hold is None or hold.closed_on is not None:
            raise NotFound(f"no pending appeal {hold_id}")
        n = CollectionHold.update(closed_on=as_of or clock.today(), outcome=outcome,
                                  note=f"{hold.note} {outcome.capitalize()}: {note}").where(
            (CollectionHold.id == hold_id) & CollectionHold.closed_on.is_null()).execute()
        if n != 1:
            raise Conflict(f"appeal {hold_id} was decided meanwhile; look again")
        after = CollectionHold.get_by_id(hold_id)
        audit.record(user, "collections.appeal_decided", "account", hold.account_id, before=hold, after=after,
                     detail=f"{outcome}: {note}")
    return after


# --- one-off letters (returned payment, welcome, final bill) -------------------------------------

ACCOUNT_LETTERS = ("returned_payment", "welcome", "final_bill")


def send_account_letter(user: User, account_id: int, letter: str, as_of: _dt.date | None = None, *,
                        pdf: str | Path | None = None, **values) -> letters.Letter | None:
    """A letter to one account (``returned_payment``: amount_cents=, fee_cents=; ``welcome``;
    ``final_bill``: deposit_cents=), once per account, letter and day; logged on the account."""
    require(user, "contact.add")
    return account_letter(user, account_id, letter, as_of, pdf=pdf, **values)


def account_letter(user: User, account_id: int, letter: str, as_of: _dt.date | None = None, *,
                   pdf: str | Path | None = None, **values) -> letters.Letter | None:
    """``send_account_letter`` without its permission check: for the flows that checked their
    own and send the letter as part of their work (a returned payment, a start of service, a
    final bill), inside their transaction."""
    if letter not in ACCOUNT_LETTERS:
        raise InputError("Letter", "must be returned_payment, welcome or final_bill")
    as_of = as_of or clock.today()
    pol = policy()
    pdf_path, _ = _outputs(pdf, None)
    with transaction():
        if Account.get_or_none(Account.id == account_id) is None:
            raise NotFound(f"no account id {account_id}")
        it = _account_item(account_id, as_of, pol)
        extra: dict[str, Any] = {}
        if "amount_cents" in values:
            extra["amount"] = format_cents(values["amount_cents"])
        if "deposit_cents" in values and values["deposit_cents"]:
            extra["deposit"] = format_cents(values["deposit_cents"])
        got = _send(user, it, letter, as_of, pol, fee_cents=values.get("fee_cents", 0), **extra)
    if pdf_path is not None and got is not None:
        letters.write_pdf([got], pdf_path)
    return got
