# Runs INSIDE a MicroPython-family VM (tools/heap.py puts it there, compiled like the rest).
# MicroPython-compatible only.
#
# A decode row of build.py heap: one Decoder, REPEAT x a frame, then the heap kept plus one
# decode with the collector off. heapprobe.py runs it for both families in its one process;
# tools/heap.py also runs it alone (main(), more()), once per family, each in a VM of its
# own with nothing else of the probe loaded: the heap a board reading that kind of meter
# needs (a meter sends one family). Driven like heapprobe (see there): yield = collect now.
#
# Output of a run alone: "step {json}" for a failed step, then "figures {json}".
import gc
import json

REPEAT = 300

_gen = None


def row(f, name, data, key_hex, auth_hex):
    """Decode data REPEAT times; f[name + "_heap"], f[name + "_alloc"] (a generator)."""
    import cosem
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


# --- one family alone ---------------------------------------------------------------------
def main(root, name, key_hex, auth_hex):
    global _gen
    _gen = _alone(root, name, key_hex, auth_hex)


def _alone(root, name, key_hex, auth_hex):
    gc.collect()
    yield
    f = {"baseline": gc.mem_alloc()}
    with open(root + "/probe/" + name[7:] + ".bin", "rb") as fp:
        data = fp.read()
    yield from row(f, name, data, key_hex, auth_hex)
    f[name + "_modules"] = list(__import__("sys").modules)  # (heap.py keeps the decoder's)
    f["ok"] = True
    print("figures " + json.dumps(f))


def more():
    try:
        next(_gen)
        return True
    except StopIteration:
        return False
    except Exception as e:  # MemoryError included: name the step and the error
        gc.enable()
        print("step " + json.dumps({"step": "decode alone", "ok": False, "error": "%s: %s" % (type(e).__name__, e)}))
        print('figures {"ok": false}')
        return False
