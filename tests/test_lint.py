"""Lint and types in CI (issue #18): ``ruff check`` with the config in pyproject.toml
([tool.ruff]) over the whole project, and mypy over the core ([tool.mypy]: ``ubtui``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    got = _run("ruff", "check", "--no-cache", ".")
    assert got.returncode == 0, got.stdout + got.stderr


def test_mypy_finds_nothing_in_the_core():
    got = _run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert got.returncode == 0, got.stdout + got.stderr
