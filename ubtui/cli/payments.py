"""``ubtui payments import FILE``: the processor's file of web and phone payments."""
from __future__ import annotations

from ubtui.money import format_cents
from ubtui.text import counted


def add_cli(sub) -> None:
    p = sub.add_parser("payments", help="electronic payments: import the processor's file")
    psub = p.add_subparsers(dest="payments_cmd", required=True)
    im = psub.add_parser("import", help="post a CSV of web/phone payments (all or nothing; each reference once)")
    im.add_argument("file")
    im.set_defaults(func=cmd_import)


def cmd_import(args) -> int:
    from ubtui.cli.support import actor, connect
    from ubtui.epayments import import_payments
    connect(args)
    r = import_payments(actor(), args.file)
    line = f"posted {counted(r.posted, 'payment')}, {format_cents(r.total_cents)}"
    if r.already:
        line += f"; {counted(r.already, 'payment')} already posted by an earlier import"
    print(line)
    for message in r.reconnects:
        print(message)
    return 0
