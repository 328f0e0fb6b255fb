"""The benchmark suite cannot rot: a small-size run prints every figure (no timing asserted)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def is_figure(f) -> bool:
    """A measured figure: value and bare numbers and their ratio, or null with a reason."""
    if f.get("value") is None:
        return bool(f.get("reason"))
    return all(isinstance(f[k], (int, float)) and f[k] > 0 for k in ("value", "bare", "ratio"))


def measured(f) -> bool:
    return f.get("value") is not None and is_figure(f)


def test_quick_run_prints_every_figure_with_its_bare_counterpart(tmp_path):
    env = dict(os.environ, UBTUI_CONFIG="/nonexistent/ubtui-test-config.toml")
    env.pop("UBTUI_DATABASE_URL", None)
    out = tmp_path / "bench.json"
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--backend", "sqlite",
                        "--output", str(out)], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads(p.stdout)
    assert json.loads(out.read_text()) == doc
    assert doc["meta"]["quick"] is True and "postgres" not in doc
    r = doc["sqlite"]
    for dataset in ("payments_dataset", "search_dataset"):
        build = r["demo_build"][dataset]
        assert build["accounts"] > 0 and build["rows"] > build["accounts"]
        assert measured(build["per_100k_accounts_s"])
    assert r["ledger_post"]["postings"] == 50
    for key in ("per_second", "latency_median_ms", "latency_p95_ms"):
        assert measured(r["ledger_post"][key]), key
    for key in ("collections_worklist_s", "verify_s", "balance_summary_s"):
        assert measured(r["reports"][key]), key
    assert r["reports"]["verify_s"]["breaches"] == 0  # the demo keeps every invariant
    assert r["reports"]["collections_worklist_s"]["rows"] > 0
    assert measured(r["cold_start"]["to_search_screen_s"])
    assert r["cold_start"]["inside_child_s"]["search_screen_s"] > r["cold_start"]["inside_child_s"]["import_s"]
    ssh = r["ssh"]
    for screen in ("search_screen", "payment_screen"):
        part = ssh[screen]
        assert is_figure(part) if "reason" in part else all(
            measured(part[k]) for k in ("latency_median_ms", "latency_p95_ms", "bytes_per_keystroke"))
    assert measured(ssh["memory_per_session_mb"])
    many = r["ssh_sessions"]  # several sessions typing at once through one door
    assert many["sessions_typing"] == 2 and many["keystrokes"] > 0
    for key in ("latency_median_ms", "latency_p95_ms", "memory_per_session_rss_mb", "memory_per_session_pss_mb"):
        assert measured(many[key]), key
    keys = r["keystroke"]  # the real app in a pty: every kind typed, its first row seen on screen
    assert measured(keys["cold_start_s"])
    for kind in ("name", "address", "account", "phone", "meter"):
        assert keys["kinds"][kind]["samples"] > 0, kind
        assert measured(keys["kinds"][kind]["median_ms"]) and measured(keys["kinds"][kind]["p95_ms"]), kind
    for kind in r["relevance"]["kinds"].values():  # relevance_bench: shares of the queries of each kind
        assert kind["n"] > 0 and 0 <= kind["first"] <= kind["in_10"] <= 1
    for script in ("search", "relevance", "payments", "billrun"):  # merged, or null with the reason
        assert isinstance(r[script], dict) and (r[script].get("reason") or len(r[script]) > 2), script
