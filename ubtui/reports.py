"""Reports: ONE mechanism, several outputs.

A report is a ``Report`` definition registered in ``REPORTS``:

* ``name`` (CLI name, e.g. ``cash-journal``), ``title``, ``description``;
* ``columns``: ``Column(key, title, type)`` where type is ``text``, ``int``, ``money``
  (integer cents), ``date`` or ``datetime``;
* ``rows(user, params) -> iterable of dicts`` keyed by column key (the core query; it may
  call ``require`` for finer checks, ``run_report`` already checked ``permission``);
* ``totals``: keys of ``int``/``money`` columns summed into a totals row (a row whose dict
  has ``in_totals: False`` is listed but left out of it: a voided receipt);
* ``params``: ``Param(name, type, help)``, parsed from text (CLI, screen) by ``parse_params``
  (``date`` params default to today).

``run_report(user, name, params)`` returns a ``ReportResult``; ``to_text``, ``to_csv`` and
``to_pdf`` (fpdf2) render any result, and the reports screen shows it in a DataTable, so a
new report is only a definition::

    register(Report("aging", "Aging summary", (Column("bucket", "Bucket"),
                    Column("amount", "Amount", "money")), rows=aging_rows, totals=("amount",)))

The CLI (``ubtui report list``; ``ubtui report NAME --date YYYY-MM-DD --format
text|csv|pdf --output PATH``) lists and runs every registered report.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from peewee import JOIN, fn

from models import Account, DrawerMovement, DrawerSession, User

from . import clock
from .dates import db_date, local_time, parse_date
from .errors import InputError, NotFound
from .money import format_cents, format_plain
from .pdf import new_pdf
from .security import require
from .text import counted, safe_text

COLUMN_TYPES = ("text", "int", "money", "date", "datetime")
FORMATS = ("text", "csv", "pdf")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    type: str = "text"

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.key}: type {self.type!r} not in {COLUMN_TYPES}")

    @property
    def numeric(self) -> bool:
        return self.type in ("int", "money")


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "date"  # date or text
    help: str = ""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[User, dict], Iterable[dict]]
    totals: tuple[str, ...] = ()
    params: tuple[Param, ...] = (Param("date", "date", "business date (default today)"),)
    permission: str = "report.view"
    description: str = ""


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    keys = {c.key for c in report.columns}
    bad = [t for t in report.totals if t not in keys]
    if bad:
        raise ValueError(f"report {report.name}: totals name unknown columns {bad}")
    REPORTS[report.name] = report
    return report


def get_report(name: str) -> Report:
    r = REPORTS.get((name or "").strip())
    if r is None:
        raise NotFound(f"no report {name!r}; reports: {', '.join(sorted(REPORTS))}")
    return r


def parse_params(report: Report, raw: dict | None) -> dict:
    raw = dict(raw or {})
    out: dict[str, object] = {}
    for p in report.params:
        value = raw.pop(p.name, None)
        if p.type == "date":
            out[p.name] = parse_date(value, p.name.title(), default=clock.today())
        else:
            out[p.name] = (value or "").strip()
    if raw:
        raise InputError(sorted(raw)[0], f"report {report.name} takes no such parameter")
    return out


@dataclass
class ReportResult:
    report: Report
    params: dict
    rows: list[dict]
    totals: dict[str, int] = field(default_factory=dict)
    generated_at: _dt.datetime = field(default_factory=_dt.datetime.now)

    @property
    def heading(self) -> str:
        ps = "  ".join(f"{k}: {v}" for k, v in self.params.items())
        return f"{self.report.title}  {ps}".strip()


def run_report(user: User, name: str, params: dict | None = None) -> ReportResult:
    report = get_report(name)
    require(user, report.permission)
    values = parse_params(report, params)
    rows = list(report.rows(user, values))
    summed = [r for r in rows if r.get("in_totals", True)]
    totals = {k: sum(int(r.get(k) or 0) for r in summed) for k in report.totals}
    return ReportResult(report, values, rows, totals)


def cell(col: Column, value, *, plain: bool = False) -> str:
    """One value as text: money as $1,234.50 (plain: 1234.50), dates ISO, None empty."""
    if value is None or value == "":
        return ""
    if col.type == "money":
        return format_plain(int(value)) if plain else format_cents(int(value))
    if col.type == "datetime" and isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if col.type == "date" and isinstance(value, _dt.date):
        return value.isoformat()
    return safe_text(value)  # stored text: no control characters into text, CSV or PDF


def table(result: ReportResult, *, plain: bool = False) -> tuple[list[str], list[list[str]], list[str] | None]:
    """Header, body cells and the totals row (None when the report has no totals)."""
    cols = result.report.columns
    head = [c.title for c in cols]
    body = [[cell(c, r.get(c.key), plain=plain) for c in cols] for r in result.rows]
    foot = None
    if result.report.totals:
        foot = [cell(c, result.totals[c.key], plain=plain) if c.key in result.totals else "" for c in cols]
        foot[0] = foot[0] or "TOTAL"
    return head, body, foot


def to_text(result: ReportResult) -> str:
    head, body, foot = table(result)
    cols = result.report.columns
    rows = [head] + body + ([foot] if foot else [])
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]

    def line(r):
        return "  ".join(v.rjust(w) if c.numeric else v.ljust(w) for v, w, c in zip(r, widths, cols)).rstrip()
    out = [result.heading, "", line(head), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in body]
    if foot:
        out += ["  ".join("=" * w for w in widths), line(foot)]
    out.append(f"({counted(len(body), 'row')})")
    return "\n".join(out) + "\n"


def to_csv(result: ReportResult) -> str:
    head, body, foot = table(result, plain=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    w.writerows(body)
    if foot:
        w.writerow(foot)
    return buf.getvalue()


# --- PDF ----------------------------------------------------------------------------------
def to_pdf(result: ReportResult, path: str | Path) -> Path:
    head, body, foot = table(result)
    cols = result.report.columns
    rows = [head] + body + ([foot] if foot else [])
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    chars = sum(widths) + 2 * (len(cols) - 1)
    pdf = new_pdf("L" if chars > 95 else "P")
    usable = pdf.w - 20
    size = max(5.0, min(9.0, usable / (chars * 0.6) * 2.83))  # mono glyph is 0.6 em wide
    pdf.add_page()
    pdf.set_font(pdf.font_family_name, "B", 11)
    pdf.cell(0, 7, result.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_family_name, "", 7)
    pdf.cell(0, 4, f"generated {result.generated_at:%Y-%m-%d %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    char_w = size * 0.6 / 2.83

    def line(r, style=""):
        pdf.set_font(pdf.font_family_name, style, size)
        for v, w, c in zip(r, widths, cols):
            pdf.cell((w + 2) * char_w, size * 0.5, v, align="R" if c.numeric else "L")
        pdf.ln(size * 0.5)
    line(head, "B")
    for r in body:
        line(r)
    if foot:
        line(foot, "B")
    path = Path(path)
    pdf.output(str(path))
    return path


def write(result: ReportResult, fmt: str, path: str | Path | None) -> str | Path:
    """Render ``result`` as ``fmt``; to ``path`` if given (required for pdf), else return text."""
    if fmt not in FORMATS:
        raise InputError("Format", f"{fmt!r}: use {', '.join(FORMATS)}")
    if fmt == "pdf":
        if not path:
            raise InputError("Output", "a PDF needs --output PATH")
        return to_pdf(result, path)
    text = to_text(result) if fmt == "text" else to_csv(result)
    if path:
        Path(path).write_text(text, encoding="utf-8")
        return Path(path)
    return text


# --- the cashiering reports ---------------------------------------------------------------
def _journal_rows(user: User, params: dict) -> Iterable[dict]:
    from .totals import counts_in_totals, list_receipts
    for r in list_receipts(user, params["date"]):
        status = {"posted": "", "voided": "VOID"}.get(r.status, r.status.upper())
        yield {"receipt": r.receipt_number, "time": r.created_at, "drawer": r.drawer, "operator": r.operator,
               "account": r.accounts, "name": r.name, "tenders": r.tenders, "amount": r.total_cents,
               "status": status, "in_totals": counts_in_totals(r.status)}


CASH_JOURNAL = register(Report(
    "cash-journal", "Daily cash receipts journal",
    (Column("receipt", "Receipt"), Column("time", "Time", "datetime"), Column("drawer", "Drawer"),
     Column("operator", "Operator"), Column("account", "Account"), Column("name", "Name"),
     Column("tenders", "Tenders"), Column("amount", "Amount", "money"), Column("status", "Status")),
    _journal_rows, totals=("amount",),
    description="every receipt of the day; voided receipts listed, marked VOID and left out of the total"))


def _sum_by_session(model, amount, where) -> dict[int, int]:
    return {sid: int(v) for sid, v in model.select(model.session, fn.SUM(amount)).where(where)
            .group_by(model.session).tuples()}


def _drawer_rows(user: User, params: dict) -> Iterable[dict]:
    from .totals import session_tallies
    from .verify import expected_cash  # the rule ubtui verify checks
    day = params["date"]
    tallies = session_tallies(day)  # the same sums as the daily totals
    sessions = {s.id: s for s in DrawerSession.select().where(DrawerSession.business_date == day)}
    drops = _sum_by_session(DrawerMovement, DrawerMovement.amount_cents,
                            (DrawerMovement.kind == "drop") & DrawerMovement.session.in_(list(sessions) or [0]))
    paid = _sum_by_session(DrawerMovement, DrawerMovement.amount_cents,
                           (DrawerMovement.kind == "paid_out") & DrawerMovement.session.in_(list(sessions) or [0]))
    for t in tallies.values():
        s = sessions.get(t.session_id)
        row = {"drawer": t.drawer, "operator": t.operator, "status": t.status, "count": t.receipts,
               "receipts": t.total_cents, "cash": t.cash_cents + t.change_cents, "change": t.change_cents,
               "checks": t.checks_cents, "other": t.other_cents, "voids": t.void_cents}
        if s is not None:
            shown = s.status in ("counted", "closed")  # blind count: nothing expected before the count
            row.update({"float": s.opening_float_cents, "drops": drops.get(s.id, 0), "paid_outs": paid.get(s.id, 0),
                        "expected": expected_cash(s) if shown else None,
                        "counted": s.counted_cash_cents if shown else None,
                        "over_short": s.over_short_cents if shown else None})
        yield row


DRAWER_SUMMARY = register(Report(
    "drawer-summary", "Drawer summary",
    (Column("drawer", "Drawer"), Column("operator", "Operator"), Column("status", "Status"),
     Column("float", "Float", "money"), Column("count", "#", "int"), Column("receipts", "Receipts", "money"),
     Column("cash", "Cash in", "money"),
     Column("change", "Change", "money"), Column("drops", "Drops", "money"),
     Column("paid_outs", "Paid out", "money"), Column("expected", "Expected", "money"),
     Column("counted", "Counted", "money"), Column("over_short", "Over/short", "money"),
     Column("checks", "Checks", "money"), Column("other", "Other", "money"), Column("voids", "Voided", "money")),
    _drawer_rows, totals=("count", "receipts", "cash", "change", "drops", "paid_outs", "over_short", "checks", "other", "voids"),
    permission="drawer.view_all",
    description="each drawer session of the day (and receipts of no drawer, e.g. autopay): float, takings, "
                "drops, expected vs counted (once counted); voided receipts only in Voided"))


def _local_day_in_utc(day: _dt.date) -> tuple[_dt.datetime, _dt.datetime]:
    """The local calendar day as naive UTC bounds (the audit log stores UTC)."""
    start = _dt.datetime.combine(day, _dt.time()).astimezone(_dt.UTC).replace(tzinfo=None)
    end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time()).astimezone(_dt.UTC)
    return start, end.replace(tzinfo=None)


def _audit_rows(user: User, params: dict) -> Iterable[dict]:
    from .audit import rows_between
    start, end = _local_day_in_utc(params["date"])
    for at, username, action, entity, entity_id, detail in rows_between(start, end, params["user"]):
        yield {"time": local_time(at), "user": username or "", "action": action,
               "what": f"{entity} {entity_id}" if entity_id else entity, "detail": (detail or "")[:120]}


AUDIT_TRAIL = register(Report(
    "audit-trail", "Audit trail",
    (Column("time", "Time", "datetime"), Column("user", "User"), Column("action", "Action"),
     Column("what", "Record"), Column("detail", "Detail")),
    _audit_rows, params=(Param("date", "date", "day (local time; default today)"),
                         Param("user", "text", "only this user's changes (username)")),
    permission="report.all",
    description="every change of the day, oldest first: who, when, what (before/after are in the log)"))


_AGE_LABELS = {"current": "under 30 days", "30": "30-59 days", "60": "60-89 days", "90+": "90 days and over"}


def _aging_rows(user: User, params: dict) -> Iterable[dict]:
    """Every account owing, aged by ``ubtui.aging`` (the implementation the account header
    and the collections worklist use), summed per bucket."""
    from .aging import AGING_BUCKETS, buckets, newer_than
    sums = {b: [0, 0] for b in AGING_BUCKETS}
    for balance, newer in newer_than(params["date"], min_balance=1).values():
        for bucket, cents in buckets(balance, newer).items():
            if cents:
                sums[bucket][0] += 1
                sums[bucket][1] += cents
    for bucket in AGING_BUCKETS:
        yield {"bucket": _AGE_LABELS[bucket], "accounts": sums[bucket][0], "amount": sums[bucket][1]}


AGING = register(Report(
    "aging", "Aging summary",
    (Column("bucket", "Age of the charges"), Column("accounts", "Accounts", "int"), Column("amount", "Owed", "money")),
    _aging_rows, totals=("amount",),
    description="what the accounts owing owe by the age of the charges (credits pay the oldest first), "
                "the aging of the account header and the collections worklist"))


# --- the account reports: returned payments, adjustments, disconnected accounts -------------
def _month_in_utc(day: _dt.date) -> tuple[_dt.datetime, _dt.datetime]:
    """The local calendar month of ``day`` as naive UTC bounds (timestamps are stored UTC)."""
    first = day.replace(day=1)
    after = (first + _dt.timedelta(days=32)).replace(day=1)
    return _local_day_in_utc(first)[0], _local_day_in_utc(after)[0]


MONTH = (Param("date", "date", "any day of the month (default: this month)"),)


def _names(account_ids) -> dict[int, str]:
    """Each account's customer of record today, as the counter names it (a few statements)."""
    from .accounts import customers_of_record
    from .drawer import business_today
    return {a: p.name for a, p in customers_of_record(account_ids, business_today()).items()}


def _returned_rows(user: User, params: dict) -> Iterable[dict]:
    """The payments returned in the month (by when the return was posted), oldest first."""
    from models import LedgerEntry, Payment, Posting, Tender

    from .accounts import format_account_number
    start, end = _month_in_utc(params["date"])
    returned = list(Payment.select(Payment, Posting.created_at.alias("returned_at"),
                                   Posting.user.alias("returned_by"))
                    .join(Posting, on=(Payment.void_posting == Posting.id))
                    .where(Payment.void_posting.is_null(False) & (Payment.status == "returned")
                           & (Posting.created_at >= start) & (Posting.created_at < end))
                    .order_by(Posting.id).objects())
    if not returned:
        return
    paid: dict[int, dict[int, str]] = {}  # posting -> account id -> its number, in entry order
    for pid, aid, number in (LedgerEntry.select(LedgerEntry.posting, LedgerEntry.account, Account.number)
                             .join(Account).where(LedgerEntry.posting.in_([p.posting_id for p in returned]))
                             .order_by(LedgerEntry.id).tuples()):
        paid.setdefault(pid, {}).setdefault(aid, format_account_number(number))
    tenders: dict[int, list[str]] = {}
    for pay, kind, check, bank in (Tender.select(Tender.payment, Tender.kind, Tender.check_number, Tender.bank)
                                   .where(Tender.payment.in_([p.id for p in returned])).order_by(Tender.seq).tuples()):
        tenders.setdefault(pay, []).append(" ".join(x for x in (kind.replace("_", " "), f"#{check}" if check else "",
                                                               bank or "") if x))
    fees = {k: int(v) for k, v in (Posting.select(Posting.idempotency_key, fn.SUM(LedgerEntry.amount_cents))
                                   .join(LedgerEntry).where(Posting.idempotency_key.in_(
                                       [f"return:{p.receipt_number}:fee" for p in returned]))
                                   .group_by(Posting.idempotency_key).tuples())}
    users = dict(User.select(User.id, User.username).where(User.id.in_({p.returned_by for p in returned})).tuples())
    names = _names(a for p in returned for a in paid.get(p.posting_id, {}))
    for p in returned:
        accounts = paid.get(p.posting_id, {})
        yield {"returned": local_time(p.returned_at), "receipt": p.receipt_number, "paid_on": p.business_date,
               "account": ", ".join(accounts.values()), "name": names.get(next(iter(accounts), 0), ""),
               "tender": ", ".join(tenders.get(p.id, [])), "amount": p.total_cents,
               "fee": fees.get(f"return:{p.receipt_number}:fee", 0), "reason": p.void_reason,
               "by": users.get(p.returned_by, "")}


RETURNED = register(Report(
    "returned-payments", "Returned payments (NSF) in the month",
    (Column("returned", "Returned", "datetime"), Column("receipt", "Receipt"), Column("paid_on", "Paid", "date"),
     Column("account", "Account"), Column("name", "Name"), Column("tender", "Tender"),
     Column("amount", "Amount", "money"), Column("fee", "Fee", "money"), Column("reason", "Reason"),
     Column("by", "By")),
    _returned_rows, totals=("amount", "fee"), params=MONTH,
    description="the payments the bank returned in the month of the date (NSF, closed account, stop payment): "
                "what was reversed, the fee charged, why and by whom"))


def _adjustment_rows(user: User, params: dict) -> Iterable[dict]:
    """Every entry of the month's adjusting postings (``ADJUSTING_KINDS``), oldest first."""
    from models import LedgerEntry, Posting
    from models.ledger import ADJUSTING_KINDS

    from .accounts import format_account_number
    start, end = _month_in_utc(params["date"])
    rows = list(LedgerEntry.select(Posting.created_at, Posting.kind, Account.id, Account.number, LedgerEntry.category,
                                   LedgerEntry.amount_cents, LedgerEntry.description, User.username)
                .join(Posting).switch(LedgerEntry).join(Account).join_from(Posting, User, on=(Posting.user == User.id))
                .where(Posting.kind.in_(ADJUSTING_KINDS) & (Posting.created_at >= start) & (Posting.created_at < end))
                .order_by(Posting.id, LedgerEntry.id).tuples())
    names = _names(r[2] for r in rows)
    for at, kind, aid, number, category, cents, description, username in rows:
        yield {"time": local_time(at), "kind": kind.replace("_", " "), "account": format_account_number(number),
               "name": names.get(aid, ""), "category": (category or "").replace("_", " "), "amount": cents,
               "description": description, "by": username}


ADJUSTMENTS = register(Report(
    "adjustments", "Account adjustments in the month",
    (Column("time", "Posted", "datetime"), Column("kind", "Kind"), Column("account", "Account"),
     Column("name", "Name"), Column("category", "Category"), Column("amount", "Amount", "money"),
     Column("description", "Description"), Column("by", "By")),
    _adjustment_rows, totals=("amount",), params=MONTH,
    description="every adjustment, reversal (rebills, returned payments, voids), write-off, refund and transfer "
                "posted in the month of the date, entry by entry: a credit is negative"))


def _disconnected_rows(user: User, params: dict) -> Iterable[dict]:
    """Each disconnected account: since when, what it owes, what it has paid since, and
    whether its reconnect is ordered -- or due ("ORDER"): paid to the fee schedule's condition
    (``fees.reconnects_at``, the rule a payment at the counter applies) with no order."""
    from models import LedgerEntry, WorkOrder

    from .accounts import format_account_number
    from .fees import reconnects_at
    accounts = list(Account.select().where(Account.status == "disconnected").order_by(Account.number))
    names = _names(a.id for a in accounts)
    for part in range(0, len(accounts), 500):
        chunk = accounts[part:part + 500]
        ids = [a.id for a in chunk]
        off: dict[int, _dt.date] = {}
        orders: dict[int, str] = {}
        for aid, kind, number, status, done in (WorkOrder.select(WorkOrder.account, WorkOrder.kind, WorkOrder.number,
                                                                 WorkOrder.status, WorkOrder.completed_on)
                                                .where(WorkOrder.account.in_(ids)
                                                       & WorkOrder.kind.in_(["disconnect", "turn_off", "reconnect"]))
                                                .order_by(WorkOrder.id).tuples()):
            if kind == "reconnect":
                if status in ("open", "assigned"):
                    orders[aid] = f"{number} {status}"
            elif status == "done" and done is not None:
                off[aid] = db_date(done)
        paid: dict[int, tuple[int, _dt.date | None]] = {}
        reversed_ = LedgerEntry.alias()  # a returned or voided payment counts for nothing
        for aid, cents, day, kind in (LedgerEntry.select(LedgerEntry.account, LedgerEntry.amount_cents,
                                                         LedgerEntry.effective_on, LedgerEntry.kind)
                                      .join(reversed_, JOIN.LEFT_OUTER, on=(LedgerEntry.reverses == reversed_.id))
                                      .where(LedgerEntry.account.in_(ids)
                                             & ((LedgerEntry.kind == "payment")
                                                | ((LedgerEntry.kind == "reversal") & (reversed_.kind == "payment"))))
                                      .tuples()):
            day = db_date(day)
            since = off.get(aid)
            if since is None or day >= since:
                total, last = paid.get(aid, (0, None))
                if kind == "payment":
                    last = day if last is None else max(last, day)
                paid[aid] = (total - cents, last)
        for a in chunk:
            balance = int(a.balance_cents)
            total, last = paid.get(a.id, (0, None))
            todo = orders.get(a.id) or ("ORDER: paid" if reconnects_at(balance) else "owes")
            yield {"account": format_account_number(a.number), "name": names.get(a.id, ""),
                   "since": off.get(a.id), "owed": balance, "paid": total, "last_paid": last, "reconnect": todo}


DISCONNECTED = register(Report(
    "disconnected", "Disconnected accounts",
    (Column("account", "Account"), Column("name", "Name"), Column("since", "Off since", "date"),
     Column("owed", "Owed", "money"), Column("paid", "Paid since", "money"), Column("last_paid", "Last paid", "date"),
     Column("reconnect", "Reconnect")),
    _disconnected_rows, totals=("owed", "paid"), params=(),
    description="every disconnected account: what it owes, what it has paid since the shut-off, and its "
                "reconnect: the order (number, status), ORDER once it is paid (service to restore), or owes"))
