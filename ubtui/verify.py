"""``ubtui verify``: check every money invariant over the whole database.

Each breach is reported as one line naming the rows involved."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, fn

from models import Account, CategorySum, DrawerMovement, DrawerSession, LedgerEntry, Payment, Posting, Tender
from models.cashier import of_session

from .ledger import SUMS_OF_ENTRIES


@dataclass(frozen=True)
class Breach:
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


def check_balances() -> list[Breach]:
    total = fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0)
    q = (Account.select(Account.id, Account.number, Account.balance_cents, total.alias("summed"))
         .join(LedgerEntry, JOIN.LEFT_OUTER, on=(LedgerEntry.account == Account.id))
         .group_by(Account.id, Account.number, Account.balance_cents)
         .having(Account.balance_cents != total))
    return [Breach("balance", f"account {a.number}: balance {a.balance_cents} != sum of entries {a.summed}")
            for a in q.objects()]


def check_category_sums() -> list[Breach]:
    """Each account's cached sums by category (``CategorySum``, moved by every posting) equal
    those of its entries, and no cached sum is left where there are no entries."""
    db = CategorySum._meta.database
    differ = db.execute_sql(
        f"SELECT e.account_id, e.category, e.debit, e.credit, s.debit_cents, s.credit_cents "
        f"FROM ({SUMS_OF_ENTRIES.format(where='')}) AS e "
        "LEFT JOIN ledger_category_sum s ON s.account_id = e.account_id AND s.category = e.category "
        "WHERE s.account_id IS NULL OR s.debit_cents <> e.debit OR s.credit_cents <> e.credit").fetchall()
    stray = db.execute_sql(
        "SELECT s.account_id, s.category, NULL, NULL, s.debit_cents, s.credit_cents FROM ledger_category_sum s "
        "WHERE (s.debit_cents <> 0 OR s.credit_cents <> 0) AND NOT EXISTS (SELECT 1 FROM ledger_entry e "
        "WHERE e.account_id = s.account_id AND e.category = s.category)").fetchall()
    return [Breach("category", f"account id {a} category {c!r}: cached debits {cd}, credits {cc} != "
                               f"{d or 0}, {cr or 0} from its entries")
            for a, c, d, cr, cd, cc in differ + stray]


def check_reversals() -> list[Breach]:
    out = []
    Orig = LedgerEntry.alias("orig")
    q = (LedgerEntry.select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.account,
                            LedgerEntry.reverses, Orig.amount_cents.alias("orig_amount"),
                            Orig.account.alias("orig_account"), Orig.kind.alias("orig_kind"))
         .join(Orig, JOIN.LEFT_OUTER, on=(LedgerEntry.reverses == Orig.id))
         .where((LedgerEntry.kind == "reversal") | LedgerEntry.reverses.is_null(False)))
    for e in q.objects():
        if e.kind != "reversal":
            out.append(Breach("reversal", f"entry {e.id} names entry {e.reverses_id} but is a {e.kind}"))
        elif e.reverses_id is None:
            out.append(Breach("reversal", f"reversal entry {e.id} names no entry"))
        elif e.orig_amount is None:
            out.append(Breach("reversal", f"reversal entry {e.id} names missing entry {e.reverses_id}"))
        elif e.orig_kind == "reversal":
            out.append(Breach("reversal", f"reversal entry {e.id} reverses another reversal {e.reverses_id}"))
        elif e.amount_cents != -e.orig_amount or e.account_id != e.orig_account:
            out.append(Breach("reversal", f"reversal entry {e.id} does not cancel entry {e.reverses_id} exactly"))
    return out


def check_postings() -> list[Breach]:
    q = (Posting.select(Posting.id).join(LedgerEntry, JOIN.LEFT_OUTER)
         .group_by(Posting.id).having(fn.COUNT(LedgerEntry.id) == 0))
    return [Breach("posting", f"posting {p.id} has no entries") for p in q]


def check_payments() -> list[Breach]:
    out = []
    tender_sum = {p.id: p.s for p in Payment.select(Payment.id, fn.SUM(Tender.amount_cents).alias("s"))
                  .join(Tender, JOIN.LEFT_OUTER).group_by(Payment.id)}
    entry_sum = {p.id: p.s for p in Payment.select(Payment.id, fn.SUM(LedgerEntry.amount_cents).alias("s"))
                 .join(LedgerEntry, JOIN.LEFT_OUTER, on=(LedgerEntry.posting == Payment.posting))
                 .group_by(Payment.id)}
    for p in Payment.select(Payment.id, Payment.receipt_number, Payment.total_cents, Payment.change_cents,
                            Payment.status, Payment.void_posting):
        tenders = tender_sum.get(p.id)
        if tenders is None:
            out.append(Breach("tender", f"receipt {p.receipt_number} has no tenders"))
            continue
        if tenders - p.change_cents != p.total_cents:
            out.append(Breach("tender", f"receipt {p.receipt_number}: tenders {tenders} - change {p.change_cents} != total {p.total_cents}"))
        if -(entry_sum.get(p.id) or 0) != p.total_cents:
            out.append(Breach("payment", f"receipt {p.receipt_number}: ledger credits {-(entry_sum.get(p.id) or 0)} != total {p.total_cents}"))
        if (p.status in ("voided", "returned")) != (p.void_posting_id is not None):
            out.append(Breach("payment", f"receipt {p.receipt_number}: status {p.status} disagrees with its void posting"))
    # a session's payments are found by its business date (models.cashier.of_session)
    for p in (Payment.select(Payment.receipt_number, Payment.business_date, DrawerSession.business_date.alias("day"))
              .join(DrawerSession, on=(Payment.session == DrawerSession.id))
              .where((Payment.business_date != DrawerSession.business_date) | Payment.business_date.is_null())
              .objects()):
        out.append(Breach("payment", f"receipt {p.receipt_number}: business date {p.business_date} is not its "
                                     f"drawer session's {p.day}"))
    # a posting's payment: UNIQUE in the index only for payments numbered before 0028, the
    # others by their id being the posting's -- a row written around both shows here
    shared = Payment.select(Payment.posting).group_by(Payment.posting).having(fn.COUNT(Payment.id) > 1).tuples()
    out += [Breach("payment", f"posting {pid} has more than one payment") for (pid,) in shared]
    orphans = (Tender.select(Tender.payment, Tender.seq).join(Payment, JOIN.LEFT_OUTER)
               .where(Payment.id.is_null()).tuples())
    out += [Breach("tender", f"tender {seq} of payment {pid} belongs to no payment") for pid, seq in orphans]
    return out


def expected_cash(session: DrawerSession) -> int:
    """float + cash taken - change given - drops - paid-outs (voided receipts excluded)."""
    cash = (Tender.select(fn.COALESCE(fn.SUM(Tender.amount_cents), 0)).join(Payment)
            .where(of_session(session) & (Tender.kind == "cash") & (Payment.status != "voided")).scalar())
    change = (Payment.select(fn.COALESCE(fn.SUM(Payment.change_cents), 0))
              .where(of_session(session) & (Payment.status != "voided")).scalar())
    moved = (DrawerMovement.select(fn.COALESCE(fn.SUM(DrawerMovement.amount_cents), 0))
             .where(DrawerMovement.session == session.id).scalar())
    return int(session.opening_float_cents) + int(cash) - int(change) - int(moved)


def check_drawers() -> list[Breach]:
    out = []
    for s in DrawerSession.select().where(DrawerSession.status == "closed"):
        exp = expected_cash(s)
        if s.expected_cash_cents != exp:
            out.append(Breach("drawer", f"drawer session {s.id}: recorded expected cash {s.expected_cash_cents} != {exp} from its payments"))
        if s.counted_cash_cents is not None and s.over_short_cents != s.counted_cash_cents - exp:
            out.append(Breach("drawer", f"drawer session {s.id}: over/short {s.over_short_cents} != counted - expected"))
    return out


CHECKS = (check_balances, check_category_sums, check_reversals, check_postings, check_payments, check_drawers)


def verify_all() -> list[Breach]:
    out: list[Breach] = []
    for check in CHECKS:
        out.extend(check())
    return out
