"""TEMPORARY stand-in for cosem.Decoder: cuts DSMR telegrams out of the stream and
hands them to cosem.dsmr.parse.  Deleted once the lead's cosem stream decoder is
committed (emeter.decoding prefers it whenever it imports)."""

from cosem import dsmr


class Decoder:
    def __init__(self, key=None, auth_key=None):
        self.key = key
        self.buf = b""

    def set_keys(self, key, auth_key=None):
        self.key = key

    def feed(self, data):
        self.buf += bytes(data)
        out = []
        while True:
            s = self.buf.find(b"/")
            if s < 0:
                self.buf = b""
                return out
            e = self.buf.find(b"!", s)
            nl = self.buf.find(b"\n", e) if e >= 0 else -1
            if nl < 0:
                self.buf = self.buf[s:]
                return out
            out.append(dsmr.parse(self.buf[s:nl + 1], self.key))
            self.buf = self.buf[nl + 1:]

    def flush(self):
        return []
