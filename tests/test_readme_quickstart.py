"""The README's Quick start is two commands, and .ci/run finds the test command in it."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```\n(.*?)```", section, re.S)]


def test_quick_start_is_two_commands_one_opens_the_demo_one_runs_the_tests():
    cmds = quick_start_commands()
    assert len(cmds) == 2 and all("\n" not in c for c in cmds)
    assert cmds[0].startswith("python3 -m venv") and cmds[0].endswith("ubtui demo")
    assert cmds[1].startswith("python3 -m venv") and "bin/pytest" in cmds[1]


def test_ci_run_extracts_exactly_the_readme_test_command():
    pattern = re.search(r"grep -m1 -E '([^']+)' README.md", (ROOT / ".ci/run").read_text()).group(1)
    out = subprocess.run(["grep", "-m1", "-E", pattern, "README.md"], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == quick_start_commands()[1]
