"""Textual's private parts are used in one module (screens/common/textual_internals.py), written
for the Textual versions it names: an upgrade outside them, or one that drops or changes a private
name it uses, fails here first."""
import ast
import importlib
import inspect
from pathlib import Path

import textual

from screens.common import textual_internals

ROOT = Path(__file__).resolve().parents[2]
INTERNALS = "screens/common/textual_internals.py"


# Private names of other libraries that Textual's classes happen to share: peewee's model
# metadata, textual-serve's server loop (ubtui/webserver.py serves the app in a browser;
# it is not Textual and the core may not import screens), our demo writer's own method.
NOT_TEXTUAL = {"_meta", "_process_messages", "_write"}


def textual_private_names() -> set[str]:
    """Every ``_name`` a Textual class defines (its methods, the attributes it sets on
    itself): what ours must not reach for outside the one module."""
    names: set[str] = set()
    for f in Path(textual.__file__).parent.rglob("*.py"):
        for cls in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(cls, ast.ClassDef):
                continue
            for node in ast.walk(cls):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("_"):
                    names.add(node.name)
                elif (isinstance(node, ast.Attribute) and node.attr.startswith("_") and isinstance(node.ctx, ast.Store)
                      and isinstance(node.value, ast.Name) and node.value.id == "self"):
                    names.add(node.attr)
    return {n for n in names if not n.startswith("__")} - NOT_TEXTUAL


def our_own_names(files) -> set[str]:
    """``_name``s our code sets on its own objects (``self._backlog = ...``): ours to use."""
    names: set[str] = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and node.attr.startswith("_"):
                names.add(node.attr)
    return names


def private_uses(tree: ast.AST, private: set[str], overrides: bool = True) -> set[str]:
    """The private names ``tree`` reads or calls (``x._name``) or overrides (a method ``_name``)."""
    found = set()
    for cls in ast.walk(tree):
        if overrides and isinstance(cls, ast.ClassDef):
            found |= {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.name in private}
    return found | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in private}


def test_textual_is_a_version_the_internals_were_written_for():
    major, minor = (int(x) for x in textual.__version__.split(".")[:2])
    low, high = textual_internals.WRITTEN_FOR
    assert low <= (major, minor) < high, f"Textual {textual.__version__}: check {INTERNALS}"


def test_every_private_name_used_is_still_where_it_was():
    """Each name in USED is on the Textual class that has it (a method, a class attribute, or
    an attribute its __init__ sets), with the signature the overrides expect."""
    for dotted, names in textual_internals.USED.items():
        module, _, cls_name = dotted.rpartition(".")
        cls = getattr(importlib.import_module(module), cls_name)
        init_source = "".join(inspect.getsource(c) for c in cls.__mro__ if c.__module__.startswith("textual."))
        for name in names:
            assert hasattr(cls, name) or f"self.{name}" in init_source, f"Textual {textual.__version__}: {dotted}.{name}"
    from textual.widgets import DataTable, TextArea
    for cls, name, params in ((DataTable, "_render_cell", ["self", "row_index", "column_index", "base_style", "width",
                                                           "cursor", "hover"]),
                              (DataTable, "_update_dimensions", ["self", "new_rows"]),
                              (DataTable, "_clear_caches", ["self"]), (DataTable, "_on_resize", ["self", "_"]),
                              (DataTable, "_scroll_update", ["self", "virtual_size"]),
                              (DataTable, "_render_line", ["self", "y", "x1", "x2", "base_style"]),
                              (DataTable, "_render_line_in_row", ["self", "row_key", "line_no", "base_style",
                                                                  "cursor_location", "hover_location"]),
                              (DataTable, "_get_offsets", ["self", "y"]), (DataTable, "_highlight_cursor", ["self"]),
                              (TextArea, "_on_key", ["self", "event"])):
        assert list(inspect.signature(getattr(cls, name)).parameters) == params, name
    assert len(inspect.signature(DataTable._get_styles_to_render_cell).parameters) == 10


def test_the_internals_module_lists_every_private_name_it_uses():
    used = {n for names in textual_internals.USED.values() for n in names}
    reached = private_uses(ast.parse((ROOT / INTERNALS).read_text(encoding="utf-8")), textual_private_names())
    assert reached <= used, sorted(reached - used)


def test_no_other_module_uses_them():
    """No module but the one reads, calls or overrides a private name of Textual's (names our
    own code sets on its objects, like ``self._backlog``, are ours)."""
    files = [f for pkg in ("ubtui", "screens", "tests", "models") for f in (ROOT / pkg).rglob("*.py")
             if f.relative_to(ROOT).as_posix() not in (INTERNALS, "tests/screens/test_textual_internals.py")]
    private = textual_private_names() - our_own_names(files)
    private |= {n for names in textual_internals.USED.values() for n in names}
    users = {}
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        core = rel.startswith(("ubtui/", "models/"))  # no Textual class there to override (a test checks)
        found = private_uses(ast.parse(f.read_text(encoding="utf-8")), private, overrides=not core)
        if found:
            users[rel] = found
    assert users == {}


async def test_screens_draw_changes_up_to_screen_fps(sqlite_url):
    """A screen's drawing timer ticks ``SCREEN_FPS`` times a second (``draw_changes_sooner``),
    not Textual's 60: a key's search results are not held back up to 16.7 ms after its echo."""
    from tests.screens.appkit import make_app
    app = make_app(sqlite_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert abs(app.screen._update_timer._interval - 1 / textual_internals.SCREEN_FPS) < 1e-9
