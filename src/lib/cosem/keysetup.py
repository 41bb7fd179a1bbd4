"""What is worked out once per key: a key given as hex text or bytes, checked (stream.py's
Decoder); the AES S-box tables and AES-128 round keys (aes.py); GHASH's table of multiples
of H (gcm.py). They import this module for a new key and let it go again (forget()): a board
keeps the keys and tables, not the code that makes them.
"""

import sys

try:
    from array import array
except ImportError:  # pragma: no cover - every VM we target has array
    array = None


def forget():
    """Drop this module from sys.modules and from the cosem package: the collector frees it
    once the caller's reference ends. The next key imports it again."""
    sys.modules.pop(__name__, None)
    try:
        delattr(sys.modules["cosem"], "keysetup")
    except (AttributeError, KeyError):  # not there (MicroPython: KeyError)
        pass


def key_bytes(k):
    """A key as 16 bytes, or None for none; ValueError when it is not 16 bytes / 32 hex digits."""
    if k is None or k == b"" or k == "":
        return None
    if isinstance(k, str):
        k = k.strip().replace(" ", "").replace(":", "")
        if k[:2] in ("0x", "0X"):
            k = k[2:]
        if len(k) != 32:
            raise ValueError("a key is 32 hex digits")
        return bytes.fromhex(k)
    k = bytes(k)
    if len(k) != 16:
        raise ValueError("a key is 16 bytes")
    return k


def _xtime(b):
    # Multiply by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    b <<= 1
    return (b ^ 0x11B) if b & 0x100 else b


def aes_tables():
    """(S, S2, S3): the AES S-box and its products by 2 and 3."""
    # exp/log over the generator 3, then S(x) = affine(x^-1) (FIPS-197 5.1.1).
    exp = bytearray(256)
    log = bytearray(256)
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x ^= _xtime(x)  # x * 3
    sbox = bytearray(256)
    for a in range(256):
        inv = exp[(255 - log[a]) % 255] if a else 0
        s = inv
        for _ in range(4):
            inv = ((inv << 1) | (inv >> 7)) & 0xFF
            s ^= inv
        sbox[a] = s ^ 0x63
    # S2[a] = 2*S(a), S3[a] = 3*S(a): SubBytes and MixColumns in one look-up.
    s2 = bytearray(256)
    s3 = bytearray(256)
    for a in range(256):
        d = _xtime(sbox[a])
        s2[a] = d
        s3[a] = d ^ sbox[a]
    return bytes(sbox), bytes(s2), bytes(s3)


_RCON = b"\x01\x02\x04\x08\x10\x20\x40\x80\x1b\x36"


def round_keys(key, sb):
    """The 11 round keys of AES-128 as one 176-byte string (FIPS-197 5.2)."""
    if len(key) != 16:
        raise ValueError("AES-128 key must be 16 bytes, got %d" % len(key))
    w = bytearray(176)
    w[0:16] = key
    for i in range(16, 176, 4):
        t0 = w[i - 4]
        t1 = w[i - 3]
        t2 = w[i - 2]
        t3 = w[i - 1]
        if i & 15 == 0:  # RotWord, SubWord, Rcon
            t0, t1, t2, t3 = sb[t1] ^ _RCON[(i >> 4) - 1], sb[t2], sb[t3], sb[t0]
        w[i] = w[i - 16] ^ t0
        w[i + 1] = w[i - 15] ^ t1
        w[i + 2] = w[i - 14] ^ t2
        w[i + 3] = w[i - 13] ^ t3
    return bytes(w)


def _limbs_table(n):
    return array("H", bytes(2 * n)) if array else [0] * n


def ghash_table(h):
    """m[8*n + i] = limb i of n*H, nibble n in GCM bit order (8 means x^0).

    Worked in 16-bit limbs straight into the table: no 128-bit ints (on a board each
    step on one would allocate)."""
    m = _limbs_table(128)
    for i in range(8):
        m[64 + i] = (h[2 * i] << 8) | h[2 * i + 1]  # 8: H itself
    for n in (4, 2, 1):  # n*H = (2n)*H times x: a right shift by one, reduced
        src = 16 * n
        dst = 8 * n
        low = m[src + 7] & 1
        carry = 0
        for i in range(8):
            v = m[src + i]
            m[dst + i] = (v >> 1) | (carry << 15)
            carry = v & 1
        if low:
            m[dst] ^= 0xE100  # x^128 folds back to 0xE1 << 120, the top limb
    for n in range(16):
        if n & (n - 1):  # not a power of two: the sum of its bits
            for i in range(8):
                v = 0
                for b in (8, 4, 2, 1):
                    if n & b:
                        v ^= m[8 * b + i]
                m[8 * n + i] = v
    return m
