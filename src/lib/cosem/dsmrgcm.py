"""The Polish encrypted P1 hybrid: a DSMR identification line, then a GCM block and '!' + CRC
(dsmr.parse hands it here), and a DSMR telegram carried in a ciphered DLMS APDU (streambin
hands it here); meters that send neither never load this module."""

from .crc import crc16_arc
from .dsmr import _crc_failure, _end_line, _message
from .message import Failure, Message

GCM_TAG_LEN = 12

_cipher = None  # (key, gcm.Gcm): the key's tables are built for its first telegram, not each


def parse_hybrid(data, start, body, ident, key, check_crc):
    """Identification, blank line, then [title length][title][BER length][SC][FC] ciphertext
    [tag] and '!' + CRC: a DLMS general-glo-ciphering body with its 0xDB tag left off.

    The declared length (SC to the end of the tag) says where '!' must be; the body is
    binary, so it is never searched for line ends. The IV is the system title (zeros when
    the meter sends none) and the frame counter. With no authentication key the tag cannot
    be checked; the CRC is accepted over the decrypted telegram or over the bytes as sent.
    """
    n = len(data)
    i = body + 1 if data[body] == 0xDB else body  # some meters keep the tag
    if i >= n:
        return Failure("dsmr", "truncated", "encrypted P1 block ends in its header", data)
    tlen = data[i]
    if tlen > 8:
        return Failure("dsmr", "format", "system title length %d in an encrypted P1 block" % tlen, data)
    title = data[i + 1:i + 1 + tlen]
    i += 1 + tlen
    if i + 3 > n:
        return Failure("dsmr", "truncated", "encrypted P1 block ends in its header", data)
    c = data[i]
    if c < 0x80:
        length, i = c, i + 1
    elif c == 0x81:
        length, i = data[i + 1], i + 2
    elif c == 0x82:
        length, i = (data[i + 1] << 8) | data[i + 2], i + 3
    else:
        return Failure("dsmr", "format", "bad length byte 0x%02x in an encrypted P1 block" % c, data)
    bang = i + length
    if bang >= n:
        return Failure("dsmr", "truncated", "encrypted P1 block declares %d bytes, %d arrived" % (length, n - i), data)
    if data[bang] != 33:
        return Failure("dsmr", "length", "no '!' after the %d bytes the encrypted P1 block declares" % length, data)
    end = _end_line(data, bang)
    if isinstance(end, Failure):
        return end
    if key is None:
        return Failure("dsmr", "no-key", "encrypted P1 telegram and no key configured", data)
    sc = data[i]
    tag = GCM_TAG_LEN if sc & 0x10 else 0
    if length < 5 + tag:
        return Failure("dsmr", "length", "encrypted P1 block of %d bytes is too short" % length, data)
    iv = bytes(title) + bytes(8 - tlen) + data[i + 1:i + 5]
    try:
        from . import gcm  # only the hybrid needs AES
    except ImportError:
        return Failure("dsmr", "decrypt", "no AES-GCM on this device", data)
    try:
        plain = _cipher_for(gcm, key).decrypt(iv, data[i + 5:bang - tag], b"", None)
    except ValueError as e:
        return Failure("dsmr", "decrypt", "decryption failed: %s" % e, data)
    for c in plain:  # a wrong key gives control bytes within the first few dozen
        if c < 32 and c not in (9, 10, 13) or c == 127:
            return Failure("dsmr", "decrypt", "decrypted P1 block is not telegram text (wrong key?)", data)
    whole = data[start:body] + plain + b"!"
    if check_crc and end:
        bad = _crc_failure(data, end, crc16_arc(whole), crc16_arc(data, start, bang + 1))
        if bad:
            return bad
    msg = Message("dsmr")  # (MicroPython: b"".hex() is b"", hence the tlen test)
    msg.frame = {"envelope": "gcm", "system_title": bytes(title).hex() if tlen else "", "security_control": sc,
                 "frame_counter": (data[i + 1] << 24) | (data[i + 2] << 16) | (data[i + 3] << 8) | data[i + 4]}
    out = _message(whole, ident, body - start, len(whole) - 1, msg)
    out.raw = bytes(data)  # what came over the wire, for log.txt and replay
    return out


def _cipher_for(gcm, key):
    global _cipher
    if _cipher is None or _cipher[0] != key:
        _cipher = (bytes(key), gcm.Gcm(key))
    return _cipher[1]


def ciphered_telegram(plain, key, glo, security, fmt, raw):
    """A DSMR telegram a general-glo/ded-ciphering APDU carried (streambin._message) -> the
    Message or Failure, with the APDU's type and security fields."""
    from .dsmr import parse
    item = parse(bytes(plain), key)
    item.raw = raw
    if item.ok:
        item.apdu = {"type": "general-glo-ciphering" if glo else "general-ded-ciphering", "security": security}
        item.format = "dsmr" if fmt == "apdu" else fmt
    return item
