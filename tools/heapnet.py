# An in-memory `socketpool` for the heap probe (tools/heap.py installs it in the VM as
# socketpool.py, in place of the hardware stand-ins' stub). MicroPython-compatible.
#
# adafruit_httpserver listens on it; the probe queues whole HTTP requests as incoming
# connections and checks what the server sends as it comes, keeping none of it (a client
# is another machine: its copy of a page is not the board's heap). Every host name resolves to one
# address; a connection that starts with an MQTT CONNECT reaches a broker that answers
# CONNACK, SUBACK and PUBACK at once, any other one an HTTP server that answers each
# request with 204 (HTTP push). UDP (SNTP) sends vanish and nothing ever arrives. Every send and receive calls `net.on_io()` so the probe can
# sample the heap while the application is in the middle of its work.
import errno

_EAGAIN = errno.EAGAIN
_ETIMEDOUT = errno.ETIMEDOUT
_ECONNREFUSED = getattr(errno, "ECONNREFUSED", 111)
SERVER_IP = "10.0.0.2"
CLIENT_ADDR = ("10.0.0.9", 50000)


def _nothing():
    pass


class Net:
    def __init__(self):
        self.listeners = {}   # port -> listening socket
        self.on_io = _nothing
        self.broker = Broker()
        self.http = HttpSink()


class HttpSink:
    """Answers every whole request with 204 No Content."""

    def __init__(self):
        self.buf = bytearray()
        self.requests = 0

    def take(self, data, reply):
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        length = 0
        for line in bytes(self.buf[:end]).split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line[15:].strip())
        if len(self.buf) >= end + 4 + length:
            self.buf = self.buf[end + 4 + length:]
            self.requests += 1
            reply(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


class Broker:
    """Just enough MQTT 3.1.1 for MiniMQTT: answers what needs an answer, keeps publishes."""

    def __init__(self):
        self.buf = bytearray()
        self.published = 0    # PUBLISH packets seen (a count: a list of topics would be
        self.last_topic = None  # heap of the probe's own, counted as the application's)
        self.connects = 0

    def take(self, data, reply):
        self.buf += data
        while True:
            n = len(self.buf)
            if n < 2:
                return
            length = 0
            shift = 0
            i = 1
            while True:
                if i >= n:
                    return
                b = self.buf[i]
                length |= (b & 0x7F) << shift
                shift += 7
                i += 1
                if not b & 0x80:
                    break
            if n < i + length:
                return
            kind = self.buf[0] & 0xF0
            flags = self.buf[0] & 0x0F
            body = bytes(self.buf[i:i + length])
            self.buf = self.buf[i + length:]  # (MicroPython: no del on bytearray slices)
            if kind == 0x10:      # CONNECT
                self.connects += 1
                reply(b"\x20\x02\x00\x00")
            elif kind == 0x80:    # SUBSCRIBE: granted QoS 0
                reply(b"\x90\x03" + body[:2] + b"\x00")
            elif kind == 0x30:    # PUBLISH
                tlen = (body[0] << 8) | body[1]
                self.published += 1
                self.last_topic = body[2:2 + tlen].decode()
                if flags & 0x06:
                    pid = body[2 + tlen:4 + tlen]
                    reply(b"\x40\x02" + pid)
            elif kind == 0xC0:    # PINGREQ
                reply(b"\xd0\x00")


net = Net()


class Socket:
    def __init__(self, family=2, type=1, proto=0):
        self.type = type
        self.timeout = None
        self.inbox = bytearray()
        self.outbox = bytearray()   # what this end sent, unless watch is set
        # a connection from request(): like a client on another machine, the probe keeps only
        # the start of the answer and whether `watch` came in it, not the answer itself
        self.watch = None
        self.status = b""
        self.sent = 0
        self.found = False
        self._at = 0
        self.port = None
        self.backlog = []
        self.closed = False
        self.peer_closed = False
        self.remote = None          # the Broker or HttpSink at the other end of a connect()
        self.connected = False

    # --- set-up ---
    def setsockopt(self, *args):
        pass

    def settimeout(self, t):
        self.timeout = t

    def setblocking(self, flag):
        self.timeout = None if flag else 0

    def bind(self, addr):
        self.port = addr[1] or 8000 + len(net.listeners)

    def listen(self, n=1):
        net.listeners[self.port] = self

    def getsockname(self):
        return ("0.0.0.0", self.port)

    def accept(self):
        if not self.backlog:
            raise OSError(_EAGAIN)
        return self.backlog.pop(0), CLIENT_ADDR

    def connect(self, addr):
        if addr[0] != SERVER_IP:
            raise OSError(_ECONNREFUSED)
        self.connected = True

    # --- data ---
    def _reply(self, data):
        self.inbox += data

    def send(self, data):
        if self.closed:
            raise OSError(errno.EBADF)
        if self.connected:
            data = bytes(data)
            if self.remote is None:
                self.remote = net.broker if data[:1] == b"\x10" else net.http
            self.remote.take(data, self._reply)
        elif self.watch is not None:
            self._read(data)
        else:
            self.outbox += data
        net.on_io()
        return len(data)

    def _read(self, data):
        # the answer as a client reads it, nothing of it kept in this heap (no copy: a
        # board's socket hands the bytes to the network stack, not to the Python heap)
        if not self.sent:
            self.status = bytes(data[:32])
        self.sent += len(data)
        w = self.watch
        i = self._at
        for b in data:
            if b == w[i]:
                i += 1
                if i == len(w):
                    self.found = True
                    i = 0
            else:
                i = 1 if b == w[0] else 0
        self._at = i

    def sendall(self, data):
        self.send(data)

    def sendto(self, data, addr):
        net.on_io()
        return len(data)

    def recv_into(self, buf, nbytes=0):
        want = nbytes or len(buf)
        if not self.inbox:
            if self.peer_closed:
                return 0
            raise OSError(_EAGAIN if self.timeout == 0 else _ETIMEDOUT)
        n = min(want, len(self.inbox))
        buf[:n] = self.inbox[:n]
        self.inbox = self.inbox[n:]
        net.on_io()
        return n

    def recv(self, n):
        b = bytearray(n)
        return bytes(b[:self.recv_into(b, n)])

    def recvfrom_into(self, buf, nbytes=0):
        raise OSError(_EAGAIN if self.timeout == 0 else _ETIMEDOUT)

    def close(self):
        self.closed = True
        if net.listeners.get(self.port) is self:
            del net.listeners[self.port]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class SocketPool:
    AF_INET = 2
    SOCK_STREAM = 1
    SOCK_DGRAM = 2
    SOL_SOCKET = 0xFFF
    SO_REUSEADDR = 4
    IPPROTO_TCP = 6
    TCP_NODELAY = 1

    def __init__(self, radio=None):
        self.radio = radio

    def socket(self, family=2, type=1, proto=0):
        return Socket(family, type, proto)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        return [(2, type or 1, 0, "", (SERVER_IP, port))]


def request(port, text, watch=None):
    """Queue one HTTP request as a new connection to the server on port; return that socket
    (watch: bytes the answer must hold; then only conn.status, .sent and .found are kept)."""
    listener = net.listeners[port]
    conn = Socket()
    conn.watch = watch
    conn.inbox += text.encode() if isinstance(text, str) else text
    conn.peer_closed = True  # the client sent everything and waits for the answer
    listener.backlog.append(conn)
    return conn
