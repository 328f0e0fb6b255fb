"""Textual's private parts are used in one module (screens/common/textual_internals.py), written
for the Textual versions it names: an upgrade outside them fails here first."""
import ast
from pathlib import Path

import textual

from screens.common import textual_internals

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = ("_driver", "_compositor", "_message_queue")


def test_textual_is_a_version_the_internals_were_written_for():
    major, minor = (int(x) for x in textual.__version__.split(".")[:2])
    low, high = textual_internals.WRITTEN_FOR
    assert low <= (major, minor) < high, f"Textual {textual.__version__}: check screens/common/textual_internals.py"


def test_no_other_module_uses_them():
    users = set()
    for pkg in ("ubtui", "screens", "tests"):
        for f in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                    users.add(f.relative_to(ROOT).as_posix())
    assert users == {"screens/common/textual_internals.py"}
