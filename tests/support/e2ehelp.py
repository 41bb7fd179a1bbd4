"""End-to-end helpers: `build.py run` replaying a corpus capture, and headless Chromium.

The device runs as people run it (host mode, a subprocess on a free loopback port);
the browser is Debian's chromium driven by Selenium through chromium-driver.
Screenshots go to tests/artifacts/ (git-ignored) for people to look at.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from apphelp import free_port


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")
WIDTHS = {"phone": 390, "desktop": 1280}


def wait_for(cond, timeout=30.0):
    """Poll cond() until true; a bounded wait, not a timing assertion."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = cond()
        except Exception:
            v = None
        if v:
            return v
        time.sleep(0.1)
    return cond()


class Device:
    """`python3 build.py run --replay CAPTURE` on 127.0.0.1:<free port>, data in a temp folder."""

    def __init__(self, capture, speed=1.0):
        self.data = tempfile.mkdtemp(prefix="emeter-e2e-")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(self.data, "stdout.txt"), "wb")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "build.py"), "run", "--replay",
             os.path.join(CORPUS, capture), "--speed", str(speed), "--port", str(self.port),
             "--host", "127.0.0.1", "--data", self.data],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict((k.lower(), v) for k, v in r.headers.items()), r.read()

    def json(self, path="/data.json"):
        return json.loads(self.get(path)[2])

    def counters(self):
        return self.json()["device"]["counters"]

    def files(self):
        return sorted(os.listdir(self.data))

    def read(self, name):
        with open(os.path.join(self.data, name), "rb") as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def set_width(browser, width, height=900):
    """Lay the page out as a device this wide (a phone at 390 px: mobile viewport rules)."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def screenshot(browser, name, widths=WIDTHS):
    """Save the whole page at phone and desktop widths as tests/artifacts/<name>-<label>.png."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    saved = []
    for label, w in widths.items():
        set_width(browser, w)
        time.sleep(0.3)  # let the resize redraw the graph (not an assertion)
        h = browser.execute_script("return document.documentElement.scrollHeight")
        set_width(browser, w, min(max(h, 600), 6000))
        time.sleep(0.3)
        path = os.path.join(ARTIFACTS, "%s-%s.png" % (name, label))
        browser.save_screenshot(path)
        saved.append(path)
    set_width(browser, 1280)
    return saved
