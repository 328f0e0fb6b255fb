"""bench/collections_bench.py cannot rot: a small run prints its figures (no timing asserted)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_small_collections_bench_prints_the_worklist_beside_the_bare_query():
    env = dict(os.environ, UBTUI_CONFIG="/nonexistent/ubtui-test-config.toml")
    env.pop("UBTUI_DATABASE_URL", None)
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "collections_bench.py"), "--accounts", "400", "--runs", "1"],
                       capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads(p.stdout)
    w = doc["worklist_s"]
    assert doc["accounts"] == 400 and w["value"] > 0 and w["bare"] > 0 and w["rows"] > 0
    assert sum(w["steps"].values()) == w["rows"] and w["steps"]["reminder"] > 0
