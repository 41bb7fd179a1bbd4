"""The Board on CircuitPython 10 (ESP32-S2, ESP32-S3, ESP32-C3).

Choices, and why:

- Meter port: `busio.UART`, receive only, 4096-byte receive buffer, timeout 0, so a
  read never waits and the loop has about 350 ms of slack at 115200 baud.
- Inverted RX: P1 ports send inverted (open-collector) TTL, and `busio.UART` cannot
  invert a line (ESP-IDF could; CircuitPython does not expose it). On this board the
  interface circuit inverts (a transistor with a pull-up to 3.3 V, or a 74HC14 gate),
  so the UART always sees normal polarity: `serial_open(..., invert=True)` describes
  the meter, changes nothing here, and is not an error (refusing it would stop the
  application before /setup could be served). `can_invert_rx = False` says so.
- Overruns: busio keeps no count. A read that finds the buffer within one hardware
  FIFO (128 bytes) of full means the driver has stopped taking bytes and is
  dropping them; those reads are counted. It is a lower bound, not an exact count.
- Storage: no boot.py. boot.py runs before USB starts, so it cannot know whether a
  computer will mount CIRCUITPY; it could only decide by a button held at power-up,
  and holding BOOT at reset starts the ESP32's ROM loader instead. So the drive is
  left writable by USB (editing code keeps working), and the first write that
  meets a read-only drive calls `storage.remount("/", readonly=False)`, when
  no USB host is enumerated and the board has been up a few seconds (an earlier
  remount can beat USB enumeration and lock a computer out). CircuitPython itself
  refuses the remount while a computer has the drive; the write (or removal) then
  fails with `ReadOnlyStorage`, a clear message instead of errno 30, and a refused
  remount is tried again at most once a minute. Once remounted, a computer sees the
  drive read-only until the next reset.
  `microcontroller.nvm` was rejected: 8 KB on these chips cannot hold the 64 kB log,
  and settings.toml must be a file for CircuitPython's own Wi-Fi and web workflow.
- Atomic files: FAT's rename over an existing file is remove-then-rename, so a
  power cut can fall between the two. A file is written as NAME.tmp, renamed to
  NAME.new only once complete, then renamed over NAME; `read_file` finishes a
  rename that a power cut interrupted. A leftover .tmp is never trusted.
- Pins are probed by name (BUTTON, BOOT0, BOOT, IO0; LED, else NEOPIXEL), never by
  board id (cpstart.py, loaded only while pins are looked up). Names from settings may be board names ("RX", "IO18") or "GPIO18".
- Ticks: `supervisor.ticks_ms()`, a small int wrapping at 2**29 (emeter.clock).
- Wall clock: `rtc.RTC()`, at 2000-01-01 after a reset until SNTP (emeter.sntp)
  sets it; `wall_time()` says None until then.
"""

import errno
import gc
import os
import time

import busio
import digitalio
import microcontroller
import rtc
import socketpool
import supervisor
import wifi
from watchdog import WatchDogMode

from emeter.clock import ticks_add, ticks_diff
from emeter.lazy import forget

RX_BUFFER_SIZE = 4096
_UART_FIFO = 128          # ESP32 hardware FIFO; within this of full, bytes get dropped
_RETRY_FIRST_MS = 1000    # a UART that failed is opened again after 1 s, 2 s, 4 s ... 30 s
_RETRY_MAX_MS = 30000
_CLOCK_SET_YEAR = 2024    # the RTC starts at 2000 until something sets it
# CircuitPython raises errno 30 for a read-only drive, but its errno module (like
# MicroPython's) may not name it
_EROFS = getattr(errno, "EROFS", 30)

_PIXEL_ON = bytes((8, 0, 0))   # dim green (GRB order), readable without glare
_PIXEL_OFF = bytes(3)

_PARITY = {"N": None, "E": busio.UART.Parity.EVEN, "O": busio.UART.Parity.ODD}


class ReadOnlyStorage(OSError):
    """CIRCUITPY cannot be written by the board (a computer has it, or remount failed)."""


def _parity(letter):
    # type: (str) -> busio.UART.Parity | None
    # circuitpython-stubs 10.3.1 declare Parity.EVEN/ODD as int; UART() wants a Parity
    return _PARITY[letter]  # type: ignore[return-value]


class Board:
    """emeter.boards.base.Board's interface, every method implemented here (tests check it):
    not a subclass, so the interface's own code is never loaded into the board's heap."""

    name = "circuitpython"
    uart_buffer_bytes = RX_BUFFER_SIZE
    can_invert_rx = False   # the interface circuit inverts a P1 signal, not the UART
    keeps_wall_time = False  # the RTC forgets at every reset: SNTP sets it

    def __init__(self, data_dir="/", button_pin=None, led_pin=None):
        self._dir = data_dir if data_dir.endswith("/") else data_dir + "/"
        self._started = supervisor.ticks_ms()
        self._remount_tried_at = None  # type: int | None
        self._uart = None  # type: busio.UART | None
        self._rx_full = 0
        self._uart_args = None  # type: tuple | None  # (rx pin, baud, bits, parity, stop) to reopen
        self._retry_at = 0
        self._retry_ms = _RETRY_FIRST_MS
        self._reconnects = 0
        self._pool = None  # type: socketpool.SocketPool | None
        self._mdns = None  # type: object  # the mdns.Server, kept alive
        self._ap_ssid = None  # type: str | None
        self._rtc = rtc.RTC()
        from emeter.boards import cpstart  # pins are looked up once: not kept resident
        self._button = cpstart.open_button(button_pin)
        self._pixel_power = []  # type: list[digitalio.DigitalInOut]
        self._pixel = False
        self._led_io = cpstart.open_led(self, led_pin)
        self._led_state = None  # type: bool | None
        forget("emeter.boards.cpstart")

    # --- time -----------------------------------------------------------
    def ticks_ms(self):
        return supervisor.ticks_ms()

    def sleep_ms(self, ms):
        time.sleep(ms / 1000)

    def wall_time(self):
        t = self._rtc.datetime
        if t.tm_year < _CLOCK_SET_YEAR:
            return None
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)

    def set_wall_time(self, t):
        # the RTC counts seconds from the date and time alone and works out the
        # weekday and day of the year itself when read: -1 stands for both
        y, mo, d, h, mi, s = t[:6]
        self._rtc.datetime = time.struct_time((y, mo, d, h, mi, s, -1, -1, -1))

    # --- meter port -----------------------------------------------------
    def serial_open(self, baud, bits, parity, stop, rx_pin=None, invert=False):
        if parity not in _PARITY:
            raise ValueError("parity must be 'N', 'E' or 'O', not %r" % (parity,))
        from emeter.boards import cpstart
        rx = cpstart.find_pin(("RX",)) if rx_pin is None else cpstart.pin_named(rx_pin)
        forget("emeter.boards.cpstart")
        if rx is None:
            raise ValueError("this board has no pin named RX: set the RX pin")
        self.serial_close()
        args = self._uart_args = (rx, baud, bits, _parity(parity), stop)
        self._retry_ms = _RETRY_FIRST_MS
        self._uart = self._make_uart(args)

    def _make_uart(self, args):
        rx, baud, bits, parity, stop = args
        return busio.UART(None, rx, baudrate=baud, bits=bits, parity=parity,
                          stop=stop, timeout=0, receiver_buffer_size=self.uart_buffer_bytes)

    def serial_close(self):
        self._uart_args = None
        if self._uart is not None:
            self._uart.deinit()
            self._uart = None

    def serial_readinto(self, buf):
        uart = self._uart
        try:
            if uart is None:
                # closed after an error: open again when the backoff says so
                args = self._uart_args
                if args is None or ticks_diff(supervisor.ticks_ms(), self._retry_at) < 0:
                    return 0
                uart = self._make_uart(args)
                self._uart = uart
                self._reconnects += 1
                self._retry_ms = _RETRY_FIRST_MS
            waiting = uart.in_waiting
            if not waiting:
                return 0
            if waiting >= self.uart_buffer_bytes - _UART_FIFO:
                self._rx_full += 1
            return uart.readinto(buf) or 0
        except Exception as e:
            # close, say so once, open again 1 s later, then 2, 4 ... 30 s; the web server and
            # the feeds go on meanwhile
            if self._uart is not None:
                print("emeter: serial port: %r; opening it again" % (e,))
                try:
                    self._uart.deinit()
                except Exception:
                    pass
                self._uart = None
            self._retry_at = ticks_add(supervisor.ticks_ms(), self._retry_ms)
            self._retry_ms = min(self._retry_ms * 2, _RETRY_MAX_MS)
            return 0

    def serial_overruns(self):
        return self._rx_full

    def serial_reconnects(self):
        return self._reconnects

    # --- network --------------------------------------------------------
    def socket_pool(self):
        if self._pool is None:
            self._pool = socketpool.SocketPool(wifi.radio)
        return self._pool

    def wifi_connect(self, ssid, password, timeout_s):
        radio = wifi.radio
        radio.enabled = True
        try:
            radio.connect(ssid, password or "", timeout=timeout_s)
        except (ConnectionError, OSError, ValueError):
            return False
        return radio.connected

    def wifi_start_ap(self, ssid, password=None):
        from emeter.boards import cpstart  # the setup access point: first boot, after a reset
        try:
            return cpstart.start_ap(self, ssid, password)
        finally:
            forget("emeter.boards.cpstart")

    def wifi_status(self):
        radio = wifi.radio
        connected = radio.connected
        ap = radio.ap_active
        ssid = rssi = ip = None
        info = radio.ap_info if connected else None
        if info is not None:
            ssid = info.ssid
            rssi = info.rssi
        address = radio.ipv4_address if connected else None
        if address is None and ap:
            address = radio.ipv4_address_ap
            ssid = self._ap_ssid
        if address is not None:
            ip = str(address)
        return {"connected": connected, "ap": ap, "ssid": ssid, "ip": ip,
                "mac": _mac_text(radio.mac_address), "rssi": rssi}

    def mdns_advertise(self, hostname, port):
        from emeter.boards import cpstart  # once, when the network is up
        done = cpstart.mdns_advertise(self, hostname, port)
        forget("emeter.boards.cpstart")
        return done

    # --- storage --------------------------------------------------------
    def read_file(self, name):
        path = self._dir + name
        data = _read(path + ".new")     # only a complete file is ever named .new
        if data is not None:
            self._finish_rename(path)
            return data
        return _read(path)

    def write_file_atomic(self, name, data):
        self._on_writable(_write_renamed, self._dir + name, data)

    def write_file_over(self, name, data):
        self._on_writable(_write_over, self._dir + name, data)

    def remove_file(self, name):
        self._on_writable(_remove_all, self._dir + name)

    def _on_writable(self, action, *args):
        """Run a write; on a read-only drive, make it writable (once) and run it again."""
        try:
            action(*args)
        except OSError as e:
            if not _is_read_only(e):
                raise
            self._make_writable()
            action(*args)

    def _finish_rename(self, path):
        try:
            os.rename(path + ".new", path)
        except OSError:
            pass    # read-only now: the next write finishes it

    def _make_writable(self):
        """Remount CIRCUITPY writable for the board, when no computer can have it (the
        checks and the remount are in cpstart.py, loaded for this rare call)."""
        from emeter.boards import cpstart
        try:
            why = cpstart.remount(self)
        finally:
            forget("emeter.boards.cpstart")
        if why is not None:
            raise ReadOnlyStorage(_EROFS, "CIRCUITPY is read-only to the board (%s)" % why)

    # --- people ---------------------------------------------------------
    def button_pressed(self):
        return self._button is not None and not self._button.value

    def led(self, on):
        on = bool(on)
        io = self._led_io
        if io is None or on == self._led_state:
            return
        self._led_state = on
        if self._pixel:
            from neopixel_write import neopixel_write
            neopixel_write(io, _PIXEL_ON if on else _PIXEL_OFF)
        else:
            io.value = on

    # --- health ---------------------------------------------------------
    def watchdog_start(self, timeout_s):
        dog = microcontroller.watchdog
        if dog is None:
            return
        dog.timeout = timeout_s
        dog.mode = WatchDogMode.RESET
        dog.feed()

    def watchdog_feed(self):
        dog = microcontroller.watchdog
        if dog is not None and dog.mode is not None:
            dog.feed()

    def free_memory(self):
        mem_free = getattr(gc, "mem_free", None)
        return None if mem_free is None else mem_free()

    def reset_by_watchdog(self):
        from emeter.boards import cpstart  # once, at start
        try:
            return cpstart.reset_by_watchdog()
        finally:
            forget("emeter.boards.cpstart")

    def restart(self):
        microcontroller.reset()


def _write_renamed(path, data):
    tmp = path + ".tmp"
    new = path + ".new"
    with open(tmp, "wb") as f:
        f.write(data)
    _remove(new)
    os.rename(tmp, new)     # from here on the new content is known complete
    os.rename(new, path)
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


def _write_over(path, data):
    # "r+b" keeps the file's clusters: only its data blocks and its directory entry change
    try:
        same = os.stat(path)[6] == len(data)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        same = False
    f = open(path, "r+b" if same else "wb")
    with f:
        f.write(data)
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


def _remove_all(path):
    for p in (path, path + ".new", path + ".tmp"):
        _remove(p)


def _mac_text(mac):
    return ":".join("%02x" % b for b in bytes(mac)) if mac else None


def _is_read_only(e):
    return bool(e.args) and e.args[0] == _EROFS


def _missing(path):
    """True when path names no file; asked only after an OSError, whose errno differs
    between VMs (2 on CircuitPython's FAT, 44 under MicroPython's WebAssembly build)."""
    cut = path.rfind("/")
    folder, name = (path[:cut] or "/", path[cut + 1:]) if cut >= 0 else (".", path)
    try:
        return name not in os.listdir(folder)
    except OSError:
        return True


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        if _missing(path):
            return None
        raise


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        if not _missing(path):
            raise
