"""Checksums of the three link layers, table-driven (tables built once at import).

- HDLC HCS/FCS: CRC-16/X.25 (reflected poly 0x8408, init 0xFFFF, final xor 0xFFFF),
  sent low byte first.
- DSMR P1: CRC-16/ARC (reflected poly 0xA001, init 0), from '/' to '!' inclusive,
  sent as four hex digits.
- M-Bus: the sum of the bytes modulo 256.
"""

try:
    from array import array
except ImportError:  # pragma: no cover - every VM we target has array
    array = None


def _table(poly):
    t = array("H", bytes(512)) if array else [0] * 256
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t[i] = c
    return t


_X25 = _table(0x8408)
_ARC = _table(0xA001)


def crc16_x25(data, start=0, end=None):
    """CRC-16/X.25 over data[start:end] (no slice is made)."""
    if end is None:
        end = len(data)
    t = _X25
    c = 0xFFFF
    for i in range(start, end):
        c = (c >> 8) ^ t[(c ^ data[i]) & 0xFF]
    return c ^ 0xFFFF


def crc16_arc(data, start=0, end=None):
    """CRC-16/ARC over data[start:end]."""
    if end is None:
        end = len(data)
    t = _ARC
    c = 0
    for i in range(start, end):
        c = (c >> 8) ^ t[(c ^ data[i]) & 0xFF]
    return c


def sum8(data, start=0, end=None):
    if end is None:
        end = len(data)
    s = 0
    for i in range(start, end):
        s += data[i]
    return s & 0xFF
