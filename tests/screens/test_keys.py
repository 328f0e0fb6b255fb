"""Every binding on every screen has an id (remappable) and, for F-keys, a Ctrl alternative."""
from __future__ import annotations

import pytest
from textual.binding import Binding

from screens.app import UbtuiApp
from screens.common.base import KEYS, BaseScreen
from tests.screens.appkit import screen_classes


def declared_bindings(owner: type) -> list[Binding]:
    """The bindings our classes declare (textual's own classes left out), keys unsplit."""
    found = []
    for klass in owner.__mro__:
        if klass.__module__.startswith("textual"):
            continue
        for b in klass.__dict__.get("BINDINGS", []):
            found.append(b if isinstance(b, Binding) else Binding(*b))
    return found


def binding_problems(owner: type) -> list[str]:
    problems = []
    for b in declared_bindings(owner):
        keys = [k.strip() for k in b.key.split(",")]
        if not b.id:
            problems.append(f"{owner.__name__}: {b.key} -> {b.action} has no id")
        if any(k.startswith("f") and k[1:].isdigit() for k in keys) and not any(k.startswith("ctrl+") for k in keys):
            problems.append(f"{owner.__name__}: {b.key} -> {b.action} has no Ctrl alternative")
        if issubclass(owner, BaseScreen) and not b.priority:
            problems.append(f"{owner.__name__}: {b.key} -> {b.action} is not priority")
    return problems


def test_the_convention_table_gives_each_f_key_a_ctrl_key():
    for key_id, (keys, _, _) in KEYS.items():
        assert any(k.startswith("ctrl+") for k in keys.split(",")), key_id


@pytest.mark.parametrize("screen_cls", screen_classes(), ids=lambda c: c.__name__)
def test_every_binding_has_an_id_and_a_ctrl_alternative(screen_cls):
    assert binding_problems(screen_cls) == []


def test_the_app_bindings_too():
    assert binding_problems(UbtuiApp) == []


def test_the_check_can_fail():
    class Bad(BaseScreen):
        BINDINGS = [Binding("f8", "nothing", "Nothing")]

    problems = binding_problems(Bad)
    assert any("has no id" in p for p in problems)
    assert any("no Ctrl alternative" in p for p in problems)
    assert any("not priority" in p for p in problems)


def test_screens_are_found():
    names = {c.__name__ for c in screen_classes()}
    assert {"LoginScreen", "LockScreen", "MainMenuScreen", "SearchScreen", "HelpScreen"} <= names
