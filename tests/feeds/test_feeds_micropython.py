"""The feeds' pure modules give the same bytes under MicroPython as under CPython
(CircuitPython shares MicroPython's VM: unordered dicts, no bytearray slice deletion)."""

import os
import sys

from apphelp import ROOT, corpus_bytes, corpus_path

sys.path.insert(0, ROOT)

from tools.mpy_vm import package_files, run_in_cpython, run_in_vm  # noqa: E402

MODULES = ("clock", "feeds.obismap", "feeds.dsmrbridge", "feeds.metrics", "feeds.influx",
           "feeds.hadiscovery", "feeds.cadence", "store.feedfields", "store.settings",
           "store.settingsfile", "store.tomlfile", "store.localtime", "lazy", "feeds.tcpfan",
           "feeds.mqtt", "feeds.push", "textcheck")
CAPTURES = ("hdlc-aidon-6525-list3-2.hex", "dsmr-v5-nl-iskra-mt382-1.txt",
            "mbus-kaifa-ma309m-at-evn-1.hex")

PROBE = r'''
import cosem
from emeter.feeds import dsmrbridge, metrics, influx, hadiscovery, mqtt, push
from emeter.store import feedfields
from emeter.feeds.tcpfan import _Client

class State:
    def __init__(self, m):
        self.message = m
        self.bytes = 10
        self.frames_ok = 1
        self.rejected = {"fcs": 2, "crc": 1}
        self.overruns = 0
    def elapsed_ms(self):
        return 1500
    def uptime_ms(self):
        return 61001

for name in NAMES:
    with open("/corpus/" + name, "rb") as f:
        data = f.read()
    if name.endswith(".hex"):
        data = bytes.fromhex(data.decode().strip())
    for m in cosem.decode(data):
        if not m.ok:
            continue
        t = dsmrbridge.telegram(m)
        print(t.decode() if t else None)
        print(metrics.text(State(m)))
        print(influx.line(m))
        print(mqtt.state_json(m))
        for r in m.readings:
            c = hadiscovery.config(m, r, "emtest", "p/state", "p/status", 300)
            if c:
                print(hadiscovery.topic("homeassistant", m, "emtest", r.obis), c[1])
            c = hadiscovery.config(m, r, "emtest", "p/state", "p/status", 300, None, True)
            print(c and c[1])
        print(cosem.jsonw.dumps(hadiscovery.device(m, "emtest", "10.0.0.5:8080")))
        for mode in ("dsmrreader", "influx"):
            req = push.request_for(mode, "http://h", "k", m)
            print(req and (req[0], req[1], sorted(req[2].items())))

for kind, text in (("port", "23"), ("port", "0"), ("topic", "a/#"), ("topic", "/emeter/"),
                   ("url", "ftp://x"), ("netaddr", "192.168.1.5"), ("interval", "4"),
                   ("push", "influx"), ("secret", "")):
    print(kind, text, feedfields.FEED_CHECKS[kind](text))
for iso in ("2020-07-21T21:00:00+00:00", "2025-12-31T23:30:00Z", "2025-03-30T01:00:00+00:00",
            "2025-10-26T00:59:00+00:00", "2024-02-29T23:00:00-01:00", "2025-07-01T12:00:00",
            "2025-01-01T12:00:00", "2025-07-01T13:00:00+03:00", "x"):
    print(iso, dsmrbridge.timestamp(iso))
print(dsmrbridge.fixed(cosem.number.Dec(5, -1), -3, 6, 3), dsmrbridge.fixed(123456789, -3, 6, 3),
      dsmrbridge.fixed(cosem.number.Dec(-15, 0), 0, 3, 1))

c = _Client(None, 8)
print(c.put(b"abcde"), c.queued())
c.taken(4)
print(c.put(b"fghijk"), c.queued(), bytes(c.view[c.start:c.end]))
print(c.put(b"xyz"), c.queued())
'''


def _probe():
    names = "NAMES = %r\n" % (CAPTURES,)
    return names + PROBE


def test_feed_modules_behave_the_same_under_micropython():
    files = package_files("emeter", MODULES)
    files.setdefault("/lib/emeter/__init__.py", b"")
    corpus = {}
    for name in CAPTURES:
        with open(corpus_path(name), "rb") as f:
            corpus["/corpus/" + name] = f.read()
    files.update(corpus)
    text = _probe()
    host_probe = text.replace('"/corpus/"', repr(os.path.dirname(corpus_path("x")) + "/"))
    rc_c, out_c = run_in_cpython(host_probe)
    assert rc_c == 0, out_c
    rc_m, out_m = run_in_vm(text, files=files)
    assert rc_m == 0, out_m
    assert out_m == out_c
    assert "1-0:1.8.0(109552.250*kWh)" in out_c   # Wh -> kWh by moving the point
    assert "000000.0005 123456.789 -015.0" in out_c  # never rounded
    assert "True 5\nTrue 7 b'efghijk'\nFalse 7" in out_c
    assert corpus_bytes(CAPTURES[0])  # the corpus is there (not an empty comparison)
