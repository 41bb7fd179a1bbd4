"""CircuitPython hardware modules as tiny MicroPython-compatible sources, for the VM test.

The board module's logic then runs on the VM family CircuitPython belongs to (no
property tricks, no types.ModuleType, no struct_time here).
"""

FILES = {
    "/lib/board.py": """
class _Pin:
    def __init__(self, name):
        self.name = name
RX = _Pin("RX")
BUTTON = _Pin("BUTTON")
NEOPIXEL = _Pin("NEOPIXEL")
NEOPIXEL_POWER = _Pin("NEOPIXEL_POWER")
""",
    "/lib/microcontroller.py": """
from board import _Pin as Pin
class pin:
    GPIO18 = Pin("GPIO18")
class _Dog:
    timeout = None
    mode = None
    fed = 0
    def feed(self):
        if self.mode is None:
            raise ValueError("not running")
        self.fed += 1
watchdog = _Dog()
resets = []
def reset():
    resets.append(1)
""",
    "/lib/busio.py": """
class UART:
    class Parity:
        ODD = 1
        EVEN = 2
    last = None
    def __init__(self, tx=None, rx=None, baudrate=9600, bits=8, parity=None, stop=1,
                 timeout=1, receiver_buffer_size=64):
        self.settings = (tx, rx.name, baudrate, bits, parity, stop, timeout, receiver_buffer_size)
        self.data = bytearray()
        self.in_waiting = 0
        UART.last = self
    def feed(self, data):
        self.data += data
        self.in_waiting = len(self.data)
    def readinto(self, buf):
        n = min(len(buf), len(self.data))
        if not n:
            return None
        buf[:n] = self.data[:n]
        self.data = self.data[n:]
        self.in_waiting = len(self.data)
        return n
    def deinit(self):
        pass
""",
    "/lib/digitalio.py": """
class Pull:
    UP = 1
class DigitalInOut:
    def __init__(self, pin):
        self.pin = pin
        self.value = True
    def switch_to_input(self, pull=None):
        self.pull = pull
    def switch_to_output(self, value=False):
        self.value = value
""",
    "/lib/rtc.py": """
class _Time:
    tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec = 2000, 1, 1, 0, 0, 0
class RTC:
    def __init__(self):
        self.datetime = _Time()
""",
    "/lib/supervisor.py": """
now = [100000]
def ticks_ms():
    return now[0]
class _Runtime:
    usb_connected = False
runtime = _Runtime()
""",
    "/lib/wifi.py": """
try:
    ConnectionError
except NameError:  # CircuitPython has it; this MicroPython build does not
    ConnectionError = OSError
class _Net:
    ssid = "home"
    rssi = -58
class _Radio:
    enabled = False
    connected = False
    ap_active = False
    ap_info = None
    ipv4_address = None
    ipv4_address_ap = None
    mac_address = b"\\x7c\\xdf\\xa1\\x00\\x0a\\xbc"
    def connect(self, ssid, password="", timeout=None):
        if ssid != "home":
            raise ConnectionError("No network with that ssid")
        self.connected = True
        self.ap_info = _Net()
        self.ipv4_address = "192.168.1.50"
    def start_ap(self, ssid, password=""):
        self.ap_active = True
        self.ipv4_address_ap = "192.168.4.1"
radio = _Radio()
""",
    "/lib/socketpool.py": """
class SocketPool:
    def __init__(self, radio):
        self.radio = radio
""",
    "/lib/watchdog.py": """
class WatchDogMode:
    RAISE = 1
    RESET = 2
""",
    "/lib/storage.py": """
remounts = []
def remount(path, readonly=False):
    remounts.append((path, readonly))
""",
    "/lib/neopixel_write.py": """
writes = []
def neopixel_write(io, buf):
    writes.append(bytes(buf))
""",
    "/lib/mdns.py": """
class Server:
    def __init__(self, radio):
        self.services = []
    def advertise_service(self, service_type=None, protocol=None, port=None):
        self.services.append((service_type, protocol, port))
""",
}
