"""The AES-128 block cipher seam: encryption of one 16-byte block, nothing more.

GCM only ever runs the forward cipher (CTR keystream and the hash key H), so
decryption is not provided. CircuitPython boards have `aesio` (native ECB) and
it is used when it imports (aesnative.py); CPython and MicroPython have none, so a
byte-oriented AES-128 (FIPS-197) in plain Python stands in. It works on bytes
only -- every intermediate is a small int, which matters on boards whose small
ints are 31 bits -- and its tables are built once, by the first key that needs them.
"""

try:
    import aesio
except ImportError:
    aesio = None


def _xtime(b):
    # Multiply by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    b <<= 1
    return (b ^ 0x11B) if b & 0x100 else b


def _tables():
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


_S = _S2 = _S3 = None  # built by the first Python cipher: a board with aesio never needs them


def _build():
    global _S, _S2, _S3
    _S, _S2, _S3 = _tables()
_RCON = b"\x01\x02\x04\x08\x10\x20\x40\x80\x1b\x36"


def _expand(key):
    """The 11 round keys of AES-128 as one 176-byte string (FIPS-197 5.2)."""
    if len(key) != 16:
        raise ValueError("AES-128 key must be 16 bytes, got %d" % len(key))
    w = bytearray(176)
    w[0:16] = key
    sb = _S
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


class _PyAes128:
    """AES-128 forward cipher in Python; two 16-byte scratch buffers per key."""

    native = False

    def __init__(self, key):
        if _S is None:
            _build()
        self._rk = _expand(key)
        self._s = bytearray(16)
        self._t = bytearray(16)

    def encrypt_block_into(self, src, dst):
        """Encrypt the 16 bytes of src into dst (both may be the same buffer)."""
        S = _S
        S2 = _S2
        S3 = _S3
        k = self._rk
        s = self._s
        t = self._t
        for i in range(16):
            s[i] = src[i] ^ k[i]
        o = 16
        for _ in range(9):
            # Column c of ShiftRows(state) is s[c], s[c+5], s[c+10], s[c+15] (mod 16).
            for c in range(0, 16, 4):
                a0 = s[c]
                a1 = s[(c + 5) & 15]
                a2 = s[(c + 10) & 15]
                a3 = s[(c + 15) & 15]
                x = o + c
                t[c] = S2[a0] ^ S3[a1] ^ S[a2] ^ S[a3] ^ k[x]
                t[c + 1] = S[a0] ^ S2[a1] ^ S3[a2] ^ S[a3] ^ k[x + 1]
                t[c + 2] = S[a0] ^ S[a1] ^ S2[a2] ^ S3[a3] ^ k[x + 2]
                t[c + 3] = S3[a0] ^ S[a1] ^ S[a2] ^ S2[a3] ^ k[x + 3]
            s, t = t, s
            o += 16
        for i in range(16):  # last round: no MixColumns
            dst[i] = S[s[(i * 5) & 15]] ^ k[160 + i]


if aesio is not None:
    from .aesnative import Aes128  # noqa: F401 - the board's own AES
else:
    Aes128 = _PyAes128
