"""HostBoard: the Board interface on CPython.

Meter port: a replayed capture (paced like the wire) or a serial device through
pyserial (a pty works too).  Network: CPython's socket module, always "connected"
(the PC's own network); no access point.  Storage: files in a data folder.
Button and LED: attributes tests can set and read.  restart(): raises Restart,
which `build.py run` catches to build the application again.
"""

import os
import socket
import time

from emeter.boards.base import Board
from emeter.clock import wrap
from emeter.scheduler import char_bits

from .uart import ReplayUart, SerialUart


class Restart(BaseException):
    """The application asked for a restart (BaseException: the app's own
    `except Exception` guards must not swallow it)."""


class HostBoard(Board):
    name = "host"
    keeps_wall_time = True   # the computer keeps its own clock: no SNTP from the app

    def __init__(self, data_dir="data", replay=None, speed=1.0, serial=None, wire=None,
                 ip="127.0.0.1", schedule=None):
        """replay: bytes to loop; schedule: when each message of the replay starts (host.uart.ReplayUart;
        None: back to back); serial: device path; wire: (baud, bits, parity) that overrides
        what the application asks for (None: use the app's settings)."""
        self.data_dir = data_dir
        os.makedirs(data_dir, exist_ok=True)
        self.replay = replay
        self.schedule = schedule
        self.speed = speed
        self.serial = serial
        self.wire = wire
        self.ip = ip
        self.uart = None
        self.opened = None         # the settings the application last opened with
        self.button = False
        self.led_on = None
        self.led_changes = 0
        self.watchdog = None
        self.restarts = 0
        self.mdns = None

    # --- time
    def ticks_ms(self):
        return wrap(int(time.monotonic() * 1000))

    def sleep_ms(self, ms):
        time.sleep(ms / 1000)

    def wall_time(self):
        return tuple(time.gmtime()[:6])

    def set_wall_time(self, t):
        pass  # the computer's clock is the operating system's business

    # --- meter port
    def serial_open(self, baud, bits, parity, stop, rx_pin=None, invert=False):
        self.opened = (baud, bits, parity, stop)
        if self.wire:
            baud, bits, parity = self.wire
        if self.serial and self.replay is None and isinstance(self.uart, SerialUart):
            self.uart.configure(baud, bits, parity, stop)  # one port, its outages and reconnects
            return
        if self.uart is not None:
            self.uart.close()
        if self.replay is not None:
            self.uart = ReplayUart(self.replay, baud, char_bits(bits, parity, stop), self.speed,
                                   self.uart_buffer_bytes, schedule=self.schedule)
        elif self.serial:
            self.uart = SerialUart(self.serial, baud, bits, parity, stop)
        else:
            self.uart = None

    def serial_readinto(self, buf):
        return self.uart.readinto(buf) if self.uart is not None else 0

    def serial_overruns(self):
        return getattr(self.uart, "overruns", None)

    def serial_reconnects(self):
        return getattr(self.uart, "reconnects", None)

    # --- network
    def socket_pool(self):
        return socket

    def wifi_connect(self, ssid, password, timeout_s):
        return True

    def wifi_start_ap(self, ssid, password=None):
        raise OSError("no access point in host mode")

    def wifi_status(self):
        return {"connected": True, "ap": False, "ssid": None, "ip": self.ip,
                "mac": None, "rssi": None}

    def mdns_advertise(self, hostname, port):
        self.mdns = (hostname, port)  # nothing to announce on a PC

    # --- storage
    def _path(self, name):
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError("bad file name %r" % name)
        return os.path.join(self.data_dir, name)

    def read_file(self, name):
        try:
            with open(self._path(name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def write_file_atomic(self, name, data):
        path = self._path(name)
        tmp = path + ".new"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def write_file_over(self, name, data):
        path = self._path(name)
        try:
            same = os.path.getsize(path) == len(data)
        except FileNotFoundError:
            same = False
        with open(path, "r+b" if same else "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def remove_file(self, name):
        try:
            os.remove(self._path(name))
        except FileNotFoundError:
            pass

    # --- people
    def button_pressed(self):
        return bool(self.button)

    def led(self, on):
        if on != self.led_on:
            self.led_changes += 1
        self.led_on = on

    # --- health
    def watchdog_start(self, timeout_s):
        self.watchdog = timeout_s

    def watchdog_feed(self):
        pass

    def free_memory(self):
        return None

    def restart(self):
        self.restarts += 1
        if self.uart is not None:
            self.uart.close()
            self.uart = None
        raise Restart()
