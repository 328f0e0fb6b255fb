"""Accounts, customers and premises: numbers with a check digit, creation, the customer of
record, and the account's flags and status (each with its own permission, audited).

Changes to customers' details, roles and premises are in ``ubtui.maintenance``."""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from peewee import fn

from models import Account, AccountCustomer, Customer, Email, Phone, Premise, User
from models.customers import ACCOUNT_CLASSES, ACCOUNT_ROLES, ACCOUNT_STATUSES

from . import audit, clock
from .dates import db_date
from .db import transaction
from .errors import Conflict, DuplicateFound, InputError, NotFound
from .security import require
from .validators import check_email, check_language, check_reason, check_state, check_zip, clean_text, phone_digits

NUMBER_DIGITS = 7  # then one Luhn check digit


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, its two digits added (Luhn)


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``: from the right, every other digit doubled (the
    first of them the rightmost), all their digits added."""
    total = sum(_DOUBLED[int(ch)] for ch in digits[::-1][::2]) + sum(int(ch) for ch in digits[::-1][1::2])
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
                    phones: Sequence[tuple[str, str]] = (), emails: Sequence[str] = (), mail: dict | None = None,
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
                              rate_code=rate_code, cycle=cycle, opened_on=opened_on or clock.today(),
                              status=status)
        for cust, role in customers:
            AccountCustomer.create(account=acct, customer=cust, role=role, start_date=acct.opened_on)
        audit.record(actor, "account.create", "account", acct.id, after=acct)
    return acct


# --- who the account's customer is --------------------------------------------------------------
# The one rule for "the customer of record": the bill, the receipt, the letters and the
# header all name this customer.  See ``customer_of_record``.
ROLE_PRECEDENCE = ("billing", "tenant", "owner")


@dataclass(frozen=True)
class Party:
    """One customer's role on an account (an ``account_customer`` row)."""

    link_id: int
    customer_id: int
    name: str
    role: str
    start_date: _dt.date | None
    end_date: _dt.date | None  # the role's last day; None while it lasts

    def active_on(self, day: _dt.date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or self.end_date >= day)


def account_parties(account_id: int, *, include_merged: bool = False) -> list[Party]:
    """Every role the account has had, oldest first (records merged into another left out)."""
    q = (AccountCustomer.select(AccountCustomer, Customer).join(Customer)
         .where(AccountCustomer.account == account_id).order_by(AccountCustomer.id))
    if not include_merged:
        q = q.where(Customer.merged_into.is_null())
    return [Party(ac.id, ac.customer.id, ac.customer.display_name, ac.role, db_date(ac.start_date),
                  db_date(ac.end_date)) for ac in q]


def _precedence(p: Party) -> tuple:
    rank = ROLE_PRECEDENCE.index(p.role) if p.role in ROLE_PRECEDENCE else len(ROLE_PRECEDENCE)
    return rank, -(p.start_date or _dt.date.min).toordinal(), -p.link_id


def customer_of_record(account, on_date: _dt.date | None = None) -> Party | None:
    """Who the account's customer is on ``on_date`` (today when not given).

    The rule: among the roles active on the date (started on or before it and not ended
    before it; an end date is the role's last day), the billing role first (someone named to
    get the bills), then the tenant (who lives there and uses the water), then the owner
    (who answers for the address when nobody else does); between two roles of the same kind
    the one started last.  Records merged into another are never the customer of record.
    When no role is active on the date (a final-billed account after the customer left),
    the same order among the roles that ended last: the final bill still has a name.
    None only for an account without any role.  ``account``: an ``Account`` or its id."""
    account_id = account if isinstance(account, int) else account.id
    return choose_customer_of_record(account_parties(account_id), on_date or clock.today())


def customers_of_record(account_ids, on_date: _dt.date | None = None) -> dict[int, Party]:
    """``customer_of_record`` of many accounts, their roles read a few hundred accounts a
    statement (a report of a month's entries names thousands); accounts without a role are
    left out."""
    ids = sorted(set(account_ids))
    roles: dict[int, list[Party]] = {}
    for lo in range(0, len(ids), 500):
        q = (AccountCustomer.select(AccountCustomer, Customer).join(Customer)
             .where(AccountCustomer.account.in_(ids[lo:lo + 500]) & Customer.merged_into.is_null())
             .order_by(AccountCustomer.id))
        for ac in q:
            roles.setdefault(ac.account_id, []).append(Party(ac.id, ac.customer.id, ac.customer.display_name, ac.role,
                                                             db_date(ac.start_date), db_date(ac.end_date)))
    day = on_date or clock.today()
    chosen = {aid: choose_customer_of_record(parties, day) for aid, parties in roles.items()}
    return {aid: p for aid, p in chosen.items() if p is not None}


def choose_customer_of_record(parties, day: _dt.date):
    """The rule of ``customer_of_record`` applied to ``parties`` already read (the bulk
    readers -- search, letters -- read the roles of many accounts in one statement).  The
    parties are ``Party`` rows or anything with the same attributes; merged records left out."""
    parties = list(parties)
    active = [p for p in parties if p.active_on(day)]
    if not active:
        ended = [p for p in parties if p.end_date is not None and p.end_date < day]
        if not ended:  # only roles that start later: the first to start
            later = sorted(parties, key=lambda p: p.start_date or _dt.date.min)
            active = [p for p in later if p.start_date == later[0].start_date] if later else []
        else:
            last = max(p.end_date for p in ended)
            active = [p for p in ended if p.end_date == last]
    return min(active, key=_precedence) if active else None


# --- flags and status: each with its own permission, a reason where named, audited -------------
MAX_REASON = 200


def _change_account(actor: User, account_id: int, action: str, changes: dict, detail: str | None) -> Account:
    """Inside one transaction: apply ``changes`` to the account and audit what changed (before
    and after of those columns).  Nothing changed: nothing written."""
    with transaction():
        before = Account.get_or_none(Account.id == account_id)
        if before is None:
            raise NotFound(f"no account id {account_id}")
        changed = {k: v for k, v in changes.items() if getattr(before, k) != v}
        if not changed:
            return before
        Account.update(**changed).where(Account.id == account_id).execute()
        after = Account.get_by_id(account_id)
        audit.record(actor, action, "account", account_id, before={k: getattr(before, k) for k in changed},
                     after={k: getattr(after, k) for k in changed}, detail=detail)
    return after


def _flags(**values) -> dict:
    out = {}
    for name, value in values.items():
        if value is not None:
            if not isinstance(value, bool):
                raise InputError(name.replace("_", " ").capitalize(), "must be yes or no")
            out[name] = value
    if not out:
        raise InputError("Flags", "nothing to change")
    return out


def set_payment_flags(actor: User, account_id: int, *, reason: str, cash_only: bool | None = None,
                      no_checks: bool | None = None) -> Account:
    """Cash only / no checks (senior clerks, with a reason)."""
    require(actor, "account.payment_flags")
    return _change_account(actor, account_id, "account.payment_flags",
                           _flags(cash_only=cash_only, no_checks=no_checks), check_reason(reason, max_length=MAX_REASON))


def set_protections(actor: User, account_id: int, *, reason: str, medical_certificate: bool | None = None,
                    do_not_disconnect: bool | None = None) -> Account:
    """Medical certificate on file / do not disconnect (supervisors, with a reason)."""
    require(actor, "account.protections")
    return _change_account(actor, account_id, "account.protections",
                           _flags(medical_certificate=medical_certificate, do_not_disconnect=do_not_disconnect),
                           check_reason(reason, max_length=MAX_REASON))


# A completed work order of these kinds sets the account status (ubtui.workorders).
STATUS_BY_WORK_ORDER = {"turn_on": "active", "reconnect": "active", "disconnect": "disconnected",
                        "turn_off": "final_billed"}
# The status a work order sets only on an account waiting for service (``pending``).
STARTS_PENDING = {"new_install": "active"}


def set_status(actor: User, account_id: int, status: str, *, reason: str = "", work_order=None) -> Account:
    """The account's status: any status by a supervisor with a reason, or the status a
    completed work order implies (``work_order``, done, on this account: whoever may complete
    work orders).  A first activation sets the opening date to the work order's."""
    if status not in ACCOUNT_STATUSES:
        raise InputError("Status", f"must be one of {', '.join(ACCOUNT_STATUSES)}")
    changes: dict = {"status": status}
    if work_order is None:
        require(actor, "account.status")
        detail = check_reason(reason, max_length=MAX_REASON)
    else:
        require(actor, "workorder.update")
        implied = STATUS_BY_WORK_ORDER.get(work_order.kind)
        if implied is None:
            acct = Account.get_or_none(Account.id == account_id)
            implied = STARTS_PENDING.get(work_order.kind) if acct is not None and acct.status == "pending" else None
        if work_order.account_id != account_id or work_order.status != "done" or implied != status:
            raise Conflict(f"work order {work_order.number} does not set this account {status.replace('_', ' ')}")
        detail = f"by work order {work_order.number}"
        if status == "active":
            acct = Account.get_or_none(Account.id == account_id)
            if acct is not None and acct.opened_on is None:
                changes["opened_on"] = work_order.completed_on
    return _change_account(actor, account_id, "account.status", changes, detail)


MAX_INFO_CODE = 30
INFO_CODE_CHOICES = (("dog", "dog on the premises"), ("locked gate", "gate locked: call first"),
                     ("meter inside", "meter is indoors"), ("call first", "call before visiting"),
                     ("hazard", "hazard at the meter"), ("bees", "bees in the meter box"),
                     ("spanish", "speaks Spanish"), ("landlord", "landlord to be told of notices"))


def parse_info_codes(text) -> str:
    """``"Dog, locked  gate,dog"`` -> ``"dog,locked gate"``: lower case, each once, in order."""
    codes: list[str] = []
    for raw in clean_text(text, "Info codes", 400).split(","):
        code = " ".join(raw.split()).lower()
        if not code:
            continue
        if len(code) > MAX_INFO_CODE:
            raise InputError("Info codes", f"{code[:20]!r}...: each code at most {MAX_INFO_CODE} characters")
        if code not in codes:
            codes.append(code)
    joined = ",".join(codes)
    if len(joined) > Account.info_codes.max_length:
        raise InputError("Info codes", f"at most {Account.info_codes.max_length} characters in all")
    return joined


def set_info_codes(actor: User, account_id: int, codes: str) -> Account:
    """The field crew's and counter's codes for the account ("dog", "locked gate"): clerks."""
    require(actor, "account.edit")
    return _change_account(actor, account_id, "account.info_codes", {"info_codes": parse_info_codes(codes)}, None)


# --- new customers and premises with duplicate checks (service start at a vacant address) -----
def duplicate_customers(last_name: str, first_name: str, phones) -> list[Customer]:
    """Customers on file (not merged away) of the same name with a phone in common."""
    digits = [phone_digits(n) for _, n in phones if phone_digits(n)]
    if not digits:
        return []
    return list(Customer.select().join(Phone).where(
        (Customer.search_name == fold(f"{first_name} {last_name}")) & Customer.merged_into.is_null()
        & Phone.digits.in_(digits)).distinct().order_by(Customer.id))


def customer_line(c: Customer) -> str:
    """One line naming a customer record: name, primary phone, mailing street."""
    d = (Phone.select(Phone.digits).where(Phone.customer == c.id).order_by(Phone.is_primary.desc(), Phone.id)
         .scalar()) or ""
    phone = f"({d[:3]}) {d[3:6]}-{d[6:]}" if len(d) == 10 else d
    return "  ".join(x for x in (c.display_name, phone, c.mail_line1 or "") if x)


def premise_line(p: Premise) -> str:
    """One line naming a service address: street address, city, parcel."""
    return "  ".join(x for x in (" ".join(y for y in (p.house_number, p.street, p.unit) if y), p.city,
                                 f"parcel {p.parcel_number}" if p.parcel_number else "") if x)


def new_customer(actor: User, *, last_name: str, first_name: str = "", kind: str = "person",
                 phones: Sequence[tuple[str, str]] = (), emails: Sequence[str] = (), mail: dict | None = None,
                 language: str = "en", allow_duplicate: bool = False) -> Customer:
    """A customer typed at the counter: refused when one of the same name and phone is on file
    (Conflict naming it) unless the clerk says it is another person (``allow_duplicate``)."""
    require(actor, "account.create")
    mail = {k: v for k, v in (mail or {}).items() if v}
    for k, label in (("line1", "Mailing street"), ("line2", "Mailing line 2"), ("city", "City")):
        if k in mail:
            mail[k] = clean_text(mail[k], label, 80 if k != "city" else 40)
    if "state" in mail:
        mail["state"] = check_state(mail["state"])
    if "zip" in mail:
        mail["zip"] = check_zip(mail["zip"])
    emails = [check_email(e) for e in emails]
    language = check_language(language)
    for pkind, number in phones:
        label = "Mobile" if pkind == "mobile" else "Phone"
        if len(clean_text(number, label, 20)) and len(phone_digits(number)) < 7:
            raise InputError(label, f"{number!r} needs at least 7 digits")
    clean_text(last_name, "Last name" if kind == "person" else "Name", 60, required=True)
    clean_text(first_name, "First name", 40)
    with transaction():
        same = duplicate_customers(last_name, first_name, phones)
        if same and not allow_duplicate:
            raise DuplicateFound(f"customer {same[0].id} {same[0].display_name} has the same name and phone: "
                                 "use that one, or say it is another person",
                                 [(c.id, customer_line(c)) for c in same], kind="customer")
        return create_customer(actor, first_name=first_name, last_name=last_name, kind=kind, phones=phones,
                               emails=emails, mail=mail, language=language)


def new_premise(actor: User, *, house_number: str, street: str, unit: str = "", city: str = "", state: str = "",
                zip: str = "", parcel_number: str = "", route: str = "", read_sequence: int = 0,
                dwelling_units: int = 1, allow_duplicate: bool = False) -> Premise:
    """A service address: refused when the same address is on file (Conflict naming it)."""
    require(actor, "account.create")
    street = clean_text(street, "Street", 60, required=True)
    house_number = clean_text(house_number, "House number", 10)
    unit = clean_text(unit, "Unit", 10)
    city = clean_text(city, "City", 40)
    state = check_state(state) if state else ""
    zip = check_zip(zip) if zip else ""
    parcel_number = clean_text(parcel_number, "Parcel", 20)
    route = clean_text(route, "Route", 8)
    if not isinstance(read_sequence, int) or read_sequence < 0:
        raise InputError("Read sequence", "must be a whole number, 0 or more")
    if not isinstance(dwelling_units, int) or not 1 <= dwelling_units <= 999:
        raise InputError("Dwelling units", "must be 1 to 999")
    with transaction():
        same = list(Premise.select().where(Premise.search_address == premise_search_text(house_number, street, unit))
                    .order_by(Premise.id))
        if same and not allow_duplicate:
            raise DuplicateFound(f"premise {same[0].id} at {premise_line(same[0])} is on file: use that one",
                                 [(p.id, premise_line(p)) for p in same], kind="premise")
        return create_premise(actor, house_number=house_number, street=street, unit=unit, city=city, state=state,
                              zip=zip, parcel_number=parcel_number, route=route, read_sequence=read_sequence,
                              dwelling_units=dwelling_units)
