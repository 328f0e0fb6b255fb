"""Small text helpers of the core (ubtui/text.py) that the other tests do not reach."""
from ubtui.text import counted


def test_counted_says_one_thing_or_several():
    assert [counted(n, "row") for n in (0, 1, 2)] == ["0 rows", "1 row", "2 rows"]
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"
