"""`build.py build [--target circuitpython|micropython] [--circuitpython VERSION] [--mpy-cross PATH] [--out DIR]`

Writes build/CIRCUITPY/: everything a board's CIRCUITPY drive needs, from the tables
below. Libraries come from their PyPI packages installed in .venv (pinned in
requirements-dev.txt), so the build works offline; online, `circup install --path`
fetches the same libraries from Adafruit's bundle (see docs/board.md).

The bundle is written to a temporary folder beside the output and renamed into place
only when every file is there and every .mpy has the target's header: a failed build
leaves the previous bundle as it was.

For CircuitPython the compiler is `--mpy-cross PATH`, else $CIRCUITPY_MPY_CROSS, else
CircuitPython's own mpy-cross for the targeted release line (default 10.x) from
circuitpython-build-tools' cache or Adafruit's download; with none of them the bundle
ships .py sources and says so (tools/mpycompile.py).
"""

import glob
import os
import re
import shutil
import sys
import tempfile

try:
    from tools import mpycompile
    from tools.cli import ArgumentParser, UserError
except ImportError:  # run as a script from tools/
    import mpycompile
    from cli import ArgumentParser, UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ("circuitpython", "micropython")
DRIVE_BYTES = 1024 * 1024  # the smallest CIRCUITPY drive on our boards (ESP32-C3/S2 4 MB flash)
CLUSTER = 512              # FAT cluster size on such a drive

# Files at the drive's root, shipped as source: (repo path, drive path, required).
TOP = (
    ("src/code.py", "code.py", True),
    ("src/settings.toml", "settings.toml", True),  # template: no secrets, see docs/board.md
    ("src/boot.py", "boot.py", False),
)

# Our packages: every .py under src/lib/<name>/, compiled when a compiler is at hand.
PACKAGES = ("cosem", "emeter")
# Modules under src/lib/ that only make sense on a computer (none today; host mode lives in host/).
HOST_ONLY = ()
# Modules whose text ships as built files instead: the page assets, written into
# lib/emeter/web/www/ and sent from flash by emeter/web/assets.py (their text as .mpy
# constants would sit in the board's heap).
ASSET_SOURCES = ("emeter/web/www_css.py", "emeter/web/www_js.py")
ASSET_DIR = "lib/emeter/web/www"

# Libraries from PyPI: (distribution as pinned in requirements-dev.txt, module file or package folder).
LIBRARIES = (
    ("adafruit-circuitpython-httpserver", "adafruit_httpserver"),
    ("adafruit-circuitpython-minimqtt", "adafruit_minimqtt"),
    ("adafruit-circuitpython-requests", "adafruit_requests.py"),
    ("adafruit-circuitpython-connectionmanager", "adafruit_connection_manager.py"),
    ("adafruit-circuitpython-ticks", "adafruit_ticks.py"),
)


class BuildError(Exception):
    def __init__(self, text, status=1):
        Exception.__init__(self, text)
        self.status = status  # 2: bad arguments


def _norm(dist):
    return re.sub(r"[-_.]+", "_", dist).lower()


def pins(root=ROOT):
    """{normalised distribution name: version} from requirements-dev.txt."""
    out = {}
    with open(os.path.join(root, "requirements-dev.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, ver = line.split("==", 1)
                out[_norm(name)] = ver.strip()
    return out


def site_dirs(root=ROOT):
    """Where the pinned PyPI packages are: the project's .venv first, then this interpreter's path."""
    dirs = sorted(glob.glob(os.path.join(root, ".venv", "lib", "python3*", "site-packages")))
    dirs += sorted(glob.glob(os.path.join(root, ".venv", "Lib", "site-packages")))
    dirs += [p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)]
    seen = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def installed_version(dist, sites):
    """(version, site folder) of an installed distribution, or (None, None)."""
    want = _norm(dist)
    for site in sites:
        for info in glob.glob(os.path.join(site, "*.dist-info")):
            name, _, ver = os.path.basename(info)[: -len(".dist-info")].rpartition("-")
            if _norm(name) == want:
                return ver, site
    return None, None


def _library_files(site, top):
    """[(host path, path under lib/)] for one library's module or package."""
    path = os.path.join(site, top)
    if os.path.isfile(path):
        return [(path, top)]
    if not os.path.isdir(path):
        raise BuildError("library %s not found in %s" % (top, site))
    out = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                host = os.path.join(dirpath, fn)
                out.append((host, os.path.relpath(host, site).replace(os.sep, "/")))
    return out


def plan(root=ROOT, sites=None, libraries=True):
    """Every file the bundle holds: [(host path, drive path, compile?)], in ship order.

    libraries=False leaves out the PyPI libraries, for people who install them on the
    board with circup instead (docs/board.md)."""
    sites = site_dirs(root) if sites is None else sites
    files = []
    for src, dest, required in TOP:
        host = os.path.join(root, *src.split("/"))
        if os.path.exists(host):
            files.append((host, dest, False))
        elif required:
            raise BuildError("%s is missing: the board needs it" % src)
    lib = os.path.join(root, "src", "lib")
    for pkg in PACKAGES:
        for host in sorted(glob.glob(os.path.join(lib, pkg, "**", "*.py"), recursive=True)):
            rel = os.path.relpath(host, lib).replace(os.sep, "/")
            if rel not in HOST_ONLY and rel not in ASSET_SOURCES:
                files.append((host, "lib/" + rel, True))
    wanted = pins(root)
    for dist, top in (LIBRARIES if libraries else ()):
        pin = wanted.get(_norm(dist))
        have, site = installed_version(dist, sites)
        if have is None:
            raise BuildError("%s is not installed: `python3 build.py build` installs requirements.txt into "
                             ".venv itself; without PyPI, circup install --path build/CIRCUITPY "
                             "(docs/board.md)" % dist)
        if pin and have != pin:
            raise BuildError("%s %s is installed but requirements-dev.txt pins %s: .venv/bin/pip install -r "
                             "requirements.txt" % (dist, have, pin))
        for host, rel in _library_files(site, top):
            files.append((host, "lib/" + rel, True))
    return files


def _write_tree(files, tmp, target, compiler):
    """Copy or compile every planned file into tmp; return rows (drive path, source bytes, shipped bytes)."""
    rows = []
    for host, dest, compile_it in files:
        if compile_it and compiler:
            dest = dest[:-3] + ".mpy"
        out = os.path.join(tmp, *dest.split("/"))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if compile_it and compiler:
            mpycompile.compile_file(compiler, host, out, dest[:-4] + ".py")
            mpycompile.check_header(out, target)
        else:
            shutil.copyfile(host, out)
        rows.append((dest, os.path.getsize(host), os.path.getsize(out)))
    return rows


def write_assets(tmp, root=ROOT):
    """Write the page assets, built from their source modules, into tmp/ASSET_DIR; return rows
    (drive path, source bytes, shipped bytes) as _write_tree does."""
    lib = os.path.join(root, "src", "lib")
    if lib not in sys.path:
        sys.path.insert(0, lib)
    from emeter.web import assets
    rows = []
    folder = os.path.join(tmp, *ASSET_DIR.split("/"))
    os.makedirs(folder, exist_ok=True)
    for path, name in sorted(assets.FILES.items()):
        data = assets.build(path)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        rows.append((ASSET_DIR + "/" + name, len(data), len(data)))
    return rows


def _swap_in(tmp, out_dir):
    old = None
    if os.path.exists(out_dir):
        old = out_dir + ".old"
        if os.path.exists(old):
            shutil.rmtree(old)
        os.rename(out_dir, old)
    os.rename(tmp, out_dir)
    if old:
        shutil.rmtree(old)


def build(target="circuitpython", mpy_cross=None, out_dir=None, root=ROOT, sites=None, log=print,
          libraries=True, circuitpython=mpycompile.CP_DEFAULT):
    """Write the bundle; return rows (drive path, source bytes, shipped bytes). Raises BuildError."""
    if target not in TARGETS:
        raise BuildError("unknown target %r (choose %s)" % (target, " or ".join(TARGETS)), 2)
    out_dir = out_dir or os.path.join(root, "build", "CIRCUITPY")
    sites = site_dirs(root) if sites is None else sites
    try:
        compiler, note = mpycompile.compiler_for(target, mpy_cross, sites, circuitpython)
    except mpycompile.CompileError as e:
        raise BuildError(str(e))
    if compiler and not os.path.isfile(compiler):
        raise BuildError("mpy-cross not found: %s" % compiler)
    log(note)
    files = plan(root, sites, libraries)
    parent = os.path.dirname(os.path.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".CIRCUITPY-", dir=parent)
    try:
        rows = _write_tree(files, tmp, target, compiler)
        rows += write_assets(tmp, root)
        _swap_in(tmp, out_dir)
    except mpycompile.CompileError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError("%s (compiler: %s)" % (e, compiler))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return rows


def on_disk(size):
    """Bytes a file takes on the FAT drive (whole clusters)."""
    return (size + CLUSTER - 1) // CLUSTER * CLUSTER


def size_table(rows, target, out_dir):
    lines = ["%-52s %9s %9s" % ("file (%s)" % target, "source B", "shipped B")]
    for dest, src, shipped in rows:
        lines.append("%-52s %9d %9d" % (dest, src, shipped))
    total = sum(r[2] for r in rows)
    disk = sum(on_disk(r[2]) for r in rows)
    lines.append("%-52s %9d %9d" % ("total (%d files)" % len(rows), sum(r[1] for r in rows), total))
    lines.append("on the drive in %d-byte clusters: %d B; headroom on a 1 MB CIRCUITPY drive: %d B "
                 "(%.0f%%; the FAT itself takes a few KB more)"
                 % (CLUSTER, disk, DRIVE_BYTES - disk, 100.0 * (DRIVE_BYTES - disk) / DRIVE_BYTES))
    lines.append("bundle written to %s" % out_dir)
    return "\n".join(lines)


def _args(argv):
    ap = ArgumentParser(prog="build.py build", description="the board's CIRCUITPY folder")
    ap.add_argument("--target", default="circuitpython", help="circuitpython or micropython")
    ap.add_argument("--circuitpython", default=mpycompile.CP_DEFAULT,
                    help="CircuitPython major version the .mpy files are for")
    ap.add_argument("--mpy-cross", dest="mpy_cross", help="the compiler to use")
    ap.add_argument("--out", help="the folder to fill (default build/CIRCUITPY)")
    ap.add_argument("--no-libraries", dest="libraries", action="store_false",
                    help="leave out the Adafruit libraries")
    return vars(ap.parse_args(argv))


def main(argv):
    try:
        opts = _args(argv)
        out_dir = opts["out"] or os.path.join(ROOT, "build", "CIRCUITPY")
        rows = build(opts["target"], opts["mpy_cross"], out_dir, libraries=opts["libraries"],
                     circuitpython=opts["circuitpython"])
    except (BuildError, UserError) as e:
        sys.stderr.write("build failed: %s\n" % str(e).replace("\n", " "))
        return e.status
    print(size_table(rows, opts["target"], out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
