"""xDLMS APDUs a meter pushes: data-notification, general-glo/ded-ciphering,
general-block-transfer (DLMS Green Book, 'xDLMS APDUs').

data-notification (0x0F): long-invoke-id-and-priority(4) | date-time | body
  date-time appears in three forms: 00 (absent), 0C + 12 octets, 09 0C + 12 octets.
general-glo-ciphering (0xDB) / general-ded-ciphering (0xDC):
  system-title (length + 8) | length | security-control(1) | frame-counter(4) |
  ciphertext | tag(12, when security-control has 0x10)
general-block-transfer (0xE0):
  block-control(1: 0x80 last block) | block-number(2) | ack(2) | length | block data
"""

# A-XDR and COSEM time are loaded when a notification (or a raw APDU, or a block) is first
# read: a ciphered APDU that carries a DSMR telegram needs neither.
DATA_NOTIFICATION = 0x0F
GLO_CIPHERING = 0xDB
DED_CIPHERING = 0xDC
BLOCK_TRANSFER = 0xE0

TAG_LEN = 12


class ApduError(ValueError):
    def __init__(self, reason, text):
        super().__init__(text)
        self.reason = reason
        self.text = text


def data_notification(data):
    """-> (fields dict, body node). Raises ApduError."""
    from . import axdr as ax
    if len(data) < 6:
        raise ApduError("truncated", "data-notification shorter than its header")
    # (the invoke id's hex made from its four bytes: no slice, no bytes copy)
    fields = {"type": "data-notification", "invoke_id": "%02x%02x%02x%02x" % (data[1], data[2], data[3], data[4])}
    p = 5
    b = data[p]
    stamp = None
    if b == 0x00:
        p += 1
    elif b == 0x0C:
        stamp = bytes(data[p + 1:p + 13])
        p += 13
    elif b == ax.OCTET_STRING:
        try:
            n, q = ax.length(data, p + 1)
        except ax.AxdrError as e:
            raise ApduError("axdr", "date-time: %s" % e)
        stamp = bytes(data[q:q + n])
        p = q + n
    else:
        raise ApduError("apdu", "data-notification date-time starts with 0x%02x" % b)
    if stamp is not None:
        if len(stamp) != 12:
            raise ApduError("truncated", "data-notification date-time cut short")
        from .cosemtime import iso
        fields["datetime"] = iso(stamp)
        fields["datetime_raw"] = stamp.hex()
    try:
        body, end = ax.decode(data, p)
    except ax.Truncated as e:
        raise ApduError("truncated", "notification body: %s" % e)
    except ax.AxdrError as e:
        raise ApduError("axdr", "notification body: %s" % e)
    if end != len(data):
        fields["trailing_bytes"] = len(data) - end
    return fields, body


def length(data, pos):
    """axdr.length(data, pos) for the ciphering header, without loading A-XDR: (value, next
    pos); ValueError when the length is cut short or malformed."""
    end = len(data)
    if pos >= end:
        raise ValueError("length missing")
    n = data[pos]
    if n < 0x80:
        return n, pos + 1
    k = n & 0x7F
    if k == 0 or k > 4 or pos + 1 + k > end:
        raise ValueError("bad length")
    v = 0
    for i in range(pos + 1, pos + 1 + k):
        v = (v << 8) | data[i]
    return v, pos + 1 + k


def ciphered(data):
    """Split a general-glo/ded-ciphering APDU -> dict of its parts. Raises ApduError."""
    try:
        n, p = length(data, 1)
        title = bytes(data[p:p + n])
        p += n
        n, p = length(data, p)
    except ValueError:
        raise ApduError("truncated", "ciphered APDU header cut short")
    if p + n > len(data) or n < 5:
        raise ApduError("truncated", "ciphered APDU says %d bytes, has %d" % (n, len(data) - p))
    sc = data[p]
    counter = bytes(data[p + 1:p + 5])
    end = p + n  # the body is p + 5 .. end, the tag (when sent) its last TAG_LEN bytes
    tag = None
    if sc & 0x10:
        if n - 5 < TAG_LEN:
            raise ApduError("truncated", "ciphered APDU too short for its tag")
        tag = bytes(data[end - TAG_LEN:end])
        end -= TAG_LEN
    # ciphertext is only read (decrypt makes the plaintext): a view of it, not a copy
    body = memoryview(data)[p + 5:end] if sc & 0x20 else bytes(data[p + 5:end])
    return {"system_title": title, "security_control": sc, "frame_counter": counter,
            "body": body, "tag": tag, "end": p + n}


def decipher(parts, key, auth_key, ciphers=None):
    """Decrypt / authenticate per the security-control byte -> plaintext APDU. Raises ApduError.

    ciphers: a dict the caller keeps between messages (key -> gcm.Gcm): building the cipher
    for a key (key schedule, hash table) costs more than a message's decryption."""
    sc = parts["security_control"]
    if len(parts["system_title"]) != 8:
        raise ApduError("apdu", "system title of %d bytes (8 expected)" % len(parts["system_title"]))
    if not sc & 0x30:
        return parts["body"]
    if key is None:
        raise ApduError("no-key", "encrypted (security 0x%02x, system title %s) and no key set"
                        % (sc, parts["system_title"].hex()))
    from . import gcm  # imported on first use: unencrypted meters never pay for it
    iv = parts["system_title"] + parts["frame_counter"]
    tag = parts["tag"]
    aad = bytearray(1 + (len(auth_key) if auth_key else 0))  # SC || AK, made once (no temporaries)
    aad[0] = sc
    if auth_key:
        aad[1:] = auth_key
    check = tag is not None and auth_key is not None
    cipher = ciphers.get(key) if ciphers is not None else None
    try:
        if cipher is None:
            cipher = gcm.Gcm(key)
            if ciphers is not None:
                ciphers.clear()  # one key per meter: keep only the latest
                ciphers[key] = cipher
        if sc & 0x20:
            plain = cipher.decrypt(iv, parts["body"], aad, tag if check else None)
        else:
            plain = parts["body"]
            if check:
                cipher.verify_tag_only(iv, aad + plain, tag)
    except gcm.AuthError:
        raise ApduError("auth", "authentication tag wrong: wrong key or authentication key")
    first = plain[0] if plain else 0
    if sc & 0x20 and first != DATA_NOTIFICATION and first != 0x2F and first != BLOCK_TRANSFER \
            and first != GLO_CIPHERING:  # (a notification, a DSMR telegram '/', a block, a ciphered APDU)
        raise ApduError("decrypt", "decrypted to nothing known (starts 0x%02x): wrong key?" % first)
    return plain
