"""The core and the models never import Textual (the rules live there, not in screens)."""
import subprocess
import sys

CORE_MODULES = ["models", "ubtui", "ubtui.cli", "ubtui.db", "ubtui.money", "ubtui.ledger", "ubtui.security",
                "ubtui.audit", "ubtui.accounts", "ubtui.verify", "ubtui.config"]


def test_importing_the_core_loads_no_textual():
    import pkgutil

    import ubtui
    # every core module that exists, except the app shell and the SSH server
    names = {f"ubtui.{m.name}" for m in pkgutil.iter_modules(ubtui.__path__)
             if m.name not in ("app", "sshserver", "migrations", "__main__")}
    names |= set(CORE_MODULES)
    code = ("import importlib, sys\n"
            f"for n in {sorted(names)!r}: importlib.import_module(n)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m == 'screens' or m.startswith('screens.'))\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported: {out.stdout.strip()}"


def test_the_check_can_fail():
    code = "import textual, sys; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
