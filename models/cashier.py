"""Cash drawers, drawer sessions, payments (receipts), tenders, drops and counts."""
import datetime

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from .base import BaseModel, CentsField, FreeCharField, FreeTextField, WithoutRowidOnSqlite, utcnow
from .ledger import LedgerEntry, Posting
from .security import User

TENDER_KINDS = ("cash", "check", "money_order", "card")


class Drawer(BaseModel):
    id = AutoField()
    code = CharField(max_length=8, unique=True)  # "D1"
    name = CharField(max_length=40, default="")
    workstation = CharField(max_length=40, default="")
    active = BooleanField(default=True)


class DrawerSession(BaseModel):
    id = AutoField()
    drawer = ForeignKeyField(Drawer, backref="sessions", on_delete="RESTRICT")
    operator = ForeignKeyField(User, backref="drawer_sessions", on_delete="RESTRICT")
    workstation = CharField(max_length=40, default="")
    # The terminal that opened it (host:tty, ``ubtui.cashier.terminal_id``): postings from
    # another terminal warn or are refused (Settings.same_clerk_terminals).
    terminal = CharField(max_length=80, default="")
    business_date = DateField(index=True)
    opened_at = DateTimeField(default=utcnow)
    opening_float_cents = CentsField(default=0)
    opening_count = TextField(default="{}")  # JSON {denomination: count}
    status = CharField(max_length=10, default="open")  # open, counted, closed
    closed_at = DateTimeField(null=True)
    counted_cash_cents = CentsField(null=True)
    counted_checks_cents = CentsField(null=True)
    counted_other_cents = CentsField(null=True)
    expected_cash_cents = CentsField(null=True)
    over_short_cents = CentsField(null=True)
    over_short_reason = FreeTextField(default="")
    approved_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    closing_count = TextField(default="{}")  # JSON {"cash": {...}, "checks": [...], "other": {...}}
    counted_at = DateTimeField(null=True)
    next_float_cents = CentsField(null=True)
    # Set while the session is open: a UNIQUE index allows one open session per drawer.
    open_guard = CharField(max_length=8, null=True, unique=True)


class Payment(BaseModel):
    """A receipt: one customer transaction at the counter, possibly for several accounts."""

    id = AutoField()
    # Unique: a counter receipt's number is "R" and its posting's id (unique below), so only
    # the others (autopay, imported, legacy) are in the receipt-number index -- one index
    # write less on every counter payment (``by_receipt`` looks either up).
    receipt_number = CharField(max_length=20)
    # No index of its own: a session's payments are found through business_date (see
    # ``of_session``), one index write less per payment.
    session = ForeignKeyField(DrawerSession, null=True, backref="payments", on_delete="RESTRICT", index=False)
    # A payment's id is its posting's (``save`` below; the writers of ``ubtui.payments`` and
    # the demo say so too), so the primary key finds a payment by its posting and the
    # posting-id index holds only the payments written before that rule (migration 0028):
    # one B-tree less at every payment's COMMIT.  ``of_postings`` looks either up.
    posting = ForeignKeyField(Posting, on_delete="RESTRICT", index=False)
    user = ForeignKeyField(User, on_delete="RESTRICT", index=False)
    total_cents = CentsField()
    change_cents = CentsField(default=0)
    channel = CharField(max_length=10, default="counter")  # counter, mail, dropbox, online, autopay
    status = CharField(max_length=10, default="posted")  # posted, voided, returned
    # UNIQUE where set (a partial index, below); the void columns stay NULL on almost every
    # receipt, so none of them costs an index write when a payment is taken.
    void_posting = ForeignKeyField(Posting, null=True, on_delete="RESTRICT", backref="voided_payment", index=False)
    voided_by = ForeignKeyField(User, null=True, on_delete="RESTRICT", index=False)
    void_approved_by = ForeignKeyField(User, null=True, on_delete="RESTRICT", index=False)
    void_reason = FreeTextField(default="")
    created_at = DateTimeField(default=utcnow)
    payer_name = FreeCharField(max_length=80, default="")
    # The drawer session's business date (reports and same-day voids select on it).
    business_date = DateField(null=True, index=True)

    def save(self, force_insert=False, only=None):
        if self.id is None and self.posting_id is not None:  # a new payment: its posting's id
            self.id = self.posting_id
            force_insert = True
        return super().save(force_insert=force_insert, only=only)


Payment.add_index(Payment.index(Payment.void_posting, unique=True, where=Payment.void_posting.is_null(False)))
# The payments whose id is not their posting's (written before migration 0028): UNIQUE, as
# the posting of every other is its primary key.
OLD_NUMBERING = SQL('("id" <> "posting_id")')
Payment.add_index(Payment.index(Payment.posting, unique=True, where=OLD_NUMBERING))
# The receipt numbers that are not "R" and at least 8 digits (what a counter receipt's is made
# of): the same text in the index and in ``by_receipt``, on both backends.
OWN_NUMBER = SQL("(substr(receipt_number, 1, 1) <> 'R' OR length(receipt_number) < 9 "
                 "OR trim(substr(receipt_number, 2), '0123456789') <> '')")
Payment.add_index(Payment.index(Payment.receipt_number, unique=True, where=OWN_NUMBER))


def receipt_for_posting(posting_id: int) -> str:
    """A counter receipt's number: "R" and the id of its posting, in at least 8 digits."""
    return f"R{posting_id:08d}"


def of_postings(postings):
    """WHERE term: the payments of these postings (ids, or a subquery of ids).

    A payment's id is its posting's, but for those written before that rule, which the
    partial posting-id index holds; the two arms let each backend read one index each
    (SQLite's multi-index OR, PostgreSQL's BitmapOr).  A plain ``posting_id IN (...)``
    would read the whole table.  Both arms test the posting: an old payment's id may be
    some other posting's id."""
    if isinstance(postings, int):
        postings = [postings]
    mine = Payment.posting.in_(postings)
    return (Payment.id.in_(postings) & mine) | (mine & OLD_NUMBERING)


def paid_into(accounts, since: datetime.datetime | None = None):
    """WHERE term: the payments that paid into ``accounts`` (ids, or a subquery of them),
    found by their credit entries (``since``: those posted from then on) and through
    ``of_postings`` (one index read each; a join on the posting id could not)."""
    where = LedgerEntry.account.in_(accounts) & (LedgerEntry.amount_cents < 0)
    if since is not None:
        where &= LedgerEntry.posted_at >= since
    postings = [p for (p,) in LedgerEntry.select(LedgerEntry.posting).where(where).distinct().tuples()]
    return of_postings(postings or [0])


def returned_since(accounts, since: datetime.datetime) -> int:
    """How many returned payments paid into ``accounts`` since the datetime ``since`` (their
    credits are posted with them, at most a moment before: a day's margin is plenty)."""
    return Payment.select().where(paid_into(accounts, since - datetime.timedelta(days=1))
                                  & (Payment.status == "returned") & (Payment.created_at >= since)).count()


def by_receipt(number: str):
    """WHERE term: the payment whose receipt number is ``number`` (as stored, upper case);
    "R" and digits is found through the posting's id, any other through its own index."""
    if number[:1] == "R" and len(number) >= 9 and number[1:].isdigit() and number[1:].isascii():
        return of_postings(int(number[1:])) & (Payment.receipt_number == number)
    return (Payment.receipt_number == number) & OWN_NUMBER


def of_session(session: "int | DrawerSession"):
    """WHERE term: the payments of a drawer session.  They carry the session's business date,
    so the business-date index finds the day's few and the session id picks them out."""
    if isinstance(session, DrawerSession):
        day = session.business_date
        session = session.id
    else:
        day = DrawerSession.select(DrawerSession.business_date).where(DrawerSession.id == session)
    return (Payment.business_date == day) & (Payment.session == session)


class Tender(BaseModel):
    """One way a receipt was paid: keyed by its payment and ``seq``, its line on the receipt
    (1..n).  On SQLite the rows live in that key's B-tree (``WITHOUT ROWID``), so a payment
    writes one B-tree page for its tenders instead of a table's and a payment-id index's."""

    payment = ForeignKeyField(Payment, backref="tenders", on_delete="RESTRICT", index=False)
    seq = SmallIntegerField()
    kind = CharField(max_length=12)
    amount_cents = CentsField()
    check_number = CharField(max_length=12, default="")
    bank = FreeCharField(max_length=40, default="")
    check_name = FreeCharField(max_length=80, default="")
    card_last4 = CharField(max_length=4, default="")
    auth_code = CharField(max_length=12, default="")

    class Meta:
        primary_key = CompositeKey("payment", "seq")
        schema_manager_class = WithoutRowidOnSqlite


class DrawerMovement(BaseModel):
    """Mid-day drops to the safe and paid-outs from the drawer."""

    id = AutoField()
    session = ForeignKeyField(DrawerSession, backref="movements", on_delete="RESTRICT")
    kind = CharField(max_length=10)  # drop, paid_out
    amount_cents = CentsField()
    reason = FreeCharField(max_length=120, default="")
    user = ForeignKeyField(User, on_delete="RESTRICT")
    approved_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    idempotency_key = CharField(max_length=80, unique=True)
    created_at = DateTimeField(default=utcnow)


class Deposit(BaseModel):
    """A bank deposit prepared from one or more closed drawer sessions."""

    id = AutoField()
    business_date = DateField(index=True)
    prepared_by = ForeignKeyField(User, on_delete="RESTRICT")
    currency_cents = CentsField(default=0)
    coin_cents = CentsField(default=0)
    checks_cents = CentsField(default=0)
    check_count = IntegerField(default=0)
    total_cents = CentsField(default=0)
    slip_text = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    # The closed drawer session this deposit came from (one deposit per session).
    session = ForeignKeyField(DrawerSession, null=True, unique=True, backref="deposits", on_delete="RESTRICT")
