"""MoneyInput (screens/common/fields.py): every amount field keeps exactly what was typed and says at
once, naming itself, when the text cannot be an amount."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App

from screens.common.fields import MoneyInput, typing_problem
from ubtui.errors import InputError
from ubtui.money import format_plain, parse_amount


@given(st.integers(1, 99_999_999), st.booleans(), st.booleans())
def test_no_prefix_of_an_amount_is_flagged_while_typing(cents, grouped, dollar):
    text = f"{cents // 100:,}" if grouped else str(cents // 100)
    text = ("$" if dollar else "") + text + f".{cents % 100:02d}"
    assert parse_amount(text) == cents
    for end in range(1, len(text) + 1):
        assert typing_problem(text[:end], "Amount") is None, text[:end]


@given(st.text(alphabet="0123456789.,$-+abxe ", max_size=12))
def test_what_is_flagged_never_parses_and_the_message_names_the_field(text):
    err = typing_problem(text, "Refund amount")
    if err is not None:
        assert str(err).startswith("Refund amount: ")
        with pytest.raises(InputError):
            parse_amount(text)


@pytest.mark.parametrize("text, flagged", [
    ("abc", "'abc' is not an amount"), ("-5", "must not be negative"), ("12.345", "more than two decimal"),
    ("1,0000", "commas must separate thousands"), ("2000000", "over the limit"), ("12.", None), ("1,00", None),
    ("$", None), ("0", None)])
def test_typing_problems(text, flagged):
    err = typing_problem(text, "Amount", max_cents=99_999_99)
    assert (None if err is None else err.reason) == flagged or flagged in err.reason


class OneField(App):
    def compose(self):
        yield MoneyInput(field="Drop amount", id="m")


async def test_the_field_keeps_every_key_and_says_what_is_wrong():
    app = OneField()
    async with app.run_test() as pilot:
        box = app.query_one(MoneyInput)
        await pilot.press(*"12.3")
        assert not box.has_class("-invalid") and box.cents() == 1230
        await pilot.press(*"4x")
        assert box.value == "12.34x" and box.has_class("-invalid")  # nothing dropped
        with pytest.raises(InputError) as e:
            box.cents()
        assert e.value.field == "Drop amount"
        await pilot.press("backspace")
        assert not box.has_class("-invalid") and box.cents() == 1234 and format_plain(box.cents()) == "12.34"


@pytest.mark.parametrize("restrict, said", [
    (r"[0-9]*", "digits only"), (r"[0-9+\-]*", "digits, + and -"), (r"[a-zA-Z]*", "letters only"),
    (r"[CcKkMmDd]*", "C, K, M or D"), (r"[yYnNeEsSoO]*", "yes or no"), (r"[0-9\- ]*", "digits, - and spaces")])
def test_what_a_restricted_box_takes_in_words(restrict, said):
    from screens.common.fields import allowed
    assert allowed(restrict) == said


async def test_a_refused_key_is_said_naming_the_field_and_the_next_taken_key_clears_it(sqlite_url):
    """Letters in a number box (a bill number) vanished with only a bell: what the clerk
    typed there was silently a different number.  The status line says which field takes
    what, and goes once a key is taken."""
    from tests.screens.appkit import add_user, burst, make_app
    from tests.screens.test_actions import new_account, open_actions

    add_user("senior", "senior_clerk")
    acct = new_account()
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_actions(pilot, acct.id)
        await burst(pilot, "w", *"leak", "enter", "enter", *"+x")
        assert app.screen.status_text() == "Scheduled: takes digits, + and - ('x' refused)"
        assert app.screen.query_one("#f-date").value == "+"
        await burst(pilot, "1")
        assert app.screen.status_text() == "" and app.screen.query_one("#f-date").value == "+1"
        await burst(pilot, *("9" * 12))
        assert app.screen.status_text().startswith("Scheduled: takes at most ")
