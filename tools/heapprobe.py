# Runs INSIDE a MicroPython-family VM (tools/heap.py puts it there, compiled like the rest).
# MicroPython-compatible only.
#
# The probe is one generator: it yields whenever it wants garbage collected before it
# looks at the heap, and the driver calls more() again. On a unix port the driver just
# loops (gc.collect() works anywhere). MicroPython's WebAssembly build frees garbage only
# between calls into the VM, so there every more() is a separate call (run.mjs --repeat)
# and gc.collect() + yield + gc.mem_alloc() gives the heap really in use.
#
# Output: one line "step {json}" per step, then "figures {json}".
# The decode rows are heapdecode.py's, which tools/heap.py also runs alone, once per family.
import gc
import json

_probe = None


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class Probe:
    def __init__(self, root, manifest_name="manifest.json"):
        self.root = root
        self.manifest = json.loads(_read(root + "/probe/" + manifest_name))
        self.figures = {}
        self.ok = True
        self.step = None
        self.gen = self.run()

    def say(self, name, ok, detail=None):
        row = {"step": name, "ok": ok}
        if detail:
            row["error"] = detail
        print("step " + json.dumps(row))

    def next(self):
        """Run the probe up to its next yield; False once it is over."""
        try:
            next(self.gen)
            return True
        except StopIteration:
            pass
        except Exception as e:  # MemoryError included: name the step and the error
            gc.enable()
            self.ok = False
            self.say(self.step or "probe", False, "%s: %s" % (type(e).__name__, e))
        self.figures["ok"] = self.ok
        print("figures " + json.dumps(self.figures))
        return False

    def begin(self, name):
        if self.step is not None:
            self.say(self.step, True)
        self.step = name

    def run(self):
        f = self.figures
        gc.collect()
        yield
        f["baseline"] = gc.mem_alloc()
        if self.manifest.get("modules"):
            yield from self.modules(self.manifest["modules"])
            return
        self.begin("import_cosem")
        import cosem
        gc.collect()
        yield
        f["import_cosem"] = gc.mem_alloc()
        m = self.manifest
        import heapdecode  # (after import_cosem: that figure carries none of it)
        for name, data_file, key_hex, auth_hex in (("decode_dsmr", m["dsmr"], None, None),
                                                   ("decode_gcm", m["gcm"], m["gcm_key"], m["gcm_auth_key"])):
            self.begin(name)
            yield from heapdecode.row(f, name, _read(self.root + "/probe/" + data_file), key_hex, auth_hex)
        heapdecode = None
        del __import__("sys").modules["heapdecode"]  # nor do the application's figures
        if m.get("app"):
            self.begin("app_import")
            import heapapp
            yield from heapapp.run(self)
        self.begin(None)

    def modules(self, names):
        """Heap each module keeps, imported one by one in the given order (its imports first)."""
        import heapapp
        heapapp.stand_ins()
        kept = {}
        self.figures["modules"] = kept
        self.begin("modules")
        kept["-"] = 0  # the dict's room for the rows
        for name in names:
            kept[name] = 0
        for name in names:
            gc.collect()
            yield
            before = gc.mem_alloc()
            __import__(name)
            gc.collect()
            yield
            gc.collect()
            yield
            kept[name] = gc.mem_alloc() - before


def main(root):
    global _probe
    _probe = Probe(root)


def more():
    return _probe.next()
