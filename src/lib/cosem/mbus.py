"""Wired M-Bus long frames carrying DLMS (EN 13757-2, IEC 62056-7-6).

68 L L 68 | C A CI | STSAP DTSAP | data | CS 16

L counts C..data; CS is their sum modulo 256. For DLMS the CI byte says how a
message is split: its low nibble numbers the segment and 0x10 marks the last
one (Austrian meters send 00 then 11). STSAP/DTSAP (two bytes) precede the data
of every segment.
"""

from .crc import sum8

START = 0x68
STOP = 0x16

NEED = 0
SKIP = 1
FRAME = 2
BAD = 3


class Frame:
    """A checked long frame; data_start/data_end: where its DLMS data lie in the buffer parsed."""

    __slots__ = ("control", "address", "ci", "data", "start", "end", "data_start", "data_end")

    def __init__(self, control, address, ci, data, start, end, data_start=0, data_end=0):
        self.control = control
        self.address = address
        self.ci = ci
        self.data = data
        self.start = start
        self.end = end  # index of the stop byte
        self.data_start = data_start
        self.data_end = data_end

    @property
    def last(self):
        return bool(self.ci & 0x10)

    @property
    def sequence(self):
        return self.ci & 0x0F

    def fields(self):
        return {"c": "0x%02x" % self.control, "a": "0x%02x" % self.address, "ci": "0x%02x" % self.ci}


def parse_at(buf, pos, avail, copy=True):
    """Look for a long frame starting at buf[pos] (0x68); same outcomes as hdlc.parse_at.

    copy=False leaves Frame.data None (the caller takes buf[data_start:data_end] itself)."""
    if avail - pos < 4:
        return NEED, 0, None
    n = buf[pos + 1]
    if buf[pos + 2] != n or buf[pos + 3] != START or n < 3:
        return SKIP, 0, None
    end = pos + n + 5  # stop byte
    if end >= avail:
        return NEED, 0, None
    if buf[end] != STOP:
        return BAD, end, ("length", "no M-Bus stop byte where the length field (%d) ends the frame" % n)
    cs = buf[end - 1]
    if sum8(buf, pos + 4, end - 1) != cs:
        return BAD, end, ("checksum", "M-Bus checksum wrong (CS %02x)" % cs)
    ci = buf[pos + 6]
    if ci > 0x1F:
        return BAD, end, ("apdu", "M-Bus CI 0x%02x does not carry DLMS" % ci)
    data_start = pos + 7 + 2  # skip STSAP, DTSAP
    if data_start > end - 1:
        return BAD, end, ("length", "M-Bus frame too short for DLMS transport")
    data = bytes(memoryview(buf)[data_start:end - 1]) if copy else None
    return FRAME, end, Frame(buf[pos + 4], buf[pos + 5], ci, data, pos, end, data_start, end - 1)


def build(data, ci=0x10, control=0x53, address=0xFF, saps=b"\x01\x67"):
    """Wrap one DLMS segment in a long frame (for tests)."""
    body = bytes([control, address, ci]) + saps + data
    n = len(body)
    return bytes([START, n, n, START]) + body + bytes([sum8(body), STOP])
