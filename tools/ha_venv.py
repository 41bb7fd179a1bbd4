"""The Home Assistant the integration tests run (tests/ha): its own venv on Python 3.13,
pinned in tests/ha/requirements-ha.txt, cached outside the clone so that a fresh clone
(CI) reuses it: ~/.cache/esp-smart-meter/ha-<version> ($XDG_CACHE_HOME respected).

Installed by `python3 build.py test` and by the tests themselves when missing."""

import glob
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS = os.path.join(HERE, "tests", "ha", "requirements-ha.txt")
PYTHON = "3.13"


class Missing(Exception):
    """Home Assistant cannot be installed here (the message says what to do)."""


def version():
    with open(REQUIREMENTS) as f:
        for line in f:
            if line.startswith("homeassistant=="):
                return line.strip().split("==")[1]
    raise Missing("no homeassistant== line in " + REQUIREMENTS)


def venv_dir():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "esp-smart-meter", "ha-" + version())


def python():
    return os.path.join(venv_dir(), "bin", "python")


def _candidates():
    found = shutil.which("python" + PYTHON)
    if found:
        yield found
    roots = []
    try:
        roots.append(subprocess.check_output(["pyenv", "root"], text=True,
                                             stderr=subprocess.DEVNULL).strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    roots.append(os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv"))
    for root in roots:
        for p in sorted(glob.glob(os.path.join(root, "versions", PYTHON + "*", "bin", "python" + PYTHON)),
                        reverse=True):
            yield p


def base_python():
    """A Python 3.13 interpreter that works, or Missing."""
    for p in _candidates():
        try:
            out = subprocess.check_output([p, "-c", "import sys, venv; print(sys.version_info[:2])"],
                                          text=True, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError):
            continue
        if out.strip() == "(3, 13)":
            return p
    raise Missing("Home Assistant %s needs Python %s: none found on PATH or under pyenv "
                  "(install it, e.g. `pyenv install %s`)" % (version(), PYTHON, PYTHON))


def ensure(log=print):
    """The venv's python, installed (again) when requirements-ha.txt changed."""
    with open(REQUIREMENTS) as f:
        wanted = f.read()
    d = venv_dir()
    stamp = os.path.join(d, ".installed-requirements-ha.txt")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == wanted and os.path.exists(python()):
                return python()
    if not os.path.exists(python()):
        base = base_python()
        log("+ %s -m venv %s" % (base, d))
        subprocess.check_call([base, "-m", "venv", d])
    cmd = [python(), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", REQUIREMENTS]
    log("+ " + " ".join(cmd) + "  (Home Assistant for tests/ha: several minutes the first time)")
    if subprocess.call(cmd) != 0:
        raise Missing("pip could not install %s into %s" % (REQUIREMENTS, d))
    with open(stamp, "w") as f:
        f.write(wanted)
    return python()
