"""`build.py test`: install what the tests need (a venv from requirements-dev.txt,
the MicroPython VM from npm, Debian packages the integration tests start) and run
the whole suite with pytest. CI runs exactly this (see .ci/run)."""

import os
import subprocess
import sys

try:
    from tools.cli import UserError
except ImportError:  # run as a script from tools/
    from cli import UserError

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


def _run_quiet(cmd, fix):
    """Run cmd; on failure a UserError with the command's last line of output and the fix."""
    sys.stderr.write("+ %s\n" % " ".join(cmd))  # stderr: stdout may be what the user asked for
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise UserError("cannot run %s (%s): %s" % (cmd[0], e.strerror or e, fix))
    if p.returncode:
        lines = [ln.strip() for ln in p.stdout.splitlines() if ln.strip()]
        raise UserError("%s %s failed (%s): %s" % (os.path.basename(cmd[0]), " ".join(cmd[1:3]),
                                                    lines[-1] if lines else "exit status %d" % p.returncode,
                                                    fix))


def ensure_venv(requirements="requirements-dev.txt"):
    """.venv with the pinned packages of a requirements file (installed again when it changes)."""
    if not os.path.exists(PY):
        _run_quiet([sys.executable, "-m", "venv", VENV],
                   "on Debian install python3-venv (sudo apt-get install python3-venv), "
                   "remove %s if it is there, and run the command again" % VENV)
    if _installed(requirements) or (requirements == "requirements.txt" and _installed("requirements-dev.txt")):
        return  # (requirements-dev.txt pins everything requirements.txt does: tests/test_requirements.py)
    _run_quiet([PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                os.path.join(HERE, requirements)],
               "check that this computer reaches pypi.org, then run the command again")
    with open(os.path.join(HERE, requirements)) as f:
        wanted = f.read()
    with open(os.path.join(VENV, ".installed-" + requirements), "w") as f:
        f.write(wanted)


def _installed(requirements):
    """Has .venv the packages of this requirements file as it reads now?"""
    stamp = os.path.join(VENV, ".installed-" + requirements)
    if not os.path.exists(stamp):
        return False
    with open(stamp) as f, open(os.path.join(HERE, requirements)) as g:
        return f.read() == g.read()


def _npm():
    pkg = os.path.join(HERE, "tests", "mpy")
    if os.path.exists(os.path.join(pkg, "package.json")) and not os.path.isdir(os.path.join(pkg, "node_modules")):
        lock = os.path.exists(os.path.join(pkg, "package-lock.json"))
        try:
            _run(["npm", "ci" if lock else "install", "--no-audit", "--no-fund", "--silent"], cwd=pkg)
        except (OSError, subprocess.CalledProcessError) as e:
            raise UserError("npm could not install the MicroPython VM in tests/mpy (%s): check that this "
                            "computer reaches registry.npmjs.org, then run the command again" % _why(e))


def _apt():
    import shutil
    missing = [pkg for cmd, pkg in APT if not shutil.which(cmd)]
    if not missing:
        return
    if os.geteuid() != 0:
        print("missing Debian packages (install them as root): " + " ".join(missing))
        return
    try:
        _run(["apt-get", "update", "-qq"])
        _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
             env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    except (OSError, subprocess.CalledProcessError) as e:
        raise UserError("apt-get could not install %s (%s): install them by hand, then run the "
                        "command again" % (" ".join(missing), _why(e)))


def _why(e):
    if isinstance(e, subprocess.CalledProcessError):
        return "%s exited with status %d" % (os.path.basename(e.cmd[0]), e.returncode)
    return e.strerror or str(e)


def main(argv):
    if not os.path.isdir(os.path.join(os.path.dirname(HERE), "shared", "corpus")):
        print("../shared/corpus is missing: the tests read real meter captures from the shared folder "
              "every developer and CI has beside this checkout; put it there, or the corpus tests fail")
    _apt()  # first: it may bring node and npm
    ensure_venv()
    _npm()
    return subprocess.call([PY, "-m", "pytest", "-q"] + list(argv), cwd=HERE)
