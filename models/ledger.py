"""The money ledger: postings (idempotent) and their immutable entries."""
from peewee import AutoField, CharField, CompositeKey, DateField, DateTimeField, ForeignKeyField

from .base import BaseModel, CentsField, FreeCharField, FreeTextField, utcnow
from .customers import Account
from .security import User

ENTRY_KINDS = ("charge", "payment", "adjustment", "fee", "refund", "transfer", "reversal",
               "write_off", "deposit")
# The postings that correct or move a balance (not a bill, payment, fee or deposit): the
# adjustments report lists them by time (index ``posting_adjustments_by_time``).
ADJUSTING_KINDS = ("adjustment", "reversal", "write_off", "refund", "transfer")


class Posting(BaseModel):
    """One atomic posting: one or more ledger entries written together.

    ``idempotency_key`` is UNIQUE: the same payment submitted twice (double Enter, retry
    after a crash) posts once, and the second call returns the first posting."""

    id = AutoField()
    idempotency_key = CharField(max_length=80, unique=True)
    kind = CharField(max_length=16)
    user = ForeignKeyField(User, on_delete="RESTRICT", index=False)
    created_at = DateTimeField(default=utcnow)
    memo = FreeTextField(default="")


# Only the adjusting postings, by time: payments and bills (nearly every posting) write nothing
# to it, so the payment's COMMIT has no page more to write (#12).
Posting.add_index(Posting.index(Posting.created_at, where=Posting.kind.in_(ADJUSTING_KINDS),
                                name="posting_adjustments_by_time"))


class LedgerEntry(BaseModel):
    """Positive amounts increase what the customer owes; payments and credits are negative.

    Never updated or deleted (database triggers refuse it): a mistake is fixed by a
    reversal entry whose ``reverses`` names the entry it cancels."""

    id = AutoField()
    posting = ForeignKeyField(Posting, backref="entries", on_delete="RESTRICT")
    # indexed by (account, id, amount, category, effective_on) below: one index serves "this
    # account's entries" and their order, and answers a payment's credit sums and the sums of
    # its older charges (with their latest date) without the table
    account = ForeignKeyField(Account, backref="entries", on_delete="RESTRICT", index=False)
    kind = CharField(max_length=16)
    category = CharField(max_length=16, default="")  # water, sewer, late_fee, reconnect_fee...
    amount_cents = CentsField()
    effective_on = DateField()
    posted_at = DateTimeField(default=utcnow)
    description = FreeCharField(max_length=120, default="")
    # bill:12, latefee:34, receipt, ...; no index of its own (every payment would write one):
    # look a reference up among its account's entries
    reference = CharField(max_length=40, default="")
    # UNIQUE where set (a partial index, below): nothing is reversed twice, and the many
    # entries that reverse nothing cost no index write.
    reverses = ForeignKeyField("self", null=True, backref="reversed_by", on_delete="RESTRICT", index=False)

    class Meta:
        indexes = ((("account", "id", "amount_cents", "category", "effective_on"), False),)


# Every debit (amount > 0: charges, fees, and reversals of credits) by account, date and id,
# with what a payment reads of it: the account's newest charges by date are the first rows of
# this index, however long the account's history (``ubtui.payments.ledger_rows``).  A payment
# (a credit) writes nothing to it.
LedgerEntry.add_index(LedgerEntry.index(LedgerEntry.account, LedgerEntry.effective_on, LedgerEntry.id,
                                        LedgerEntry.amount_cents, LedgerEntry.category, LedgerEntry.kind,
                                        where=(LedgerEntry.amount_cents > 0), name="ledger_entry_debits_by_date"))
LedgerEntry.add_index(LedgerEntry.index(LedgerEntry.reverses, unique=True, where=LedgerEntry.reverses.is_null(False)))
# The live charges (a charge, fee or reversal-free debit: amount > 0 and reversing nothing), by
# account and date, with the amount: ubtui.aging sums what each account owes by age from this
# index alone.  A payment (a credit) and a reversal write nothing to it; a charge writes one
# entry.  reverses_id is carried (always NULL here) so the query's terms need no table read.
LedgerEntry.add_index(LedgerEntry.index(LedgerEntry.account, LedgerEntry.effective_on, LedgerEntry.amount_cents,
                                        LedgerEntry.reverses,
                                        where=(LedgerEntry.amount_cents > 0) & LedgerEntry.reverses.is_null(),
                                        name="ledger_entry_live_charges"))


class CategorySum(BaseModel):
    """A cache beside the account's cached balance: per account and entry category, the sum of
    its debits (amount > 0) and of its credits (amount < 0) over every entry.

    Moved by every posting in the same transaction with in-SQL arithmetic (``ubtui.ledger``),
    after the account's balance (so the account row's lock orders concurrent postings);
    ``ubtui verify`` recomputes it from the entries.  A payment's allocation and past-due
    alert read it instead of summing years of entries."""

    account = ForeignKeyField(Account, on_delete="RESTRICT", index=False)
    category = CharField(max_length=16)
    debit_cents = CentsField(default=0)
    credit_cents = CentsField(default=0)

    class Meta:
        table_name = "ledger_category_sum"
        primary_key = CompositeKey("account", "category")
