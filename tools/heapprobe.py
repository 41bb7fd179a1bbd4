# Runs INSIDE a MicroPython-family VM (tools/heap.py puts it there, compiled like the rest).
# MicroPython-compatible only: no f-strings with '=', no typing, dicts are unordered.
#
# Steps, in one process, each reported as one line "step NAME {json}" and the figures as
# one line "figures {json}":
#   import_cosem    heap in use after `import cosem` and gc.collect
#   decode_dsmr     300 x the DSMR telegram through one Decoder, then the bytes one decode
#   decode_gcm      allocates with the collector off (after that warm-up); same for the GCM frame
#   app_*           the application on a fake board (heapapp.py), when the probe has it
import gc
import json
import sys

REPEAT = 300

figures = {}
steps = []


def _say(name, ok, detail):
    steps.append(name)
    row = {"step": name, "ok": ok}
    if detail:
        row["error"] = detail
    print("step " + json.dumps(row))


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _decode(root, cosem, name, data_file, key_hex):
    data = _read(root + "/probe/" + data_file)
    key = bytes.fromhex(key_hex) if key_hex else None
    d = cosem.Decoder(key=key)
    good = 0
    for _ in range(REPEAT):
        for item in d.feed(data):
            if not item.ok:
                raise ValueError("rejected: %s %s" % (item.reason, item.text))
            good += 1
    if good != REPEAT:
        raise ValueError("%d messages from %d frames" % (good, REPEAT))
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        items = d.feed(data)
        alloc = gc.mem_alloc() - before
    finally:
        gc.enable()
    if len(items) != 1 or not items[0].ok:
        raise ValueError("the measured decode gave no message")
    figures[name + "_alloc"] = alloc


def main(root, manifest_name="manifest.json"):
    manifest = json.loads(_read(root + "/probe/" + manifest_name))
    gc.collect()
    figures["baseline"] = gc.mem_alloc()
    ok = True
    try:
        import cosem
        gc.collect()
        figures["import_cosem"] = gc.mem_alloc()
        _say("import_cosem", True, None)
    except Exception as e:  # MemoryError included: the step failed, say which
        _say("import_cosem", False, "%s: %s" % (type(e).__name__, e))
        ok = False
    if ok:
        for name, data_file, key_hex in (("decode_dsmr", manifest["dsmr"], None),
                                         ("decode_gcm", manifest["gcm"], manifest["gcm_key"])):
            try:
                _decode(root, cosem, name, data_file, key_hex)
                _say(name, True, None)
            except Exception as e:
                gc.enable()
                _say(name, False, "%s: %s" % (type(e).__name__, e))
                ok = False
    if ok and manifest.get("app"):
        gc.collect()
        try:
            import heapapp
        except Exception as e:
            _say("app_import", False, "%s: %s" % (type(e).__name__, e))
            ok = False
        else:
            ok = heapapp.run(root, manifest, figures, _say)
    figures["ok"] = ok
    print("figures " + json.dumps(figures))
