"""AES-128-GCM (NIST SP 800-38D) for DLMS general-glo-ciphering.

DLMS security control 0x30 is encrypt + authenticate, 0x20/0x21 encrypt only
(no tag: call decrypt() without one), 0x10 authenticate only (GMAC over
SC || AK || plaintext: verify_tag_only()). The IV is the 8-byte system title
followed by the 4-byte frame counter. Only the receiving side is here: encrypting
and making tags (what a meter does, which tests and tools play) are in meterside.py.

GHASH keeps its 128-bit state as eight 16-bit limbs and multiplies by H with a
16-entry (4-bit) table, so the hot loop only ever holds small ints: a board
(31-bit small ints) allocates nothing per byte. The AES block cipher comes from
cosem.aes (native aesio on CircuitPython, Python elsewhere).
"""

from .aes import Aes128


class AuthError(ValueError):
    """The GCM tag did not match: wrong key, wrong authentication key, or altered data."""


# _LAST4[r]: what the four bits r shifted out of a 4-bit right shift fold back to: r times x^4,
# reduced by x^128 = x^7 + x^2 + x + 1 (0xE1 << 120 in GCM's reflected bit order), always in
# the top 16 bits (limb 0). Worked out once (tests/cosem/test_gcm.py does it again): the code
# that makes it would stay in a board's heap.
_LAST4 = (0x0000, 0x1C20, 0x3840, 0x2460, 0x7080, 0x6CA0, 0x48C0, 0x54E0,
          0xE100, 0xFD20, 0xD940, 0xC560, 0x9180, 0x8DA0, 0xA9C0, 0xB5E0)


def _gmul(y, m):
    """y = y * H in place (y: bytearray(16)); Horner over 32 nibbles, last first."""
    r = _LAST4
    z0 = z1 = z2 = z3 = z4 = z5 = z6 = z7 = 0
    for j in range(31, -1, -1):
        # j odd: low nibble of byte j>>1; j even: its high nibble.
        k = ((y[j >> 1] >> ((~j & 1) << 2)) & 15) << 3
        rem = z7 & 15
        z7 = (z7 >> 4) | ((z6 & 15) << 12)
        z6 = (z6 >> 4) | ((z5 & 15) << 12)
        z5 = (z5 >> 4) | ((z4 & 15) << 12)
        z4 = (z4 >> 4) | ((z3 & 15) << 12)
        z3 = (z3 >> 4) | ((z2 & 15) << 12)
        z2 = (z2 >> 4) | ((z1 & 15) << 12)
        z1 = (z1 >> 4) | ((z0 & 15) << 12)
        z0 = (z0 >> 4) ^ r[rem] ^ m[k]
        z1 ^= m[k + 1]
        z2 ^= m[k + 2]
        z3 ^= m[k + 3]
        z4 ^= m[k + 4]
        z5 ^= m[k + 5]
        z6 ^= m[k + 6]
        z7 ^= m[k + 7]
    y[0] = z0 >> 8
    y[1] = z0 & 255
    y[2] = z1 >> 8
    y[3] = z1 & 255
    y[4] = z2 >> 8
    y[5] = z2 & 255
    y[6] = z3 >> 8
    y[7] = z3 & 255
    y[8] = z4 >> 8
    y[9] = z4 & 255
    y[10] = z5 >> 8
    y[11] = z5 & 255
    y[12] = z6 >> 8
    y[13] = z6 & 255
    y[14] = z7 >> 8
    y[15] = z7 & 255


def _ghash_update(y, m, data):
    """Absorb data into GHASH state y, zero-padding its last block."""
    n = len(data)
    off = 0
    while off < n:
        end = off + 16
        if end > n:
            end = n
        i = 0
        while off < end:
            y[i] ^= data[off]
            i += 1
            off += 1
        _gmul(y, m)


def _ghash_lengths(y, m, abytes, cbytes):
    # Final block: [len(A) in bits]_64 || [len(C) in bits]_64, big-endian.
    a = abytes << 3
    c = cbytes << 3
    for i in range(8):
        y[7 - i] ^= (a >> (8 * i)) & 255
        y[15 - i] ^= (c >> (8 * i)) & 255
    _gmul(y, m)


def _inc32(ctr):
    # Increment the last 32 bits of the counter block, wrapping (SP 800-38D 6.2).
    i = 15
    while i >= 12:
        v = (ctr[i] + 1) & 255
        ctr[i] = v
        if v:
            return
        i -= 1


class Gcm:
    """AES-128-GCM under one key; keep one per meter key (the H table costs 128 ints)."""

    def __init__(self, key):
        from . import keysetup  # (held here: Aes128 lets it go too)
        self._aes = Aes128(key)
        self._ks = bytearray(16)
        h = bytearray(16)
        self._aes.encrypt_block_into(bytes(16), h)
        self._m = keysetup.ghash_table(h)
        keysetup.forget()

    def _j0(self, iv):
        """Pre-counter block J0: IV || 0^31 || 1 for a 96-bit IV, else GHASH(IV)."""
        if len(iv) != 12:  # (DLMS IVs are 12 bytes: other lengths are hashed in meterside.py)
            from .meterside import j0_hashed
            return j0_hashed(self, iv)
        j = bytearray(16)
        for i in range(12):
            j[i] = iv[i]
        j[15] = 1
        return j

    def _tag(self, j0, aad, ct):
        """Full 16-byte tag: E(K, J0) xor GHASH(A, C)."""
        y = bytearray(16)
        _ghash_update(y, self._m, aad)
        _ghash_update(y, self._m, ct)
        _ghash_lengths(y, self._m, len(aad), len(ct))
        ks = self._ks
        self._aes.encrypt_block_into(j0, ks)
        for i in range(16):
            y[i] ^= ks[i]
        return y

    def _ctr(self, j0, data):
        """GCTR from inc32(J0): xor data with the keystream into a new bytearray."""
        n = len(data)
        out = bytearray(n)
        ctr = bytearray(j0)
        ks = self._ks
        enc = self._aes.encrypt_block_into
        off = 0
        while off < n:
            _inc32(ctr)
            enc(ctr, ks)
            end = off + 16
            if end > n:
                end = n
            i = 0
            while off < end:
                out[off] = data[off] ^ ks[i]
                i += 1
                off += 1
        return out

    def decrypt(self, iv, ciphertext, aad=b"", tag=None):
        """Plaintext (a bytearray). With a tag (4..16 leading bytes of the full tag)
        it is checked first and AuthError raised on mismatch; without one nothing
        is authenticated (DLMS security control 0x20/0x21)."""
        j0 = self._j0(iv)
        if tag is not None:
            _verify(self._tag(j0, aad, ciphertext), tag)
        return self._ctr(j0, ciphertext)

    def verify_tag_only(self, iv, aad, tag):
        """Raise AuthError unless tag is the GMAC of aad."""
        _verify(self._tag(self._j0(iv), aad, b""), tag)


def _check_tag_len(n):
    # SP 800-38D allows 4..16 bytes; anything shorter would authenticate nothing.
    if n < 4 or n > 16:
        raise ValueError("GCM tag length must be 4..16 bytes, got %d" % n)


def _verify(full, tag):
    """Compare tag with the leading bytes of full without stopping at the first difference."""
    n = len(tag)
    _check_tag_len(n)
    diff = 0
    for i in range(n):
        diff |= full[i] ^ tag[i]
    if diff:
        raise AuthError("GCM tag mismatch")
