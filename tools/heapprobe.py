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
# A manifest with "only": "decode_dsmr" or "decode_gcm" decodes that family alone (the runs
# that measure the heap a board reading that kind of meter needs).
import gc
import json

REPEAT = 300

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
        for name, data_file, key_hex, auth_hex in (("decode_dsmr", m["dsmr"], None, None),
                                                   ("decode_gcm", m["gcm"], m["gcm_key"], m["gcm_auth_key"])):
            if m.get("only", name) != name:
                continue  # a run of one family (a meter sends one) decodes that family alone
            self.begin(name)
            data = _read(self.root + "/probe/" + data_file)
            d = cosem.Decoder(key=bytes.fromhex(key_hex) if key_hex else None,
                              auth_key=bytes.fromhex(auth_hex) if auth_hex else None)
            yield from _decodes(d, data)
            kept = yield from _settle(d, data)  # the modules, the decoder and its buffers
            gc.disable()
            before = gc.mem_alloc()
            items = d.feed(data)
            f[name + "_alloc"] = gc.mem_alloc() - before
            # the heap one more decode needs if nothing is freed during it (fragmentation aside)
            f[name + "_heap"] = kept + f[name + "_alloc"]
            gc.enable()
            if len(items) != 1 or not items[0].ok:
                raise ValueError("the measured decode gave no message")
            d = items = data = None
            if "only" in m:  # the modules loaded (heap.py keeps the decoder's)
                f[name + "_modules"] = list(__import__("sys").modules)
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


def _decodes(d, data):
    """REPEAT decodes of data through d, in a frame of their own that is dropped before the
    heap is read (see _settle)."""
    for i in range(REPEAT):
        items = d.feed(data)
        if len(items) != 1 or not items[0].ok:
            raise ValueError("decode %d gave %r" % (i, items))
        items = None
        if i % 50 == 49:
            gc.collect()
            yield  # lets this VM free the garbage of the last decodes


def _settle(d, data):
    """-> the heap in use once the decodes' garbage is gone: the least of four collections,
    each after one more decode whose allocations start a block further on.

    The collector is conservative: any word that looks like a heap address keeps the block
    it points into, and with all it references. In this VM heap addresses are small numbers,
    so bytecode and data words do look like some; the last decode's message, had it landed
    there, would count as kept and the figure would move with unrelated code. A board's
    addresses rarely look like data. (The Nones passed to _collect clear the value-stack
    slots an earlier expression left behind, which the collector scans too.)"""
    least = 1 << 30
    for i in range(4):
        pad = bytearray(16 * i)
        items = d.feed(data)
        pad = items = None
        _collect(None, None, None, None, None, None, None, None, None, None, None, None)
        yield
        if gc.mem_alloc() < least:
            least = gc.mem_alloc()
    return least


def _collect(a, b, c, d, e, f, g, h, i, j, k, m):
    gc.collect()


def main(root, manifest_name):
    global _probe
    _probe = Probe(root, manifest_name)


def more():
    return _probe.next()
