"""Collections: notices sent (the shut-off sequence), payment plans and their instalments,
and holds (a pending appeal) that keep an account off the shut-off list."""
from peewee import AutoField, CharField, Check, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, CentsField, utcnow
from .customers import Account
from .security import User

NOTICE_STEPS = ("reminder", "notice", "final", "tenant", "plan_confirmation", "plan_broken",
                "returned_payment", "welcome", "final_bill")
PLAN_STATUSES = ("active", "completed", "broken", "cancelled")
HOLD_KINDS = ("appeal",)
APPEAL_OUTCOMES = ("upheld", "denied")


class CollectionNotice(BaseModel):
    """One letter (or door tag) sent to an account.  UNIQUE (account, step, sent_on): a rerun
    the same day finds the row and sends nothing new."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="notices", on_delete="RESTRICT", index=False)
    step = CharField(max_length=20)
    sent_on = DateField()
    # the earliest day service may be shut off on the strength of this notice (notices only)
    shutoff_on = DateField(null=True)
    past_due_cents = CentsField(default=0)
    fee_cents = CentsField(default=0)
    language = CharField(max_length=8, default="en")
    user = ForeignKeyField(User, on_delete="RESTRICT", index=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("account", "step", "sent_on"), True), (("sent_on", "step"), False))


class PaymentPlan(BaseModel):
    """An instalment arrangement; while kept, the account stays off the shut-off list."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="payment_plans", on_delete="RESTRICT", index=True)
    total_cents = CentsField(constraints=[Check("total_cents > 0")])
    instalments = IntegerField()
    status = CharField(max_length=10, default="active", index=True)
    created_on = DateField()
    broken_on = DateField(null=True)
    closed_on = DateField(null=True)
    note = TextField(default="")
    created_by = ForeignKeyField(User, on_delete="RESTRICT", index=False)
    created_at = DateTimeField(default=utcnow)


class PlanInstalment(BaseModel):
    id = AutoField()
    plan = ForeignKeyField(PaymentPlan, backref="schedule", on_delete="CASCADE", index=False)
    seq = IntegerField()
    due_on = DateField()
    amount_cents = CentsField(constraints=[Check("amount_cents > 0")])

    class Meta:
        indexes = ((("plan", "seq"), True),)


class CollectionHold(BaseModel):
    """A pending appeal (or other review): the account is off the shut-off list until closed."""

    id = AutoField()
    account = ForeignKeyField(Account, backref="holds", on_delete="RESTRICT", index=True)
    kind = CharField(max_length=12, default="appeal")
    opened_on = DateField()
    closed_on = DateField(null=True)
    outcome = CharField(max_length=8, default="")  # "" while pending, then one of APPEAL_OUTCOMES
    note = TextField(default="")
    created_by = ForeignKeyField(User, on_delete="RESTRICT", index=False)
    created_at = DateTimeField(default=utcnow)
