"""The one small interface between the application and the hardware.

Two implementations: `emeter.boards.circuitpython.Board` (busio, wifi, socketpool,
mdns, digitalio, microcontroller, watchdog) and `host.board.HostBoard` (pyserial,
a pty or a replayed capture, CPython sockets, a data folder). Tests pass fakes.
The application only ever calls what is listed here.
"""


class Board:
    """Interface; every method is implemented by both boards."""

    name = "abstract"
    uart_buffer_bytes = 4096  # receive buffer serial_open allocates; sets the loop's budget
    keeps_wall_time = False   # True where something else (the computer) keeps wall_time() right

    # --- time -----------------------------------------------------------
    def ticks_ms(self):
        """Monotonic milliseconds, for deadlines; wraps at 2**29 like supervisor.ticks_ms
        (compare with emeter.clock.ticks_diff)."""
        raise NotImplementedError

    def sleep_ms(self, ms):
        """Wait briefly when a loop pass found nothing to do (default: time.sleep)."""
        import time
        time.sleep(ms / 1000)

    def wall_time(self):
        """(year, month, day, hour, minute, second) in UTC, or None if the clock is not set."""
        raise NotImplementedError

    def set_wall_time(self, t):
        """Set the clock to t, (year, month, day, hour, minute, second) in UTC (from SNTP)."""
        raise NotImplementedError

    # --- meter port -----------------------------------------------------
    def serial_open(self, baud, bits, parity, stop, rx_pin=None, invert=False):
        """(Re)open the meter port with these settings; parity is 'N', 'E' or 'O'."""
        raise NotImplementedError

    def serial_readinto(self, buf):
        """Copy what has arrived into buf without waiting; return the byte count (0 if none)."""
        raise NotImplementedError

    def serial_overruns(self):
        """How many receive-buffer overruns the port has seen, or None if it cannot tell."""
        return None

    def serial_reconnects(self):
        """How many times the port failed and was opened again, or None if it never fails."""
        return None

    # --- network --------------------------------------------------------
    def socket_pool(self):
        """A socketpool.SocketPool on the board, the `socket` module on the host."""
        raise NotImplementedError

    def wifi_connect(self, ssid, password, timeout_s):
        """Try to join; return True when connected."""
        raise NotImplementedError

    def wifi_start_ap(self, ssid, password=None):
        """Start an access point; return its IP address text."""
        raise NotImplementedError

    def wifi_status(self):
        """dict: connected (bool), ap (bool), ssid, ip, mac, rssi (None where unknown)."""
        raise NotImplementedError

    def mdns_advertise(self, hostname, port):
        """Answer hostname.local and advertise _http._tcp on port (no-op where unsupported)."""
        raise NotImplementedError

    # --- storage --------------------------------------------------------
    def read_file(self, name):
        """Bytes of a file in the data area, or None if it does not exist."""
        raise NotImplementedError

    def write_file_atomic(self, name, data):
        """Write data whole: a new file, then a rename over the old one."""
        raise NotImplementedError

    def write_file_over(self, name, data):
        """Write data over the file's own bytes (created when missing): no new file, no
        rename, so the filesystem's allocation table is left alone. Not atomic: a power cut
        can leave it half old, half new; callers keep two copies with a checksum."""
        raise NotImplementedError

    def remove_file(self, name):
        raise NotImplementedError

    # --- people ---------------------------------------------------------
    def button_pressed(self):
        """True while the boot/reset-settings button is held down."""
        raise NotImplementedError

    def led(self, on):
        """Set the status LED."""
        raise NotImplementedError

    # --- health ---------------------------------------------------------
    def watchdog_start(self, timeout_s):
        raise NotImplementedError

    def watchdog_feed(self):
        raise NotImplementedError

    def free_memory(self):
        """Free heap in bytes, or None."""
        return None

    def reset_by_watchdog(self):
        """True when this start follows a watchdog reset (a hang or crash), not power-on,
        the reset button or a restart we asked for."""
        return False

    def restart(self):
        """Reboot the board (the host re-runs the application)."""
        raise NotImplementedError
