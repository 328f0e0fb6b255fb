"""Autopay enrolments (bank drafts) and the draft batches sent to the bank."""
from peewee import AutoField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, CentsField, FreeCharField, utcnow
from .customers import Account
from .security import User


class AutopayEnrollment(BaseModel):
    """The bank account number is stored only encrypted (Fernet) and shown as its last 4."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="autopay_enrollments", on_delete="RESTRICT")
    holder_name = FreeCharField(max_length=60)
    routing_number = CharField(max_length=9)
    bank_account_enc = TextField()
    bank_account_last4 = CharField(max_length=4)
    bank_account_type = CharField(max_length=8, default="checking")  # checking, savings
    status = CharField(max_length=10, default="active", index=True)  # active, cancelled
    start_on = DateField()
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    # Set while active: a UNIQUE index allows one active enrolment per account.
    active_guard = IntegerField(null=True, unique=True)


class AutopayBatch(BaseModel):
    id = AutoField()
    business_date = DateField()
    effective_date = DateField()
    entry_count = IntegerField(default=0)
    total_cents = CentsField(default=0)
    file_name = CharField(max_length=80, default="")
    nacha_enc = TextField(default="")  # the NACHA file, encrypted (it holds bank account numbers)
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    # "draft:<business date>": the same day's draft is built once.
    batch_key = CharField(max_length=40, unique=True)
