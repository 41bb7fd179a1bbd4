"""Run Python inside the MicroPython VM (WebAssembly build, under node) from CPython.

The pure decoder (src/lib/cosem) must behave the same on MicroPython as on CPython;
tests and the benchmark use this to prove it without a board:

    rc, out = run_in_vm("import cosem.crc; print(cosem.crc.crc16_x25(b'1'))")
    rc, out = run_in_vm(text, files={"/corpus/x.hex": b"7ea0..."})
    rows = bench_in_vm([("hdlc-x", data, None, None)], repeat=5)

The VM comes from npm (tests/mpy/package.json, pinned with its lock file); `build.py test`
installs it, and this module runs `npm ci` itself when it is missing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_DIR = os.path.join(HERE, "tests", "mpy")
RUNNER = os.path.join(MPY_DIR, "run.mjs")
BENCH_PY = os.path.join(MPY_DIR, "vm_bench.py")
CORPUS = os.path.join(os.path.dirname(HERE), "shared", "corpus")


class VMError(Exception):
    """node or the npm package is missing: the VM cannot start at all."""


def _ensure_installed():
    if not shutil.which("node"):
        raise VMError("node is not installed: the MicroPython VM runs under node (apt-get install nodejs npm)")
    if os.path.isdir(os.path.join(MPY_DIR, "node_modules", "@micropython")):
        return
    npm = shutil.which("npm")
    if not npm:
        raise VMError("npm is not installed: needed once to fetch the MicroPython VM (tests/mpy)")
    subprocess.check_call([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=MPY_DIR)


def run_in_vm(entry_py_text, files=None, cosem=True, args=(), timeout=600):
    """Run entry_py_text in a fresh MicroPython VM; return (returncode, output).

    files maps VM paths ("/lib/x.py", "/corpus/a.hex") to bytes. src/lib/cosem/*.py is at
    /lib/cosem/ unless cosem is False. Output is stdout followed by stderr (the traceback
    when returncode is 1).
    """
    _ensure_installed()
    with tempfile.TemporaryDirectory(prefix="mpyvm-") as tree:
        for vm_path, data in (files or {}).items():
            rel = vm_path.lstrip("/")
            if not rel or ".." in rel.split("/"):
                raise ValueError("bad VM path %r" % vm_path)
            host = os.path.join(tree, *rel.split("/"))
            os.makedirs(os.path.dirname(host), exist_ok=True)
            with open(host, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
        entry = os.path.join(tree, "__entry__.py")
        with open(entry, "w", encoding="utf-8") as f:
            f.write(entry_py_text)
        cmd = ["node", RUNNER, "--tree", tree]
        if not cosem:
            cmd.append("--no-cosem")
        cmd += [entry] + list(args)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    return proc.returncode, out


SRC_LIB = os.path.join(HERE, "src", "lib")


def run_in_cpython(text, lib=SRC_LIB):
    """The same probe text under this CPython, with src/lib on the path -> (rc, output)."""
    env = dict(os.environ, PYTHONPATH=lib)
    proc = subprocess.run([sys.executable, "-c", text], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, env=env, timeout=120)
    return proc.returncode, proc.stdout.decode()


def package_files(package, modules=None, lib=SRC_LIB):
    """{'/lib/<package>/<path>.py': bytes} to put a package (or some of its modules) in the VM.

    Subpackages come along; modules names a module by its dotted path inside the package
    ("clock", "web.pages")."""
    files = {}
    folder = os.path.join(lib, package)
    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(here, name), folder).replace(os.sep, "/")
            dotted = rel[:-3].replace("/", ".")
            if name.endswith(".py") and (modules is None or dotted in modules or name == "__init__.py"):
                with open(os.path.join(here, name), "rb") as f:
                    files["/lib/%s/%s" % (package, rel)] = f.read()
    return files


def corpus_captures(corpus=CORPUS):
    """[(name, data_file_name)] for every capture with an expected.json, sorted."""
    rows = []
    for fn in sorted(os.listdir(corpus)):
        if fn.endswith(".expected.json"):
            base = fn[: -len(".expected.json")]
            for ext in (".hex", ".txt"):
                if os.path.exists(os.path.join(corpus, base + ext)):
                    rows.append((base, base + ext))
                    break
    return rows


def capture_bytes(path):
    """The bytes a capture file stands for (.hex is one line of hex; .txt is byte-exact)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".hex"):
        data = bytes.fromhex(data.decode("ascii").strip())
    return data


def bench_in_vm(captures, repeat=5, timeout=600):
    """Time cosem.decode inside the VM.

    captures: iterable of (name, data_bytes, key_bytes_or_None, auth_key_bytes_or_None).
    Returns one dict per capture: name, results (how many Message/Failure one decode gave),
    ok (how many were messages), ms (mean wall time of one decode), alloc (bytes allocated by
    one decode with the collector held off: an upper bound on its peak heap use), or error.
    """
    files = {}
    manifest = []
    for i, (name, data, key, auth_key) in enumerate(captures):
        vm = "/bench/%d.bin" % i
        files[vm] = data
        manifest.append({"name": name, "file": vm,
                         "key": key.hex() if key else None,
                         "auth_key": auth_key.hex() if auth_key else None})
    files["/bench/manifest.json"] = json.dumps({"repeat": repeat, "captures": manifest}).encode()
    with open(BENCH_PY, encoding="utf-8") as f:
        text = f.read()
    rc, out = run_in_vm(text, files=files, timeout=timeout)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if rc != 0:
        raise RuntimeError("benchmark failed in the VM (exit %d):\n%s" % (rc, out))
    return rows


def corpus_bench_captures(corpus=CORPUS):
    """bench_in_vm input for every corpus capture, with its published keys."""
    rows = []
    for base, fn in corpus_captures(corpus):
        with open(os.path.join(corpus, base + ".expected.json"), encoding="utf-8") as f:
            exp = json.load(f)
        key = bytes.fromhex(exp["key"]) if exp.get("key") else None
        auth = bytes.fromhex(exp["auth_key"]) if exp.get("auth_key") else None
        rows.append((base, capture_bytes(os.path.join(corpus, fn)), key, auth))
    return rows


def main(argv):
    """python3 -m tools.mpy_vm [--repeat N]: print the VM decode time per corpus capture."""
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    rows = bench_in_vm(corpus_bench_captures(), repeat=repeat)
    print("%-52s %7s %9s %9s" % ("capture", "results", "ms/decode", "alloc B"))
    for r in rows:
        if "error" in r:
            print("%-52s error: %s" % (r["name"], r["error"]))
        else:
            print("%-52s %7d %9.2f %9d" % (r["name"], r["results"], r["ms"], r["alloc"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
