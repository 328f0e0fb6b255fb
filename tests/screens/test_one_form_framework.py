"""Every form a clerk posts from is built on the one form framework (screens/common/form.py
ActionForm / ModalForm: fields, rows, visibility rules, lookups, posting once with keys held).
A screen outside screens/common that makes its own text boxes, or its own field machinery
(a ``FormFields`` of its own, a ``val()`` helper), is a form written by hand: it fails here
unless it is one of the few boxes below that post nothing (issue #18)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOXES = {"Input", "MoneyInput", "TextArea", "NoteArea"}

# Screens whose own boxes post nothing: what they type is a key to look something up.
NOT_FORMS = {
    "screens/accounts/search.py": "the search line (QueryInput): finds accounts as you type",
    "screens/shell/login.py": "user name and password: signs in, posts nothing",
    "screens/billing/bill.py": "the account whose bill is shown",
    "screens/service/workorders.py": "the queue's filter line",
    "screens/cash/reports.py": "the report's name and date",
}


def hand_written(tree: ast.AST) -> list[str]:
    """What in ``tree`` makes a form by hand: a text box made, a FormFields subclassed, a val()."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in BOXES:
                found.append(f"line {node.lineno}: {name}(...)")
        elif isinstance(node, ast.ClassDef):
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if bases & ({"FormFields"} | BOXES):
                found.append(f"line {node.lineno}: class {node.name}({', '.join(sorted(bases))})")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "val":
            found.append(f"line {node.lineno}: def val")
    return found


def test_no_screen_writes_its_own_form():
    offenders = {}
    for f in sorted((ROOT / "screens").rglob("*.py")):
        rel = f.relative_to(ROOT).as_posix()
        if rel.startswith("screens/common/") or rel in NOT_FORMS:
            continue
        found = hand_written(ast.parse(f.read_text(encoding="utf-8")))
        if found:
            offenders[rel] = found
    assert offenders == {}, "use ActionForm/ModalForm (screens/common/form.py), not boxes of your own"


def test_the_check_finds_a_hand_written_form():
    source = ("class F(BaseScreen):\n    def compose(self):\n        yield Input(id='amount')\n"
              "    def val(self, fid):\n        return ''\nclass G(FormFields, Screen):\n    pass\n")
    found = {s.split(": ", 1)[1] for s in hand_written(ast.parse(source))}
    assert found == {"Input(...)", "def val", "class G(FormFields, Screen)"}
