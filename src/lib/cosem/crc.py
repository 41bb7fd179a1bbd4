"""Checksums of the three link layers, table-driven (tables built once at import).

- HDLC HCS/FCS: CRC-16/X.25 (reflected poly 0x8408, init 0xFFFF, final xor 0xFFFF),
  sent low byte first.
- DSMR P1: CRC-16/ARC (reflected poly 0xA001, init 0), from '/' to '!' inclusive,
  sent as four hex digits.
- M-Bus: the sum of the bytes modulo 256.

Where the interpreter offers bytes.translate (CPython; not MicroPython or
CircuitPython), a byte-at-a-time Python loop is the slowest part of a decode, so
both CRCs take a faster road there, probed once at import: bytes are bit-reversed
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
    """CRC-16/X.25 over data[start:end] (no slice is made on the table road)."""
    if end is None:
        end = len(data)
    if _REV is not None and end - start >= _FAST_MIN and _crc_hqx is not None:
        return _rev16(_crc_hqx(_reversed(data, start, end), 0xFFFF)) ^ 0xFFFF
    t = _X25
    c = 0xFFFF
    for i in range(start, end):
        c = (c >> 8) ^ t[(c ^ data[i]) & 0xFF]
    return c ^ 0xFFFF


def crc16_arc(data, start=0, end=None):
    """CRC-16/ARC over data[start:end]."""
    if end is None:
        end = len(data)
    if _REV is not None and end - start >= _FAST_MIN:
        return _arc_folded(data, start, end)
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


# --- the fast road, where bytes.translate exists --------------------------------
_FAST_MIN = 24       # below this many bytes the table loop is as quick
_ARC_POLY = 0x18005  # x^16 + x^15 + x^2 + 1, not reflected

try:
    from binascii import crc_hqx as _crc_hqx  # CRC-16 with poly 0x1021, not reflected
except ImportError:
    _crc_hqx = None


def _clmul(a, b):
    # carry-less product (polynomials over GF(2) as ints)
    r = 0
    j = 0
    while b:
        if b & 1:
            r ^= a << j
        b >>= 1
        j += 1
    return r


def _polymod(a, p):
    # a mod p over GF(2), a bit at a time: for small a only
    n = p.bit_length()
    while a.bit_length() >= n:
        a ^= p << (a.bit_length() - n)
    return a


def _fold_table():
    # [(m, mask, shifts)] for m = 2**k, largest first: a part H above bit m folds down as
    # H * (x**m mod P), a carry-less product of one shift per set bit of that remainder.
    out = []
    r = 2  # x**1
    for k in range(1, 17):
        r = _polymod(_clmul(r, r), _ARC_POLY)  # x**(2**k) mod P
        if k >= 5:
            out.append((1 << k, (1 << (1 << k)) - 1, tuple([j for j in range(16) if r >> j & 1])))
    out.reverse()
    return tuple(out)


def _plain_table():
    # t[b] = b * x**16 mod P: the not-reflected byte table that finishes a fold
    return [_polymod(b << 16, _ARC_POLY) for b in range(256)]


if hasattr(b"", "translate"):
    _REV = bytes([int("{:08b}".format(i)[::-1], 2) for i in range(256)])  # bit-reversed bytes
    _FOLDS = _fold_table()
    _PLAIN = _plain_table()
else:
    _REV = None
    _FOLDS = ()
    _PLAIN = None


def _reversed(data, start, end):
    seg = data[start:end]
    if not isinstance(seg, (bytes, bytearray)):
        seg = bytes(seg)  # a memoryview slice
    return seg.translate(_REV)


def _rev16(c):
    return (_REV[c & 0xFF] << 8) | _REV[c >> 8]


def _arc_folded(data, start, end):
    # With every byte bit-reversed, CRC-16/ARC (init 0, no final xor) is the plain
    # remainder M(x) * x**16 mod P, bit-reversed. M is one big integer here; halving
    # folds bring it down to at most 40 bits, then three table steps finish.
    a = int.from_bytes(_reversed(data, start, end), "big") << 16
    n = a.bit_length()
    for m, mask, shifts in _FOLDS:
        while n > m + 8:
            h = a >> m
            a &= mask
            for j in shifts:
                a ^= h << j
            n = a.bit_length()
    t = _PLAIN
    c = 0
    for b in ((a >> 32) & 0xFF, (a >> 24) & 0xFF, (a >> 16) & 0xFF):  # (a >> 16) * x**16 mod P
        c = ((c << 8) & 0xFFFF) ^ t[(c >> 8) ^ b]
    return _rev16(c ^ (a & 0xFFFF))
