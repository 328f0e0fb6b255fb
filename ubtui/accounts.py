"""Accounts, customers and premises: numbers with a check digit, creation and changes."""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata

from peewee import fn

from models import Account, AccountCustomer, Customer, Email, Phone, Premise, User
from models.customers import ACCOUNT_CLASSES, ACCOUNT_ROLES, ACCOUNT_STATUSES

from . import audit
from .db import transaction
from .errors import InputError, NotFound
from .security import require

NUMBER_DIGITS = 7  # then one Luhn check digit


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_account_number(serial: int) -> str:
    base = f"{serial:0{NUMBER_DIGITS}d}"
    if len(base) != NUMBER_DIGITS:
        raise ValueError("account serial out of range")
    return base + luhn_digit(base)


def format_account_number(number: str) -> str:
    """``00123455`` -> ``0012345-5``."""
    return f"{number[:-1]}-{number[-1]}" if len(number) == NUMBER_DIGITS + 1 else number


def normalize_account_number(text: str) -> str | None:
    """Typed account number (dashes/spaces allowed, check digit optional) -> stored form.

    Returns None when the digits cannot be an account number; raises InputError when the
    check digit is wrong (a mistyped number)."""
    digits = "".join((text or "").replace("-", " ").split())  # no spaces or dashes
    if not digits.isdigit():
        return None
    if len(digits) <= NUMBER_DIGITS:
        base = digits.zfill(NUMBER_DIGITS)
        return base + luhn_digit(base)
    if len(digits) == NUMBER_DIGITS + 1:
        if luhn_digit(digits[:-1]) != digits[-1]:
            raise InputError("Account", f"{format_account_number(digits)}: check digit is wrong (mistyped?)")
        return digits
    return None


def fold(text: str) -> str:
    """Lower case, accents stripped, punctuation to spaces: the searchable form of a name."""
    nfkd = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in nfkd if not unicodedata.combining(c)).lower()
    plain = re.sub(r"['\u2019`]", "", plain)  # O'Brien -> obrien: typed with or without the apostrophe
    return re.sub(r"\s+", " ", re.sub(r"[^\w ]+", " ", plain)).strip()


def phone_digits(text: str) -> str:
    d = re.sub(r"\D", "", text or "")
    return d[1:] if len(d) == 11 and d.startswith("1") else d


def premise_search_text(house_number: str, street: str, unit: str = "") -> str:
    return fold(" ".join(p for p in (house_number, street, unit) if p))


def next_account_number() -> str:
    last = Account.select(fn.MAX(Account.number)).scalar()
    serial = int(last[:NUMBER_DIGITS]) + 1 if last else 1001
    return make_account_number(serial)


def get_account(number_or_id) -> Account:
    if isinstance(number_or_id, int):
        acct = Account.get_or_none(Account.id == number_or_id)
    else:
        norm = normalize_account_number(str(number_or_id))
        acct = Account.get_or_none(Account.number == norm) if norm else None
    if acct is None:
        raise NotFound(f"no account {number_or_id}")
    return acct


def create_customer(actor: User, *, first_name: str = "", last_name: str, kind: str = "person",
                    phones: list[tuple[str, str]] = (), emails: list[str] = (), mail: dict | None = None,
                    language: str = "en") -> Customer:
    require(actor, "account.create")
    if not (last_name or "").strip():
        raise InputError("Last name" if kind == "person" else "Name", "must not be empty")
    display = f"{last_name.strip()}, {first_name.strip()}" if kind == "person" and first_name.strip() else last_name.strip()
    for _, number in phones:
        if len(phone_digits(number)) < 7:
            raise InputError("Phone", f"{number!r} needs at least 7 digits")
    with transaction():
        c = Customer.create(kind=kind, first_name=first_name.strip(), last_name=last_name.strip(),
                            display_name=display, search_name=fold(f"{first_name} {last_name}"),
                            language=language, **{f"mail_{k}": v for k, v in (mail or {}).items()})
        for i, (pkind, number) in enumerate(phones):
            Phone.create(customer=c, kind=pkind, digits=phone_digits(number), is_primary=(i == 0))
        for i, address in enumerate(emails):
            Email.create(customer=c, address=address.strip().lower(), is_primary=(i == 0))
        audit.record(actor, "customer.create", "customer", c.id, after=c)
    return c


def create_premise(actor: User, *, house_number: str, street: str, unit: str = "", city: str = "",
                   state: str = "", zip: str = "", parcel_number: str = "", route: str = "",
                   read_sequence: int = 0, pressure_zone: str = "", dwelling_units: int = 1) -> Premise:
    require(actor, "account.create")
    if not street.strip():
        raise InputError("Street", "must not be empty")
    with transaction():
        p = Premise.create(house_number=house_number.strip(), street=street.strip(), unit=unit.strip(), city=city,
                           state=state, zip=zip, parcel_number=parcel_number.strip(), route=route,
                           read_sequence=read_sequence, pressure_zone=pressure_zone,
                           dwelling_units=dwelling_units,
                           search_address=premise_search_text(house_number, street, unit))
        audit.record(actor, "premise.create", "premise", p.id, after=p)
    return p


def open_account(actor: User, *, premise: Premise, customers: list[tuple[Customer, str]],
                 account_class: str = "residential", rate_code: str = "RES", cycle: str = "1",
                 opened_on: _dt.date | None = None, status: str = "pending") -> Account:
    require(actor, "account.create")
    if account_class not in ACCOUNT_CLASSES:
        raise InputError("Class", f"must be one of {', '.join(ACCOUNT_CLASSES)}")
    if status not in ACCOUNT_STATUSES:
        raise InputError("Status", f"must be one of {', '.join(ACCOUNT_STATUSES)}")
    if not customers:
        raise InputError("Customer", "an account needs at least one customer")
    for _, role in customers:
        if role not in ACCOUNT_ROLES:
            raise InputError("Role", f"must be one of {', '.join(ACCOUNT_ROLES)}")
    with transaction():
        acct = Account.create(number=next_account_number(), premise=premise, account_class=account_class,
                              rate_code=rate_code, cycle=cycle, opened_on=opened_on or _dt.date.today(),
                              status=status)
        for cust, role in customers:
            AccountCustomer.create(account=acct, customer=cust, role=role, start_date=acct.opened_on)
        audit.record(actor, "account.create", "account", acct.id, after=acct)
    return acct


EDITABLE_FLAGS = ("cash_only", "no_checks", "autopay", "medical_certificate", "do_not_disconnect", "info_codes")


def update_account(actor: User, account_id: int, **changes) -> Account:
    """Change flags, info codes or status; every change is audited with before/after."""
    require(actor, "account.edit")
    allowed = set(EDITABLE_FLAGS) | {"status", "rate_code", "cycle"}
    bad = set(changes) - allowed
    if bad:
        raise InputError(sorted(bad)[0], "cannot be changed here")
    if "status" in changes and changes["status"] not in ACCOUNT_STATUSES:
        raise InputError("Status", f"must be one of {', '.join(ACCOUNT_STATUSES)}")
    with transaction():
        before = Account.get_or_none(Account.id == account_id)
        if before is None:
            raise NotFound(f"no account id {account_id}")
        Account.update(**changes).where(Account.id == account_id).execute()
        after = Account.get_by_id(account_id)
        audit.record(actor, "account.update", "account", account_id, before=before, after=after)
    return after
