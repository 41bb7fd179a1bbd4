"""A TCP server that copies one byte stream to every connected client, never waiting.

Used for the raw meter port (the UART bytes exactly as received: no banner, no
telnet negotiation) and for the DLMS->DSMR bridge port.  Sockets are
non-blocking; each client has a bounded backlog, and a client that cannot keep up
(its backlog would overflow) is dropped and counted instead of slowing the loop.
Each `poll()` (a scheduler slot) accepts at most one client and sends at most
`send_max` bytes per client.
"""

import errno

_WOULD_BLOCK = (errno.EAGAIN, getattr(errno, "EWOULDBLOCK", errno.EAGAIN), errno.ETIMEDOUT)


def _would_block(e):
    return getattr(e, "errno", None) in _WOULD_BLOCK or (e.args and e.args[0] in _WOULD_BLOCK)


class _Client:
    """A socket and its backlog: one buffer allocated at accept, bytes in [start, end)."""

    __slots__ = ("sock", "buf", "view", "start", "end")

    def __init__(self, sock, size):
        self.sock = sock
        self.buf = bytearray(size)
        self.view = memoryview(self.buf)
        self.start = 0
        self.end = 0

    def queued(self):
        return self.end - self.start

    def put(self, data):
        """Append data; False if it does not fit (the caller drops the client)."""
        n = len(data)
        k = self.end - self.start
        if k + n > len(self.buf):
            return False
        if self.end + n > len(self.buf):  # move what is left to the front
            if k:
                self.buf[0:k] = bytes(self.view[self.start:self.end])
            self.start = 0
            self.end = k
        self.view[self.end:self.end + n] = data
        self.end += n
        return True

    def taken(self, n):
        self.start += n
        if self.start == self.end:
            self.start = self.end = 0


class TcpFanout:
    def __init__(self, pool, port, host="0.0.0.0", max_clients=3, backlog_bytes=4096,
                 send_max=2048):
        self.pool = pool
        self.max_clients = max_clients
        self.backlog_bytes = backlog_bytes
        self.send_max = send_max
        self.clients = []
        self.accepted = 0
        self.dropped_slow = 0   # clients dropped because they fell behind
        self.refused = 0        # connections turned away (too many clients)
        self.bytes_sent = 0
        self._scratch = bytearray(64)
        s = pool.socket(pool.AF_INET, pool.SOCK_STREAM)
        try:
            s.setsockopt(pool.SOL_SOCKET, pool.SO_REUSEADDR, 1)
        except (AttributeError, OSError):
            pass
        s.bind((host, port))
        s.listen(2)
        s.setblocking(False)
        self.listener = s

    def port(self):
        return self.listener.getsockname()[1]

    def write(self, data):
        """Queue data for every client (called from the reader: no I/O here)."""
        if not self.clients:
            return
        for c in self.clients:
            if not c.put(data):
                self._drop(c)
                self.dropped_slow += 1
        if self._gone:
            self._sweep()

    _gone = False

    def _drop(self, c):
        try:
            c.sock.close()
        except OSError:
            pass
        c.sock = None
        self._gone = True

    def _sweep(self):
        self.clients = [c for c in self.clients if c.sock is not None]
        self._gone = False

    def _accept(self):
        try:
            sock, _ = self.listener.accept()
        except OSError as e:
            if _would_block(e):
                return False
            raise
        if len(self.clients) >= self.max_clients:
            self.refused += 1
            sock.close()
            return True
        sock.setblocking(False)
        self.clients.append(_Client(sock, self.backlog_bytes))
        self.accepted += 1
        return True

    def _service(self, c):
        busy = False
        try:  # whatever a client sends is read and ignored; 0 bytes means it left
            n = c.sock.recv_into(self._scratch)
            if n == 0:
                self._drop(c)
                return True
            busy = True
        except OSError as e:
            if not _would_block(e):
                self._drop(c)
                return True
        if c.end > c.start:
            stop = min(c.end, c.start + self.send_max)
            try:
                n = c.sock.send(c.view[c.start:stop])
            except OSError as e:
                if not _would_block(e):
                    self._drop(c)
                return True
            if n:
                c.taken(n)
                self.bytes_sent += n
                busy = True
        return busy

    def poll(self):
        """One bounded step: accept one client, move some bytes to each."""
        busy = self._accept()
        for c in self.clients:
            if self._service(c):
                busy = True
        if self._gone:
            self._sweep()
        return busy

    def close(self):
        for c in self.clients:
            self._drop(c)
        self._sweep()
        try:
            self.listener.close()
        except OSError:
            pass

    def counters(self):
        return [("clients", len(self.clients)), ("accepted", self.accepted),
                ("dropped_slow", self.dropped_slow), ("refused", self.refused)]
