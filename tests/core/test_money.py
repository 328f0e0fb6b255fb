from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ubtui.errors import InputError
from ubtui.money import format_cents, format_plain, from_decimal, parse_amount, to_decimal


@pytest.mark.parametrize("text,cents", [
    ("12", 1200), ("12.3", 1230), ("12.30", 1230), ("$1,234.50", 123450), (" 7.05 ", 705),
    (".5", 50), ("1,234", 123400), ("0.01", 1), ("$5", 500),
])
def test_accepts(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text,fragment", [
    ("12.345", "more than two decimal"), ("1,00", "commas must separate thousands"),
    ("--5", "negative"), ("1e3", "not an amount"), ("", "enter an amount"), ("   ", "enter an amount"),
    ("abc", "not an amount"), ("12.", "not an amount"), ("1,2345", "commas"), ("$$5", "more than one sign"),
    ("0", "more than zero"), ("1000000.00", "over the limit"), ("-5", "negative"),
])
def test_rejects_with_a_message_naming_the_field(text, fragment):
    with pytest.raises(InputError) as e:
        parse_amount(text, field="Cash tendered")
    assert str(e.value).startswith("Cash tendered: ")
    assert fragment in str(e.value)


def test_configured_maximum_and_negatives():
    assert parse_amount("500", max_cents=50000) == 50000
    with pytest.raises(InputError, match="over the limit of \\$500.00"):
        parse_amount("500.01", max_cents=50000)
    assert parse_amount("-5.25", allow_negative=True) == -525
    with pytest.raises(InputError, match="more than one sign"):
        parse_amount("--5", allow_negative=True)
    assert parse_amount("0", allow_zero=True) == 0


@given(st.integers(min_value=1, max_value=99_999_999))
def test_round_trip_through_every_display_form(cents):
    assert parse_amount(format_cents(cents)) == cents
    assert parse_amount(format_plain(cents)) == cents
    assert parse_amount(format_cents(cents, symbol="")) == cents
    assert from_decimal(to_decimal(cents)) == cents


@given(st.text(max_size=12))
def test_never_crashes_and_never_returns_a_float(text):
    try:
        v = parse_amount(text, allow_negative=True, allow_zero=True)
    except InputError as e:
        assert str(e).startswith("Amount: ")
    else:
        assert type(v) is int
        # whatever was accepted reads back as the same number of cents
        assert parse_amount(format_plain(v), allow_negative=True, allow_zero=True) == v


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3))
def test_three_decimal_places_are_refused_unless_exact(d):
    text = f"{d:.3f}"
    if text.endswith("0"):
        return
    with pytest.raises(InputError):
        parse_amount(text)


def test_format():
    assert format_cents(-123456) == "-$1,234.56"
    assert format_cents(5) == "$0.05"
    assert format_plain(-5) == "-0.05"
    with pytest.raises(ValueError):
        from_decimal(Decimal("1.005"))
    with pytest.raises(TypeError):
        to_decimal(1.5)


@given(st.from_regex(r"\A[0-9]{0,17}(\.[0-9]{0,3})?\Z"), st.sampled_from([100, 99_999_999, 10**17]))
def test_plain_digits_parse_as_the_rules_say(text, max_cents):
    """Plain digits with up to two decimals (the parser's fast path) give exactly their
    value in cents, and anything else of digits and a dot is refused as the rules say:
    empty, zero, a bare trailing dot, three decimals, over the limit."""
    body, _, frac = text.partition(".")
    ok = bool(body or frac) and len(frac) <= 2 and not text.endswith(".")
    value = int(body or "0") * 100 + int((frac or "0").ljust(2, "0")) if ok else None
    if value is None or value == 0 or value > max_cents:
        with pytest.raises(InputError):
            parse_amount(text, max_cents=max_cents)
    else:
        assert parse_amount(text, max_cents=max_cents) == value
