"""The browser door (``ubtui web``) in headless Chromium: a supervisor signs in with the app's
own sign-in and opens the daily totals; a screenshot is kept.  The screen's text is read from
the websocket frames the page received (xterm.js draws on a canvas)."""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import AuditLog, User
from tests.screens.appkit import add_user
from ubtui.procs import child_pids

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# Skipped only off CI: .ci/run installs both, so there a missing browser fails the test.
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
                                reason="no chromium/chromedriver here (.ci/run installs them)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web_door(sqlite_url, tmp_path):
    add_user("super", "supervisor")
    port = free_port()
    env = dict(os.environ, UBTUI_ARGON2_FAST="1", UBTUI_CONFIG="/nonexistent.toml")
    server = subprocess.Popen([sys.executable, "-m", "ubtui", "--database", sqlite_url, "web", "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/", server
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,720",
                "--disable-dev-shm-usage", "--no-first-run"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Screen:
    """What the app has sent to the page so far (websocket frames, from Chrome's log)."""

    def __init__(self, driver):
        self.driver = driver
        self.text = b""

    def read(self) -> bytes:
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.webSocketFrameReceived":
                frame = msg["params"]["response"]
                data = frame["payloadData"]
                self.text += base64.b64decode(data) if frame.get("opcode") == 2 else data.encode()
        return self.text

    def wait_for(self, marker: bytes, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.read():
                return True
            time.sleep(0.2)
        return False


def test_supervisor_signs_in_in_the_browser_and_sees_daily_totals(web_door, browser, sqlite_url, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, server = web_door
    browser.get(url)
    screen = Screen(browser)
    assert screen.wait_for(b"Password"), "no sign-in screen in the browser"
    keyboard = browser.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea")
    keyboard.send_keys("super", Keys.ENTER)
    time.sleep(0.3)
    keyboard.send_keys("super-demo-1", Keys.ENTER)
    assert screen.wait_for(b"Main menu"), "not signed in"
    keyboard.send_keys("t")
    assert screen.wait_for(b"Daily totals"), "the daily totals did not open"
    time.sleep(1)  # let the page paint the last frame
    shot = Path(os.environ.get("UBTUI_WEB_SCREENSHOT", tmp_path / "daily_totals.png"))
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    # the same sign-in as at the counter: its audit row, as the supervisor
    from ubtui.db import open_database
    open_database(sqlite_url)
    sup = User.get(User.username == "super")
    assert AuditLog.select().where((AuditLog.action == "login") & (AuditLog.user == sup.id)).count() == 1
    # stopping the server with the tab still open ends the app too (it may finish a posting)
    apps = child_pids(server.pid)
    assert len(apps) == 1
    server.terminate()
    assert server.wait(40) == 0
    assert not [pid for pid in apps if os.path.exists(f"/proc/{pid}")]
