"""Stand-ins for the CircuitPython modules the board module imports, for CPython tests.

Each fake records what was asked of it. `load(monkeypatch, pins=...)` (or the `cp`
fixture) puts them in sys.modules, imports emeter.boards.circuitpython against them and
hands back the module, the fakes and the recorders so a test can steer and inspect them.
"""

import importlib
import os
import sys
import time
import types

import pytest


class Pin:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Pin(%s)" % self.name


class UART:
    class Parity:
        ODD = 1
        EVEN = 2

    made = []

    def __init__(self, tx=None, rx=None, **kw):
        self.tx = tx
        self.rx = rx
        self.kw = kw
        self.pending = bytearray()
        self.deinited = False
        UART.made.append(self)

    @property
    def in_waiting(self):
        return len(self.pending)

    def readinto(self, buf):
        # like busio with timeout=0: None when nothing came, else what fits
        n = min(len(buf), len(self.pending))
        if n == 0:
            return None
        buf[:n] = self.pending[:n]
        del self.pending[:n]
        return n

    def deinit(self):
        self.deinited = True


class DigitalInOut:
    def __init__(self, pin):
        if getattr(pin, "busy", False):
            raise ValueError("%s in use" % pin.name)
        self.pin = pin
        self.value = True
        self.pull = None
        self.output = None

    def switch_to_input(self, pull=None):
        self.output = False
        self.pull = pull

    def switch_to_output(self, value=False, drive_mode=None):
        self.output = True
        self.value = value


class Pull:
    UP = "up"
    DOWN = "down"


class WatchDogMode:
    RAISE = "raise"
    RESET = "reset"


class WatchDog:
    def __init__(self):
        self.timeout = None
        self.mode = None
        self.events = []

    def __setattr__(self, name, value):
        if name in ("timeout", "mode") and "events" in self.__dict__:
            self.events.append((name, value))
        object.__setattr__(self, name, value)

    def feed(self):
        if self.mode is None:
            raise ValueError("WatchDogTimer is not currently running")
        self.events.append(("feed", None))


class Network:
    def __init__(self, ssid, rssi):
        self.ssid = ssid
        self.rssi = rssi


class Radio:
    def __init__(self):
        self.enabled = False
        self.connected = False
        self.ap_active = False
        self.ap_info = None
        self.ipv4_address = None
        self.ipv4_address_ap = None
        self.mac_address = bytes((0x7C, 0xDF, 0xA1, 0x00, 0x0A, 0xBC))
        self.connect_calls = []
        self.connect_error = None
        self.ap_calls = []

    def connect(self, ssid, password=b"", *, channel=0, bssid=None, timeout=None):
        self.connect_calls.append((ssid, password, timeout))
        if self.connect_error is not None:
            raise self.connect_error
        self.connected = True
        self.ap_info = Network(ssid, -61)
        self.ipv4_address = "192.168.1.50"

    def start_ap(self, ssid, password=b"", *, channel=1, authmode=(), max_connections=4):
        self.ap_calls.append((ssid, password))
        self.ap_active = True
        self.ipv4_address_ap = "192.168.4.1"


class MdnsServer:
    servers = []

    def __init__(self, radio):
        self.radio = radio
        self.hostname = None
        self.instance_name = None
        self.services = []
        MdnsServer.servers.append(self)

    def advertise_service(self, *, service_type, protocol, port, txt_records=None):
        self.services.append((service_type, protocol, port))


class RTC:
    def __init__(self):
        self.datetime = time.struct_time((2000, 1, 1, 0, 0, 5, 5, 1, -1))


class Runtime:
    usb_connected = False


def _module(name, **attrs):
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


def build(pins=("RX", "BUTTON", "LED"), with_mdns=True, with_pixel_writer=True):
    """Fresh fake modules; pins names the board pins this fake board defines."""
    UART.made = []
    MdnsServer.servers = []
    clock = {"ms": 100000}
    board_pins = dict((name, Pin(name)) for name in pins)
    gpio = _module("microcontroller.pin", **dict(("GPIO%d" % i, Pin("GPIO%d" % i)) for i in range(48)))
    resets = []
    watchdog = WatchDog()
    radio = Radio()
    remounts = []
    pixel_writes = []
    mods = {
        "board": _module("board", board_id="fake_esp32s3", **board_pins),
        "busio": _module("busio", UART=UART),
        "digitalio": _module("digitalio", DigitalInOut=DigitalInOut, Pull=Pull),
        "microcontroller": _module("microcontroller", Pin=Pin, pin=gpio, watchdog=watchdog,
                                   reset=lambda: resets.append(True), cpu=_module("cpu"),
                                   ResetReason=_module("ResetReason", POWER_ON=1, WATCHDOG=6)),
        "rtc": _module("rtc", RTC=RTC),
        "socketpool": _module("socketpool", SocketPool=lambda radio: ("pool", radio)),
        "supervisor": _module("supervisor", ticks_ms=lambda: clock["ms"] & ((1 << 29) - 1),
                              runtime=Runtime()),
        "wifi": _module("wifi", radio=radio),
        "watchdog": _module("watchdog", WatchDogMode=WatchDogMode),
        "storage": _module("storage", remount=lambda path, readonly=False: remounts.append((path, readonly))),
    }
    if with_mdns:
        mods["mdns"] = _module("mdns", Server=MdnsServer)
    if with_pixel_writer:
        mods["neopixel_write"] = _module(
            "neopixel_write", neopixel_write=lambda io, buf: pixel_writes.append((io, bytes(buf))))
    extras = {"clock": clock, "resets": resets, "remounts": remounts, "pixel_writes": pixel_writes,
              "pins": board_pins, "gpio": gpio, "radio": radio, "watchdog": watchdog}
    return mods, extras


HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "lib")


@pytest.fixture
def cp(monkeypatch):
    """The board module imported against fresh fakes: cp.Board, cp.mod, cp.fake(name), cp.x."""
    return load(monkeypatch)


def load(monkeypatch, **options):
    monkeypatch.syspath_prepend(LIB)
    mods, extras = build(**options)
    for name in ("mdns", "neopixel_write"):
        if name not in mods:
            mods[name] = None       # `import name` raises ImportError, as on a board without it
    for name, module in mods.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "emeter.boards.circuitpython", raising=False)
    module = importlib.import_module("emeter.boards.circuitpython")
    monkeypatch.setitem(sys.modules, "emeter.boards.circuitpython", module)  # gone after the test
    return types.SimpleNamespace(mod=module, Board=module.Board, fakes=mods, x=extras)
