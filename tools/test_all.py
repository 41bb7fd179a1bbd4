"""`build.py test`: install what the tests need (a venv from requirements-dev.txt,
the MicroPython VM from npm, Debian packages the integration tests start, the Home
Assistant tests/ha runs: tools/ha_venv.py) and run
the whole suite with pytest. CI runs exactly this (see .ci/run)."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(HERE, ".venv")
PY = os.path.join(VENV, "bin", "python")

# Debian packages some integration tests start themselves (installed only when missing).
APT = [
    # (command that must exist, package that provides it)
    ("node", "nodejs"),  # runs the MicroPython VM (tests/mpy, tests/build)
    ("npm", "npm"),      # installs it from tests/mpy/package-lock.json
    ("mosquitto", "mosquitto"),  # the MQTT broker tests/feeds start (feeds, issue 5)
    ("influxd", "influxdb"),     # InfluxDB 1.x the HTTP push test writes to and queries
    ("chromium", "chromium"),            # the browser tests/e2e drive (dashboard, issue 6)
    ("chromedriver", "chromium-driver"),  # Selenium talks to chromium through it
]


def _run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.check_call(cmd, **kw)


def ensure_venv(requirements="requirements-dev.txt"):
    """.venv with the pinned packages of a requirements file (installed again when it changes)."""
    if not os.path.exists(PY):
        _run([sys.executable, "-m", "venv", VENV])
    with open(os.path.join(HERE, requirements)) as f:
        wanted = f.read()
    stamp = os.path.join(VENV, ".installed-" + requirements)
    have = ""
    if os.path.exists(stamp):
        with open(stamp) as f:
            have = f.read()
    if have != wanted:
        _run([PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
              os.path.join(HERE, requirements)])
        with open(stamp, "w") as f:
            f.write(wanted)


def _npm():
    pkg = os.path.join(HERE, "tests", "mpy")
    if os.path.exists(os.path.join(pkg, "package.json")) and not os.path.isdir(os.path.join(pkg, "node_modules")):
        lock = os.path.exists(os.path.join(pkg, "package-lock.json"))
        _run(["npm", "ci" if lock else "install", "--no-audit", "--no-fund", "--silent"], cwd=pkg)


def _apt():
    import shutil
    missing = [pkg for cmd, pkg in APT if not shutil.which(cmd)]
    if not missing:
        return
    if os.geteuid() != 0:
        print("missing Debian packages (install them as root): " + " ".join(missing))
        return
    _run(["apt-get", "update", "-qq"])
    _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
         env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def _home_assistant():
    """The real Home Assistant tests/ha runs (own venv on Python 3.13, cached in ~/.cache)."""
    from tools import ha_venv
    try:
        ha_venv.ensure()
    except ha_venv.Missing as e:
        print("Home Assistant for tests/ha: %s (tests/ha will fail)" % e)


def main(argv):
    _apt()  # first: it may bring node and npm
    ensure_venv()
    _npm()
    _home_assistant()
    return subprocess.call([PY, "-m", "pytest", "-q"] + list(argv), cwd=HERE)
