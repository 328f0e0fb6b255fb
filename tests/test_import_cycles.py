"""No circular imports among the project's modules (issue #18).

Read from the source (``ast``), not by importing: every ``import`` and ``from ... import``
of ``ubtui``, ``models`` and ``screens``.

* Module-level imports: no cycle anywhere.
* Counting the imports inside functions too (the late imports a cycle likes to hide in): no
  cycle in the core (``models``, ``ubtui``) -- the command line sits on the core
  (``ubtui.cli.support`` is what core modules may use), never inside it.  The screens open one
  another from their key handlers (menu -> inquiry -> actions -> inquiry ...), which are
  late imports among the screens and the app shell: allowed there.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ubtui", "models", "screens")
SHELL = {"screens.app", "ubtui.sshserver", "ubtui.webserver"}  # the UI shell: imports screens
# Cycles through late imports still to break; this list may only shrink.
KNOWN: list[set[str]] = []


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = f
    return out


def _imports(name: str, path: Path, modules, late: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    base = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = ast.walk(tree) if late else tree.body
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")[:len(base.split(".")) - node.level + 1]
                mod = ".".join(parts + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_module_level_import_cycle():
    modules = _modules()
    graph = {n: _imports(n, p, modules, late=False) for n, p in modules.items()}
    assert _cycles(graph) == []


def test_no_import_cycle_in_the_core_even_through_late_imports():
    modules = {n: p for n, p in _modules().items() if not n.startswith("screens") and n not in SHELL}
    graph = {n: _imports(n, p, modules, late=True) for n, p in modules.items()}
    cycles = _cycles(graph)
    assert [c for c in cycles if c not in KNOWN] == []
    assert all(k in cycles for k in KNOWN), "a known cycle is gone: take it off KNOWN"


def test_the_checker_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


# Core modules that still host CLI code, to move into ubtui/cli/ (this list may only shrink).
HOSTS_CLI: set[str] = set()
# Leaf modules of the core the tables use too (errors, the text cleaner): they import nothing
# of the project but each other, so the tables still sit below every service.
FOUNDATION = {"ubtui.errors", "ubtui.text"}
ENTRY = {"ubtui.__main__"}  # ``python -m ubtui``: the command line's door


def test_layers_point_one_way():
    """models <- core <- (cli, screens): even a late import inside a function may not point up."""
    modules = _modules()
    up = []
    for name, path in modules.items():
        if name.startswith(("screens", "ubtui.cli")) or name in SHELL | ENTRY:
            continue
        for target in _imports(name, path, modules, late=True):
            core_to_top = target.startswith(("ubtui.cli", "screens"))
            models_to_core = (name.startswith("models") and target.startswith("ubtui")
                              and target not in FOUNDATION)
            if (core_to_top and name not in HOSTS_CLI) or models_to_core:
                up.append(f"{name} -> {target}")
    assert up == []
    assert all(_imports(f, modules[f], modules, late=True) <= FOUNDATION for f in FOUNDATION)
    assert all(any(t.startswith("ubtui.cli") for t in _imports(h, modules[h], modules, late=True))
               for h in HOSTS_CLI if h in modules), "a module no longer hosts CLI code: take it off"
