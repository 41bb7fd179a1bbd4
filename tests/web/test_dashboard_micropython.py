"""The dashboard's board-side modules under MicroPython give what CPython gives (no browser).

The power ring, the pages, the assets and the setup rules run on the board; this runs
them in the MicroPython VM (tools/mpy_vm.py) and compares the output with CPython's.
"""

from vmhelp import FAKE_BOARD, same_under_micropython

PROBE = r'''
from emeter.web import assets, dashboard, dashpage, formrules, logpage
from emeter.store.faillog import FailLog
from emeter.store.history import PowerHistory, watts
from emeter.state import State
from cosem.message import Failure, Message
from cosem.number import Dec


''' + FAKE_BOARD + r'''
class Sched:
    last_error = None


class App:
    refresh_s = 10

    def __init__(self, board):
        self.board = board
        self.state = State(board)
        self.log = FailLog(board, limit=4000)
        self.sched = Sched()
        self.history = PowerHistory(board.ticks_ms)

    def title(self):
        return "Meter <x>"

    def wifi_info(self):
        return {"ssid": "home<1>", "ip": "10.0.0.2", "rssi": -61, "ap": False}

    def status_rows(self):
        return [("uptime", "1 s")]

    def counter_rows(self):
        return self.state.counters() + [("errors", 0)]


b = Board()
app = App(b)
h = app.history
for i in range(400):
    b.now = 5 + i * 3000
    h.add(i * 7 - 900)
print(h.to_json())
print(watts(Dec(2445, -4), "kW"), watts(Dec(-12, 1), "kW"), type(h.short.data[0]).__name__)
m = Message("dsmr")
m.timestamp = "2026-01-02T03:04:05"
m.meter = {"id": "<id>", "model": "M&M"}
m.add("1-0:1.7.0", Dec(244, -3), "kW")
m.add("1-0:2.7.0", Dec(0, -3), "kW")
m.add("1-0:1.8.1", Dec(1234567891, -3), "kWh")
m.add("1-0:32.7.0", Dec(2301, -1), "V")
m.add("0-0:96.13.0", "<script>x</script>", None)
app.state.good(m)
app.history.message_in(m)
f = Failure("hdlc", "fcs", "frame check sequence wrong", bytes(range(40)))
app.state.bad(f)
app.log.add(f, app.state.now_text())
page = dashpage.index(app)
print(len(page), "<script>x" in page, "&lt;script&gt;x" in page, "1234567.891" in page)
print(page.count('data-o="'), page.count("data-d="), page.count("data-s="))
log = logpage.log_page(app)
for whole, parts in ((page, dashpage.index_parts(app)), (log, logpage.log_page_parts(app))):
    # what goes out: the pieces gathered in the chunk buffer (a str goes in as it is here)
    sent = [c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in dashboard._gathered(parts)]
    print("gathered", b"".join(sent) == whole.encode("utf-8"), max(len(c) for c in sent) <= 2048)
print(len(log), log.count('class="entry"'), "build.py decode" in log)
print(dashboard.status_doc(app))
print(logpage.parse_entry(app.log.entries[-1])["when"])
print(formrules.rules_json())
for p in (assets.CSS_PATH, assets.JS_PATH):
    body, version, gz = assets.get(p)
    print(p, len(body), version)
print(assets.response(assets.JS_PATH, {"If-None-Match": '"%s"' % assets.get(assets.JS_PATH)[1]})[0])
'''


def test_the_dashboard_modules_behave_the_same_under_micropython():
    out_c = same_under_micropython(PROBE)
    assert "False True True" in out_c  # meter text escaped, exact decimals
    assert out_c.count("gathered True True") == 2  # the chunks sent are the page's bytes
