"""Work orders, service deposits and the customer contact log."""
from peewee import AutoField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, CentsField, FreeCharField, FreeTextField, utcnow
from .billing import Bill
from .customers import Account, Premise
from .meters import Meter, MeterReading
from .security import User

WORK_ORDER_KINDS = ("turn_on", "turn_off", "reread", "leak_investigation", "meter_test",
                    "meter_repair", "new_install", "meter_change", "disconnect", "reconnect",
                    "low_pressure", "high_bill", "door_tag")
CONTACT_CHANNELS = ("counter", "phone", "email", "mail", "fax")


class WorkOrder(BaseModel):
    id = AutoField()
    number = CharField(max_length=12, unique=True)
    account = ForeignKeyField(Account, null=True, backref="work_orders", on_delete="RESTRICT")
    premise = ForeignKeyField(Premise, null=True, backref="work_orders", on_delete="RESTRICT")
    meter = ForeignKeyField(Meter, null=True, on_delete="RESTRICT")
    kind = CharField(max_length=20)
    status = CharField(max_length=12, default="open", index=True)  # open, assigned, done, cancelled
    priority = CharField(max_length=10, default="normal")  # low, normal, high, emergency
    requested_on = DateField()
    scheduled_on = DateField(null=True)
    due_on = DateField(null=True)  # when it must be done by
    crew = CharField(max_length=24, default="")  # the crew it is assigned to ("" while open)
    completed_on = DateField(null=True)
    instructions = FreeTextField(default="")
    result = FreeTextField(default="")
    meter_size = CharField(max_length=8, default="")  # a new install: the size ordered (and billed)
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)


class ServiceDeposit(BaseModel):
    """A deposit held against an account (the money moves through the ledger too)."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="deposits", on_delete="RESTRICT")
    amount_cents = CentsField()
    received_on = DateField()
    status = CharField(max_length=10, default="held")  # held, applied, refunded
    released_on = DateField(null=True)
    note = FreeTextField(default="")


class ContactLog(BaseModel):
    id = AutoField()
    account = ForeignKeyField(Account, backref="contacts", on_delete="RESTRICT", index=True)
    channel = CharField(max_length=8)
    subject = FreeCharField(max_length=80)
    text = FreeTextField(default="")
    follow_up_on = DateField(null=True, index=True)
    follow_up_done = DateTimeField(null=True)
    user = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)


class AdjustmentProposal(BaseModel):
    """What a field result says a bill should have been (issue #14): a rebill after a reread,
    or an adjustment after a meter test outside tolerance.  Nothing is posted until someone
    with ``adjustment.post`` approves it, under the adjustment approval rules (a supervisor
    above the limit); rejected proposals stay, with the reason."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="proposals", on_delete="RESTRICT", index=True)
    work_order = ForeignKeyField(WorkOrder, null=True, backref="proposals", on_delete="RESTRICT")
    kind = CharField(max_length=12)  # rebill, meter_test
    bill = ForeignKeyField(Bill, null=True, on_delete="RESTRICT")  # rebill: the bill corrected
    reading = ForeignKeyField(MeterReading, null=True, on_delete="RESTRICT")  # rebill: the read corrected
    corrected_reading = IntegerField(null=True)  # rebill: the register it should have been
    percent = CharField(max_length=12, default="")  # meter test: the percent registered, exact text
    bills = CharField(max_length=200, default="")  # meter test: the bill ids adjusted, "12,15,19"
    amount_cents = CentsField(default=0)  # the proposed change to the balance (negative: a credit)
    explanation = FreeTextField(default="")  # line by line
    status = CharField(max_length=10, default="proposed", index=True)  # proposed, approved, rejected
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    decided_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    decided_at = DateTimeField(null=True)
    decision_note = FreeTextField(default="")
