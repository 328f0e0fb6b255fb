"""A scan of screens/ for stored text handed to a widget as a plain ``str`` (issue #13): Static,
Label, DataTable cells and notifications read a ``str`` as markup, so a customer named
"Zzyzx [/]" crashed the screen.  Stored values go through screens/common/text.py (stored, line, cell,
cells), which the scan accepts; it looks for the attributes that hold stored free text."""
from __future__ import annotations

import ast
from pathlib import Path

SCREENS = Path(__file__).resolve().parents[2] / "screens"
# Attributes of core results that carry text people typed or imported.
STORED = {"name", "display_name", "address", "service_address", "description", "text", "subject", "reason",
          "instructions", "note", "notes", "memo", "payer_name", "summary", "message", "slip_text", "flag_reason",
          "street", "result", "tenders", "operator", "drawer"}
SINKS_METHODS = {"update", "add_row", "add_rows", "notify", "add_option"}
SINKS_CLASSES = {"Static", "Label", "Option", "Text"}
SAFE = {"stored", "line", "cell", "cells", "safe_text"}


def _stored_inside(node: ast.AST) -> str | None:
    """The stored attribute ``node`` shows unwrapped (not inside one of the SAFE calls)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SAFE:
        return None
    if isinstance(node, ast.Attribute) and node.attr in STORED:
        return node.attr
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Call) and not (isinstance(child.func, ast.Name) and child.func.id in SAFE):
            # a call's result (format_cents(...), len(...)) is not the attribute itself
            if isinstance(child.func, ast.Attribute) and child.func.attr in ("replace", "strip", "upper", "title"):
                found = _stored_inside(child.func.value)
                if found:
                    return found
            continue
        found = _stored_inside(child)
        if found:
            return found
    return None


def risky_calls() -> list[str]:
    out = []
    for path in sorted(SCREENS.glob("*.py")):
        if path.name == "text.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            sink = (isinstance(f, ast.Attribute) and f.attr in SINKS_METHODS) or (
                isinstance(f, ast.Name) and f.id in SINKS_CLASSES)
            if not sink:
                continue
            for arg in node.args:
                found = _stored_inside(arg)
                if found:
                    out.append(f"{path.name}:{node.lineno}: .{found} shown without screens.common.text")
    return out


def test_no_screen_hands_stored_text_to_a_widget_unwrapped():
    assert risky_calls() == []


def test_the_scan_finds_what_it_looks_for(tmp_path, monkeypatch):
    import sys

    (tmp_path / "bad.py").write_text(
        "def f(self, c):\n"
        "    self.query_one('#x').update(f'Name: {c.name}')\n"
        "    table.add_row(c.number, c.description)\n"
        "    self.query_one('#y').update(stored(c.name))\n")
    monkeypatch.setattr(sys.modules[__name__], "SCREENS", tmp_path)
    assert risky_calls() == ["bad.py:2: .name shown without screens.common.text",
                             "bad.py:3: .description shown without screens.common.text"]
