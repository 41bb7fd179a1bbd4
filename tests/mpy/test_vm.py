"""The pure decoder under MicroPython (WebAssembly build under node), compared with CPython.

CircuitPython and MicroPython share the VM that matters here (no ordered dicts, no
signed from_bytes, 30-bit floats on boards); CI has no board, so this is where
"runs unchanged on the board" is checked.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools.mpy_vm import (CORPUS, bench_in_vm, corpus_bench_captures, corpus_captures,  # noqa: E402
                          run_in_cpython, run_in_vm)

SRC_LIB = os.path.join(ROOT, "src", "lib")
CONFORMANCE = os.path.join(ROOT, "tests", "cosem", "conformance.py")
VM_CONFORMANCE = os.path.join(ROOT, "tests", "mpy", "vm_conformance.py")


def both(text):
    """Run the same probe on both VMs; return the MicroPython output after checking both succeed."""
    rc_c, out_c = run_in_cpython(text)
    rc_m, out_m = run_in_vm(text)
    assert rc_c == 0, out_c
    assert rc_m == 0, out_m
    return out_c, out_m


def test_vm_is_micropython_and_has_the_decoder_on_its_path():
    rc, out = run_in_vm("import sys, os\nprint(sys.implementation.name)\nprint(sorted(os.listdir('/lib/cosem')))")
    assert rc == 0, out
    lines = out.splitlines()
    assert lines[0] == "micropython"
    assert "'crc.py'" in lines[1] and "'number.py'" in lines[1]


def test_python_exception_in_vm_gives_exit_1_and_traceback():
    rc, out = run_in_vm("def f():\n    raise ValueError('boom')\nf()\n")
    assert rc == 1
    assert "ValueError: boom" in out


def test_sys_exit_code_passes_through_the_runner():
    rc, out = run_in_vm("import sys\nprint('before')\nsys.exit(3)\n")
    assert rc == 3
    assert out.startswith("before")


def test_extra_files_are_put_where_asked():
    rc, out = run_in_vm("print(open('/corpus/a.hex', 'rb').read())\nimport helper\nprint(helper.X)",
                        files={"/corpus/a.hex": b"7e a0", "/lib/helper.py": b"X = 42\n"})
    assert rc == 0, out
    assert out.splitlines() == ["b'7e a0'", "42"]


def test_every_decoder_module_imports_under_micropython():
    names = sorted(f[:-3] for f in os.listdir(os.path.join(SRC_LIB, "cosem")) if f.endswith(".py"))
    text = "".join("import cosem.%s\n" % n for n in names if n != "__init__") + "print('ok')\n"
    rc, out = run_in_vm(text)
    assert rc == 0, out
    assert out.strip() == "ok"


CRC_PROBE = """
from cosem import crc
print(hex(crc.crc16_x25(b'123456789')))
print(hex(crc.crc16_arc(b'123456789')))
print(crc.sum8(bytes(range(200))))
print(crc.crc16_x25(b'xx123456789yy', 2, 11))
"""


def test_crc_gives_the_check_values_and_matches_cpython():
    out_c, out_m = both(CRC_PROBE)
    assert out_m == out_c
    assert out_m.splitlines()[:2] == ["0x906e", "0xbb3d"]


NUMBER_PROBE = """
from cosem.number import Dec, scaled
from cosem.textnum import parse_decimal
for m, e in ((2308, -1), (-5, -2), (0, -3), (123456789, -3), (7, 2), (-1, -1)):
    print(str(Dec(m, e)))
for raw, s in ((2308, -1), (5, 0), (12, 3), (-40, -2)):
    v = scaled(raw, s)
    print(type(v).__name__, str(v))
for t in ('002130.115', '-1.5', '00005', '', 'abc', '+0.10'):
    v = parse_decimal(t)
    print(None if v is None else str(v))
print(Dec(2308, -1) == Dec(23080, -2), Dec(100, -2) == 1, Dec(1, -1) == 0)
"""


def test_exact_decimals_print_the_same_text_as_cpython():
    out_c, out_m = both(NUMBER_PROBE)
    assert out_m == out_c
    lines = out_m.splitlines()
    assert lines[:6] == ["230.8", "-0.05", "0.000", "123456.789", "700", "-0.1"]
    assert lines[-1] == "True True False"


JSONW_PROBE = """
from cosem import jsonw
from cosem.number import Dec
p = jsonw.Pairs()
p.add('z', Dec(2308, -1))
p.add('a', [1, None, True, 'q"\\n', b'\\x01\\xff'])
p.add('m', {'b': 2, 'a': Dec(-5, -3)})
print(jsonw.dumps(p))
"""


def test_json_writer_keeps_order_and_exact_decimals_like_cpython():
    out_c, out_m = both(JSONW_PROBE)
    assert out_m == out_c
    assert out_m.strip() == '{"z":230.8,"a":[1,null,true,"q\\"\\n","01ff"],"m":{"a":-0.005,"b":2}}'


OBIS_PROBE = """
from cosem import obis, textnum
print(obis.key(bytes([1, 0, 1, 8, 0, 255])))
print(obis.key(bytes([1, 0, 1, 8, 0, 3])))
for t in ('1-0:1.8.0', '1-0:1.8.0*255', '1-0:1.8.0.255', '1-0:1.8', 'x-0:1.8.0', '1-0:300.8.0'):
    print(textnum.parse_key(t))
print(obis.unit_symbol(27), obis.unit_symbol(255))
print(obis.name_of('1-0:1.7.0'))
"""


def test_obis_keys_and_names_match_cpython():
    out_c, out_m = both(OBIS_PROBE)
    assert out_m == out_c
    lines = out_m.splitlines()
    assert lines[:2] == ["1-0:1.8.0", "1-0:1.8.0*3"]
    assert lines[2:5] == ["1-0:1.8.0"] * 3
    assert lines[5:8] == ["None"] * 3


def _vm_conformance_rows():
    files = {}
    for fn in os.listdir(CORPUS):
        with open(os.path.join(CORPUS, fn), "rb") as f:
            files["/corpus/" + fn] = f.read()
    with open(CONFORMANCE, "rb") as f:
        files["/lib/conformance.py"] = f.read()
    with open(VM_CONFORMANCE, encoding="utf-8") as f:
        text = f.read()
    rc, out = run_in_vm(text, files=files)
    assert rc == 0, out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_decoder_conformance_holds_under_micropython_for_every_capture():
    # tests/cosem/conformance.py is the lead's MicroPython-compatible checker; this is the
    # same check CPython runs, executed in the VM over the whole corpus.
    assert os.path.exists(CONFORMANCE), "tests/cosem/conformance.py is not there yet"
    rows = _vm_conformance_rows()
    assert len(rows) >= len(corpus_captures()) // 2, "conformance checked too few captures"
    print("\n%-52s %8s %9s" % ("capture (MicroPython VM)", "ms", "alloc B"))
    for r in rows:
        print("%-52s %8.2f %9d" % (r["name"], r.get("ms", -1), r.get("alloc", -1)))
    failed = ["%s: %s" % (r["name"], "; ".join(r["problems"])) for r in rows if r["problems"]]
    assert not failed, "\n".join(failed)


def test_vm_decodes_every_capture_and_reports_time_and_memory():
    rows = bench_in_vm(corpus_bench_captures(), repeat=2)
    assert len(rows) == len(corpus_captures())
    errors = ["%s: %s" % (r["name"], r["error"]) for r in rows if "error" in r]
    assert not errors, "\n".join(errors)
    empty = [r["name"] for r in rows if r["results"] == 0]
    assert not empty, "decoding gave no result at all (neither message nor failure): %s" % empty
    ms = sorted(r["ms"] for r in rows)
    alloc = sorted(r["alloc"] for r in rows)
    print("\nMicroPython VM decode: median %.2f ms, max %.2f ms; allocated per decode: median %d B, max %d B"
          % (ms[len(ms) // 2], ms[-1], alloc[len(alloc) // 2], alloc[-1]))


def test_joins_idle_obis_f_and_list_rows_behave_as_on_cpython():
    """Segment loss, a quiet line, a code with F != 255, a 33-element OBIS list: same output."""
    text = r'''
from cosem import Decoder, meterside
LLC = b"\xe6\xe7\x00"
def obis(a, b, c, d, e, f=255):
    return bytes([9, 6, a, b, c, d, e, f])
def u32(v):
    return bytes([6]) + v.to_bytes(4, "big")
def note(body):
    return b"\x0f\x40\x00\x00\x01\x00" + body
def segs(apdu, n):
    info = LLC + apdu
    k = (len(info) + n - 1) // n
    parts = [info[i:i + k] for i in range(0, len(info), k)]
    return [meterside.hdlc_frame(p, segmented=i < len(parts) - 1) for i, p in enumerate(parts)]
def msg(tag, n):
    items = [obis(1, 0, c, 7, 0) + u32(tag * 1000 + c) for c in range(1, n)]
    return note(bytes([2, 2 * (n - 1)]) + b"".join(items))
a, b = segs(msg(1, 30), 3), segs(msg(2, 30), 3)
d = Decoder()
out = d.feed(a[0]) + d.idle() + d.feed(b[1] + b[2]) + d.idle() + d.feed(b"".join(b)) + d.flush()
out += d.feed(a[0] + a[1] + b[0] + b[1] + b[2]) + d.flush()
body = bytes([1, 1, 2, 3]) + obis(1, 0, 1, 8, 0, 101) + u32(5) + bytes([2, 2, 15, 253, 22, 30])
out += d.feed(meterside.hdlc_frame(LLC + note(body))) + d.flush()
flat = bytes([2, 33, 10, 3]) + b"LST" + b"".join([obis(1, 0, c, 7, 0) + u32(c) for c in range(1, 17)])
out += d.feed(meterside.hdlc_frame(LLC + note(flat))) + d.flush()
for i in out:
    print(i.to_json() if i.ok else (i.reason, i.text))
'''
    out_c, out_m = both(text)
    assert out_m == out_c
    lines = out_c.splitlines()
    assert lines[0].startswith("('incomplete'") and '"1-0:29.7.0":{"value":2029' in lines[3]
    assert '"1-0:1.8.0*101":{"value":0.005,"unit":"Wh"' in out_c and '"1-0:16.7.0":{"value":16' in out_c


BOARD_CODES_PROBE = r"""
from cosem import dsmr
dsmr._SLICING = False  # the boards' road: codes found without a slice, from the code cache
lines = [b"1-0:1.8.1(000001.000*kWh)", b"1-1:1.8.1(000002.000*kWh)", b"1-0:1.8.1*255(000003.000*kWh)",
         b"0-0:96.1.1(4B38)", b"1-0:2.8.1(000004.000*kWh)", b"1-0:1.8.1(000005.000*kWh)"]
body = b"/ISK5\\2M550T-1012\r\n\r\n" + b"\r\n".join(lines) + b"\r\n!\r\n"
for _ in range(2):  # the second time every code comes from the cache
    msg = dsmr.parse(body)
    print([(r.obis, str(r.value), r.unit) for r in msg.readings])
"""


def test_board_code_cache_tells_apart_codes_sharing_a_lookup_key_like_cpython():
    # MicroPython keeps a code sent as its key as the key text alone (bytes.startswith takes a
    # str there); CPython keeps the bytes: the readings must be the same
    out_c, out_m = both(BOARD_CODES_PROBE)
    assert out_m == out_c
    assert out_m.splitlines()[1] == out_m.splitlines()[0]
    assert "('1-1:1.8.1', '2.000', 'kWh')" in out_m and "('1-0:1.8.1', '5.000', 'kWh')" in out_m


def test_the_cpython_number_and_code_road_is_never_loaded_on_the_board_vm():
    text = r"""
import sys
from cosem import dsmr
msg = dsmr.parse(b"/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!\r\n")
print(str(msg.value("1-0:1.8.1")), 'cosem.dsmrfast' in sys.modules)
"""
    out_c, out_m = both(text)
    assert out_c.split() == ["1.000", "True"]
    assert out_m.split() == ["1.000", "False"]
