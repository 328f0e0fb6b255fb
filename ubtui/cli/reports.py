"""``ubtui report ...``: list the reports of ``ubtui.reports`` and run one (text, CSV, PDF)."""
from __future__ import annotations

from pathlib import Path

from ubtui.reports import FORMATS, REPORTS, get_report, run_report, write
from ubtui.text import counted

from .support import actor, connect


def add_cli(sub) -> None:
    p = sub.add_parser("report", help="reports: list, or run one (text, CSV, PDF)")
    rsub = p.add_subparsers(dest="report_cmd", required=True)
    rsub.add_parser("list", help="list the reports").set_defaults(func=cmd_list)
    for r in REPORTS.values():
        rp = rsub.add_parser(r.name, help=r.title)
        for prm in r.params:
            rp.add_argument(f"--{prm.name}", help=prm.help)
        rp.add_argument("--format", choices=FORMATS, default="text")
        rp.add_argument("--output", metavar="PATH", help="write to a file (required for pdf)")
        rp.set_defaults(func=cmd_run, report_name=r.name)


def cmd_list(args) -> int:
    for r in REPORTS.values():
        print(f"{r.name:20} {r.title}: {r.description}")
    return 0


def cmd_run(args) -> int:
    connect(args)
    report = get_report(args.report_name)
    result = run_report(actor(), report.name, {p.name: getattr(args, p.name) for p in report.params})
    out = write(result, args.format, args.output)
    if isinstance(out, Path):
        print(f"wrote {out} ({counted(len(result.rows), 'row')})")
    else:
        print(out, end="")
    return 0
