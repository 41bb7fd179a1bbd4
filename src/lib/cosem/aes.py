"""The AES-128 block cipher seam: encryption of one 16-byte block, nothing more.

GCM only ever runs the forward cipher (CTR keystream and the hash key H), so
decryption is not provided. CircuitPython boards have `aesio` (native ECB) and
it is used when it imports (aesnative.py); CPython and MicroPython have none, so a
byte-oriented AES-128 (FIPS-197) in plain Python stands in. It works on bytes
only -- every intermediate is a small int, which matters on boards whose small
ints are 31 bits -- and its tables are built once, by the first key that needs them
(keysetup.py, which does it and is let go again).
"""

try:
    import aesio
except ImportError:
    aesio = None


_S = _S2 = _S3 = None  # built by the first Python cipher: a board with aesio never needs them


class _PyAes128:
    """AES-128 forward cipher in Python; two 16-byte scratch buffers per key."""

    native = False

    def __init__(self, key):
        global _S, _S2, _S3
        from . import keysetup
        try:
            if _S is None:
                _S, _S2, _S3 = keysetup.aes_tables()
            self._rk = keysetup.round_keys(key, _S)
        finally:
            keysetup.forget()
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
