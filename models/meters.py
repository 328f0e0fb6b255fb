"""Meters and their readings."""
from peewee import AutoField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, FreeTextField, utcnow
from .customers import Premise
from .security import User

# The sizes a meter comes in, smallest first (the usual house meter, 5/8", first).
METER_SIZES = ('5/8"', '3/4"', '1"', '1.5"', '2"', '3"', '4"', '6"', '8"')


class Meter(BaseModel):
    id = AutoField()
    serial = CharField(max_length=24, unique=True)
    premise = ForeignKeyField(Premise, backref="meters", null=True, on_delete="RESTRICT")
    size = CharField(max_length=8, default='5/8"')
    make = CharField(max_length=24, default="")
    model = CharField(max_length=24, default="")
    dials = IntegerField(default=6)  # register digits: rollover happens at 10**dials
    multiplier = IntegerField(default=1)
    unit = CharField(max_length=8, default="HCF")  # HCF, GAL, KGAL
    installed_on = DateField(null=True)
    removed_on = DateField(null=True)


class MeterReading(BaseModel):
    id = AutoField()
    meter = ForeignKeyField(Meter, backref="readings", on_delete="RESTRICT")
    read_on = DateField(index=True)
    reading = IntegerField()  # the register as read
    usage = IntegerField(null=True)  # computed units since the previous read
    source = CharField(max_length=10, default="keyed")  # keyed, handheld, ami, import, estimate
    estimated = BooleanField(default=False)
    # Exception flag set by the read checks: high, low, zero, negative, rollover, meter_change.
    flag = CharField(max_length=16, default="", index=True)
    flag_reason = CharField(max_length=200, default="")
    status = CharField(max_length=10, default="ok")  # ok, exception, accepted, reread, replaced
    user = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    note = FreeTextField(default="")

    class Meta:
        indexes = ((("meter", "read_on"), False),)
