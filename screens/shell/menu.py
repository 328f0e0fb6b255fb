"""The main menu.  Other modules add their screens here with ONE line each:

    MENU.append(MenuEntry("p", "Take a payment", "screens.cash.payment:PaymentScreen", "payment.take"))

or by adding a line to the list below.  ``key`` is the letter pressed on the main menu;
``target`` is ``"module:ScreenClass"`` (imported when chosen, so a half-written module never
breaks the menu); ``permission`` hides the entry from users who lack it (the core still checks).

``KEY_TARGETS`` maps a key id of the convention to the screen it opens from an account screen,
e.g. ``KEY_TARGETS["pay"] = "screens.cash.payment:PaymentScreen"``; that screen is built with
``account_id=<the account shown>``.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.common.base import BaseScreen
from screens.common.text import stored
from ubtui.security import has_permission


@dataclass(frozen=True)
class MenuEntry:
    key: str  # one letter, pressed on the main menu
    label: str
    target: str  # "module:ScreenClass"
    permission: str = "account.view"


MENU: list[MenuEntry] = [
    MenuEntry("a", "Find an account (F2)", "screens.accounts.search:SearchScreen", "account.view"),
    MenuEntry("n", "New service: customer, address, meter, start, move", "screens.service.desk:ServiceDeskScreen",
              "account.create"),
    MenuEntry("w", "Work orders", "screens.service.workorders:WorkOrdersScreen", "account.view"),
    MenuEntry("l", "Collections worklist", "screens.collections.worklist:CollectionsScreen", "report.view"),
    MenuEntry("c", "Rate calculator", "screens.billing.calculator:RateCalculatorScreen", "rates.view"),
    MenuEntry("k", "Key a meter read", "screens.billing.reading:ReadingEntryScreen", "reading.enter"),
    MenuEntry("x", "Reading exceptions", "screens.billing.exceptions:ReadingExceptionsScreen", "reading.enter"),
    MenuEntry("v", "View a bill", "screens.billing.bill:BillViewScreen", "account.view"),
    MenuEntry("b", "Bill adjustment (leak credit, rebill)", "screens.billing.adjust:BillAdjustScreen", "adjustment.post"),
    MenuEntry("p", "Take a payment (F7)", "screens.cash.payment:PaymentScreen", "payment.take"),
    MenuEntry("d", "Cash drawer: open, drops, count, close", "screens.cash.drawer:DrawerScreen", "drawer.open"),
    MenuEntry("e", "Receipts today: reprint, void", "screens.cash.totals:ReceiptsScreen", "report.view"),
    MenuEntry("t", "Daily totals (supervisor)", "screens.cash.totals:TotalsScreen", "drawer.view_all"),
    MenuEntry("r", "Reports: cash journal, drawer summary", "screens.cash.reports:ReportsScreen", "report.view"),
]

KEY_TARGETS: dict[str, str] = {"pay": "screens.cash.payment:PaymentScreen"}


def entries_for(user) -> list[MenuEntry]:
    return [e for e in MENU if user is not None and has_permission(user, e.permission)]


class MainMenuScreen(BaseScreen):
    TITLE_TEXT = "Main menu"
    CSS_PATH = "menu.tcss"
    HELP_TEXT = "Press a letter, or move with the arrows and press Enter."

    def compose_body(self) -> ComposeResult:
        cfg = self.app.config
        yield Static(stored(cfg.district.name), id="menu-district")
        yield OptionList(*self.options(), id="menu")
        yield Static(legend(), id="legend")

    def options(self) -> list[Option]:
        return [Option(f"{e.key.upper()}  {e.label}", id=e.key) for e in entries_for(self.app.user)]

    def on_mount(self) -> None:
        self.query_one("#menu", OptionList).focus()

    def on_key(self, event) -> None:
        ch = (event.character or "").lower()
        for e in entries_for(self.app.user):
            if ch == e.key.lower():
                event.stop()
                self.app.open_target(e.target)
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        for e in entries_for(self.app.user):
            if e.key == event.option.id:
                self.app.open_target(e.target)
                return

    def action_back(self) -> None:
        pass  # nothing under the main menu

    def action_menu(self) -> None:
        self.query_one("#menu", OptionList).focus()


def legend(width: int = 78) -> str:
    """The key convention in two or three lines: ``F1/^G help  F2/^F find ...``."""
    from screens.common.base import KEYS

    items = []
    for keys, label, description in KEYS.values():
        ctrl = [k for k in keys.split(",") if k.startswith("ctrl+")]
        alt = "^" + ctrl[0][5:].upper() if ctrl else ""
        shown = f"{label}/{alt}" if label != alt else label
        items.append(f"{shown} {description.lower()}")
    lines, line = [], ""
    for item in items:
        if line and len(line) + 2 + len(item) > width:
            lines.append(line)
            line = item
        else:
            line = f"{line}  {item}" if line else item
    lines.append(line)
    return "\n".join(lines)
