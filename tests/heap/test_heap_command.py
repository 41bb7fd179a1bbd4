"""`build.py heap` runs the real probe in the MicroPython VM and reports every figure.

The budget itself is a benchmark figure (README), not asserted here: this checks that the
measurement works, so every change can see its cost."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools import heap  # noqa: E402


def _run(*args):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "heap"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def _check(doc, form="mpy"):
    assert doc["ok"] is True, doc
    assert doc["form"] == form, doc
    for key in heap.KEYS:
        assert type(doc[key]) is int and doc[key] > 0, (key, doc)
    # the figures are heap sizes of this firmware, not of an empty VM
    assert doc["import_cosem"] > doc["baseline"] + 5000, doc
    assert doc["app_boot"] > doc["import_cosem"] and doc["app_peak"] >= doc["app_boot"], doc
    # the application really served the pages and published
    assert doc["bytes_index"] > 1000 and doc["bytes_data_json"] > 500 and doc["bytes_setup"] > 1000, doc
    assert doc["mqtt_published"] >= 2, doc
    # the heap kept between passes, step by step: what grows after boot, and where
    kept = doc["step_live"]
    assert {"app_boot", "app_telegram", "app_get_index"} <= set(kept), doc
    assert max(kept.values()) == doc["app_live_max"] and kept["app_boot"] >= doc["app_boot"], doc


def test_json_line_has_every_figure_from_compiled_modules():
    rc, out, err = _run("--fresh", "--json")
    doc = json.loads(out.strip().splitlines()[-1])
    assert rc == 0, out + err
    _check(doc)
    assert "cached" not in doc
    assert "largest heap kept" in out  # the table comes first
    # the same files, settings, heap and VM again: the figures of that run, at once
    rc, out, err = _run("--json")
    again = json.loads(out.strip().splitlines()[-1])
    assert rc == 0 and again.pop("cached") is True and again == doc
    assert "identical earlier run" in out.splitlines()[0]


def test_each_decoder_row_is_measured_alone_without_the_other_family():
    # a meter sends one family: the GCM row must not carry the DSMR modules (nor the reverse)
    rc, out, err = _run("--json")
    doc = json.loads(out.strip().splitlines()[-1])
    assert rc == 0, out + err
    gcm, dsmr = doc["decode_gcm_modules"], doc["decode_dsmr_modules"]
    assert "cosem.gcm" in gcm and "cosem.hdlc" in gcm, gcm
    assert not [n for n in gcm if n.startswith("cosem.dsmr")], gcm
    assert "cosem.dsmr" in dsmr and "cosem.gcm" not in dsmr and "cosem.axdr" not in dsmr, dsmr
    for kind in ("dsmr", "gcm"):
        # kept + one decode: more than import cosem and one decode's allocation
        assert doc["decode_%s_heap" % kind] > doc["import_cosem"] + doc["decode_%s_alloc" % kind], doc


STAND_IN = """#!%(python)s
# A unix-port look-alike: `-X heapsize=N -c CODE` in the current folder, run by the
# WebAssembly VM with that folder mounted at the same path.
import os, subprocess, sys
args = sys.argv[1:]
heap = []
if args[0] == "-X":
    heap = ["--heap", args[1].split("=", 1)[1]]
    args = args[2:]
code = args[args.index("-c") + 1]
here = os.getcwd()
put = ["--put", here + "=" + here] if os.path.isdir(os.path.join(here, "probe")) else []
sys.exit(subprocess.call(["node", %(runner)r, "--no-cosem"] + put + heap + ["-c", code]))
"""


def test_vm_option_runs_the_same_probe_in_a_unix_port_executable_also_from_sources(tmp_path):
    vm = tmp_path / "micropython"
    vm.write_text(STAND_IN % {"python": sys.executable, "runner": heap.RUNNER})
    vm.chmod(0o755)
    rc, out, err = _run("--vm", str(vm), "--heap", "128K", "--py", "--json")
    doc = json.loads(out.strip().splitlines()[-1])
    assert rc == 0, out + err
    _check(doc, form="py")
    assert doc["vm"] == "micropython (micropython)" and doc["heap"] == 131072, doc


def test_bad_heap_size_is_one_line_naming_the_fix():
    rc, out, err = _run("--heap", "lots")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "96K" in err, err


def test_vm_that_is_not_executable_is_one_line(tmp_path):
    rc, out, err = _run("--vm", str(tmp_path / "micropython"))
    assert rc == 2 and err.count("\n") == 1 and "not an executable" in err, err


def test_a_failed_step_is_named_with_its_error():
    vm = type("VM", (), {"name": "vm"})()
    out = ('step {"step": "import_cosem", "ok": true}\n'
           'step {"step": "app_boot", "ok": false, "error": "MemoryError: memory allocation failed"}\n'
           'figures {"import_cosem": 40000, "ok": false}\n')
    res = heap._result(out, 0, vm, 98304, "mpy-cross", None, 526, 60)
    assert res["ok"] is False and res["import_cosem"] == 40000 and res["app_boot"] is None
    assert res["error"] == "app_boot: MemoryError: memory allocation failed"
    crashed = heap._result("Traceback ...\nRuntimeError: boom\n", 1, vm, 98304, None, None, 526, 60)
    assert crashed["ok"] is False and crashed["form"] == "py"
    assert crashed["error"] == "the VM stopped (exit 1): RuntimeError: boom"


def test_settings_option_runs_the_application_with_those_feeds(tmp_path):
    mine = tmp_path / "settings.toml"
    mine.write_text('CIRCUITPY_WIFI_SSID = "my network"\nEMETER_RAW = 0\nEMETER_BRIDGE = 1\n')
    rc, out, err = _run("--settings", str(mine), "--fresh", "--json")
    doc = json.loads(out.strip().splitlines()[-1])
    assert rc == 0 and doc["ok"] is True, out + err
    assert doc["mqtt_published"] == 0 and "app_mqtt_publish" not in doc["step_peaks"], doc
    assert doc["bytes_index"] > 1000 and doc["app_boot"] > doc["import_cosem"], doc


def test_missing_settings_file_is_one_line(tmp_path):
    rc, out, err = _run("--settings", str(tmp_path / "nope.toml"))
    assert rc == 2 and err.count("\n") == 1 and "nope.toml" in err, err


def test_compiled_modules_are_cached_by_content(tmp_path):
    calls = tmp_path / "calls"
    compiler = tmp_path / "mpy-cross"
    compiler.write_text(
        "#!%s\nimport sys\nopen(%r, 'a').write('x')\n"
        "open(sys.argv[sys.argv.index('-o') + 1], 'wb').write(b'M\\x06' + open(sys.argv[-1], 'rb').read())\n"
        % (sys.executable, str(calls)))
    compiler.chmod(0o755)
    src = tmp_path / "mod.py"
    src.write_text("A = 1\n")
    cache = str(tmp_path / "cache")
    first = heap.compile_cached(str(compiler), str(src), "mod.py", cache)
    assert heap.compile_cached(str(compiler), str(src), "mod.py", cache) == first
    assert calls.read_text() == "x"          # the second run compiled nothing
    src.write_text("A = 2\n")
    changed = heap.compile_cached(str(compiler), str(src), "mod.py", cache)
    assert changed != first and calls.read_text() == "xx"
    with open(changed, "rb") as f:
        assert f.read() == b"M\x06A = 2\n"


def test_modules_are_measured_after_what_they_import_while_loading(tmp_path):
    files = {"pkg/__init__.py": "from pkg import b\n",
             "pkg/a.py": "import pkg.b\n\ndef later():\n    import pkg.c\n",
             "pkg/b.py": "from .c import X\n",
             "pkg/c.py": "X = 1\n"}
    sources = {}
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(exist_ok=True)
        p.write_text(text)
        sources[rel[:-3].replace("/__init__", "").replace("/", ".")] = str(p)
    order = heap.import_order(set(sources), sources)
    # a package loads before its modules; c (imported by b while loading) before b
    assert order.index("pkg") < order.index("pkg.a")
    assert order.index("pkg.c") < order.index("pkg.b") < order.index("pkg.a")


def test_modules_lists_what_each_module_keeps():
    rc, out, err = _run("--modules", "--json")
    assert rc == 0, err
    doc = json.loads(out.strip().splitlines()[-1])
    kept = doc["modules"]
    assert kept["adafruit_httpserver"] > 10000 and kept["emeter.app"] > 1000, kept
    assert "emeter.web.plainpages" not in kept  # not resident after boot
