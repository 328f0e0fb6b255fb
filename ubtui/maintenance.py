"""Customer and account maintenance ("computer file maintenance"): the changes of details a
counter or phone representative makes after a payment.

* a customer's name, mailing address, language and contact preferences; phones and e-mails
  (the first of each is the primary);
* a customer's role on an account (owner, tenant, billing) from a date, and its end;
* premise notes (info codes and the account's flags are in ``ubtui.accounts``);
* duplicate customers (same name and a phone or e-mail in common) found and merged, with a
  supervisor's approval;
* the account's change history, read back from the audit trail.

Each change function takes the acting user, checks the permission itself, validates every
field (an ``InputError`` names it, nothing is written), and writes one audit row with the
before and after of what changed.  The search indexes follow by themselves: a name is
searched by ``customer.search_name`` (kept by the SQLite FTS triggers and the PostgreSQL
trigram index of migration 0002), phones and e-mails by their B-tree indexes.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass

from models import Account, AccountCustomer, AuditLog, Customer, Email, Phone, Premise, User
from models.customers import ACCOUNT_ROLES, BILL_DELIVERY, CONTACT_BY, SERVICE_ENDED

from . import audit, clock
from .accounts import Party, account_parties, fold
from .dates import db_date, local_time
from .db import in_list, select, transaction
from .errors import Conflict, InputError, NotFound
from .security import require
from .text import counted
from .validators import (
    PHONE_KINDS,
    check_choice,
    check_email,
    check_language,
    check_phone,
    check_state,
    check_zip,
    clean_text,
)

MAX_PHONES = 4
MAX_EMAILS = 3
MAX_NOTES = 1000


# --- reading a customer --------------------------------------------------------------------------
@dataclass(frozen=True)
class PhoneRow:
    kind: str
    digits: str
    primary: bool


@dataclass(frozen=True)
class CustomerDetails:
    customer_id: int
    kind: str
    first_name: str
    last_name: str
    display_name: str
    mail_line1: str
    mail_line2: str
    mail_city: str
    mail_state: str
    mail_zip: str
    language: str
    contact_by: str
    bill_delivery: str
    phones: list[PhoneRow]
    emails: list[str]  # primary first
    merged_into: int | None


def _customer(customer_id: int) -> Customer:
    c = Customer.get_or_none(Customer.id == customer_id)
    if c is None:
        raise NotFound(f"no customer {customer_id}")
    return c


def _live_customer(customer_id: int) -> Customer:
    c = _customer(customer_id)
    if c.merged_into_id is not None:
        raise Conflict(f"customer {customer_id} was merged into customer {c.merged_into_id}; change that one")
    return c


def _phones(customer_id: int) -> list[PhoneRow]:
    return [PhoneRow(p.kind, p.digits, p.is_primary) for p in
            Phone.select().where(Phone.customer == customer_id).order_by(Phone.is_primary.desc(), Phone.id)]


def _emails(customer_id: int) -> list[str]:
    return [e.address for e in
            Email.select().where(Email.customer == customer_id).order_by(Email.is_primary.desc(), Email.id)]


def customer_details(user: User, customer_id: int) -> CustomerDetails:
    require(user, "account.view")
    c = _customer(customer_id)
    return CustomerDetails(c.id, c.kind, c.first_name, c.last_name, c.display_name, c.mail_line1, c.mail_line2,
                           c.mail_city, c.mail_state, c.mail_zip, c.language, c.contact_by, c.bill_delivery,
                           _phones(c.id), _emails(c.id), c.merged_into_id)


def account_customers(user: User, account_id: int, on_date: _dt.date | None = None) -> list[tuple[Party, CustomerDetails]]:
    """The account's roles that have not ended by ``on_date`` (today), each with its customer's
    details: what the maintenance forms choose from."""
    require(user, "account.view")
    day = on_date or clock.today()
    if Account.get_or_none(Account.id == account_id) is None:
        raise NotFound(f"no account id {account_id}")
    return [(p, customer_details(user, p.customer_id)) for p in account_parties(account_id)
            if p.end_date is None or p.end_date >= day]


def customers_at_address(user: User, account_id: int, limit: int = 50) -> list[tuple[int, str]]:
    """(customer id, "name: role on account N") of everyone who has had a role on an account at
    this account's service address, latest first: the owner or a returning tenant to add."""
    require(user, "account.view")
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        raise NotFound(f"no account id {account_id}")
    from .accounts import format_account_number

    q = (AccountCustomer.select(AccountCustomer, Customer, Account).join(Customer)
         .join_from(AccountCustomer, Account)
         .where((Account.premise == acct.premise_id) & Customer.merged_into.is_null())
         .order_by(AccountCustomer.id.desc()).limit(limit))
    out: dict[int, str] = {}
    for ac in q:
        out.setdefault(ac.customer.id, f"{ac.customer.display_name}: {ac.role} on {format_account_number(ac.account.number)}")
    return list(out.items())


# --- changing a customer -------------------------------------------------------------------------
NAME_FIELDS = {"first_name": ("First name", 40), "last_name": ("Last name", 60)}
MAIL_FIELDS = {"mail_line1": ("Mail line 1", 80), "mail_line2": ("Mail line 2", 80), "mail_city": ("City", 40)}


def _display_name(kind: str, first: str, last: str) -> str:
    return f"{last}, {first}" if kind == "person" and first else last


def update_customer(actor: User, customer_id: int, **changes) -> Customer:
    """Change any of: first_name, last_name, mail_line1, mail_line2, mail_city, mail_state,
    mail_zip, language, contact_by, bill_delivery.  A name change moves the display and
    search names with it (the search finds the new name at once)."""
    require(actor, "account.edit")
    allowed = set(NAME_FIELDS) | set(MAIL_FIELDS) | {"mail_state", "mail_zip", "language", "contact_by",
                                                     "bill_delivery"}
    bad = sorted(set(changes) - allowed)
    if bad:
        raise InputError(bad[0].replace("_", " ").capitalize(), "cannot be changed here")
    values: dict = {}
    for name, value in changes.items():
        if name in NAME_FIELDS:
            label, size = NAME_FIELDS[name]
            values[name] = clean_text(value, label, size)
        elif name in MAIL_FIELDS:
            label, size = MAIL_FIELDS[name]
            values[name] = clean_text(value, label, size)
        elif name == "mail_state":
            values[name] = check_state(value)
        elif name == "mail_zip":
            values[name] = check_zip(value)
        elif name == "language":
            values[name] = check_language(value)
        elif name == "contact_by":
            values[name] = check_choice(value, "Contact by", CONTACT_BY, empty=True)
        else:
            values[name] = check_choice(value, "Bills by", BILL_DELIVERY)
    with transaction():
        before = _live_customer(customer_id)
        if "last_name" in values and not values["last_name"]:
            raise InputError("Last name" if before.kind == "person" else "Name", "must not be empty")
        if values.get("bill_delivery") == "email" and not Email.select().where(Email.customer == customer_id).exists():
            raise InputError("Bills by", "the customer has no e-mail address; add one first")
        first = values.get("first_name", before.first_name)
        last = values.get("last_name", before.last_name)
        values["display_name"] = _display_name(before.kind, first, last)
        values["search_name"] = fold(f"{first} {last}")
        changed = {k: v for k, v in values.items() if getattr(before, k) != v}
        if not changed:
            return before
        Customer.update(**changed).where(Customer.id == customer_id).execute()
        after = Customer.get_by_id(customer_id)
        shown = [k for k in changed if k != "search_name"]
        audit.record(actor, "customer.update", "customer", customer_id, before={k: getattr(before, k) for k in shown},
                     after={k: getattr(after, k) for k in shown}, detail=before.display_name)
    return after


def _phone_text(kind: str, digits: str) -> str:
    from .inquiry import format_phone

    return f"{format_phone(digits)} {kind}"


def set_phones(actor: User, customer_id: int, phones: list[tuple[str, str]]) -> list[PhoneRow]:
    """The customer's phones as (kind, number), the primary first; replaces the list."""
    require(actor, "account.edit")
    if len(phones) > MAX_PHONES:
        raise InputError(f"Phone {MAX_PHONES + 1}", f"at most {MAX_PHONES} phones")
    rows: list[PhoneRow] = []
    for i, (kind, number) in enumerate(phones, 1):
        field = f"Phone {i}"
        digits = check_phone(number, field)
        kind = check_choice(kind or "home", field, PHONE_KINDS)
        if any(r.digits == digits for r in rows):
            raise InputError(field, "the same number is listed twice")
        rows.append(PhoneRow(kind, digits, i == 1))
    with transaction():
        c = _live_customer(customer_id)
        before = _phones(customer_id)
        if before == rows:
            return rows
        Phone.delete().where(Phone.customer == customer_id).execute()
        for r in rows:
            Phone.create(customer=customer_id, kind=r.kind, digits=r.digits, is_primary=r.primary)
        audit.record(actor, "customer.phones", "customer", customer_id,
                     before={"phones": ", ".join(_phone_text(r.kind, r.digits) for r in before)},
                     after={"phones": ", ".join(_phone_text(r.kind, r.digits) for r in rows)}, detail=c.display_name)
    return rows


def set_emails(actor: User, customer_id: int, addresses: list[str]) -> list[str]:
    """The customer's e-mail addresses, the primary first; replaces the list."""
    require(actor, "account.edit")
    if len(addresses) > MAX_EMAILS:
        raise InputError(f"E-mail {MAX_EMAILS + 1}", f"at most {MAX_EMAILS} addresses")
    rows: list[str] = []
    for i, text in enumerate(addresses, 1):
        address = check_email(text, f"E-mail {i}")
        if address in rows:
            raise InputError(f"E-mail {i}", "the same address is listed twice")
        rows.append(address)
    with transaction():
        c = _live_customer(customer_id)
        before = _emails(customer_id)
        if before == rows:
            return rows
        if not rows and c.bill_delivery == "email":
            raise InputError("E-mail 1", "bills go by e-mail: keep an address or send bills by mail first")
        Email.delete().where(Email.customer == customer_id).execute()
        for i, address in enumerate(rows):
            Email.create(customer=customer_id, address=address, is_primary=(i == 0))
        audit.record(actor, "customer.emails", "customer", customer_id, before={"e-mails": ", ".join(before)},
                     after={"e-mails": ", ".join(rows)}, detail=c.display_name)
    return rows


def set_phones_and_emails(actor: User, customer_id: int, phones: list[tuple[str, str]],
                          addresses: list[str]) -> tuple[list[PhoneRow], list[str]]:
    """Both lists in one transaction (the phones-and-e-mails form): all saved or none."""
    with transaction():
        return set_phones(actor, customer_id, phones), set_emails(actor, customer_id, addresses)


# --- roles on an account -------------------------------------------------------------------------
@dataclass(frozen=True)
class NewCustomer:
    """A customer to create while adding the role (someone not on file yet)."""

    last_name: str
    first_name: str = ""
    phone: str = ""
    email: str = ""
    kind: str = "person"


def _create_customer(actor: User, new: NewCustomer) -> Customer:
    last = clean_text(new.last_name, "Last name", 60, required=True)
    first = clean_text(new.first_name, "First name", 40)
    phone = check_phone(new.phone, "Phone") if (new.phone or "").strip() else ""
    email = check_email(new.email) if (new.email or "").strip() else ""
    c = Customer.create(kind=new.kind, first_name=first, last_name=last, display_name=_display_name(new.kind, first, last),
                        search_name=fold(f"{first} {last}"))
    if phone:
        Phone.create(customer=c, kind="home", digits=phone, is_primary=True)
    if email:
        Email.create(customer=c, address=email, is_primary=True)
    audit.record(actor, "customer.create", "customer", c.id,
                 after={"name": c.display_name, "phones": phone, "e-mails": email})
    return c


def add_role(actor: User, account_id: int, role: str, start_date: _dt.date, *, customer_id: int | None = None,
             new_customer: NewCustomer | None = None, allow_duplicate: bool = False) -> Party:
    """Put a customer (on file, or a new one) on the account in ``role`` from ``start_date``;
    the customer of record follows the dates (``ubtui.accounts.customer_of_record``).  A new
    customer of the same name and phone as one on file is refused (the Customer field names
    the one to use) unless ``allow_duplicate``: a duplicate is not made at the counter."""
    require(actor, "account.edit")
    if role not in ACCOUNT_ROLES:
        raise InputError("Role", f"must be one of {', '.join(ACCOUNT_ROLES)}")
    if not isinstance(start_date, _dt.date):
        raise InputError("From", "type a date YYYY-MM-DD")
    if (customer_id is None) == (new_customer is None):
        raise InputError("Customer", "name a customer on file or a new one")
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        if acct.status in SERVICE_ENDED:
            raise Conflict(f"the account is {acct.status.replace('_', ' ')}; start service for a new customer instead")
        if customer_id is not None:
            cust = _live_customer(customer_id)
            for p in account_parties(account_id):
                if p.customer_id == cust.id and p.role == role and (p.end_date is None or p.end_date >= start_date):
                    raise Conflict(f"{cust.display_name} is already the {role} on this account"
                                   + (f" until {p.end_date}" if p.end_date else ""))
        else:
            assert new_customer is not None  # one of the two, checked above
            from .accounts import duplicate_customers

            same = [] if allow_duplicate else duplicate_customers(new_customer.last_name, new_customer.first_name,
                                                                  [("home", new_customer.phone)])
            if same:
                raise InputError("Customer", f"customer {same[0].id} {same[0].display_name} has the same name and "
                                             f"phone: type {same[0].id} here to add that one")
            cust = _create_customer(actor, new_customer)
        link = AccountCustomer.create(account=account_id, customer=cust.id, role=role, start_date=start_date)
        audit.record(actor, "account.role_add", "account", account_id,
                     after={"customer": cust.display_name, "role": role, "from": start_date},
                     detail=f"customer {cust.id}")
    return Party(link.id, cust.id, cust.display_name, role, start_date, None)


def end_role(actor: User, account_id: int, link_id: int, end_date: _dt.date) -> Party:
    """End a customer's role on the account; ``end_date`` is its last day.  An account with
    service must keep a customer after it: add the next one first.  An end date not passed
    yet may be moved (a move-out date typed wrong, or put off); one passed stays."""
    require(actor, "account.edit")
    if not isinstance(end_date, _dt.date):
        raise InputError("Last day", "type a date YYYY-MM-DD")
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        parties = account_parties(account_id, include_merged=True)
        party = next((p for p in parties if p.link_id == link_id), None)
        if party is None:
            raise NotFound(f"no such role on account {acct.number}")
        if party.end_date is not None and party.end_date < clock.today():
            raise Conflict(f"{party.name}'s {party.role} role already ended on {party.end_date}")
        if party.start_date and end_date < party.start_date:
            raise InputError("Last day", f"before the role started ({party.start_date})")
        after_day = end_date + _dt.timedelta(days=1)
        others = [p for p in account_parties(account_id)
                  if p.link_id != link_id and (p.end_date is None or p.end_date >= after_day)]
        if acct.status in ("pending", "active", "disconnected") and not others:
            raise Conflict(f"the account would have no customer after {end_date}; add the next customer first")
        AccountCustomer.update(end_date=end_date).where(AccountCustomer.id == link_id).execute()
        audit.record(actor, "account.role_end", "account", account_id,
                     before={"customer": party.name, "role": party.role, "until": party.end_date},
                     after={"customer": party.name, "role": party.role, "until": end_date},
                     detail=f"customer {party.customer_id}")
    return Party(party.link_id, party.customer_id, party.name, party.role, party.start_date, end_date)


# --- the premise ---------------------------------------------------------------------------------
def set_premise_notes(actor: User, account_id: int, notes: str) -> Premise:
    """The notes of the account's service address (gate codes, where the meter is...): clerks."""
    require(actor, "account.edit")
    text = clean_text(notes, "Premise notes", MAX_NOTES)
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        before = Premise.get_by_id(acct.premise_id)
        if before.notes == text:
            return before
        Premise.update(notes=text).where(Premise.id == before.id).execute()
        audit.record(actor, "premise.notes", "premise", before.id, before={"notes": before.notes},
                     after={"notes": text})
    return Premise.get_by_id(before.id)


def set_codes_and_notes(actor: User, account_id: int, codes: str, notes: str) -> None:
    """The account's info codes and its premise's notes in one transaction (one form)."""
    from .accounts import set_info_codes

    with transaction():
        set_info_codes(actor, account_id, codes)
        set_premise_notes(actor, account_id, notes)


# --- duplicates and merging ----------------------------------------------------------------------
@dataclass(frozen=True)
class Duplicate:
    keep_id: int  # the older record: the suggested survivor
    keep_name: str
    merge_id: int
    merge_name: str
    shared: str  # what they have in common: "phone (541) 555-0100" or "e-mail a@b.org"


def find_duplicates(user: User, *, account_id: int | None = None, limit: int = 100) -> list[Duplicate]:
    """Pairs of customer records of the same name (folded) with a phone or an e-mail in
    common, neither merged yet; of one account's customers, or of the whole district."""
    require(user, "account.view")
    only, other, params = "", ">", []
    if account_id is not None:  # from this account's customers (an index lookup each), to any other
        ids = [p.customer_id for p in account_parties(account_id)]
        if not ids:
            return []
        only, other, params = f" AND a.id IN {in_list(ids)}", "<>", ids
    shared_sql = ("SELECT a.id, b.id, {what} FROM customer a JOIN customer b "
                  f"ON b.search_name = a.search_name AND b.id {other} a.id "
                  "JOIN {table} x ON x.customer_id = a.id JOIN {table} y ON y.customer_id = b.id AND y.{col} = x.{col} "
                  "WHERE a.merged_into_id IS NULL AND b.merged_into_id IS NULL" + only)
    rows = select(shared_sql.format(what="'phone', x.digits", table="phone", col="digits")
                  + " UNION " + shared_sql.format(what="'email', x.address", table="email", col="address")
                  + " LIMIT ?", params + params + [limit * 4])
    rows = sorted((min(a, b), max(a, b), kind, value) for a, b, kind, value in rows)
    from .inquiry import format_phone

    found: dict[tuple[int, int], str] = {}
    for a, b, kind, value in rows:
        what = f"phone {format_phone(value)}" if kind == "phone" else f"e-mail {value}"
        found.setdefault((a, b), what)
    names = {c.id: c.display_name for c in
             Customer.select(Customer.id, Customer.display_name).where(Customer.id.in_({i for k in found for i in k}))}
    return [Duplicate(a, names[a], b, names[b], what) for (a, b), what in list(found.items())[:limit]]


@dataclass(frozen=True)
class MergeResult:
    keep_id: int
    merge_id: int
    roles_moved: int
    phones_moved: int
    emails_moved: int
    roles_kept: int  # roles the survivor already held (left on the merged record, for history)

    def moved(self) -> str:
        """"1 role, 2 phones, 0 e-mails": what the merge moved (the screen's and the CLI's line)."""
        return moved_text(self.roles_moved, self.phones_moved, self.emails_moved)


def moved_text(roles: int, phones: int, emails: int) -> str:
    """A merge's moved roles, phones and e-mails, counted (the result and the history's line)."""
    return f"{counted(roles, 'role')}, {counted(phones, 'phone')}, {counted(emails, 'e-mail')}"


def merge_customers(actor: User, keep_id: int, merge_id: int, *, approver: User) -> MergeResult:
    """Merge the duplicate record ``merge_id`` into ``keep_id``: the survivor takes every
    account role, phone and e-mail of the other (and its mailing address if it had none);
    the other is marked merged into it.  Nothing is deleted: a role the survivor already
    holds (same account, role and start) stays on the merged record.  A clerk asks, a
    supervisor approves (``approver``, checked with ``security.approve`` at the terminal)."""
    require(actor, "account.edit")
    require(approver, "customer.merge")
    if keep_id == merge_id:
        raise InputError("Merge", "a customer cannot be merged into itself")
    with transaction():
        keep = _live_customer(keep_id)
        dup = _live_customer(merge_id)
        held = {(ac.account_id, ac.role, db_date(ac.start_date)) for ac in
                AccountCustomer.select().where(AccountCustomer.customer == keep_id)}
        moved_roles: list[int] = []
        kept_roles: list[int] = []
        for ac in AccountCustomer.select().where(AccountCustomer.customer == merge_id).order_by(AccountCustomer.id):
            (kept_roles if (ac.account_id, ac.role, db_date(ac.start_date)) in held else moved_roles).append(ac.id)
        if moved_roles:
            AccountCustomer.update(customer=keep_id).where(AccountCustomer.id.in_(moved_roles)).execute()
        keep_digits = {r.digits for r in _phones(keep_id)}
        phones = [p.id for p in Phone.select().where(Phone.customer == merge_id) if p.digits not in keep_digits]
        if phones:
            Phone.update(customer=keep_id, is_primary=False).where(Phone.id.in_(phones)).execute()
        keep_mail = set(_emails(keep_id))
        emails = [e.id for e in Email.select().where(Email.customer == merge_id) if e.address not in keep_mail]
        if emails:
            Email.update(customer=keep_id, is_primary=False).where(Email.id.in_(emails)).execute()
        for model, ids in ((Phone, phones), (Email, emails)):  # a survivor without one gets a primary
            if ids and not model.select().where((model.customer == keep_id) & model.is_primary).exists():
                model.update(is_primary=True).where(model.id == ids[0]).execute()
        mail = {k: getattr(dup, k) for k in ("mail_line1", "mail_line2", "mail_city", "mail_state", "mail_zip")}
        if not keep.mail_line1 and dup.mail_line1:
            Customer.update(**mail).where(Customer.id == keep_id).execute()
        Customer.update(merged_into=keep_id).where(Customer.id == merge_id).execute()
        moved = {"roles": moved_roles, "phones": phones, "emails": emails, "approved_by": approver.username}
        audit.record(actor, "customer.merge", "customer", keep_id, before=None,
                     after={"merged": f"customer {merge_id} ({dup.display_name})", **moved},
                     detail=f"approved by {approver.username}")
        audit.record(actor, "customer.merged", "customer", merge_id, before={"merged_into": None},
                     after={"merged_into": keep_id}, detail=f"approved by {approver.username}")
    return MergeResult(keep_id, merge_id, len(moved_roles), len(phones), len(emails), len(kept_roles))


# --- the account's change history ----------------------------------------------------------------
@dataclass(frozen=True)
class ChangeRow:
    at: _dt.datetime  # local time
    user: str
    action: str
    what: str  # "phones: (541) 555-0100 home -> (541) 555-0199 mobile"
    detail: str


HIDDEN = {"account.export"}  # audit rows about the account that change nothing
SKIP_KEYS = {"id", "created_at", "search_name", "password_hash", "first_name", "last_name"}  # the name shows whole
LABELS = {"display_name": "name", "mail_line1": "mail line 1", "mail_line2": "mail line 2", "mail_city": "city",
          "mail_state": "state", "mail_zip": "ZIP", "bill_delivery": "bills by"}


def _value(v) -> str:
    if v is None or v == "":
        return "(none)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) or "(none)"
    return str(v)


def describe(before_json: str | None, after_json: str | None) -> str:
    """The audit row's before/after as one line: ``key: old -> new; ...`` (only what changed)."""
    before = json.loads(before_json) if before_json else {}
    after = json.loads(after_json) if after_json else {}
    if not before:
        return "; ".join(f"{k}: {_value(v)}" for k, v in after.items() if k not in SKIP_KEYS and v not in ("", None))
    parts = []
    for k in list(after) + [k for k in before if k not in after]:
        if k in SKIP_KEYS or before.get(k) == after.get(k):
            continue
        parts.append(f"{LABELS.get(k, k.replace('_', ' '))}: {_value(before.get(k))} -> {_value(after.get(k))}")
    return "; ".join(parts)


def _created(action: str, after_json: str | None) -> str | None:
    """What a creation, role or merge row says in the history (one sentence, not every
    key of the row)."""
    after = json.loads(after_json) if after_json else {}
    if action == "account.role_add":
        return f"{after.get('customer', '')} added as {after.get('role', '')} from {after.get('from', '')}"
    if action == "account.role_end":
        return f"{after.get('customer', '')}: {after.get('role', '')} until {after.get('until', '')}"
    if action == "customer.merge":
        moved = moved_text(*(len(after.get(k) or []) for k in ("roles", "phones", "emails")))
        return f"{after.get('merged', '')} merged into this record: {moved} moved"
    if action == "customer.merged":
        return f"merged into customer {after.get('merged_into', '')}"
    if action == "account.create":
        return f"account opened, {after.get('status', '')}".rstrip(", ")
    if action == "customer.create":
        return f"customer added: {after.get('display_name') or after.get('name', '')}"
    if action == "premise.create":
        return "service address added: " + " ".join(str(after.get(k) or "") for k in ("house_number", "street", "unit")).strip()
    return None


def account_changes(user: User, account_id: int, limit: int = 200) -> list[ChangeRow]:
    """Who changed what on the account, its customers (all who were ever on it) and its
    service address, newest first: read back from the audit trail (by its partial indexes)."""
    require(user, "account.view")
    acct = Account.get_or_none(Account.id == account_id)
    if acct is None:
        raise NotFound(f"no account id {account_id}")
    customers = [str(p.customer_id) for p in account_parties(account_id, include_merged=True)]
    merged = [str(c.id) for c in Customer.select(Customer.id).where(Customer.merged_into.in_([int(i) for i in customers]))] if customers else []
    parts = [("account", [str(account_id)]), ("customer", customers + merged), ("premise", [str(acct.premise_id)])]
    ids: list[int] = []
    for entity, entity_ids in parts:
        if entity_ids:
            ids += [r[0] for r in select(f"SELECT id FROM audit_log WHERE entity = '{entity}' "
                                         f"AND entity_id IN {in_list(entity_ids)} ORDER BY id DESC LIMIT ?",
                                         entity_ids + [limit])]
    ids = sorted(set(ids), reverse=True)[:limit]
    if not ids:
        return []
    rows = list(AuditLog.select().where(AuditLog.id.in_(ids)).order_by(AuditLog.id.desc()))
    names = {u.id: u.username for u in User.select(User.id, User.username)
             .where(User.id.in_({r.user_id for r in rows if r.user_id}))}
    # whose details a customer row changed: an account may have several customers
    whose = {str(c.id): c.display_name for c in Customer.select(Customer.id, Customer.display_name)
             .where(Customer.id.in_({int(r.entity_id) for r in rows
                                     if r.entity == "customer" and str(r.entity_id).isdigit()}))}
    out = []
    for row in rows:
        if row.action in HIDDEN:
            continue
        what = _created(row.action, row.after) or describe(row.before, row.after)
        if row.entity == "customer" and row.action not in ("customer.create", "customer.merged"):
            what = f"{whose.get(str(row.entity_id), '?')}: {what}"
        detail = row.detail or ""
        if row.entity == "customer" and detail == whose.get(str(row.entity_id)):
            detail = ""  # the name the line starts with
        out.append(ChangeRow(local_time(row.at), names.get(row.user_id, ""), row.action, what, detail))
    return out
