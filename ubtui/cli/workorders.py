"""``ubtui workorder ...``: the dispatcher's queue, assignment, field sheets and door tags,
completion with the field's results, and the proposals those results make (the same core
functions as the screens; the system user acts, every change audited).  Bad input: one line
naming the field, exit 2."""
from __future__ import annotations

from ubtui.errors import InputError
from ubtui.text import counted


def _setup(args):
    from ubtui.cli.support import actor, connect
    connect(args)
    return actor()


def _day(text: str | None, field: str, *, required: bool = True):
    from ubtui import clock
    from ubtui.dates import parse_date
    day = parse_date(text or "", field, today=clock.today())
    if day is None and required:
        raise InputError(field, "type a date YYYY-MM-DD or +days")
    return day


def _order(text: str):
    from models import WorkOrder
    number = (text or "").strip().upper()
    if number.isdigit():
        number = f"WO{int(number):07d}"
    wo = WorkOrder.get_or_none(WorkOrder.number == number)
    if wo is None:
        raise InputError("Work order", f"no work order {text.strip()[:20]!r}")
    return wo


def add_cli(sub) -> None:
    p = sub.add_parser("workorder", help="the work order queue, dispatch, field sheets, door tags, results")
    s = p.add_subparsers(dest="workorder_cmd", required=True)
    ls = s.add_parser("list", help="the queue: --filter 'kind:reread status:assigned crew:north_2 route:01 date:+1'")
    ls.add_argument("--filter", default="")
    ls.set_defaults(func=cmd_list)
    a = s.add_parser("assign", help="give an order to a crew for a day (again: reschedule)")
    a.add_argument("order")
    a.add_argument("--crew", required=True)
    a.add_argument("--date", required=True, help="YYYY-MM-DD or +days")
    a.add_argument("--due", default="")
    a.add_argument("--priority", default="")
    a.set_defaults(func=cmd_assign)
    sh = s.add_parser("sheet", help="a crew's field sheet for a day")
    sh.add_argument("--crew", required=True)
    sh.add_argument("--date", default="+0", help="YYYY-MM-DD or +days (default today)")
    sh.add_argument("--format", choices=("text", "pdf"), default="text")
    sh.add_argument("--output", default="", help="file (a PDF needs one; text without one goes to the terminal)")
    sh.set_defaults(func=cmd_sheet)
    t = s.add_parser("tag", help="the door tag of a work order's account")
    t.add_argument("order")
    t.add_argument("--format", choices=("text", "pdf"), default="text")
    t.add_argument("--output", default="")
    t.set_defaults(func=cmd_tag)
    c = s.add_parser("complete", help="close an order with the field's result")
    c.add_argument("order")
    c.add_argument("--result", required=True)
    c.add_argument("--on", default="", help="YYYY-MM-DD (default today)")
    c.add_argument("--reading", default="", help="the read taken (reread: required; meter exchange: the removal read)")
    c.add_argument("--accuracy", default="", help="meter test: the percent the meter registered, e.g. 98.5")
    c.add_argument("--serial", default="", help="meter exchange / new install: the meter set")
    c.add_argument("--install-read", default="", help="meter exchange / new install: its first read")
    c.add_argument("--size", default="", help='new install / exchange: meter size (e.g. 5/8")')
    c.set_defaults(func=cmd_complete)
    pr = s.add_parser("proposals", help="rebills and adjustments proposed by field results")
    pr.add_argument("--all", action="store_true", help="approved and rejected too")
    pr.set_defaults(func=cmd_proposals)
    ap = s.add_parser("approve", help="post a proposal (the system user approves)")
    ap.add_argument("proposal")
    ap.add_argument("--note", default="")
    ap.set_defaults(func=cmd_approve)
    rj = s.add_parser("reject", help="reject a proposal with the reason")
    rj.add_argument("proposal")
    rj.add_argument("--reason", required=True)
    rj.set_defaults(func=cmd_reject)


def cmd_list(args) -> int:
    from ubtui.text import safe_text
    from ubtui.workorders import parse_queue_filter, work_order_queue
    user = _setup(args)
    q = work_order_queue(user, parse_queue_filter(args.filter))
    for o in q.rows:
        print(f"{o.number}  {o.kind:18} {o.status:9} {o.priority:9} {safe_text(o.crew):12} "
              f"{(o.scheduled_on.isoformat() if o.scheduled_on else ''):10}  {safe_text(o.route):4} {safe_text(o.address)}")
    print(q.summary())
    return 0


def cmd_assign(args) -> int:
    from ubtui.workorders import PRIORITIES, assign_work_order
    user = _setup(args)
    wo = _order(args.order)
    pri = args.priority.strip().lower() or None
    if pri is not None and pri not in PRIORITIES:
        raise InputError("Priority", f"must be one of {', '.join(PRIORITIES)}")
    w = assign_work_order(user, wo.id, crew=args.crew, scheduled_on=_day(args.date, "Scheduled"),
                          due_on=_day(args.due, "Due by", required=False), priority=pri)
    print(f"work order {w.number} assigned to {w.crew} for {w.scheduled_on}")
    return 0


def _emit(args, thing, text_of, pdf_of, what: str) -> None:
    """Write ``thing`` as text (to --output or the terminal) or as a PDF (to --output)."""
    if args.format == "pdf":
        pdf_of(thing, args.output)
        print(f"{what} written to {args.output}")
    elif args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text_of(thing))
    else:
        print(text_of(thing), end="")


def _pdf_needs_output(args) -> None:
    if args.format == "pdf" and not args.output:
        raise InputError("Output", "a PDF needs --output PATH")


def cmd_sheet(args) -> int:
    from ubtui.fieldsheets import field_sheet, sheet_pdf, sheet_text
    day = _day(args.date, "Date")
    _pdf_needs_output(args)
    sheet = field_sheet(_setup(args), args.crew, day)
    _emit(args, sheet, sheet_text, sheet_pdf, f"field sheet of {counted(len(sheet.stops), 'stop')}")
    return 0


def cmd_tag(args) -> int:
    from ubtui.fieldsheets import door_tag, door_tag_pdf, door_tag_text
    _pdf_needs_output(args)
    user = _setup(args)
    tag = door_tag(user, _order(args.order).id)
    _emit(args, tag, door_tag_text, door_tag_pdf, f"door tag of {tag.number}")
    return 0


def cmd_complete(args) -> int:
    from ubtui.fieldwork import complete_field_work
    on = _day(args.on, "Completed on", required=False)
    user = _setup(args)
    done = complete_field_work(user, _order(args.order).id, args.result, completed_on=on,
                               reading=args.reading or None, accuracy=args.accuracy or None,
                               serial=args.serial or None, install_reading=args.install_read or None,
                               size=args.size or None)
    print(done.line())
    return 0


def cmd_proposals(args) -> int:
    from ubtui.money import format_cents
    from ubtui.proposals import list_proposals
    from ubtui.text import safe_text
    user = _setup(args)
    rows = list_proposals(user, status=None if args.all else "proposed")
    for r in rows:
        print(f"#{r.proposal_id} {r.kind} {r.account_number} {r.work_order} {format_cents(r.amount_cents)} {r.status}")
        print(safe_text(r.explanation, multiline=True))
    if not rows:
        print("no proposals waiting")
    return 0


def _proposal_id(text: str) -> int:
    t = (text or "").strip().lstrip("#")
    if not t.isdigit():
        raise InputError("Proposal", f"{text.strip()[:20]!r} is not a proposal number")
    return int(t)


def cmd_approve(args) -> int:
    from ubtui.proposals import approve
    user = _setup(args)
    p = approve(user, _proposal_id(args.proposal), approver=user, note=args.note)
    print(f"proposal #{p.id} approved and posted")
    return 0


def cmd_reject(args) -> int:
    from ubtui.proposals import reject
    user = _setup(args)
    p = reject(user, _proposal_id(args.proposal), args.reason)
    print(f"proposal #{p.id} rejected")
    return 0
