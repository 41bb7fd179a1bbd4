"""Meter ports for host mode: a replayed capture paced like a wire, or pyserial.

`ReplayUart` models the board's UART: bytes "arrive" at baud / bits-per-char
(times `speed`) into a receive buffer of `buffer_bytes`; what the application
does not read in time overflows and is lost, and each overflow is counted, the
same way a board's UART would drop data.  So host mode shows the loop's budget
failing rather than hiding it behind an unlimited buffer.
"""

import time


class ReplayUart:
    def __init__(self, data, baud, char_bits=10, speed=1.0, buffer_bytes=4096, loop=True,
                 clock=time.monotonic, gap_s=1.0):
        """data: the bytes, or a list of byte strings (log.txt entries: separate moments of
        the line), after each of which the line stays quiet for gap_s seconds."""
        parts = [bytes(p) for p in data if p] if isinstance(data, (list, tuple)) else [bytes(data)]
        if not parts or not parts[0]:
            raise ValueError("empty capture")
        self.data = b"".join(parts)
        self.breaks = []  # where the line goes quiet (ends of parts), when there are several
        if len(parts) > 1:
            end = 0
            for p in parts:
                end += len(p)
                self.breaks.append(end)
        self.gap = gap_s
        self.rate = baud * speed / char_bits  # bytes per second
        self.buffer_bytes = buffer_bytes
        self.loop = loop
        self.clock = clock
        self.t0 = clock()
        self.sent = 0      # bytes put on the wire so far
        self.pos = 0       # bytes taken out of the wire (read or lost)
        self.overruns = 0  # times the buffer overflowed
        self.lost = 0      # bytes lost that way

    def _sent(self, t):
        """Bytes put on the wire t seconds after the start."""
        if not self.breaks:
            return int(t * self.rate)
        size = len(self.data)
        period = size / self.rate + len(self.breaks) * self.gap
        loops = int(t // period)
        r = t - loops * period
        prev = 0
        for b in self.breaks:
            dur = (b - prev) / self.rate
            if r < dur:
                return loops * size + prev + int(r * self.rate)
            r -= dur
            if r < self.gap:
                return loops * size + b  # the line is quiet
            r -= self.gap
            prev = b
        return loops * size + size

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
    """A real port (or a pty) through pyserial, read without waiting."""

    _PARITY = {"N": "N", "E": "E", "O": "O"}

    def __init__(self, device, baud, bits, parity, stop=1):
        import serial  # pyserial, only needed for real ports
        self.port = serial.Serial(device, baudrate=baud, bytesize=bits,
                                  parity=self._PARITY[parity], stopbits=stop, timeout=0)
        self.overruns = None

    def readinto(self, buf):
        data = self.port.read(len(buf))  # timeout=0: what is there, maybe nothing
        buf[:len(data)] = data
        return len(data)

    def close(self):
        self.port.close()
