"""Captive-portal DNS: answer every A query with our own address.

With the device as access point, a phone asks for some name to test the
connection; the answer points at the setup page, so the phone offers to open it.
`answer()` is pure (bytes in, bytes out); `DnsResponder` is the non-blocking
UDP loop around it.
"""

import errno

_EAGAIN = errno.EAGAIN
_TYPE_A = 1
_TYPE_ANY = 255
_TTL = 60


def _question_end(q):
    """Index just past the first question (name, type, class), or -1."""
    i = 12
    n = len(q)
    while i < n:
        ln = q[i]
        if ln == 0:
            i += 1
            break
        if ln & 0xC0:
            return -1  # no compression in a question we answer
        i += 1 + ln
    else:
        return -1
    return i + 4 if i + 4 <= n else -1


def answer(query, ip):
    """The reply to a DNS query as bytes, or None to stay silent.

    query: the UDP payload; ip: four address bytes.
    """
    if len(query) < 12:
        return None
    flags = query[2]
    if flags & 0x80 or (flags >> 3) & 0x0F != 0:  # a response, or not a standard query
        return None
    if query[4] != 0 or query[5] < 1:
        return None
    end = _question_end(query)
    if end < 0:
        return None
    qtype = (query[end - 4] << 8) | query[end - 3]
    yes = qtype in (_TYPE_A, _TYPE_ANY)
    head = bytes((query[0], query[1], 0x80 | (flags & 0x01), 0x80, 0, 1, 0, 1 if yes else 0, 0, 0, 0, 0))
    out = head + bytes(query[12:end])
    if yes:
        out += bytes((0xC0, 12, 0, _TYPE_A, 0, 1, 0, 0, _TTL >> 8, _TTL & 0xFF, 0, 4)) + bytes(ip)
    return out


def ip_bytes(text):
    return bytes(int(p) for p in text.split("."))


class DnsResponder:
    """UDP port 53; `poll()` answers at most `burst` queries and never blocks."""

    def __init__(self, pool, ip, port=53, burst=4):
        self.ip = ip_bytes(ip)
        self.burst = burst
        self.buf = bytearray(512)
        self.answered = 0
        self.sock = pool.socket(pool.AF_INET, pool.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0", port))
        self.sock.setblocking(False)

    def poll(self):
        busy = False
        for _ in range(self.burst):
            try:
                n, addr = self.sock.recvfrom_into(self.buf)
            except OSError:
                break  # EAGAIN: nothing waiting
            reply = answer(memoryview(self.buf)[:n], self.ip)
            busy = True
            if reply is not None:
                try:
                    self.sock.sendto(reply, addr)
                    self.answered += 1
                except OSError:
                    pass
        return busy

    def close(self):
        self.sock.close()
