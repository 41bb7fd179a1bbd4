# Runs inside the MicroPython VM (tools/mpy_vm.bench_in_vm): times cosem.decode on each
# capture listed in /bench/manifest.json and prints one JSON line per capture.
# Allocation is measured with the collector held off, so it is every byte one decode
# asked for: an upper bound on the heap it needs at its peak.
import gc
import json

import vmclock

import cosem


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _key(text):
    return bytes.fromhex(text) if text else None


def _one(item, repeat):
    data = _read(item["file"])
    key = _key(item["key"])
    auth = _key(item["auth_key"])
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    results = cosem.decode(data, key, auth)
    alloc = gc.mem_alloc() - before
    gc.enable()
    ok = 0
    for r in results:
        if r.ok:
            ok += 1
    gc.collect()
    t0 = vmclock.ms()
    for _ in range(repeat):
        cosem.decode(data, key, auth)
    ms = (vmclock.ms() - t0) / repeat
    return {"name": item["name"], "results": len(results), "ok": ok, "ms": ms, "alloc": alloc}


def main():
    manifest = json.loads(_read("/bench/manifest.json"))
    repeat = manifest["repeat"]
    for item in manifest["captures"]:
        try:
            row = _one(item, repeat)
        except Exception as e:  # report and go on: one bad capture must not hide the rest
            gc.enable()
            row = {"name": item["name"], "error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(row))


main()
