"""The CPython road of crc.py (imported only where bytes.translate exists: never on a board).

Bytes are bit-reversed with translate, which turns a reflected CRC into a plain one:
X.25 is then binascii.crc_hqx (same polynomial), and ARC is the remainder of the
message as one big integer, folded down with shifts and XORs. Same results as the
table loops in crc.py.
"""

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


READY = _crc_hqx is not None and hasattr(b"", "translate")  # (crc.py takes this road only then)
if READY:
    _REV = bytes([int("{:08b}".format(i)[::-1], 2) for i in range(256)])  # bit-reversed bytes
    _FOLDS = _fold_table()
    _PLAIN = _plain_table()


def _reversed(data, start, end):
    seg = data[start:end]
    if not isinstance(seg, (bytes, bytearray)):
        seg = bytes(seg)  # a memoryview slice
    return seg.translate(_REV)


def _rev16(c):
    return (_REV[c & 0xFF] << 8) | _REV[c >> 8]


def arc(data, start, end):
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


def x25(data, start, end):
    """crc.crc16_x25 over data[start:end]: crc_hqx of the bit-reversed bytes."""
    return _rev16(_crc_hqx(_reversed(data, start, end), 0xFFFF)) ^ 0xFFFF
