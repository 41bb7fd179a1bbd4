"""Checksums of the three link layers, table-driven a nibble at a time (each table built on
first use).

- HDLC HCS/FCS: CRC-16/X.25 (reflected poly 0x8408, init 0xFFFF, final xor 0xFFFF),
  sent low byte first.
- DSMR P1: CRC-16/ARC (reflected poly 0xA001, init 0), from '/' to '!' inclusive,
  sent as four hex digits.
- M-Bus: the sum of the bytes modulo 256.

Where the interpreter offers bytes.translate (CPython; not MicroPython or
CircuitPython), a byte-at-a-time Python loop is the slowest part of a decode, so
both CRCs take a faster road there (crcfast.py), probed once at import: bytes are bit-reversed
with translate, which turns a reflected CRC into a plain one; X.25 is then
binascii.crc_hqx (same polynomial), and ARC is the remainder of the message as one
big integer, folded down with shifts and XORs. Same results; the table loops stay
as the reference and the board path.
"""

try:
    from array import array
except ImportError:  # pragma: no cover - every VM we target has array
    array = None


def _table(poly):
    # the CRC of each 4-bit value: a nibble at a time, 16 entries (32 bytes) where a byte at a
    # time would need 256 (512 bytes of a board's heap) for about half the loop's time
    t = array("H", bytes(32)) if array else [0] * 16
    for i in range(16):
        c = i
        for _ in range(4):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t[i] = c
    return t


_X25 = None  # each table is built on first use: a DSMR meter never needs the HDLC one
_ARC = None


def _x25():
    global _X25
    _X25 = _table(0x8408)
    return _X25


def _arc():
    global _ARC
    _ARC = _table(0xA001)
    return _ARC


def crc16_x25(data, start=0, end=None):
    """CRC-16/X.25 over data[start:end] (no slice is made on the table road)."""
    if end is None:
        end = len(data)
    if _fast is not None and end - start >= _FAST_MIN:
        return _fast.x25(data, start, end)
    t = _X25 or _x25()
    c = 0xFFFF
    for i in range(start, end):
        c ^= data[i]
        c = (c >> 4) ^ t[c & 15]
        c = (c >> 4) ^ t[c & 15]
    return c ^ 0xFFFF


def crc16_arc(data, start=0, end=None):
    """CRC-16/ARC over data[start:end]."""
    if end is None:
        end = len(data)
    if _fast is not None and end - start >= _FAST_MIN:
        return _fast.arc(data, start, end)
    t = _ARC or _arc()
    c = 0
    for i in range(start, end):
        c ^= data[i]
        c = (c >> 4) ^ t[c & 15]
        c = (c >> 4) ^ t[c & 15]
    return c


def sum8(data, start=0, end=None):
    if end is None:
        end = len(data)
    s = 0
    for i in range(start, end):
        s += data[i]
    return s & 0xFF


_FAST_MIN = 24  # below this many bytes the table loop is as quick

_fast = None
if hasattr(b"", "translate"):
    from . import crcfast as _fast  # (its code is never loaded on a board)
    if not _fast.READY:  # pragma: no cover - no binascii.crc_hqx
        _fast = None
