"""SNTP (RFC 4330): set the board's clock from a time server, so logs carry real time.

`request()`, `reply_error()`, `reply_time()` and `parse()` are pure (bytes in,
values out, integer arithmetic only); `Sntp` is the non-blocking UDP loop around
them, one bounded step per `poll()`:

  idle:     until `next_try`; then one name lookup, a fresh socket, one request.
  waiting:  reads what has arrived (never waits); a good reply sets the clock and
            the next sync is an hour away; no reply within `timeout_ms`, or a
            refusal, and the next try backs off 15 s, 30 s ... 10 min (plus jitter).

The name lookup (`getaddrinfo`) blocks inside the network stack on a board, like a
Wi-Fi join: it runs at most once per attempt, right after a drain (`before_block`),
and a slow one shows up in the scheduler's late gaps and in `lookup_worst_ms`.
"""

import os

from emeter.clock import ticks_add, ticks_diff

SERVER = "pool.ntp.org"
PORT = 123
PACKET = 48                 # header without extension fields or MAC
_LI_VN_MODE = 0x23          # leap indicator 0, version 4, mode 3 (client)
_MODE_SERVER = 4
_LI_ALARM = 3               # the server's clock is not synchronised
_ORIGINATE = 24             # where the server echoes our transmit timestamp
_TRANSMIT = 40
_ERA = 1 << 32              # NTP seconds wrap on 2036-02-07
_TO_1970_DAYS = 25567       # days from 1900-01-01 to 1970-01-01
_BURST = 2                  # replies read per poll (a stray one must not block the real one)
_STEADY = ("origin",)       # not from our request: keep waiting for the real reply


def request(buf, nonce):
    """Fill buf (48 bytes, reused) with a client request whose transmit timestamp is
    nonce (8 bytes): the server echoes it, which ties its reply to this request."""
    for i in range(PACKET):
        buf[i] = 0
    buf[0] = _LI_VN_MODE
    for i in range(8):
        buf[_TRANSMIT + i] = nonce[i]
    return buf


def _u32(b, i):
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


def reply_error(reply, nonce):
    """Why reply cannot be trusted ('short', 'mode', 'kiss', 'stratum', 'leap',
    'origin', 'zero'), or None when it can."""
    if len(reply) < PACKET:
        return "short"
    if reply[0] & 7 != _MODE_SERVER:
        return "mode"
    stratum = reply[1]
    if stratum == 0:
        return "kiss"           # kiss-of-death: the server says go away or slow down
    if stratum > 15:
        return "stratum"
    if reply[0] >> 6 == _LI_ALARM:
        return "leap"
    for i in range(8):
        if reply[_ORIGINATE + i] != nonce[i]:
            return "origin"
    if not _u32(reply, _TRANSMIT):
        return "zero"
    return None


def reply_time(reply):
    """The server's transmit time, rounded to the second, as UTC (Y, M, D, h, m, s)."""
    secs = _u32(reply, _TRANSMIT)
    if reply[_TRANSMIT + 4] & 0x80:     # fraction >= 0.5 s
        secs += 1
    if secs < 0x80000000:               # RFC 4330 section 3: era 1 (from 2036)
        secs += _ERA
    days = secs // 86400 - _TO_1970_DAYS
    rem = secs % 86400
    y, m, d = civil(days)
    return (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)


def parse(reply, nonce):
    """UTC (Y, M, D, h, m, s) from a trusted reply, else None."""
    if reply_error(reply, nonce) is not None:
        return None
    return reply_time(reply)


def civil(days):
    """(year, month, day) for days since 1970-01-01, proleptic Gregorian, integers only.
    Years are counted from March, so the leap day falls at the end of a year."""
    z = days + 719468               # days since 0000-03-01
    era = z // 146097               # 400-year cycles
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153       # month from March = 0
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return (y, m, d)


def _random_into(buf, seed):
    urandom = getattr(os, "urandom", None)
    if urandom is not None:
        try:
            buf[:] = urandom(len(buf))
            return
        except (OSError, NotImplementedError):
            pass
    for i in range(len(buf)):       # no entropy source: still differs per attempt
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        buf[i] = seed >> 16 & 0xFF


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
        _random_into(self.nonce, now + self.requests)
        self.sock.sendto(request(self.buf, self.nonce), self.addr)
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
            why = reply_error(reply, self.nonce)
            if why is None:
                self._synced(reply_time(reply))
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
