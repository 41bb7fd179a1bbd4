"""SNTP (RFC 4330): set the board's clock from a time server, so logs carry real time.

The packets are made and read by net/ntpwire.py (pure: bytes in, values out), loaded
only for the moment a request goes out or a reply comes in; `Sntp` is the non-blocking
UDP loop around them, kept between the hourly syncs, one bounded step per `poll()`:

  idle:     until `next_try`; then one name lookup, a fresh socket, one request.
  waiting:  reads what has arrived (never waits); a good reply sets the clock and
            the next sync is an hour away; no reply within `timeout_ms`, or a
            refusal, and the next try backs off 15 s, 30 s ... 10 min (plus jitter).

The name lookup (`getaddrinfo`) blocks inside the network stack on a board, like a
Wi-Fi join: it runs at most once per attempt, right after a drain (`before_block`),
and a slow one shows up in the scheduler's late gaps and in `lookup_worst_ms`.
"""

from emeter.clock import ticks_add, ticks_diff
from emeter.lazy import forget

SERVER = "pool.ntp.org"
PORT = 123
PACKET = 48                 # header without extension fields or MAC (ntpwire.PACKET)
_BURST = 2                  # replies read per poll (a stray one must not block the real one)
_STEADY = ("origin",)       # not from our request: keep waiting for the real reply
_WIRE = "emeter.net.ntpwire"


def _wire():
    from emeter.net import ntpwire  # the packets' code: loaded for one request or reply
    return ntpwire


class Sntp:
    """Keeps the board's clock set; `start()` when the network is up, `poll()` often."""

    def __init__(self, board, server=SERVER, port=PORT, timeout_ms=5000, resync_ms=3600000,
                 retry_ms=15000, retry_cap_ms=600000, before_block=None):
        self.board = board
        self.server = server
        self.port = port
        self.timeout_ms = timeout_ms
        self.resync_ms = resync_ms
        self.retry_ms = retry_ms
        self.retry_cap_ms = retry_cap_ms
        self.before_block = before_block
        self.buf = bytearray(PACKET)
        self.nonce = bytearray(8)
        self.sock = None
        self.addr = None
        self.sent_at = None
        self.next_try = None        # None: stopped
        self.failures = 0           # in a row, for the back-off
        self.requests = 0
        self.syncs = 0
        self.synced_at = None       # ticks of the last good reply
        self.last_error = None
        self.lookups = 0
        self.lookup_worst_ms = 0

    def start(self):
        """The network is up: ask now (again from the shortest back-off)."""
        self._close()
        self.failures = 0
        self.next_try = self.board.ticks_ms()

    def stop(self):
        self._close()
        self.next_try = None

    def status(self):
        """One line for the status page: when the clock was last set, why the last try failed."""
        if self.synced_at is not None:
            text = "synced %d s ago" % (ticks_diff(self.board.ticks_ms(), self.synced_at) // 1000)
        elif self.next_try is None:
            return "off"
        else:
            text = "not synced"
        if self.last_error:
            text += ", last try: " + self.last_error
        return text

    def poll(self):
        """One bounded step; True if it did something. Never raises."""
        if self.next_try is None:
            return False
        try:
            if self.sock is not None:
                return self._receive()
            if ticks_diff(self.board.ticks_ms(), self.next_try) >= 0:
                self._ask()
                return True
        except Exception as e:  # a network error is a failed attempt, never the loop's problem
            self._failed(repr(e))
            return True
        return False

    def _ask(self):
        board = self.board
        pool = board.socket_pool()
        if self.before_block is not None:
            self.before_block()         # the lookup may block: start it with a full budget
        t0 = board.ticks_ms()
        self.lookups += 1
        info = pool.getaddrinfo(self.server, self.port, pool.AF_INET, pool.SOCK_DGRAM)
        took = ticks_diff(board.ticks_ms(), t0)
        if took > self.lookup_worst_ms:
            self.lookup_worst_ms = took
        self.addr = info[0][4]
        self.sock = pool.socket(pool.AF_INET, pool.SOCK_DGRAM)
        self.sock.settimeout(0)
        now = board.ticks_ms()
        try:
            wire = _wire()
            wire.random_into(self.nonce, now + self.requests)
            self.sock.sendto(wire.request(self.buf, self.nonce), self.addr)
        finally:
            wire = None
            forget(_WIRE)
        self.sent_at = now
        self.requests += 1

    def _receive(self):
        busy = False
        for _ in range(_BURST):
            try:
                n, addr = self.sock.recvfrom_into(self.buf)
            except OSError:
                break                   # EAGAIN: nothing (more) yet
            busy = True
            if addr[0] != self.addr[0]:
                continue
            reply = memoryview(self.buf)[:n]
            try:
                wire = _wire()
                why = wire.reply_error(reply, self.nonce)
                t = wire.reply_time(reply) if why is None else None
            finally:
                wire = None
                forget(_WIRE)
            if why is None:
                self._synced(t)
                return True
            if why not in _STEADY:
                self._failed(why)
                return True
            self.last_error = why
        if ticks_diff(self.board.ticks_ms(), self.sent_at) >= self.timeout_ms:
            self._failed("timeout")
            return True
        return busy

    def _synced(self, t):
        self._close()
        self.board.set_wall_time(t)
        now = self.board.ticks_ms()
        self.syncs += 1
        self.synced_at = now
        self.failures = 0
        self.last_error = None
        self.next_try = ticks_add(now, self.resync_ms)

    def _failed(self, why):
        self._close()
        self.last_error = why
        self.failures += 1
        delay = min(self.retry_cap_ms, self.retry_ms << min(self.failures - 1, 10))
        delay += delay * self.nonce[0] >> 11        # up to 1/8 more, so clients spread out
        self.next_try = ticks_add(self.board.ticks_ms(), delay)

    def _close(self):
        sock = self.sock
        self.sock = None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
