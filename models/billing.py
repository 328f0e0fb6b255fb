"""Rate schedule versions in use, bill runs, bills and their lines."""
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .base import BaseModel, CentsField, utcnow
from .customers import Account
from .security import User


class RateSchedule(BaseModel):
    """A loaded rate file version: the TOML text is kept so a bill can be explained later."""

    id = AutoField()
    name = CharField(max_length=40)
    effective_on = DateField()
    source_text = TextField()
    sha256 = CharField(max_length=64, unique=True)
    loaded_at = DateTimeField(default=utcnow)
    loaded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")


class BillRun(BaseModel):
    id = AutoField()
    cycle = CharField(max_length=8)
    route = CharField(max_length=8, default="")
    period_start = DateField()
    period_end = DateField()
    bill_date = DateField()
    due_date = DateField()
    status = CharField(max_length=12, default="open")  # open, posted
    # "cycle:period_end[:route]": running the same cycle twice bills nothing twice.
    run_key = CharField(max_length=60, unique=True)
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)


class Bill(BaseModel):
    id = AutoField()
    account = ForeignKeyField(Account, backref="bills", on_delete="RESTRICT")
    bill_run = ForeignKeyField(BillRun, null=True, backref="bills", on_delete="RESTRICT")
    period_start = DateField()
    period_end = DateField()
    bill_date = DateField(index=True)
    due_date = DateField()
    usage = IntegerField(default=0)
    usage_unit = CharField(max_length=8, default="HCF")
    estimated = BooleanField(default=False)
    kind = CharField(max_length=10, default="regular")  # regular, first, final, rebill
    total_cents = CentsField(default=0)
    previous_balance_cents = CentsField(default=0)
    status = CharField(max_length=10, default="posted")  # posted, reversed
    replaces = ForeignKeyField("self", null=True, backref="replaced_by", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # One bill per account per run: a bill run repeated (or raced) cannot bill twice.
        indexes = ((("account", "period_end"), False), (("bill_run", "account"), True))


class BillLine(BaseModel):
    id = AutoField()
    bill = ForeignKeyField(Bill, backref="lines", on_delete="CASCADE")
    seq = IntegerField()
    category = CharField(max_length=16)  # water, sewer, service, fee, tax, surcharge
    description = CharField(max_length=120)
    quantity = CharField(max_length=20, default="")  # exact decimal text, e.g. "12" or "0.5"
    rate = CharField(max_length=20, default="")  # exact decimal text per unit
    amount_cents = CentsField()
