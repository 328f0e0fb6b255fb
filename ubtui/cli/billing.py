"""The command line of billing: ``ubtui rates``, ``ubtui readings``, ``ubtui bill``.

Kept out of ``ubtui.billing`` so the core imports no command line (and billing does not
import adjustments to run the late-fee command: no cycle, tests/test_import_cycles.py).
"""
from __future__ import annotations

import datetime as _dt

from ubtui.billing import register_text, run_bills
from ubtui.dates import parse_date
from ubtui.errors import InputError
from ubtui.text import counted


# --- the command line: ubtui rates / readings / bill ----------------------------------------
def add_cli(sub) -> None:
    """``ubtui rates check|install FILE``, ``ubtui readings import FILE|exceptions``,
    ``ubtui bill run|register|show|pdf|late-fees``."""
    r = sub.add_parser("rates", help="rate schedules: check or install a rate file")
    rsub = r.add_subparsers(dest="rates_cmd", required=True)
    c = rsub.add_parser("check", help="validate a rate file (errors name the line and key)")
    c.add_argument("file")
    c.add_argument("--quote", nargs=3, metavar=("CLASS", "SIZE", "USAGE"),
                   help="also price a bill as a bill run would (usage in the class's unit)")
    c.add_argument("--days", default="30", help="days in the period (30)")
    c.add_argument("--end", default="", metavar="YYYY-MM-DD", help="read date ending the period (today)")
    c.add_argument("--cycle", default="", help="the account's billing cycle code (the schedule's first)")
    c.add_argument("--kind", default="regular", help="regular, first or final (first/final are prorated)")
    c.add_argument("--winter-average", default="", metavar="UNITS", help="units a month, for winter-average sewer")
    c.add_argument("--dwelling-units", default="1", metavar="N")
    c.set_defaults(func=_cmd_rates_check)
    i = rsub.add_parser("install", help="validate and put a rate file in force")
    i.add_argument("file")
    i.set_defaults(func=_cmd_rates_install)
    rd = sub.add_parser("readings", help="meter readings: import a file, list exceptions")
    rdsub = rd.add_subparsers(dest="readings_cmd", required=True)
    im = rdsub.add_parser("import", help="import a route/handheld/AMI CSV (all or nothing)")
    im.add_argument("file")
    im.add_argument("--source", default="import", choices=["import", "route", "handheld", "ami"])
    im.set_defaults(func=_cmd_readings_import)
    ex = rdsub.add_parser("exceptions", help="list reads waiting in the exceptions list")
    ex.add_argument("--route")
    ex.set_defaults(func=_cmd_readings_exceptions)
    b = sub.add_parser("bill", help="bill runs, the register, bills as text or PDF, late fees")
    bsub = b.add_subparsers(dest="bill_cmd", required=True)
    run = bsub.add_parser("run", help="bill a cycle (or one route of it); safe to repeat")
    run.add_argument("--cycle", required=True)
    run.add_argument("--period-end", required=True, type=_date, metavar="YYYY-MM-DD")
    run.add_argument("--route")
    run.add_argument("--bill-date", type=_date, metavar="YYYY-MM-DD")
    run.add_argument("--register", action="store_true", help="print the bill register afterwards")
    run.set_defaults(func=_cmd_bill_run)
    reg = bsub.add_parser("register", help="print the bill register of a run")
    reg.add_argument("run_id", type=int)
    reg.set_defaults(func=_cmd_bill_register)
    show = bsub.add_parser("show", help="print a bill")
    show.add_argument("bill_id", type=int)
    show.set_defaults(func=_cmd_bill_show)
    pdf = bsub.add_parser("pdf", help="write a bill as PDF")
    pdf.add_argument("bill_id", type=int)
    pdf.add_argument("output")
    pdf.set_defaults(func=_cmd_bill_pdf)
    lf = bsub.add_parser("late-fees", help="assess late fees as of a date (or --reverse that batch)")
    lf.add_argument("--as-of", required=True, type=_date, metavar="YYYY-MM-DD")
    lf.add_argument("--reverse", metavar="REASON")
    lf.set_defaults(func=_cmd_late_fees)


def _date(text: str) -> _dt.date | None:
    import argparse
    try:
        return parse_date(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(e.reason) from None


def _cmd_rates_check(args) -> int:
    from ubtui.rates import load_schedule_file, quote_typed
    loaded = load_schedule_file(args.file)
    s = loaded.schedule
    dates = [str(v.effective) for v in s.versions]
    codes = s.rate_codes()
    print(f"ok: {args.file}: schedule {s.name}, {counted(len(dates), 'version')} "
          f"({', '.join(dates) if len(dates) <= 4 else dates[0] + ' to ' + dates[-1]}), "
          f"{len(codes)} classes ({', '.join(codes) if len(codes) <= 12 else ', '.join(codes[:12]) + ', ...'})")
    if args.quote:
        code, size, usage = args.quote
        print(quote_typed(rate_code=code, meter_size=size, usage=usage, days=args.days, end=args.end,
                          cycle=args.cycle, kind=args.kind, winter_average=args.winter_average,
                          dwelling_units=args.dwelling_units, schedule=s).text())
    return 0


def _cmd_rates_install(args) -> int:
    from ubtui.cli.support import actor, connect
    from ubtui.rates import active_schedule, install_schedule, unpriced_accounts
    connect(args)
    row = install_schedule(actor(), args.file)
    print(f"rate schedule {row.name} #{row.id} in force (sha256 {row.sha256[:12]})")
    for problem in unpriced_accounts(active_schedule()):
        print(f"warning: {problem}: not billed until the schedule or the accounts are corrected")
    return 0


def _cmd_readings_import(args) -> int:
    from ubtui.cli.support import actor, connect
    from ubtui.readings import import_readings
    connect(args)
    r = import_readings(actor(), args.file, source=args.source)
    print(f"imported {counted(r.rows, 'reading')}; {r.exceptions} in the exceptions list")
    return 0


def _cmd_readings_exceptions(args) -> int:
    from ubtui.cli.support import connect
    from ubtui.readings import list_exceptions
    connect(args)
    rows = list_exceptions(route=args.route)
    for x in rows:
        print(f"{x.reading_id:>7} {x.read_on} {x.account_number:10} {x.meter_serial:12} {x.flag:9} {x.reason}")
    print(f"{counted(len(rows), 'exception')}")
    return 0


def _cmd_bill_run(args) -> int:
    import sys

    from ubtui.cli.support import actor, connect
    connect(args)
    r = run_bills(actor(), cycle=args.cycle, period_end=args.period_end, route=args.route, bill_date=args.bill_date,
                  progress=lambda done, total: print(f"{done}/{total}", file=sys.stderr))
    from ubtui.money import format_cents
    print(f"run {r.run_key} (#{r.run_id}): {r.billed} billed, {r.estimated} estimated, {r.skipped} skipped, "
          f"total {format_cents(r.total_cents)}, {r.bills_per_second:.0f} bills/s")
    for e in r.errors:
        print(f"error: {e}", file=sys.stderr)
    if args.register:
        print(register_text(r.run_id))
    return 1 if r.errors else 0


def _cmd_bill_register(args) -> int:
    from ubtui.cli.support import connect
    connect(args)
    print(register_text(args.run_id))
    return 0


def _cmd_bill_show(args) -> int:
    from ubtui.billprint import bill_text
    from ubtui.cli.support import connect
    connect(args)
    print(bill_text(args.bill_id))
    return 0


def _cmd_bill_pdf(args) -> int:
    from ubtui.billprint import bill_pdf
    from ubtui.cli.support import connect
    connect(args)
    print(bill_pdf(args.bill_id, args.output))
    return 0


def _cmd_late_fees(args) -> int:
    from ubtui.adjustments import assess_late_fees, reverse_late_fees
    from ubtui.cli.support import actor, connect
    from ubtui.money import format_cents
    connect(args)
    if args.reverse:
        print(f"reversed {counted(reverse_late_fees(actor(), args.as_of.isoformat(), args.reverse), 'late fee')}")
        return 0
    b = assess_late_fees(actor(), args.as_of)
    print(f"late fee batch {b.batch}: {counted(len(b.fees), 'fee')}, {format_cents(b.total_cents)}")
    return 0
