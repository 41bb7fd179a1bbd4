# Runs inside the MicroPython VM (tests/mpy/test_vm.py): the decoder conformance check
# (tests/cosem/conformance.py, put at /lib/conformance.py) over the corpus in /corpus/.
# Prints one JSON line per capture: name, problems (list of text), ms, alloc.
import gc
import json
import os

import vmclock

import conformance


def _read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def _names():
    files = os.listdir("/corpus")
    names = getattr(conformance, "NAMES", None)
    if names is None:
        names = [f[: -len(".expected.json")] for f in files if f.endswith(".expected.json")]
        names.sort()
    out = []
    for n in names:
        if n.endswith(".hex") or n.endswith(".txt"):
            out.append(n)
        elif n + ".hex" in files:
            out.append(n + ".hex")
        elif n + ".txt" in files:
            out.append(n + ".txt")
        else:
            out.append(n)  # reported as missing below
    return out


def main():
    for fn in _names():
        base = fn[:-4] if fn.endswith(".hex") or fn.endswith(".txt") else fn
        row = {"name": fn}
        try:
            data = _read("/corpus/" + fn)
            expected = _read("/corpus/" + base + ".expected.json", "r")
            gc.collect()
            gc.disable()
            before = gc.mem_alloc()
            t0 = vmclock.ms()
            problems = conformance.check_file(fn, data, expected)
            row["ms"] = vmclock.ms() - t0
            row["alloc"] = gc.mem_alloc() - before
            gc.enable()
            row["problems"] = [str(p) for p in problems]
        except Exception as e:
            gc.enable()
            row["problems"] = ["raised %s: %s" % (type(e).__name__, e)]
        print(json.dumps(row))


main()
