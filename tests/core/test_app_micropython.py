"""The board-independent app modules under MicroPython give what CPython gives.

CircuitPython shares MicroPython's VM (unordered dicts, fewer str methods, no
os.urandom on some builds); the network and board modules are not run here.
"""

import sys

from apphelp import ROOT

sys.path.insert(0, ROOT)

from tools.mpy_vm import package_files, run_in_cpython, run_in_vm  # noqa: E402


PROBE = r'''
from emeter.store import tomlfile, settings
from emeter.web import forms, datajson, plainpages as pages
from emeter.net import dns
from emeter import clock
from emeter.store.faillog import FailLog
from emeter.scheduler import Scheduler, budget_ms
from emeter.state import State
from cosem.message import Failure, Message
from cosem.number import Dec


class Board:
    def __init__(self):
        self.now = 5
        self.files = {}
        self.fed = 0

    def ticks_ms(self):
        return self.now

    def wall_time(self):
        return (2026, 1, 2, 3, 4, 5)

    def read_file(self, name):
        return self.files.get(name)

    def write_file_atomic(self, name, data):
        self.files[name] = bytes(data)

    def watchdog_feed(self):
        self.fed += 1

    def sleep_ms(self, ms):
        pass

    def free_memory(self):
        return 1234


t = tomlfile.rewrite('# keep\nX = "y"\n', [("A", 'q"\\\n\u00e9'), ("B", 7)], ("A", "B"))
print(t.encode("utf-8").hex())
print([(k, str(v).encode("utf-8").hex()) for k, v in sorted(tomlfile.parse(t).items())])
f = forms.parse(b"a=1+2&b=%41%zz&c=%ff&a=3&d")
print(sorted(f.items()))
q = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01x\x00\x00\x01\x00\x01"
print(dns.answer(q, b"\xc0\xa8\x04\x01").hex(), dns.answer(q[:5], b"1234"))
for kind, raw in (("ssid", b"x" * 33), ("ssid", b"\xff"), ("hex16", b"AB" * 16), ("host", b"Me-1"),
                  ("baud", b"auto"), ("wpa", b"short"), ("pin", b"IO18")):
    print(kind, settings.check_field(kind, raw))
s = settings.Settings()
new, errors = s.updated({"wifi_ssid": b"home", "key": b"zz", "hostname": b"m"})
print(sorted(errors.items()), new["wifi_ssid"])
new, errors = s.updated({"wifi_ssid": b"home", "admin_password": b"longenough"})
print(errors, settings.check_password(new["admin_password"], "longenough"))
b = Board()
new.save(b)
print(settings.Settings.load(b)["wifi_ssid"], settings.Settings.load(b).problems)
log = FailLog(b, limit=600)
for i in range(20):
    log.add(Failure("hdlc", "fcs", "bad %d" % i, bytes([i]) * 30), "2026-01-01T00:00:00Z")
print(log.size, len(log.entries), log.dropped, log.flush())
print(FailLog(b, limit=600).text() == log.text())
drains = []
sch = Scheduler(b, lambda: drains.append(b.now), budget_ms(4096, 115200))
def slow():
    b.now += 200
sch.every("a", slow, 0)
sch.every("b", slow, 0)
sch.step()
print(drains, sch.late, b.fed, clock.ticks_diff(3, (1 << 29) - 2))
st = State(b)
m = Message("dsmr")
m.timestamp = "<t>"
m.meter = {"id": "<x>", "model": "m"}
m.add("1-0:1.8.0", Dec(1234567891, -3), "kWh")
m.add("0-0:96.13.0", "<script>", None)
st.good(m)
st.bad(Failure("hdlc", "no-key", "k", b""))
page = pages.index("T", m, [("id", "<x>")], [("s", 1)], st.counters())
print("<script>" in page, "&lt;script&gt;" in page, "1234567.891" in page)
print(datajson.document(st, datajson.device(st, {"ip": "1.2.3.4", "ap": False}, "emeter")))
'''


def test_app_core_modules_behave_the_same_under_micropython():
    rc_c, out_c = run_in_cpython(PROBE)
    rc_m, out_m = run_in_vm(PROBE, files=package_files("emeter"))
    assert rc_c == 0, out_c
    assert rc_m == 0, out_m
    assert out_m == out_c
    assert "\nFalse True True\n" in out_c  # no raw <script>, escaped, exact decimal
