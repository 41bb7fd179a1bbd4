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


def test_json_line_has_every_figure_from_compiled_modules():
    rc, out, err = _run("--json")
    doc = json.loads(out.strip().splitlines()[-1])
    assert rc == 0, out + err
    assert doc["ok"] is True, doc
    assert doc["form"] == "mpy", doc
    wanted = heap.KEYS if heap.APP_READY else heap.KEYS[:3]
    for key in wanted:
        assert type(doc[key]) is int and doc[key] > 0, (key, doc)
    # the figures are heap sizes of this firmware, not of an empty VM
    assert doc["import_cosem"] > doc["baseline"] + 10000, doc


def test_bad_heap_size_is_one_line_naming_the_fix():
    rc, out, err = _run("--heap", "lots")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "96K" in err, err


def test_vm_that_is_not_executable_is_one_line(tmp_path):
    rc, out, err = _run("--vm", str(tmp_path / "micropython"))
    assert rc == 2 and err.count("\n") == 1 and "not an executable" in err, err
