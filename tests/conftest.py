"""What every test folder shares: import paths and the fixtures that start things.

Tests mirror the source tree (tests/web for src/lib/emeter/web, ...); helpers used by
several folders live in tests/support (an App on a loopback port, host mode as a
subprocess, the CircuitPython fakes, the feeds' servers).
"""

import os
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (os.path.join(ROOT, "src", "lib"), ROOT, os.path.join(ROOT, "tests", "cosem"),
          os.path.join(ROOT, "tests", "support")):
    if p not in sys.path:
        sys.path.insert(0, p)

SHARED = os.path.join(os.path.dirname(ROOT), "shared")
NO_SHARED = ("%s is missing: the tests read real meter captures from ../shared/corpus, the shared "
             "folder every developer and CI has beside this checkout (see its README); put it "
             "there, or the corpus tests fail" % os.path.join("..", "shared"))


def pytest_configure(config):
    if not os.path.isdir(os.path.join(SHARED, "corpus")):
        sys.stderr.write(NO_SHARED + "\n")

from apphelp import Running  # noqa: E402
from e2ehelp import CHROMIUM_FLAGS, Device, chromium, wait_for  # noqa: E402


@pytest.fixture
def run_app():
    """start(board, **kw) -> an App stepping in a thread on a loopback port; stopped after the test."""
    started = []

    def start(board, **kw):
        r = Running(board, **kw)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def device():
    started = []

    def start(capture, speed=1.0, until=lambda c: c["frames_ok"] >= 1):
        d = Device(capture, speed)
        started.append(d)
        ok = wait_for(lambda: d.proc.poll() is None and until(d.counters()), 60)
        if not ok:
            with open(os.path.join(d.data, "stdout.txt"), "rb") as f:
                out = f.read().decode("utf-8", "replace")
            raise AssertionError("host mode did not get there:\n" + out)
        return d

    yield start
    for d in started:
        d.stop()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    exe = chromium()
    drv = shutil.which("chromedriver")
    if not exe or not drv:
        pytest.fail("chromium and chromium-driver are needed (python3 build.py test installs them)")
    profile = tempfile.mkdtemp(prefix="emeter-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = exe
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument("--user-data-dir=" + profile)
    opts.add_argument("--window-size=1280,900")
    b = webdriver.Chrome(options=opts, service=Service(drv))
    b.set_page_load_timeout(30)
    yield b
    b.quit()
    shutil.rmtree(profile, ignore_errors=True)
