"""Every screen's stylesheet exists where Textual will look for it.

Textual resolves a relative ``CSS_PATH`` beside the file of the class being built, not the
class that set it: a form defined in screens/common/ and subclassed in screens/cash/ looked
for screens/cash/form.tcss and failed to open (found when the screens moved into packages)."""
from __future__ import annotations

import inspect
from pathlib import Path

from tests.screens.appkit import screen_classes


def test_every_screen_finds_its_stylesheet():
    classes = screen_classes()
    assert len(classes) > 40
    missing = []
    for cls in classes:
        css = cls.CSS_PATH or []
        for path in [css] if isinstance(css, str | Path) else css:
            p = Path(path)
            if not p.is_absolute():
                p = Path(inspect.getfile(cls)).parent / p
            if not p.is_file():
                missing.append(f"{cls.__module__}.{cls.__qualname__}: {p}")
    assert missing == []
