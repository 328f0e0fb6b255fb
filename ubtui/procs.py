"""The processes a door started: one app process per session (SSH or browser)."""
from __future__ import annotations

import os


def child_pids(parent: int | None = None) -> list[int]:
    """Live (not zombie) child processes of ``parent`` (default: this process): the apps of
    the sessions, for the bench and the tests that check none is left behind."""
    parent_s = str(parent or os.getpid())
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if ppid == parent_s and state != "Z":
                out.append(int(d))
    return out
