"""keystroke_bench --phases: the app's time stamps (bench/phase_trace.py) split a key's time
into its steps, and the hooks they come from still exist."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from keystroke_bench import KEY_STEPS, PHASES, phases_of  # noqa: E402


def lines(*events) -> list[str]:
    return [f"{t:.3f} {event} {detail!r}" for t, event, detail in events]


def test_a_key_is_split_into_its_steps():
    trace = lines((999.0, "changed", "5094 Gra"),  # the key before: not this sample's
                  (1002.0, "changed", "5094 Gran"), (1002.5, "write", 400), (1003.0, "search-start", "5094 Gran"),
                  (1010.0, "search-end", "5094 Gran"), (1010.5, "show-start", "5094 Gran"),
                  (1012.5, "show-end", "5094 Gran"), (1013.5, "tick", ""), (1018.5, "display", ""),
                  (1019.0, "write", 3200), (1030.0, "changed", "smith"))
    marks = [("5094 Gran", 1000.0, 20.0, False), ("smith", 1029.0, 5.0, True)]  # the second: unchanged hits
    got = phases_of(marks, trace)
    assert got["keys"] == 1
    assert {p: got[p]["median"] for p in PHASES} == {
        "key_to_changed": 2.0, "changed_to_search": 1.0, "search": 7.0, "search_to_show": 0.5, "show": 2.0,
        "show_to_tick": 1.0, "tick_to_display": 5.0, "display_to_write": 0.5, "write_to_screen": 1.0}


def test_the_key_s_way_to_the_box_is_split_too():
    trace = lines((1000.2, "key-read", "n"), (1000.5, "key-app", "n"), (1000.9, "key-box", "n"),
                  (1001.5, "changed", "5094 Gran"), (1002.0, "search-start", "5094 Gran"),
                  (1009.0, "search-end", "5094 Gran"), (1009.5, "show-start", "5094 Gran"),
                  (1011.5, "show-end", "5094 Gran"), (1012.5, "tick", ""), (1017.5, "display", ""),
                  (1018.0, "write", 3200))
    got = phases_of([("5094 Gran", 1000.0, 19.0, False)], trace)
    assert {p: got[p]["median"] for p in KEY_STEPS} == {
        "key_read": 0.2, "read_to_app": 0.3, "app_to_box": 0.4, "box_to_changed": 0.6}
    assert got["key_to_changed"]["median"] == 1.5  # their sum
    # a trace without them (an older tracer): the phases as before, no key steps
    older = phases_of([("5094 Gran", 1000.0, 19.0, False)], [x for x in trace if " key-" not in x])
    assert not set(KEY_STEPS) & set(older) and older["keys"] == 1


def test_no_key_found_says_so():
    got = phases_of([("smith", 1000.0, 9.0, False)], lines((1001.0, "changed", "smit")))
    assert got["value"] is None and "no timed key" in got["reason"]


def test_every_hook_exists_and_notes_its_event(tmp_path):
    """install() wraps what it names (a renamed method fails here, not as an empty bench), and
    a wrapped call notes its events even when the call fails."""
    out = tmp_path / "phases.txt"
    code = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "bench")!r}]
import phase_trace
phase_trace.install({str(out)!r})
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen
from textual.widgets import Input
import ubtui.search
from screens.accounts.search import SearchScreen
for f in (SearchScreen.start_search, SearchScreen.show_hits, ubtui.search.search_accounts,
          Screen._on_timer_update, App._display, LinuxDriver.write, LinuxDriver.process_message,
          Input._on_key, App.on_event):
    assert f.__name__ == "wrapper", f
try:
    ubtui.search.search_accounts(None, "garcia oak")
except Exception:
    pass
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, UBTUI_CONFIG="/nonexistent/ubtui-test-config.toml"), timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert [line.split(" ", 1)[1] for line in out.read_text().splitlines()] == [
        "search-start 'garcia oak'", "search-end 'garcia oak'"]
