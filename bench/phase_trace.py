"""Run ``python -m ubtui ...`` with the search screen's phases time-stamped (keystroke_bench
``--phases``): prints nothing, appends lines to the file named by UBTUI_BENCH_PHASES.

    python bench/phase_trace.py -m ubtui --database URL

Each line is ``<perf_counter in ms> <event> <repr of its detail>``; perf_counter is the
system's monotonic clock, so the bench, which notes when it wrote each key, can line the two
up.  Events: ``key-read`` (the terminal driver's input thread has read and parsed a key),
``key-app`` (the app's message loop takes the key), ``key-box`` (the focused search box gets
it), ``changed`` (the search box's text changed: the key reached the screen's handler),
``search-start`` / ``search-end`` (``search_accounts`` in the database thread),
``show-start`` / ``show-end`` (the hits put in the table), ``tick`` (a screen's update
timer fired: it draws what changed), ``display`` (the app turns a drawn update into the
terminal's bytes), ``write`` (the terminal driver handed a frame's bytes to its writer: the
detail is how many).  The wrappers are installed
from outside, here: the app's own code is the code measured, with a few calls around it.
"""
from __future__ import annotations

import os
import runpy
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def install(path: str) -> None:
    out = open(path, "a", buffering=1)

    def note(event: str, detail) -> None:
        out.write(f"{time.perf_counter() * 1000:.3f} {event} {detail!r}\n")

    def around(owner, name: str, before, after=None) -> None:
        real = getattr(owner, name)

        def wrapper(*args, **kw):
            before(*args, **kw)
            try:
                return real(*args, **kw)
            finally:
                if after is not None:
                    after(*args, **kw)
        setattr(owner, name, wrapper)

    from textual import events
    from textual.app import App
    from textual.drivers.linux_driver import LinuxDriver
    from textual.screen import Screen
    from textual.widgets import Input

    import ubtui.search
    from screens.accounts.search import SearchScreen

    # the box's Changed handler is registered by Textual's @on when the class is made, so the
    # first thing it calls stands for it: start_search (every key not typed ahead)
    around(SearchScreen, "start_search", lambda self, text: note("changed", text))
    around(ubtui.search, "search_accounts", lambda user, text, *a, **kw: note("search-start", text),
           lambda user, text, *a, **kw: note("search-end", text))
    around(SearchScreen, "show_hits", lambda self, text, hits: note("show-start", text),
           lambda self, text, hits: note("show-end", text))
    around(Screen, "_on_timer_update", lambda self: note("tick", ""))
    around(App, "_display", lambda self, screen, renderable: note("display", ""))
    around(LinuxDriver, "write", lambda self, data: note("write", len(data)))
    # the key's way from the terminal to the box (key_to_changed in steps): read in the input
    # thread, taken by the app's loop, handed to the focused box
    around(LinuxDriver, "process_message",
           lambda self, m: note("key-read", m.key) if isinstance(m, events.Key) else None)
    around(Input, "_on_key", lambda self, event: note("key-box", event.key))
    app_event = App.on_event

    async def on_event(self, event):  # a coroutine: noted when the loop starts running it
        if isinstance(event, events.Key):
            note("key-app", event.key)
        return await app_event(self, event)
    on_event.__name__ = "wrapper"
    App.on_event = on_event


def main() -> None:
    if sys.argv[1:3] != ["-m", "ubtui"]:
        raise SystemExit("usage: python bench/phase_trace.py -m ubtui [ubtui's arguments]")
    sys.path.insert(0, os.path.dirname(HERE))
    install(os.environ["UBTUI_BENCH_PHASES"])
    sys.argv = ["ubtui", *sys.argv[3:]]
    runpy.run_module("ubtui", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
