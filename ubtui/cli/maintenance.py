"""``ubtui customer ...`` and ``ubtui account ...``: customer and account maintenance from the
command line (the same core functions as the account's action forms; the system user acts,
every change audited).  Bad input: one line naming the field, exit 2."""
from __future__ import annotations

import argparse

from ubtui.errors import InputError
from ubtui.text import counted


def _yes_no(text: str) -> bool:
    t = text.strip().lower()
    if t in ("y", "yes", "on", "true"):
        return True
    if t in ("n", "no", "off", "false"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r}: type yes or no")


def add_cli(sub) -> None:
    p = sub.add_parser("customer", help="customer details, roles on accounts, duplicates and merges")
    c = p.add_subparsers(dest="customer_cmd", required=True)
    s = c.add_parser("show", help="an account's customers, their details and the customer of record")
    s.add_argument("account")
    s.set_defaults(func=cmd_show)
    e = c.add_parser("edit", help="change a customer's name, mailing address, language, contact preferences")
    e.add_argument("customer", type=int, help="customer number (ubtui customer show ACCOUNT lists them)")
    for opt in ("first", "last", "line1", "line2", "city", "state", "zip", "language", "contact-by", "bills-by"):
        e.add_argument(f"--{opt}")
    e.set_defaults(func=cmd_edit)
    ph = c.add_parser("phones", help="replace a customer's phones: KIND:NUMBER ..., the primary first")
    ph.add_argument("customer", type=int)
    ph.add_argument("phones", nargs="*", metavar="KIND:NUMBER", help="e.g. mobile:541-555-0100 (none: no phone)")
    ph.set_defaults(func=cmd_phones)
    em = c.add_parser("emails", help="replace a customer's e-mail addresses, the primary first")
    em.add_argument("customer", type=int)
    em.add_argument("emails", nargs="*")
    em.set_defaults(func=cmd_emails)
    ar = c.add_parser("add-role", help="put a customer on an account in a role from a date")
    ar.add_argument("account")
    ar.add_argument("--role", required=True, help="owner, tenant or billing")
    ar.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    ar.add_argument("--customer", type=int, help="a customer on file; or give --last (and --first, --phone, --email)")
    for opt in ("last", "first", "phone", "email"):
        ar.add_argument(f"--{opt}", default="")
    ar.add_argument("--another-person", action="store_true",
                    help="a new customer of the same name and phone as one on file is someone else")
    ar.set_defaults(func=cmd_add_role)
    er = c.add_parser("end-role", help="end a customer's role on an account (the last day)")
    er.add_argument("account")
    er.add_argument("--customer", type=int, required=True)
    er.add_argument("--role", required=True)
    er.add_argument("--last-day", required=True, help="YYYY-MM-DD")
    er.set_defaults(func=cmd_end_role)
    du = c.add_parser("duplicates", help="customers of the same name with a phone or e-mail in common")
    du.add_argument("--account", help="only this account's customers")
    du.set_defaults(func=cmd_duplicates)
    me = c.add_parser("merge", help="merge customer MERGE into KEEP (nothing deleted)")
    me.add_argument("keep", type=int)
    me.add_argument("merge", type=int)
    me.set_defaults(func=cmd_merge)
    ch = c.add_parser("changes", help="an account's change history: who, when, what")
    ch.add_argument("account")
    ch.set_defaults(func=cmd_changes)

    a = sub.add_parser("account", help="account flags, protections, status, info codes, premise notes")
    s = a.add_subparsers(dest="account_cmd", required=True)
    f = s.add_parser("flags", help="cash only / no checks (with a reason)")
    f.add_argument("account")
    f.add_argument("--cash-only", type=_yes_no)
    f.add_argument("--no-checks", type=_yes_no)
    f.add_argument("--reason", required=True)
    f.set_defaults(func=cmd_flags)
    pr = s.add_parser("protect", help="medical certificate / do not disconnect (with a reason)")
    pr.add_argument("account")
    pr.add_argument("--medical", type=_yes_no)
    pr.add_argument("--do-not-disconnect", type=_yes_no)
    pr.add_argument("--reason", required=True)
    pr.set_defaults(func=cmd_protect)
    st = s.add_parser("status", help="set the account status (with a reason)")
    st.add_argument("account")
    st.add_argument("status")
    st.add_argument("--reason", required=True)
    st.set_defaults(func=cmd_status)
    ic = s.add_parser("info-codes", help='set the info codes: "dog, locked gate"')
    ic.add_argument("account")
    ic.add_argument("codes")
    ic.set_defaults(func=cmd_info_codes)
    no = s.add_parser("notes", help="set the notes of the account's service address")
    no.add_argument("account")
    no.add_argument("notes")
    no.set_defaults(func=cmd_notes)


def _setup(args):
    from ubtui.cli.support import actor, connect
    connect(args)
    return actor()


def _account_id(text: str) -> int:
    from ubtui.accounts import get_account
    return get_account(text).id


def _date(text: str, field: str):
    from ubtui.dates import parse_date
    return parse_date(text, field)


def cmd_show(args) -> int:
    from ubtui import maintenance as mt
    from ubtui.accounts import customer_of_record
    from ubtui.inquiry import format_phone
    user = _setup(args)
    aid = _account_id(args.account)
    record = customer_of_record(aid)
    for party, d in mt.account_customers(user, aid):
        mark = "*" if record and party.link_id == record.link_id else " "
        until = f" until {party.end_date}" if party.end_date else ""
        print(f"{mark} customer {d.customer_id}: {d.display_name} ({party.role} from {party.start_date}{until})")
        mail = ", ".join(x for x in (d.mail_line1, d.mail_line2, d.mail_city, d.mail_state, d.mail_zip) if x)
        print(f"    mail: {mail or '(service address)'}  language: {d.language}  contact by: "
              f"{d.contact_by or '-'}  bills by: {d.bill_delivery}")
        print("    phones: " + (", ".join(f"{format_phone(p.digits)} {p.kind}" for p in d.phones) or "-"))
        print("    e-mails: " + (", ".join(d.emails) or "-"))
    print("* customer of record today")
    return 0


EDIT_OPTIONS = {"first": "first_name", "last": "last_name", "line1": "mail_line1", "line2": "mail_line2",
                "city": "mail_city", "state": "mail_state", "zip": "mail_zip", "language": "language",
                "contact_by": "contact_by", "bills_by": "bill_delivery"}


def cmd_edit(args) -> int:
    from ubtui import maintenance as mt
    changes = {field: getattr(args, opt) for opt, field in EDIT_OPTIONS.items() if getattr(args, opt) is not None}
    if not changes:
        raise InputError("Edit", "give at least one of --" + ", --".join(o.replace("_", "-") for o in EDIT_OPTIONS))
    user = _setup(args)
    c = mt.update_customer(user, args.customer, **changes)
    print(f"customer {c.id}: {c.display_name} saved")
    return 0


def cmd_phones(args) -> int:
    from ubtui import maintenance as mt
    phones = []
    for i, text in enumerate(args.phones, 1):
        kind, sep, number = text.partition(":")
        if not sep:
            raise InputError(f"Phone {i}", f"{text!r}: write KIND:NUMBER, e.g. mobile:541-555-0100")
        phones.append((kind.strip(), number))
    user = _setup(args)
    rows = mt.set_phones(user, args.customer, phones)
    print(f"customer {args.customer}: {counted(len(rows), 'phone')} saved")
    return 0


def cmd_emails(args) -> int:
    from ubtui import maintenance as mt
    user = _setup(args)
    rows = mt.set_emails(user, args.customer, args.emails)
    print(f"customer {args.customer}: {len(rows)} e-mail address(es) saved")
    return 0


def cmd_add_role(args) -> int:
    from ubtui import maintenance as mt
    start = _date(args.start, "From")
    user = _setup(args)
    new = None if args.customer else mt.NewCustomer(args.last, args.first, args.phone, args.email)
    p = mt.add_role(user, _account_id(args.account), args.role, start, customer_id=args.customer, new_customer=new,
                    allow_duplicate=args.another_person)
    print(f"customer {p.customer_id} {p.name} is {p.role} from {p.start_date}")
    return 0


def cmd_end_role(args) -> int:
    from ubtui import maintenance as mt
    from ubtui.accounts import account_parties
    last = _date(args.last_day, "Last day")
    user = _setup(args)
    aid = _account_id(args.account)
    from ubtui import clock
    today = clock.today()
    links = [p for p in account_parties(aid, include_merged=True)  # open, or ending later (its day moves)
             if p.customer_id == args.customer and p.role == args.role and (p.end_date is None or p.end_date >= today)]
    if not links:
        raise InputError("Role", f"customer {args.customer} holds no open {args.role} role on {args.account}")
    p = mt.end_role(user, aid, links[-1].link_id, last)
    print(f"customer {p.customer_id} {p.name}: {p.role} until {p.end_date}")
    return 0


def cmd_duplicates(args) -> int:
    from ubtui import maintenance as mt
    user = _setup(args)
    found = mt.find_duplicates(user, account_id=_account_id(args.account) if args.account else None)
    for d in found:
        print(f"{d.keep_id}\t{d.merge_id}\t{d.keep_name}\t{d.shared}")
    print(f"{counted(len(found), 'pair')}; merge with: ubtui customer merge KEEP MERGE")
    return 0


def cmd_merge(args) -> int:
    from ubtui import maintenance as mt
    user = _setup(args)  # the system user acts and approves (a server-side batch)
    r = mt.merge_customers(user, args.keep, args.merge, approver=user)
    print(f"customer {r.merge_id} merged into {r.keep_id}: {r.moved()} moved")
    return 0


def cmd_changes(args) -> int:
    from ubtui import maintenance as mt
    user = _setup(args)
    for r in mt.account_changes(user, _account_id(args.account)):
        detail = f" ({r.detail})" if r.detail else ""
        print(f"{r.at:%Y-%m-%d %H:%M}\t{r.user}\t{r.action}\t{r.what}{detail}")
    return 0


def cmd_flags(args) -> int:
    from ubtui.accounts import set_payment_flags
    user = _setup(args)
    a = set_payment_flags(user, _account_id(args.account), cash_only=args.cash_only, no_checks=args.no_checks,
                          reason=args.reason)
    print(f"cash only: {'yes' if a.cash_only else 'no'}, no checks: {'yes' if a.no_checks else 'no'}")
    return 0


def cmd_protect(args) -> int:
    from ubtui.accounts import set_protections
    user = _setup(args)
    a = set_protections(user, _account_id(args.account), medical_certificate=args.medical,
                        do_not_disconnect=args.do_not_disconnect, reason=args.reason)
    print(f"medical certificate: {'yes' if a.medical_certificate else 'no'}, "
          f"do not disconnect: {'yes' if a.do_not_disconnect else 'no'}")
    return 0


def cmd_status(args) -> int:
    from ubtui.accounts import set_status
    user = _setup(args)
    a = set_status(user, _account_id(args.account), args.status.strip().lower(), reason=args.reason)
    print(f"status: {a.status}")
    return 0


def cmd_info_codes(args) -> int:
    from ubtui.accounts import set_info_codes
    user = _setup(args)
    a = set_info_codes(user, _account_id(args.account), args.codes)
    print(f"info codes: {a.info_codes or '(none)'}")
    return 0


def cmd_notes(args) -> int:
    from ubtui.maintenance import set_premise_notes
    user = _setup(args)
    set_premise_notes(user, _account_id(args.account), args.notes)
    print("premise notes saved")
    return 0
