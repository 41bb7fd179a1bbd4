"""The meter's side, for tests and tools (the DSMR bridge's peers, build.py heap's GCM frame):
wrap information bytes in an HDLC frame, encrypt with AES-128-GCM, make a GMAC tag, and
one-call forms of the GCM operations. The decoder never imports this module: on a board
its code would only take heap.
"""

from .crc import crc16_x25
from .gcm import AuthError, Gcm as _Gcm, _check_tag_len, _ghash_lengths, _ghash_update  # noqa: F401
from .hdlc import FLAG


def hdlc_frame(info, dst=b"\x41", src=b"\x08\x83", control=0x13, segmented=False):
    """Wrap information bytes in a frame (for tests and the DSMR bridge's peers)."""
    flen = 2 + len(dst) + len(src) + 1 + 2 + len(info) + 2
    f0 = 0xA0 | (0x08 if segmented else 0) | ((flen >> 8) & 0x07)
    head = bytearray([f0, flen & 0xFF]) + dst + src + bytes([control])
    hcs = crc16_x25(head)
    head += bytes([hcs & 0xFF, hcs >> 8])
    body = head + info
    fcs = crc16_x25(body)
    return bytes([FLAG]) + bytes(body) + bytes([fcs & 0xFF, fcs >> 8, FLAG])


class Gcm(_Gcm):
    """gcm.Gcm with the sending side: encrypt() and the GMAC tag_only()."""

    def encrypt(self, iv, plaintext, aad=b"", tag_len=12):
        """(ciphertext, tag) with the tag cut to tag_len bytes."""
        _check_tag_len(tag_len)
        j0 = self._j0(iv)
        ct = self._ctr(j0, plaintext)
        return bytes(ct), bytes(self._tag(j0, aad, ct)[:tag_len])

    def tag_only(self, iv, aad, tag_len=12):
        """GMAC: the tag over aad with nothing encrypted (DLMS security control 0x10)."""
        _check_tag_len(tag_len)
        return bytes(self._tag(self._j0(iv), aad, b"")[:tag_len])


def j0_hashed(g, iv):
    """Pre-counter block J0 = GHASH(IV) for an IV that is not 12 bytes (SP 800-38D 7.1)."""
    if not len(iv):
        raise ValueError("GCM IV must not be empty")
    j = bytearray(16)
    _ghash_update(j, g._m, iv)
    _ghash_lengths(j, g._m, 0, len(iv))
    return j


def encrypt(key, iv, plaintext, aad=b"", tag_len=12):
    """(ciphertext, tag): AES-128-GCM."""
    return Gcm(key).encrypt(iv, plaintext, aad, tag_len)


def decrypt(key, iv, ciphertext, aad=b"", tag=None):
    """Plaintext of ciphertext; if tag is given it must verify or AuthError is raised."""
    return Gcm(key).decrypt(iv, ciphertext, aad, tag)


def tag_only(key, iv, aad, tag_len=12):
    """GMAC tag over aad (DLMS authentication only, AAD = SC || AK || plaintext)."""
    return Gcm(key).tag_only(iv, aad, tag_len)


def verify_tag_only(key, iv, aad, tag):
    """Raise AuthError unless tag authenticates aad under key and iv."""
    Gcm(key).verify_tag_only(iv, aad, tag)


verify = verify_tag_only  # (the short name)
