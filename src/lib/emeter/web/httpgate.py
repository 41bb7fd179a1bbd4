"""Give adafruit_httpserver only whole requests, so a slow client cannot stall the loop.

`Server.poll()` accepts a connection and then reads it with a blocking timeout
until the headers end: a client sending one byte a second would hold the loop
(and leave the meter UART unread) for as long as it likes.  This pool wraps the
real socket pool: its listening socket collects bytes from up to `max_clients`
connections without blocking, one `recv_into` per connection per poll, and only
"accepts" a connection once its request is complete (headers + Content-Length).
The server then reads that request from memory; Web.poll asks the gate first (poll())
and polls the server only when a whole request waits, so an idle pass raises and catches
no exception.  While `max_clients` older connections are still sending, a newer one is
answered 503 with Retry-After once its request is in (read whole, so closing does not
reset it; at most 1 kB kept); only beyond twice that many is the oldest dropped
unanswered.  Sending the response is done
non-blocking too, calling `pump()` (the scheduler's UART drain) while the
client's window is full, and giving up when it has taken nothing for `send_timeout_ms`.
"""

import errno

from emeter.clock import ticks_diff

_EAGAIN = errno.EAGAIN
_ETIMEDOUT = errno.ETIMEDOUT
_ECONNRESET = errno.ECONNRESET
_TOO_LARGE = b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nConnection: close\r\n"
         b"Content-Length: 0\r\n\r\n")
_BUSY_KEEP = 1024  # bytes a connection answered 503 may send before the answer (a GET fits)


def request_complete(data):
    """True once data holds the headers and as many body bytes as Content-Length says."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in bytes(data[:end]).split(b"\r\n")[1:]:
        i = line.find(b":")
        if i > 0 and line[:i].strip().lower() == b"content-length":
            value = line[i + 1:]
            try:
                length = max(0, int(value.strip()))
            except ValueError:
                length = 0
            break
    return len(data) >= end + 4 + length


class GatedPool:
    """Stands in for the socket pool handed to adafruit_httpserver.Server."""

    def __init__(self, pool, ticks_ms, pump=None, sleep_ms=None, max_request=4096,
                 max_clients=4, client_timeout_ms=10000, send_timeout_ms=3000):
        self._pool = pool
        self.ticks_ms = ticks_ms
        self.pump = pump or (lambda: None)
        self.sleep_ms = sleep_ms
        self.max_request = max_request
        self.max_clients = max_clients
        self.client_timeout_ms = client_timeout_ms
        self.send_timeout_ms = send_timeout_ms
        self.listener = None
        self.buf = None   # the listener's read buffer: Web hands it the HTTP server's own
        self.dropped = 0  # connections closed unanswered (too slow, too large, too many)
        self.busy = 0     # connections answered 503 (all slots taken by slower clients)

    def __getattr__(self, name):  # AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR ...
        return getattr(self._pool, name)

    def socket(self, *args):
        self.listener = _Listener(self, self._pool.socket(*args))
        return self.listener


class _Listener:
    def __init__(self, gate, sock):
        self.gate = gate
        self.sock = sock
        self.pending = []  # [conn, addr, bytearray, started]
        self.ready = None  # (_Ready, addr) found by poll(), for the server's accept()
        # read into, then copied at once: the server reads a request later from _Ready,
        # so the two can share one buffer (gate.buf)
        self.buf = gate.buf or bytearray(1024)

    def setsockopt(self, *args):
        self.sock.setsockopt(*args)

    def bind(self, addr):
        self.sock.bind(addr)

    def listen(self, n):
        self.sock.listen(n)

    def setblocking(self, flag):
        self.sock.setblocking(flag)

    def getsockname(self):
        return self.sock.getsockname()

    def close(self):
        for p in self.pending:
            _close(p[0])
        self.pending = []
        if self.ready is not None:
            _close(self.ready[0].conn)
            self.ready = None
        self.sock.close()

    def _drop(self, p):
        self.pending.remove(p)
        _close(p[0])
        self.gate.dropped += 1

    def _answer(self, p, text):
        self.pending.remove(p)
        try:
            p[0].send(text)
        except OSError:
            pass
        _close(p[0])

    def _accept_new(self):
        g = self.gate
        for _ in range(2):
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            conn.setblocking(False)
            if len(self.pending) >= 2 * g.max_clients:
                self._drop(self.pending[0])
            self.pending.append([conn, addr, bytearray(), g.ticks_ms()])

    def poll(self):
        """The gate's work for one pass (new connections, what arrived, timeouts); True when a
        whole request waits for the server, which then takes it with accept(). A pass with
        nothing waiting ends here, without an exception for the server to catch."""
        if self.ready is None:
            self.ready = self._next()
        return self.ready is not None

    def accept(self):
        """A connection whose request has fully arrived, else OSError(EAGAIN)."""
        r = self.ready
        if r is None:
            r = self._next()
        self.ready = None
        if r is None:
            raise OSError(_EAGAIN, "EAGAIN")
        return r

    def _next(self):
        """(connection, address) of one whose request has fully arrived, or None."""
        g = self.gate
        self._accept_new()
        if not self.pending:
            return None
        now = g.ticks_ms()
        for p in list(self.pending):
            conn, addr, data, started = p
            try:
                n = conn.recv_into(self.buf, len(self.buf))
            except OSError as e:
                if e.errno == _EAGAIN:
                    n = -1
                else:
                    self._drop(p)
                    continue
            if n == 0:
                self._drop(p)  # the client gave up
                continue
            if n > 0:
                data.extend(memoryview(self.buf)[:n])
                waiting = self.pending.index(p) >= g.max_clients  # older ones fill the slots
                if waiting and len(data) > _BUSY_KEEP:  # memory: a waiting one keeps little
                    self._answer(p, _BUSY)
                    g.busy += 1
                    continue
                if len(data) > g.max_request:
                    self._answer(p, _TOO_LARGE)
                    g.dropped += 1
                    continue
                if request_complete(data):
                    if waiting:
                        self._answer(p, _BUSY)
                        g.busy += 1
                        continue
                    self.pending.remove(p)
                    return _Ready(g, conn, bytes(data)), addr
            if ticks_diff(now, started) > g.client_timeout_ms:
                self._drop(p)
        return None


class _Ready:
    """A connection whose request is already in memory."""

    def __init__(self, gate, conn, data):
        self.gate = gate
        self.conn = conn
        self.data = data
        self.pos = 0
        self.deadline = None

    def settimeout(self, t):
        pass  # reading is from memory; sending has its own deadline

    def setblocking(self, flag):
        pass

    def recv_into(self, buf, nbytes=0):
        n = min(nbytes or len(buf), len(buf), len(self.data) - self.pos)
        if n <= 0:
            raise OSError(_ETIMEDOUT, "ETIMEDOUT")
        buf[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n

    def send(self, data):
        g = self.gate
        g.pump()
        try:
            n = self.conn.send(data)
            if n:
                self.deadline = None  # it takes bytes: the wait is for one that takes none
                return n
        except OSError as e:
            if e.errno != _EAGAIN:
                raise
        # The client's window is full (EAGAIN, or 0 bytes taken): wait, within limits.
        now = g.ticks_ms()
        if self.deadline is None:
            self.deadline = now
        if ticks_diff(now, self.deadline) > g.send_timeout_ms:
            raise OSError(_ECONNRESET, "ECONNRESET")  # the server drops the response quietly
        if g.sleep_ms is not None:
            g.sleep_ms(1)
        raise OSError(_EAGAIN, "EAGAIN")  # the server calls send again

    def close(self):
        _close(self.conn)


def _close(conn):
    try:
        conn.close()
    except OSError:
        pass
