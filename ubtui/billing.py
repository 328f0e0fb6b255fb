"""Bill runs: a bill for every account of a cycle (or route) from its reads and rate schedule.

* The period of a bill starts where the account's last bill ended (its opening date for the
  first bill, which is prorated by days) and ends at the last good read up to the run's
  period end (the closing date for a final bill, also prorated).
* Usage is the sum of the good reads since the last *actual* bill, converted to the class's
  unit and rounded down, less what estimated bills since then already charged.
* No good read (none taken, or the read is in the exceptions list): the usage is estimated
  from the average of the last N reads (or the same period last year) and the bill is
  marked Estimated.
* Every bill is written with its lines and its ledger posting in one transaction
  (``ledger.write_postings``, key ``bill:<run_key>:<account id>``); a chunk of bills shares
  a transaction, its postings are written as one batch with one audit row.
  ``Bill(bill_run, account)`` is UNIQUE, so a run repeated bills nothing twice.
"""
from __future__ import annotations

import datetime as _dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import peewee

from models import Account, Bill, BillLine, BillRun, Premise, User

from . import audit, clock
from .dates import db_date
from .db import in_list, insert_rows, select, transaction
from .errors import InputError, NotFound
from .ledger import EntrySpec, NewPosting, write_postings
from .rates import GALLONS, BillCalc, Schedule, active_schedule, fmt_qty, fmt_rate, price_bill
from .readings import GOOD, history_from
from .security import require
from .text import counted

BILLABLE = ("active", "disconnected", "final_billed")
CHUNK = 500
DEFAULT_SIZE = '5/8"'
HISTORY_DAYS = 800


@dataclass(frozen=True)
class PastBill:
    period_start: _dt.date
    period_end: _dt.date
    usage: int
    estimated: bool
    kind: str

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days


@dataclass(frozen=True)
class AccountFacts:
    """Everything the bill of one account depends on (gathered in bulk)."""
    account_id: int
    rate_code: str
    cycle: str
    status: str
    opened_on: _dt.date | None
    closed_on: _dt.date | None
    dwelling_units: int = 1
    meter_size: str = DEFAULT_SIZE
    # good reads of the premise's meters: (date, register, usage, meter unit), date order
    reads: tuple = ()
    bills: tuple[PastBill, ...] = ()  # posted (not reversed) bills, period order


@dataclass
class PlannedBill:
    account_id: int
    kind: str  # regular, first, final
    start: _dt.date
    end: _dt.date
    usage: int
    estimated: bool
    calc: BillCalc
    note: str = ""


def _round(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _units(gallons: Decimal, unit: str) -> int:
    return int((gallons / GALLONS[unit]).quantize(Decimal(1), rounding=ROUND_FLOOR))


WINTER = (12, 1, 2, 3)


def winter_average(bills: tuple[PastBill, ...], before: _dt.date, months=WINTER) -> Decimal | None:
    """Units per month (of 30 days) over the actual bills read in ``months`` (the schedule's
    winter months) within the year before ``before``: the last winter only."""
    winter = [b for b in bills if not b.estimated and b.period_end.month in months
              and 0 <= (before - b.period_end).days < 366 and b.days > 0]
    days = sum(b.days for b in winter)
    return Decimal(sum(b.usage for b in winter)) * 30 / days if days else None


def _winter_for(cls, bills: tuple[PastBill, ...], before: _dt.date) -> Decimal | None:
    s = cls.sewer
    if s is None or s.basis != "winter_average":
        return None
    return winter_average(bills, before, tuple(s.winter_months))


def estimate_usage(facts: AccountFacts, start: _dt.date, end: _dt.date, method: str, n: int,
                   unit: str) -> tuple[int, str]:
    """Usage for ``[start, end)`` without a good read, and how it was estimated."""
    days = (end - start).days
    if method == "last_year":
        target = end - _dt.timedelta(days=365)
        same = [b for b in facts.bills if not b.estimated and abs((b.period_end - target).days) <= 15 and b.days > 0]
        if same:
            b = same[-1]
            return _round(Decimal(b.usage) * days / b.days), f"same period last year ({b.usage} in {b.days} days)"
    reads = [(d, r, (u or 0) * GALLONS[mu]) for d, r, u, mu in facts.reads if d <= start]
    h = history_from(reads, n)
    if h.per_day is not None:
        per_day = h.per_day / GALLONS[unit]
        return _round(per_day * days), f"average of the last {min(n, len(reads) - 1)} reads"
    return 0, "no read history"


def plan_bill(schedule: Schedule, f: AccountFacts, period_end: _dt.date) -> PlannedBill | None:
    """Decide the period, usage and kind of an account's bill, and price it."""
    last = f.bills[-1] if f.bills else None
    if last is not None and last.kind == "final":
        return None
    start = last.period_end if last else f.opened_on
    if start is None:
        return None
    final = f.status == "final_billed" or (f.closed_on is not None and f.closed_on <= period_end)
    target = (f.closed_on or period_end) if final else period_end
    target = min(target, period_end)
    actual = [b for b in f.bills if not b.estimated]
    since = actual[-1].period_end if actual else (f.opened_on or start)
    if f.opened_on and since < f.opened_on:
        since = f.opened_on
    already = sum(b.usage for b in f.bills if b.estimated and b.period_end > since)
    reads = [r for r in f.reads if since < r[0] <= target]
    end = target if final else (reads[-1][0] if reads and reads[-1][0] > start else target)
    cls = schedule.version_for(start, end).classes.get(f.rate_code)
    if cls is None:
        raise InputError("Class", f"account id {f.account_id}: rate code {f.rate_code!r} is not in the schedule")
    if end <= start:
        return None
    estimated = not any(r[0] > start for r in reads)
    note = ""
    if estimated:
        usage, note = estimate_usage(f, start, end, schedule.policy.estimate.method,
                                     schedule.policy.estimate.reads, cls.unit)
    else:
        gallons = sum((Decimal(u or 0) * GALLONS[mu] for _, _, u, mu in reads), Decimal(0))
        usage = max(0, _units(gallons, cls.unit) - already)
    kind = "final" if final else ("first" if last is None else "regular")
    calc = price_bill(schedule, f.rate_code, f.meter_size, usage, start, end, cycle=f.cycle, kind=kind,
                      dwelling_units=f.dwelling_units, winter_average=_winter_for(cls, f.bills, end))
    return PlannedBill(f.account_id, kind, start, end, usage, estimated, calc, note)


def price(schedule: Schedule, account_id: int, start: _dt.date, end: _dt.date, usage: int, kind: str) -> BillCalc:
    """Price ``usage`` for an account's period the way its bill was priced (rebills, leak credits)."""
    facts, _ = gather([account_id], end)
    f = facts.get(account_id)
    if f is None:
        raise NotFound(f"no account id {account_id}")
    cls = schedule.version_for(start, end).classes.get(f.rate_code)
    if cls is None:
        raise InputError("Class", f"rate code {f.rate_code!r} is not in the schedule")
    earlier = tuple(b for b in f.bills if b.period_end <= start)
    return price_bill(schedule, f.rate_code, f.meter_size, usage, start, end, cycle=f.cycle, kind=kind,
                      dwelling_units=f.dwelling_units, winter_average=_winter_for(cls, earlier, end))


# --- gathering facts in bulk ----------------------------------------------------------------
def gather(account_ids: list[int], period_end: _dt.date) -> tuple[dict[int, AccountFacts], dict[int, int]]:
    """Facts of many accounts in a handful of queries; also their balances.

    Plain SQL (``db.select``): Peewee built each IN list of 500 ids value by value and
    converted every row's dates, a quarter of a bill run's time."""
    rows = select("SELECT a.id, a.rate_code, a.cycle, a.status, a.opened_on, a.closed_on, a.balance_cents, "
                  "a.premise_id, p.dwelling_units FROM account a JOIN premise p ON p.id = a.premise_id "
                  f"WHERE a.id IN {in_list(account_ids)}", account_ids)
    premise_ids = list({r[7] for r in rows})
    # One billable account per premise and meter at a time: an account not closed whose
    # address has since been served by an active account (opened later) ends where that
    # one began, so the same reads are never billed to both.
    served_from = defaultdict(list)
    if premise_ids:
        for aid, pid, opened in select("SELECT id, premise_id, opened_on FROM account WHERE status = 'active' "
                                       f"AND premise_id IN {in_list(premise_ids)}", premise_ids):
            if opened is not None:
                served_from[pid].append((aid, db_date(opened)))
    meters = select("SELECT id, premise_id, size, unit, removed_on FROM meter "
                    f"WHERE premise_id IN {in_list(premise_ids)} ORDER BY id", premise_ids) if premise_ids else []
    meter_unit = {m[0]: m[3] for m in meters}
    size_by_premise: dict[int, str] = {}
    meters_by_premise = defaultdict(list)
    for mid, pid, size, _, removed in meters:
        meters_by_premise[pid].append(mid)
        if removed is None or pid not in size_by_premise:
            size_by_premise[pid] = size
    reads = defaultdict(list)
    if meter_unit:
        q = select("SELECT meter_id, read_on, reading, usage FROM meter_reading "
                   f"WHERE meter_id IN {in_list(meter_unit)} AND status IN {in_list(GOOD)} AND read_on > ? "
                   "ORDER BY read_on, id", [*meter_unit, *GOOD, period_end - _dt.timedelta(days=HISTORY_DAYS)])
        for mid, read_on, reading, usage in q:
            reads[mid].append((db_date(read_on), reading, usage, meter_unit[mid]))
    bills = defaultdict(list)
    q = select("SELECT account_id, period_start, period_end, usage, estimated, kind FROM bill "
               f"WHERE account_id IN {in_list(account_ids)} AND status = 'posted' ORDER BY period_end, id", account_ids)
    for aid, ps, pe, usage, est, kind in q:
        bills[aid].append(PastBill(db_date(ps), db_date(pe), usage, bool(est), kind))
    facts, balances = {}, {}
    for aid, code, cycle, status, opened, closed, balance, pid, du in rows:
        closed = db_date(closed)
        opened = db_date(opened)
        if closed is None and opened is not None:
            later = [d for other, d in served_from[pid] if other != aid and d > opened]
            closed = min(later) if later else None
        premise_reads = sorted((r for mid in meters_by_premise[pid] for r in reads[mid]), key=lambda r: r[0])
        facts[aid] = AccountFacts(aid, code, cycle, status, opened, closed, du or 1,
                                  size_by_premise.get(pid, DEFAULT_SIZE), tuple(premise_reads), tuple(bills[aid]))
        balances[aid] = balance
    return facts, balances


# --- writing bills --------------------------------------------------------------------------
def line_rows(bill_id: int, calc: BillCalc) -> list[dict]:
    return [dict(bill=bill_id, seq=i, category=l.category, description=l.description[:120],
                 quantity="" if l.quantity is None else fmt_qty(l.quantity)[:20],
                 rate="" if l.rate is None else (fmt_qty(l.rate) if l.unit == "$" else fmt_rate(l.rate))[:20],
                 amount_cents=l.amount_cents)
            for i, l in enumerate(calc.lines, 1)]


_BILL_COLS = ("account_id", "bill_run_id", "period_start", "period_end", "bill_date", "due_date", "usage",
              "usage_unit", "estimated", "kind", "total_cents", "previous_balance_cents", "status", "replaces_id",
              "created_at")
_LINE_COLS = ("bill_id", "seq", "category", "description", "quantity", "rate", "amount_cents")


def bill_entry_description(start: _dt.date, end: _dt.date, estimated: bool) -> str:
    """The ledger line of a bill (the bill's own lines say what it is made of)."""
    return f"Water bill {start:%m/%d/%y}-{end:%m/%d/%y}" + (" (estimated)" if estimated else "")


@dataclass(frozen=True)
class BillWrite:
    plan: PlannedBill
    key: str  # the ledger posting's idempotency key
    previous_balance: int
    kind: str | None = None  # default: the plan's
    replaces: int | None = None


ROWS_PER_INSERT = 400


def write_bills(user: User, items: list[BillWrite], *, bill_date: _dt.date, due_date: _dt.date,
                run_id: int | None = None) -> list[tuple[int, int]]:
    """Inside a transaction: the bills and their lines, then their ledger postings (one
    ``ledger.write_postings`` batch).  Returns (bill id, posting id or 0) per item, in order.

    Bills and lines go in with plain multi-row INSERTs (a bill run writes thousands;
    building each statement with the ORM costs more than running it)."""
    from models import database, utcnow
    if not items:
        return []
    p = database.obj.param
    now = utcnow()
    ids: list[int] = []
    for lo in range(0, len(items), ROWS_PER_INSERT):
        part = items[lo:lo + ROWS_PER_INSERT]
        accounts = [it.plan.account_id for it in part]
        if len(set(accounts)) != len(accounts):  # ids are matched by account: one row at a time
            for it in part:
                ids += _insert_bills([it], run_id, bill_date, due_date, now, p)
        else:
            ids += _insert_bills(part, run_id, bill_date, due_date, now, p)
    lines = [tuple(r[c.removesuffix("_id") if c == "bill_id" else c] for c in _LINE_COLS)
             for bill_id, it in zip(ids, items) for r in line_rows(bill_id, it.plan.calc)]
    insert_rows("bill_line", list(_LINE_COLS), lines)
    postings = []
    for bill_id, it in zip(ids, items):
        plan = it.plan
        if plan.calc.total_cents:
            desc = bill_entry_description(plan.start, plan.end, plan.estimated)
            postings.append(NewPosting(it.key, "charge", [EntrySpec(plan.account_id, "charge", plan.calc.total_cents,
                                                                    "bill", desc, f"bill:{bill_id}", bill_date)],
                                       f"bill {bill_id}"))
    # every bill's posting in one batch (and one audit row for the batch)
    posted = dict(zip((np.key for np in postings), write_postings(
        user, postings, action="post.charge", detail=counted(len(postings), "bill") + (f" of run {run_id}" if run_id else ""))))
    return [(bill_id, posted.get(it.key, 0)) for bill_id, it in zip(ids, items)]


def _insert_bills(part: list[BillWrite], run_id, bill_date, due_date, now, p) -> list[int]:
    from models import database
    row = "(" + ", ".join([p] * len(_BILL_COLS)) + ")"
    params = []
    for it in part:
        plan = it.plan
        params += [plan.account_id, run_id, plan.start, plan.end, bill_date, due_date, plan.usage, plan.calc.unit,
                   bool(plan.estimated), it.kind or plan.kind, int(plan.calc.total_cents), int(it.previous_balance),
                   "posted", it.replaces, now]
    cur = database.execute_sql(f'INSERT INTO "bill" ({", ".join(_BILL_COLS)}) VALUES {", ".join([row] * len(part))} '
                               f'RETURNING id, account_id', params)
    by_account = {account_id: bill_id for bill_id, account_id in cur.fetchall()}
    return [by_account[it.plan.account_id] for it in part]


def write_bill(user: User, plan: PlannedBill, *, key: str, bill_date: _dt.date, due_date: _dt.date,
               previous_balance: int, run_id: int | None = None, kind: str | None = None,
               replaces: int | None = None) -> tuple[int, int]:
    """One bill (rebills): see ``write_bills``."""
    return write_bills(user, [BillWrite(plan, key, previous_balance, kind, replaces)], bill_date=bill_date,
                       due_date=due_date, run_id=run_id)[0]


def post_final_bill(user: User, account_id: int, *, work_order=None, bill_date: _dt.date | None = None,
                    due_days: int = 21, schedule: Schedule | None = None) -> int | None:
    """The final bill of one account, through its closing date (``closed_on``), posted at
    once: the same plan and pricing (``price_bill``) as a bill run, for this account alone.

    Who may: whoever completes the turn-off (``work_order``, done, on this account), or
    whoever may run bills.  Returns the bill's id; None when there is nothing left to bill
    (the period already billed through the closing date, or a final bill already posted)."""
    if work_order is None:
        require(user, "billing.run")
    else:
        require(user, "workorder.update")
        if work_order.account_id != account_id or work_order.status != "done" or work_order.kind != "turn_off":
            raise InputError("Work order", f"{work_order.number} is not a completed turn-off of this account")
    schedule = schedule or active_schedule()
    bill_date = bill_date or clock.today()
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        closed_on = db_date(acct.closed_on)
        if closed_on is None:
            raise InputError("Closed on", "the account has no closing date; stop service first")
        facts, balances = gather([account_id], closed_on)
        plan = plan_bill(schedule, facts[account_id], closed_on)
        if plan is None:
            return None
        bill_id, _ = write_bill(user, plan, key=f"final:{account_id}", bill_date=bill_date,
                                due_date=bill_date + _dt.timedelta(days=due_days),
                                previous_balance=balances[account_id], kind="final")
        audit.record(user, "bill.final", "bill", bill_id, after={"account_id": account_id, "period_start": plan.start,
                                                                  "period_end": plan.end, "usage": plan.usage,
                                                                  "total_cents": plan.calc.total_cents})
    return bill_id


def bill_posting_id(bill: Bill) -> int | None:
    """The posting that charged ``bill`` (found among its account's entries: the reference
    column has no index of its own)."""
    from models import LedgerEntry
    e = (LedgerEntry.select(LedgerEntry.posting).where((LedgerEntry.account == bill.account_id)
                                                       & (LedgerEntry.reference == f"bill:{bill.id}")
                                                       & (LedgerEntry.kind == "charge")).first())
    return e.posting_id if e else None


@dataclass
class RunResult:
    run_id: int
    run_key: str
    billed: int = 0
    skipped: int = 0  # billed before (run repeated) or nothing to bill
    estimated: int = 0
    total_cents: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def bills_per_second(self) -> float:
        return self.billed / self.seconds if self.seconds else 0.0


def run_key_for(cycle: str, period_end: _dt.date, route: str | None) -> str:
    return f"{cycle}:{period_end.isoformat()}" + (f":{route}" if route else "")


def run_bills(user: User, *, cycle: str, period_end: _dt.date, route: str | None = None,
              bill_date: _dt.date | None = None, due_days: int = 21, schedule: Schedule | None = None,
              chunk: int = CHUNK, progress=None) -> RunResult:
    """Bill every account of ``cycle`` (and ``route``) up to ``period_end``; repeatable."""
    require(user, "billing.run")
    cycle = str(cycle).strip()
    if not cycle:
        raise InputError("Cycle", "name the billing cycle")
    if period_end > clock.today():
        raise InputError("Period end", f"{period_end} is in the future")
    if not 0 <= due_days <= 90:
        raise InputError("Due days", "must be 0 to 90")
    schedule = schedule or active_schedule()
    bill_date = bill_date or clock.today()
    due_date = bill_date + _dt.timedelta(days=due_days)
    key = run_key_for(cycle, period_end, route)
    t0 = time.perf_counter()
    try:
        with transaction():
            run = BillRun.get_or_none(BillRun.run_key == key)
            if run is None:
                run = BillRun.create(cycle=cycle, route=route or "", period_start=period_end, period_end=period_end,
                                     bill_date=bill_date, due_date=due_date, run_key=key, created_by=user.id)
                audit.record(user, "billrun.start", "bill_run", run.id, after=run)
    except peewee.IntegrityError:  # the same run started at the same moment elsewhere: join it
        run = BillRun.get(BillRun.run_key == key)
    bill_date, due_date = run.bill_date, run.due_date
    q = (Account.select(Account.id).join(Premise)
         .where((Account.cycle == cycle) & Account.status.in_(BILLABLE)).order_by(Account.id))
    if route:
        q = q.where(Premise.route == route)
    ids = [r[0] for r in q.tuples()]
    result = RunResult(run.id, key)
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        for attempt in (1, 2):
            try:
                with transaction():
                    counts = _bill_chunk(user, schedule, run, part, period_end, bill_date, due_date)
                break
            except peewee.IntegrityError:
                if attempt == 2:  # a twin run got there first twice: report, go on
                    result.errors.append(f"accounts {part[0]}-{part[-1]}: billed by another run at the same time")
                    counts = (0, len(part), 0, 0, [])
        billed, skipped, estimated, total, errors = counts
        result.billed += billed
        result.skipped += skipped
        result.estimated += estimated
        result.total_cents += total
        result.errors.extend(errors)
        if progress:
            progress(min(i + chunk, len(ids)), len(ids))
    result.seconds = time.perf_counter() - t0
    with transaction():
        first = Bill.select(peewee.fn.MIN(Bill.period_start)).where(Bill.bill_run == run.id).scalar()
        BillRun.update(status="posted", period_start=first or period_end).where(BillRun.id == run.id).execute()
        audit.record(user, "billrun.finish", "bill_run", run.id,
                     after={"billed": result.billed, "skipped": result.skipped, "estimated": result.estimated,
                            "total_cents": result.total_cents, "errors": len(result.errors)})
    return result


def _bill_chunk(user, schedule, run, account_ids, period_end, bill_date, due_date):
    done = {r[0] for r in select(f"SELECT account_id FROM bill WHERE bill_run_id = ? "
                                 f"AND account_id IN {in_list(account_ids)}", [run.id, *account_ids])}
    todo = [a for a in account_ids if a not in done]
    facts, balances = gather(todo, period_end) if todo else ({}, {})
    estimated = total = 0
    errors, items = [], []
    for aid in todo:
        try:
            plan = plan_bill(schedule, facts[aid], period_end)
        except (InputError, NotFound) as e:
            errors.append(f"account id {aid}: {e}")
            continue
        except ArithmeticError as e:  # (the checker's bounds should make this impossible)
            errors.append(f"account id {aid}: the schedule cannot price this bill ({e.__class__.__name__})")
            continue
        if plan is None:
            continue
        items.append(BillWrite(plan, f"bill:{run.run_key}:{aid}", balances[aid]))
        estimated += plan.estimated
        total += plan.calc.total_cents
    write_bills(user, items, bill_date=bill_date, due_date=due_date, run_id=run.id)
    billed = len(items)
    return billed, len(account_ids) - billed - len(errors), estimated, total, errors


# --- the register and reading bills back ---------------------------------------------------
@dataclass(frozen=True)
class RegisterRow:
    bill_id: int
    account_number: str
    kind: str
    period_start: _dt.date
    period_end: _dt.date
    usage: int
    unit: str
    estimated: bool
    total_cents: int
    status: str


def bill_register(run_id: int) -> list[RegisterRow]:
    q = (Bill.select(Bill.id, Account.number, Bill.kind, Bill.period_start, Bill.period_end, Bill.usage,
                     Bill.usage_unit, Bill.estimated, Bill.total_cents, Bill.status)
         .join(Account).where(Bill.bill_run == run_id).order_by(Account.number))
    return [RegisterRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9]) for r in q.tuples()]


def register_text(run_id: int) -> str:
    from .accounts import format_account_number
    from .money import format_cents
    run = BillRun.get_or_none(BillRun.id == run_id)
    if run is None:
        raise NotFound(f"no bill run {run_id}")
    rows = bill_register(run_id)
    out = [f"Bill register: run {run.run_key} (cycle {run.cycle}{' route ' + run.route if run.route else ''}), "
           f"billed {run.bill_date}, due {run.due_date}",
           f"{'ACCOUNT':10} {'KIND':8} {'PERIOD':23} {'USAGE':>9} {'EST':3} {'AMOUNT':>12}"]
    for r in rows:
        out.append(f"{format_account_number(r.account_number):10} {r.kind:8} {r.period_start} {r.period_end} "
                   f"{r.usage:>5} {r.unit:4}{'E' if r.estimated else '':3} {format_cents(r.total_cents):>12}"
                   + ("  reversed" if r.status != "posted" else ""))
    out.append(f"{counted(len(rows), 'bill')}, {sum(r.estimated for r in rows)} estimated, total "
               f"{format_cents(sum(r.total_cents for r in rows if r.status == 'posted'))}")
    return "\n".join(out)


def account_bills(account_id: int, limit: int = 24) -> list[Bill]:
    return list(Bill.select().where(Bill.account == account_id).order_by(Bill.period_end.desc(), Bill.id.desc())
                .limit(limit))


def get_bill(bill_id: int) -> tuple[Bill, list[BillLine]]:
    bill = Bill.get_or_none(Bill.id == bill_id)
    if bill is None:
        raise NotFound(f"no bill {bill_id}")
    return bill, list(BillLine.select().where(BillLine.bill == bill_id).order_by(BillLine.seq))


def latest_bill_id(account_id: int) -> int | None:
    b = (Bill.select(Bill.id).where((Bill.account == account_id) & (Bill.status == "posted"))
         .order_by(Bill.period_end.desc(), Bill.id.desc()).first())
    return b.id if b else None
