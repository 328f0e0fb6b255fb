"""Customers (people or organisations), premises, accounts and the roles that join them."""
from peewee import AutoField, BooleanField, CharField, Check, DateField, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, CentsField, FreeCharField, FreeTextField, utcnow

ACCOUNT_CLASSES = ("residential", "commercial", "irrigation", "construction")
ACCOUNT_STATUSES = ("pending", "active", "final_billed", "closed", "disconnected")
# After the final bill: no service to stop, move, bill or draw by autopay; a new customer
# at the address gets a new account.
SERVICE_ENDED = ("final_billed", "closed")
ACCOUNT_ROLES = ("owner", "tenant", "billing")
CUSTOMER_KINDS = ("person", "organization")
CONTACT_BY = ("phone", "text", "email", "mail")  # how the customer wants to be reached
BILL_DELIVERY = ("mail", "email")


class Customer(BaseModel):
    id = AutoField()
    kind = CharField(max_length=12, default="person")
    first_name = FreeCharField(max_length=40, default="")
    last_name = FreeCharField(max_length=60, default="")  # organisation name when kind=organization
    display_name = FreeCharField(max_length=120, index=True)
    # Lower-cased, accent-stripped name used for searching (see ubtui.search.fold).
    search_name = FreeCharField(max_length=120, index=True)
    mail_line1 = FreeCharField(max_length=80, default="")
    mail_line2 = FreeCharField(max_length=80, default="")
    mail_city = FreeCharField(max_length=40, default="")
    mail_state = CharField(max_length=2, default="")
    mail_zip = CharField(max_length=10, default="")
    language = CharField(max_length=8, default="en")
    contact_by = CharField(max_length=8, default="")  # one of CONTACT_BY; "" = no preference
    bill_delivery = CharField(max_length=8, default="mail")  # one of BILL_DELIVERY
    # Set when this record was merged into another (a duplicate of the same person): the
    # row stays, with what could not move (ubtui.maintenance.merge_customers).
    merged_into = ForeignKeyField("self", null=True, backref="merged", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)


class Phone(BaseModel):
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    kind = CharField(max_length=8, default="home")  # home, mobile, work, fax
    digits = CharField(max_length=15, index=True)  # digits only, for exact lookups
    is_primary = BooleanField(default=False)


class Email(BaseModel):
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="emails", on_delete="CASCADE")
    address = FreeCharField(max_length=120, index=True)
    is_primary = BooleanField(default=False)


class Premise(BaseModel):
    """A service location."""

    id = AutoField()
    house_number = CharField(max_length=10, default="")
    street = FreeCharField(max_length=60)
    unit = CharField(max_length=10, default="")
    city = CharField(max_length=40, default="")
    state = CharField(max_length=2, default="")
    zip = CharField(max_length=10, default="")
    search_address = FreeCharField(max_length=120, index=True)  # folded "123 main st apt 4"
    parcel_number = CharField(max_length=20, default="", index=True)
    route = CharField(max_length=8, default="", index=True)
    read_sequence = IntegerField(default=0)
    pressure_zone = CharField(max_length=12, default="")
    dwelling_units = IntegerField(default=1)
    notes = FreeTextField(default="")


class Account(BaseModel):
    id = AutoField()
    # Seven digits and a Luhn check digit, stored without the dash ("00123455").
    number = CharField(max_length=12, unique=True)
    premise = ForeignKeyField(Premise, backref="accounts", on_delete="RESTRICT")
    account_class = CharField(max_length=16, default="residential")
    status = CharField(max_length=16, default="pending", index=True)
    rate_code = CharField(max_length=16, default="RES")
    cycle = CharField(max_length=8, default="1")
    opened_on = DateField(null=True)
    closed_on = DateField(null=True)
    # Cached sum of the account's ledger entries, kept in the same transaction as
    # every posting with in-SQL arithmetic; `ubtui verify` recomputes it.
    balance_cents = CentsField(default=0)
    deposit_held_cents = CentsField(default=0, constraints=[Check("deposit_held_cents >= 0")])
    cash_only = BooleanField(default=False)
    no_checks = BooleanField(default=False)
    autopay = BooleanField(default=False)
    medical_certificate = BooleanField(default=False)
    do_not_disconnect = BooleanField(default=False)
    info_codes = FreeCharField(max_length=120, default="")  # comma separated: "dog,locked gate"
    created_at = DateTimeField(default=utcnow)
    # Temporary (construction, hydrant meter) service: the last day of service; its stop is
    # ordered for that day when service starts.
    service_ends_on = DateField(null=True)
    # A move (stop here, start there): the new account, where a credit left after the final
    # bill goes (``ubtui.moves``).  The id of an account; not a foreign key, so an account's
    # row never has to be written before the one it points to exists.
    moved_to_account_id = IntegerField(null=True)


class AccountCustomer(BaseModel):
    id = AutoField()
    account = ForeignKeyField(Account, backref="parties", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="accounts", on_delete="RESTRICT")
    role = CharField(max_length=10)  # owner, tenant, billing
    start_date = DateField(null=True)
    end_date = DateField(null=True)

    class Meta:
        # A customer may hold a role again after it ended (a tenant who comes back): one row
        # per role and start date.
        indexes = ((("account", "customer", "role", "start_date"), True),)
