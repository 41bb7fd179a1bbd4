"""The CircuitPython board module runs on the VM CircuitPython is built on.

CI has no board; MicroPython's WebAssembly build (tests/mpy) shares CircuitPython's VM, so
the board module runs there against the tiny hardware stand-ins of vm_fakes.py. This
catches CPython-only habits (errno names, str methods, exception types) that the CPython
tests and mypy cannot.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools.mpy_vm import run_in_vm  # noqa: E402
from vm_fakes import FILES  # noqa: E402

OURS = ("boards/base.py", "clock.py", "lazy.py", "boards/circuitpython.py", "boards/cpstart.py")

SCRIPT = """
import os
import busio, microcontroller, storage, supervisor, neopixel_write
import emeter.boards.circuitpython as m
m.ConnectionError = OSError   # CircuitPython has ConnectionError (an OSError); this build not

os.mkdir("/data")
b = m.Board(data_dir="/data")

b.serial_open(2400, 7, "E", 1)
uart = busio.UART.last
print("uart", uart.settings)
buf = bytearray(64)
print("empty", b.serial_readinto(buf))
uart.feed(b"/ISK5")
print("read", b.serial_readinto(buf), bytes(buf[:5]))
b.serial_open(9600, 8, "N", 1, rx_pin="GPIO18")
print("rx", busio.UART.last.settings[1])

print("missing", b.read_file("settings.toml"))
b.write_file_atomic("settings.toml", b"one")
b.write_file_atomic("settings.toml", b"two")
print("written", b.read_file("settings.toml"), sorted(os.listdir("/data")))
os.remove("/data/settings.toml")
f = open("/data/settings.toml.new", "wb"); f.write(b"three"); f.close()
print("recovered", b.read_file("settings.toml"), sorted(os.listdir("/data")))
b.remove_file("settings.toml")
b.remove_file("settings.toml")
print("removed", os.listdir("/data"))

real_open = open
def read_only_open(path, mode="r"):
    if "w" in mode and not storage.remounts:
        raise OSError(30, "read-only")
    return real_open(path, mode)
m.open = read_only_open
supervisor.runtime.usb_connected = True
try:
    b.write_file_atomic("log.txt", b"x")
except m.ReadOnlyStorage as e:
    print("readonly", e.args[0], "USB" in e.args[1], isinstance(e, OSError))
supervisor.runtime.usb_connected = False
supervisor.now[0] += 60000
b.write_file_atomic("log.txt", b"x")
print("remounted", storage.remounts, b.read_file("log.txt"))

print("wifi", b.wifi_connect("away", "secret12", 10), b.wifi_connect("home", "secret12", 10))
st = b.wifi_status()
print("status", st["connected"], st["ssid"], st["ip"], st["mac"], st["rssi"])
print("ap", b.wifi_start_ap("emeter-0ABC"))
print("mdns", b.mdns_advertise("emeter", 80))

b.led(True)
b.led(False)
print("pixel", neopixel_write.writes[0] != bytes(3), neopixel_write.writes[1] == bytes(3))
print("button", b.button_pressed())
b._button.value = False
print("pressed", b.button_pressed())

b.watchdog_feed()
b.watchdog_start(8)
b.watchdog_feed()
dog = microcontroller.watchdog
print("watchdog", dog.timeout, dog.mode, dog.fed)
print("time", b.wall_time(), b.ticks_ms())
print("memory", b.free_memory() > 0)
b.restart()
print("reset", microcontroller.resets)
"""

EXPECTED = [
    "uart (None, 'RX', 2400, 7, 2, 1, 0, 4096)",
    "empty 0",
    "read 5 b'/ISK5'",
    "rx GPIO18",
    "missing None",
    "written b'two' ['settings.toml']",
    "recovered b'three' ['settings.toml']",
    "removed []",
    "readonly 30 True True",
    "remounted [('/', False)] b'x'",
    "wifi False True",
    "status True home 192.168.1.50 7c:df:a1:00:0a:bc -58",
    "ap 192.168.4.1",
    "mdns True",
    "pixel True True",
    "button False",
    "pressed True",
    "watchdog 8 2 2",
    "time None 160000",
    "memory True",
    "reset [1]",
]


def test_board_module_runs_under_the_micropython_vm():
    files = dict(FILES)
    for name in OURS:
        with open(os.path.join(ROOT, "src", "lib", "emeter", *name.split("/")), "rb") as f:
            files["/lib/emeter/" + name] = f.read()
    rc, out = run_in_vm(SCRIPT, files=files, cosem=False)
    assert rc == 0, out
    assert out.splitlines() == EXPECTED
