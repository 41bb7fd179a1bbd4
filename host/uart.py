"""Meter ports for host mode: a replayed capture paced like a wire, or pyserial.

`ReplayUart` models the board's UART: bytes "arrive" at baud / bits-per-char
(times `speed`) into a receive buffer of `buffer_bytes`; what the application
does not read in time overflows and is lost, and each overflow is counted, the
same way a board's UART would drop data.  So host mode shows the loop's budget
failing rather than hiding it behind an unlimited buffer.  Given a schedule (where
each message starts and when the meter sent it), the wire is silent between
messages, as a meter's is: each message starts at its time and its bytes follow
at the line rate.

`SerialUart` survives an adapter that is pulled out: a failed read closes the
port, says so once, and the port is tried again after 1 s, 2 s, 4 s ... at most
every 30 s, until the device is back; `reconnects` counts the returns.
"""

import time
from bisect import bisect_right

RETRY_FIRST_S = 1.0
RETRY_MAX_S = 30.0


class ReplayUart:
    def __init__(self, data, baud, char_bits=10, speed=1.0, buffer_bytes=4096, loop=True,
                 clock=time.monotonic, schedule=None):
        """data: the bytes.  schedule: [(byte offset, seconds)] where each message starts and
        when (at speed 1), ending with (len(data), the loop's length in seconds); None: the
        bytes back to back."""
        if not data:
            raise ValueError("empty capture")
        self.data = bytes(data)
        self.rate = baud * speed / char_bits  # bytes per second
        self.starts = None
        if schedule:
            self._plan(schedule, speed)
        self.buffer_bytes = buffer_bytes
        self.loop = loop
        self.clock = clock
        self.t0 = clock()
        self.sent = 0      # bytes put on the wire so far
        self.pos = 0       # bytes taken out of the wire (read or lost)
        self.overruns = 0  # times the buffer overflowed
        self.lost = 0      # bytes lost that way

    def _plan(self, schedule, speed):
        self.starts, self.offsets, self.lengths = [], [], []
        free = 0.0  # when the wire is free again after the previous message
        for (offset, at), (end, _) in zip(schedule, schedule[1:]):
            start = max(at / speed, free)
            self.starts.append(start)
            self.offsets.append(offset)
            self.lengths.append(end - offset)
            free = start + (end - offset) / self.rate
        self.period = max(schedule[-1][1] / speed, free)

    def _scheduled(self, t):
        """Bytes put on the wire t seconds after the start, each message at its time."""
        size = len(self.data)
        cycles, e = divmod(t, self.period)
        k = bisect_right(self.starts, e) - 1
        if k < 0:
            return int(cycles) * size
        return int(cycles) * size + self.offsets[k] + min(self.lengths[k], int((e - self.starts[k]) * self.rate))

    def _sent(self, t):
        """Bytes put on the wire t seconds after the start."""
        if self.starts is not None:
            return self._scheduled(t)
        return int(t * self.rate)

    def _arrived(self):
        total = self._sent(self.clock() - self.t0)
        if not self.loop:
            total = min(total, len(self.data))
        self.sent = total
        waiting = total - self.pos
        if waiting > self.buffer_bytes:
            drop = waiting - self.buffer_bytes
            self.pos += drop
            self.lost += drop
            self.overruns += 1
            waiting = self.buffer_bytes
        return waiting

    def readinto(self, buf):
        n = min(len(buf), self._arrived())
        data = self.data
        size = len(data)
        i = 0
        while i < n:
            start = self.pos % size
            k = min(n - i, size - start)
            buf[i:i + k] = data[start:start + k]
            i += k
            self.pos += k
        return n

    def close(self):
        pass


class SerialUart:
    """A real port (or a pty) through pyserial, read without waiting, reopened when it fails."""

    _PARITY = {"N": "N", "E": "E", "O": "O"}

    def __init__(self, device, baud, bits, parity, stop=1, clock=time.monotonic, log=print):
        import serial  # pyserial, only needed for real ports
        self.serial = serial
        self.device = device
        self.clock = clock
        self.log = log
        self.port = None
        self.overruns = None
        self.reconnects = 0        # times the device came back after a failure
        self.error = None          # why the port is closed (None: it is open)
        self.retry_at = None
        self.delay = RETRY_FIRST_S
        self.configure(baud, bits, parity, stop)

    def configure(self, baud, bits, parity, stop=1):
        """Open with these settings (or change them on the open port)."""
        self.settings = dict(baudrate=baud, bytesize=bits, parity=self._PARITY[parity], stopbits=stop)
        if self.port is not None:
            try:
                self.port.apply_settings(self.settings)
                return
            except (OSError, self.serial.SerialException) as e:
                self._failed(e)
                return
        if self.error is None or self.retry_at is None:
            self._open()

    def _open(self):
        try:
            self.port = self.serial.Serial(self.device, timeout=0, **self.settings)
        except (OSError, self.serial.SerialException) as e:
            self._failed(e)
            return False
        if self.error is not None:
            self.reconnects += 1
            self.log("serial: %s is back (reconnect %d)" % (self.device, self.reconnects))
        self.error = None
        self.delay = RETRY_FIRST_S
        return True

    def _failed(self, e):
        if self.port is not None:
            try:
                self.port.close()
            except Exception:
                pass
            self.port = None
        if self.error is None:  # once per outage, not once per try
            self.error = _reason(e)
            self.log("serial: %s: %s; trying again every %g-%g s while the web server runs on"
                     % (self.device, self.error, RETRY_FIRST_S, RETRY_MAX_S))
        self.retry_at = self.clock() + self.delay
        self.delay = min(self.delay * 2, RETRY_MAX_S)

    def readinto(self, buf):
        if self.port is None:
            if self.clock() < self.retry_at or not self._open():
                return 0
        try:
            data = self.port.read(len(buf))  # timeout=0: what is there, maybe nothing
        except (OSError, self.serial.SerialException) as e:
            self._failed(e)
            return 0
        buf[:len(data)] = data
        return len(data)

    def close(self):
        if self.port is not None:
            self.port.close()
            self.port = None


def _reason(e):
    """The words of an OS or pyserial error, without the exception's repr."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    text = str(e) or type(e).__name__
    return text
