"""``ubtui service ...``: a new customer, service address and meter, and starting and stopping
service, from the command line (the same core functions as the forms; the system user acts,
every change audited; what needs a supervisor's approval, a deposit over the fee schedule or
prior debt moved, names them with --approved-by and their password).  Bad input: one line
naming the field, exit 2."""
from __future__ import annotations

from ubtui.errors import InputError

from .support import add_approval_options, approver_password


def _setup(args):
    from ubtui.cli.support import actor, connect
    connect(args)
    return actor()


def _date(text: str, field: str):
    from ubtui.dates import parse_date
    day = parse_date(text, field)
    if day is None:
        raise InputError(field, "type a date YYYY-MM-DD")
    return day


def _whole(text: str, field: str) -> int:
    t = (text or "").strip()
    if not t.isdigit():
        raise InputError(field, f"{t!r} is not a whole number")
    return int(t)


def _phones(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for i, item in enumerate(items, 1):
        kind, sep, number = item.partition(":")
        if not sep:
            raise InputError(f"Phone {i}", f"{item!r}: write KIND:NUMBER (mobile:541-555-0100)")
        out.append((kind.strip().lower() or "home", number))
    return out


def add_cli(sub) -> None:
    p = sub.add_parser("service", help="new customers, addresses and meters; start and stop service")
    s = p.add_subparsers(dest="service_cmd", required=True)
    c = s.add_parser("new-customer", help="a customer (refused if one of the same name and phone is on file)")
    c.add_argument("--last", required=True)
    for opt in ("first", "line1", "line2", "city", "state", "zip", "language"):
        c.add_argument(f"--{opt}", default="")
    c.add_argument("--business", action="store_true", help="a business: --last is its name")
    c.add_argument("--phone", action="append", default=[], metavar="KIND:NUMBER")
    c.add_argument("--email", action="append", default=[])
    c.add_argument("--another-person", action="store_true", help="create it although the name and phone match")
    c.set_defaults(func=cmd_new_customer)
    pr = s.add_parser("new-premise", help="a service address (refused if the address is on file)")
    pr.add_argument("--street", required=True)
    for opt in ("house", "unit", "city", "state", "zip", "parcel", "route"):
        pr.add_argument(f"--{opt}", default="")
    pr.add_argument("--sequence", default="0", help="read sequence on the route")
    pr.add_argument("--units", default="1", help="dwelling units")
    pr.add_argument("--another-address", action="store_true")
    pr.set_defaults(func=cmd_new_premise)
    m = s.add_parser("new-meter", help="set a meter at a service address with its first read")
    m.add_argument("premise", help="premise number (new-premise prints it)")
    m.add_argument("--serial", required=True)
    m.add_argument("--on", required=True, help="YYYY-MM-DD")
    m.add_argument("--read", default="0")
    m.add_argument("--size", default='5/8"')
    m.add_argument("--dials", default="6")
    m.add_argument("--unit", default="HCF")
    m.add_argument("--multiplier", default="1")
    m.add_argument("--make", default="")
    m.set_defaults(func=cmd_new_meter)
    st = s.add_parser("start", help="open an account at an address for a customer and order the turn-on")
    st.add_argument("--premise", required=True)
    st.add_argument("--customer", required=True)
    st.add_argument("--role", default="tenant")
    st.add_argument("--class", dest="account_class", default="residential")
    st.add_argument("--rate", default="", help="rate code (default: the class's)")
    st.add_argument("--cycle", default="1")
    st.add_argument("--turn-on", default="", help="YYYY-MM-DD (default today)")
    st.add_argument("--deposit", default="",
                    help="amount (default: the fee schedule's for the class; more needs --approved-by)")
    st.add_argument("--transfer-debt", action="store_true",
                    help="move the customer's prior debt (needs --approved-by)")
    _install_options(st)
    _temporary_and_waiver(st)
    st.set_defaults(func=cmd_start)
    sp = s.add_parser("stop", help="order the final read and turn-off; the forwarding address becomes the mail address")
    sp.add_argument("account")
    sp.add_argument("--on", required=True, help="YYYY-MM-DD")
    for opt in ("line1", "city", "state", "zip"):
        sp.add_argument(f"--{opt}", default="")
    sp.set_defaults(func=cmd_stop)
    ed = s.add_parser("end-date", help="a temporary (construction) service's new last day; its stop moves with it")
    ed.add_argument("account")
    ed.add_argument("--on", required=True, help="the new last day, YYYY-MM-DD")
    ed.add_argument("--reason", default="", help="why (permit extended, job done early)")
    ed.set_defaults(func=cmd_end_date)
    mv = s.add_parser("move", help="stop service here (final read order) and start it at another address, "
                                   "for the same customer; a credit after the final bill goes to the new account")
    mv.add_argument("account", help="the account service stops on")
    mv.add_argument("--premise", required=True, help="the new address's premise number")
    mv.add_argument("--on", required=True, help="last day at the old address, YYYY-MM-DD")
    mv.add_argument("--start-on", default="", help="first day at the new address (default: --on)")
    mv.add_argument("--class", dest="account_class", default="", help="default: the old account's")
    mv.add_argument("--rate", default="")
    mv.add_argument("--cycle", default="")
    mv.add_argument("--deposit", default="", help="amount (default: the fee schedule's)")
    _install_options(mv)
    _temporary_and_waiver(mv)
    mv.set_defaults(func=cmd_move)
    cr = s.add_parser("credits", help="final-billed accounts left with a credit (refund or transfer them)")
    cr.set_defaults(func=cmd_credits)
    sc = s.add_parser("settle-credit", help="after the final bill: refund the credit or transfer it")
    sc.add_argument("account")
    how = sc.add_mutually_exclusive_group(required=True)
    how.add_argument("--refund", action="store_true")
    how.add_argument("--transfer", action="store_true", help="to --to, or the account the customer moved to")
    sc.add_argument("--to", default="", help="the account the credit goes to")
    sc.add_argument("--reason", required=True)
    sc.set_defaults(func=cmd_settle_credit)


def _temporary_and_waiver(p) -> None:
    p.add_argument("--ends", default="", help="temporary (construction) service: last day, YYYY-MM-DD")
    p.add_argument("--waive-reason", default="", help="a deposit under the schedule: why it is waived")
    add_approval_options(p)  # the supervisor approving a waiver, or a deposit over the schedule


def _waiver(args, password: str):
    """The waiver of ``--waive-reason`` and ``--approved-by`` (the approver's ``password`` from
    ``support.approver_password``: never an argument, it would show in the process list)."""
    from ubtui.fees import Waiver
    if not args.waive_reason:
        return None
    if not args.approved_by:
        raise InputError("Approved by", "name the supervisor approving the waiver (--approved-by)")
    return Waiver(args.waive_reason, args.approved_by, password)


def cmd_new_customer(args) -> int:
    from ubtui.accounts import new_customer
    user = _setup(args)
    c = new_customer(user, last_name=args.last, first_name=args.first, kind="business" if args.business else "person",
                     phones=_phones(args.phone), emails=args.email, language=args.language or "en",
                     mail={k: getattr(args, k) for k in ("line1", "line2", "city", "state", "zip")},
                     allow_duplicate=args.another_person)
    print(f"customer {c.id} {c.display_name}")
    return 0


def cmd_new_premise(args) -> int:
    from ubtui.accounts import new_premise
    user = _setup(args)
    p = new_premise(user, house_number=args.house, street=args.street, unit=args.unit, city=args.city,
                    state=args.state, zip=args.zip, parcel_number=args.parcel, route=args.route,
                    read_sequence=_whole(args.sequence, "Read sequence"), dwelling_units=_whole(args.units, "Dwelling units"),
                    allow_duplicate=args.another_address)
    print(f"premise {p.id} {' '.join(x for x in (p.house_number, p.street, p.unit) if x)}")
    return 0


def cmd_new_meter(args) -> int:
    from ubtui.readings import new_meter
    on = _date(args.on, "Installed on")
    user = _setup(args)
    pid = _whole(args.premise, "Premise")
    m = new_meter(user, pid, serial=args.serial, on=on, reading=args.read, size=args.size, make=args.make,
                  dials=_whole(args.dials, "Dials"), unit=args.unit.upper(),
                  multiplier=_whole(args.multiplier, "Multiplier"))
    print(f"meter {m.serial} set at premise {pid} on {on}")
    return 0


def _install_options(p) -> None:
    p.add_argument("--meter-size", default="", help='an address without a meter: the size the new install sets '
                                                    '(default 5/8")')
    p.add_argument("--install-fee", default="", help="amount (default: the fee schedule's for the size; more needs "
                                                     "--approved-by)")


def _install_terms(args) -> dict:
    """``start_service``'s new-install arguments from the command line."""
    from ubtui.money import parse_amount
    return {"meter_size": args.meter_size or None,
            "install_fee_cents": parse_amount(args.install_fee, field="Install fee", allow_zero=True)
            if args.install_fee else None}


def cmd_start(args) -> int:
    from models import Customer, Premise
    from ubtui.accounts import format_account_number
    from ubtui.money import format_cents, parse_amount
    from ubtui.workorders import start_service
    turn_on = _date(args.turn_on, "Turn on") if args.turn_on else None
    ends_on = _date(args.ends, "End date") if args.ends else None
    deposit = parse_amount(args.deposit, field="Deposit", allow_zero=True) if args.deposit else None
    if args.transfer_debt and not args.approved_by:
        raise InputError("Approved by", "moving prior debt needs a supervisor: --approved-by USER")
    password = approver_password(args) if args.approved_by else ""
    waiver = _waiver(args, password)
    install = _install_terms(args)
    user = _setup(args)
    premise = Premise.get_or_none(Premise.id == _whole(args.premise, "Premise"))
    if premise is None:
        raise InputError("Premise", f"no premise {args.premise}")
    customer = Customer.get_or_none(Customer.id == _whole(args.customer, "Customer"))
    if customer is None:
        raise InputError("Customer", f"no customer {args.customer}")
    started = start_service(user, premise=premise, customer=customer, role=args.role,
                            account_class=args.account_class, rate_code=args.rate or None, cycle=args.cycle,
                            turn_on=turn_on, deposit_cents=deposit, debt="transfer" if args.transfer_debt else "refuse",
                            approver_username="" if waiver else args.approved_by,
                            approver_password="" if waiver else password, ends_on=ends_on, waiver=waiver, **install)
    print(f"account {format_account_number(started.account.number)} ({started.account.rate_code}) for "
          f"{customer.display_name}; {started.ordered()}; deposit {format_cents(started.deposit_cents)}"
          + (f" ({started.deposit_why})" if started.deposit_why else "")
          + (f"; {format_cents(started.transferred_cents)} prior debt moved" if started.transferred_cents else "")
          + (f"; stop {started.stop_order.number} on {started.stop_order.scheduled_on}" if started.stop_order else ""))
    return 0


def cmd_stop(args) -> int:
    from ubtui.accounts import get_account
    from ubtui.fieldwork import stop_service
    on = _date(args.on, "Stop on")
    user = _setup(args)
    acct = get_account(args.account)
    forwarding = {k: getattr(args, k) for k in ("line1", "city", "state", "zip") if getattr(args, k)}
    wo = stop_service(user, acct.id, stop_on=on, forwarding=forwarding or None)
    print(f"stop ordered: {wo.number} turn off on {wo.scheduled_on}")
    return 0


def cmd_end_date(args) -> int:
    from ubtui.accounts import get_account
    from ubtui.fieldwork import change_service_end
    on = _date(args.on, "End date")
    user = _setup(args)
    print(change_service_end(user, get_account(args.account).id, on, reason=args.reason).line())
    return 0


def cmd_move(args) -> int:
    from models import Premise
    from ubtui.accounts import format_account_number, get_account
    from ubtui.money import format_cents, parse_amount
    from ubtui.moves import move_service
    stop_on = _date(args.on, "Stop on")
    start_on = _date(args.start_on, "Start on") if args.start_on else None
    ends_on = _date(args.ends, "End date") if args.ends else None
    deposit = parse_amount(args.deposit, field="Deposit", allow_zero=True) if args.deposit else None
    waiver = _waiver(args, approver_password(args) if args.approved_by else "")
    install = _install_terms(args)
    user = _setup(args)
    acct = get_account(args.account)
    premise = Premise.get_or_none(Premise.id == _whole(args.premise, "Premise"))
    if premise is None:
        raise InputError("Premise", f"no premise {args.premise}")
    moved = move_service(user, acct.id, premise=premise, stop_on=stop_on, start_on=start_on,
                         account_class=args.account_class or None, rate_code=args.rate or None,
                         cycle=args.cycle or None, deposit_cents=deposit, ends_on=ends_on, waiver=waiver, **install)
    new = moved.started
    print(f"stop ordered: {moved.stop_order.number} on {moved.stop_order.scheduled_on}; new account "
          f"{format_account_number(new.account.number)} {new.ordered()}; "
          f"deposit {format_cents(new.deposit_cents)}")
    return 0


def cmd_credits(args) -> int:
    from ubtui.money import format_cents
    from ubtui.moves import final_credits
    user = _setup(args)
    rows = final_credits(user)
    for r in rows:
        print(f"{r.number}  credit {format_cents(r.credit_cents)}" + (f"  moved to {r.moved_to}" if r.moved_to else ""))
    print(f"{len(rows)} final-billed accounts with a credit")
    return 0


def cmd_settle_credit(args) -> int:
    from ubtui.money import format_cents
    from ubtui.moves import settle_final_credit
    user = _setup(args)
    how = "refund" if args.refund else "transfer"
    r = settle_final_credit(user, args.account, how, reason=args.reason, to_account=args.to or None)
    print(f"{r.how} of {format_cents(r.amount_cents)} posted" + (f" to {r.to_number}" if r.to_number else ""))
    return 0
