"""The field groups of screens/common/form.py (``FieldGroup``, ``GroupedFields``, ``field_box``):
a group shows in the states it names, Enter walks the fields of the groups shown, in order, and
an ``InputError``'s key finds its field by the key of the field's label (issue #18: the cash
screens on the one form framework)."""
from __future__ import annotations

from textual.app import App

from screens.cash.drawer import DrawerScreen
from screens.cash.payment import CONFIRM, FIELD_BOX, KIND, TENDERED, PaymentScreen
from screens.common.fields import FieldInput, MoneyInput
from screens.common.form import Field, FieldGroup, field_box
from ubtui import drawer

DENS = [f"den-{i}" for i in range(len(drawer.DENOMINATIONS))]


def test_the_drawer_walks_the_fields_of_its_phase():
    s = DrawerScreen()
    walks = {}
    for phase in ("loading", "open", "count", "close", "done"):
        s.phase = phase
        walks[phase] = s.walk()
    assert walks == {"loading": [], "open": ["drw-code", *DENS], "count": [*DENS, "drw-checks", "drw-card", "drw-mo"],
                     "close": ["drw-reason", "drw-float", "drw-appr", "drw-pass"], "done": []}


def test_a_key_finds_its_field_by_label_then_by_the_screens_own_names():
    s = DrawerScreen()
    assert [s.widget_for_key(k) for k in ("drawer", "20_bills", "1c_coins", "card_slips", "money_orders",
                                          "next_float", "reason", "check_3", "nothing")] == \
        ["drw-code", "den-2", "den-12", "drw-card", "drw-mo", "drw-float", "drw-reason", "drw-checks", None]
    assert FIELD_BOX["check_number"] == FIELD_BOX["card_last_4"] == "pay-d0" and FIELD_BOX["bank"] == "pay-d1"


class PaymentIn(PaymentScreen):
    """The payment form in a set state (the tender chosen, the Confirm row asked for)."""

    state: frozenset[str] = frozenset()

    def field_state(self) -> frozenset[str]:
        return self.state


def test_payment_walks_its_tenders_details_and_never_into_confirm():
    s = PaymentIn()
    head = ["pay-account", "pay-amount", "pay-tendered", "pay-kind"]
    walks, confirm = {}, {}
    for state in ("cash", "check", "card", "money_order", "cash confirm", "check confirm"):
        s.state = frozenset(state.split())
        walks[state] = s.walk()
        confirm[state] = s.field_at("pay-confirm")
    assert walks == {"cash": head, "check": [*head, "pay-d0", "pay-d1", "pay-d2"], "card": [*head, "pay-d0", "pay-d1"],
                     "money_order": [*head, "pay-d0"], "cash confirm": head,
                     "check confirm": [*head, "pay-d0", "pay-d1", "pay-d2"]}
    # the Confirm row is there only when asked for, and Enter on it posts
    assert confirm["cash"] is None and confirm["check confirm"][1] is CONFIRM and confirm["check confirm"][0].enter_posts
    s.state = frozenset({"card"})
    assert s.field_at("pay-d1")[1].label == "Auth code" and s.field_at("pay-d2") is None
    s.state = frozenset({"check"})
    assert s.field_at("pay-d1")[1].label == "Bank"


def test_a_group_shows_in_its_states_and_always_without_any():
    g = FieldGroup("g", (Field("a", "A"),), frozenset({"open"}))
    assert g.shown_in("open") and not g.shown_in("count")
    assert FieldGroup("h", ()).shown_in("anything")
    assert g.shown_in(frozenset({"open", "confirm"})) and not g.shown_in(frozenset({"count"}))
    shared = FieldGroup("row", (Field("a", "A"),), boxes=("b0", "b1"))
    assert shared.widgets() == ["b0"] and g.widgets("x-") == ["x-a"]


async def test_field_box_makes_the_field_and_the_screen_may_say_more():
    async with App().run_test():  # widgets are made in an app
        boxes()


def boxes():
    amount = field_box(TENDERED, "pay-tendered", placeholder="= amount")
    assert isinstance(amount, MoneyInput) and amount.optional and amount.field == "Amount tendered"
    assert amount.placeholder == "= amount"
    assert not field_box(TENDERED, "x", optional=False).optional
    assert not amount.allow_negative  # "[0-9$,.]*": the hyphen of a range lets no minus in
    assert field_box(Field("adj", "Adjustment", restrict=r"-?[0-9$,.]*"), "adj").allow_negative
    kind = field_box(KIND, "pay-kind", suggester=None)
    assert type(kind) is FieldInput and kind.value == "C" and kind.max_length == 1 and kind.suggester is None
    assert kind.field == KIND.label  # a refusal names it
    assert field_box(KIND, "k").suggester is not None  # choices are suggested unless the screen says not
    plain = field_box(Field("c", "Card slips", restrict=r"[0-9$,.]*"), "c", money=False)
    assert type(plain) is FieldInput and plain.restrict == r"[0-9$,.]*"
