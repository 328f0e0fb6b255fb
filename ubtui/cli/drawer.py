"""``ubtui drawer ...``: cash drawers from the command line (list, add, a day's totals)."""
from __future__ import annotations

from models import DrawerSession, User
from ubtui.drawer import create_drawer, list_drawers
from ubtui.money import format_cents
from ubtui.totals import DailyTotals, daily_totals


# --- CLI: ubtui drawer ... ----------------------------------------------------------------
def add_cli(sub) -> None:
    p = sub.add_parser("drawer", help="cash drawers: list, add, totals")
    dsub = p.add_subparsers(dest="drawer_cmd", required=True)
    dsub.add_parser("list", help="list drawers and their open sessions").set_defaults(func=cmd_drawer_list)
    a = dsub.add_parser("add", help="add a drawer")
    a.add_argument("code")
    a.add_argument("--name", default="")
    a.add_argument("--workstation", default="")
    a.set_defaults(func=cmd_drawer_add)
    t = dsub.add_parser("totals", help="a day's totals by drawer, operator and tender (supervisors' view)")
    t.add_argument("--date", help="business date YYYY-MM-DD (default today)")
    t.set_defaults(func=cmd_drawer_totals)


def cmd_drawer_list(args) -> int:
    from .support import connect
    connect(args)
    for d in list_drawers():
        s = DrawerSession.get_or_none(DrawerSession.open_guard == d.code)
        state = f"open by {User.get_by_id(s.operator_id).username} since {s.opened_at:%Y-%m-%d %H:%M}" if s else "closed"
        print(f"{d.code:8} {d.name:24} {state}")
    return 0


def totals_text(t: DailyTotals) -> str:
    """The daily totals as the supervisor's screen shows them, for the CLI."""
    lines = [f"Daily totals {t.business_date:%Y-%m-%d}: {t.receipts} receipts "
             f"{format_cents(t.total_cents)}, {t.voids} voided {format_cents(t.void_cents)}, "
             f"over/short {format_cents(t.over_short_cents)}",
             f"{'Drawer':8} {'Operator':12} {'Status':10} {'Rcpts':>5} {'Total':>12} {'Cash':>12} {'Checks':>12}"]
    for s in t.sessions:
        lines.append(f"{s.drawer:8} {s.operator[:12]:12} {s.status:10} {s.receipts:>5} "
                     f"{format_cents(s.total_cents):>12} {format_cents(s.cash_cents):>12} "
                     f"{format_cents(s.checks_cents):>12}")
    lines.append("By tender: " + (", ".join(f"{k} {format_cents(v)}" for k, v in sorted(t.by_tender.items()))
                                  or "none"))
    if t.unbalanced_drawers:
        lines.append("Unbalanced: " + ", ".join(t.unbalanced_drawers))
    return "\n".join(lines)


def cmd_drawer_totals(args) -> int:
    from .support import actor, connect, parse_date
    connect(args)
    print(totals_text(daily_totals(actor(), parse_date(args.date))))
    return 0


def cmd_drawer_add(args) -> int:
    from .support import actor, connect
    connect(args)
    d = create_drawer(actor(), args.code, args.name, args.workstation)
    print(f"added drawer {d.code}")
    return 0
