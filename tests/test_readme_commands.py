"""Every command the README's "Command line" table names exists, and those that need no
argument of the reader's run on a demo district and exit 0 (a README that lists
`ubtui drawer totals` while the program answers "invalid choice" is a trap for the first hour)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\b[A-Z]{1,}\b|\[|\||…|\.\.\.")  # NAME, FILE, [--opt], a|b


def readme_commands() -> list[str]:
    """Each `ubtui ...` command of the table, split at " / " and ", " into single commands,
    and "a/b/c" words into one command each (`ubtui user passwd/disable/enable NAME`)."""
    section = (ROOT / "README.md").read_text().split("## Command line", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for cell in re.findall(r"^\| (`ubtui.*?) \|", section, re.M):
        for code in re.findall(r"`([^`]+)`", cell):
            if not code.startswith("ubtui"):
                continue
            words = code.split()
            for i, w in enumerate(words):
                if "/" in w and not w.startswith("-") and i < 3:
                    commands += [" ".join(words[:i] + [alt] + words[i + 1:]) for alt in w.split("/")]
                    break
            else:
                commands.append(code)
    return commands


def command_path(cmd: str) -> list[str]:
    """The subcommand words of ``cmd`` (before the first option or placeholder)."""
    path = []
    for w in cmd.split()[1:]:
        if w.startswith("-") or PLACEHOLDER.search(w):
            break
        path.append(w)
    return path


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ubtui", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("readme-data")
    env = dict(os.environ, UBTUI_DATA_DIR=str(data), UBTUI_CONFIG=str(data / "none.toml"), PYTHONPATH=str(ROOT))
    env.pop("UBTUI_DATABASE_URL", None)
    out = run(["demo", "--no-launch", "--accounts", "30", "--months", "3"], env)
    assert out.returncode == 0, out.stderr
    return env


def test_the_table_is_read():
    cmds = readme_commands()
    assert "ubtui drawer totals [--date D]" in cmds and "ubtui user disable NAME" in cmds and "ubtui verify" in cmds


@pytest.mark.slow
def test_every_readme_command_exists_and_the_plain_ones_run(demo_env):
    failures = []
    for cmd in readme_commands():
        path = command_path(cmd)
        if not path or path[0] in ("demo", "ssh-serve", "web"):  # opens the app or serves forever
            out = run([*path, "--help"], demo_env) if path else None
        elif re.sub(r"\[[^\]]*\]", "", cmd).split()[1:] == path:
            out = run(path, demo_env)  # nothing for the reader to fill in: it must just work
        else:
            out = run([*path, "--help"], demo_env)
        if out is not None and out.returncode != 0:
            failures.append(f"{cmd!r} (ran {path}): exit {out.returncode}: {out.stderr.strip()[-300:]}")
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_plain_ubtui_after_the_demo_opens_the_demo(demo_env):
    code = "from ubtui.config import default_database_url; print(default_database_url())"
    out = subprocess.run([sys.executable, "-c", code], env=demo_env, capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().endswith("/demo.db"), out.stdout + out.stderr
