"""The stream decoder's binary half: HDLC frames and the DLMS messages they carry (see
stream.py). stream.py loads this module when its scan first meets a binary frame's start,
so a DSMR meter never holds it. Rarer shapes load their own module when first met: joins
of segments and blocks (streamjoin.py), M-Bus frames (streammbus.py), unframed LLC PDUs and
APDUs (streambare.py); they hand the APDU back to take_apdu() here.

Functions of the Decoder d (its state stays on it): they return what stream._scan takes
(the index after the frame, 0 for not a frame, -1 for 'wait for more bytes').
"""

from .message import Failure, Message

# (hdlc, dlms and streamjoin are imported where they are used, on first use: an import of a
# loaded module is a look-up, and a module-level loader would cost heap of its own)


# --- HDLC -------------------------------------------------------------------------------
def hdlc_at(d, buf, pos, avail, out, final):
    from . import hdlc as hd
    status, end, res = hd.parse_at(buf, pos, avail, False)
    if status == hd.SKIP:
        return 0
    if status == hd.NEED:
        if not final:
            return -1
        if avail - pos >= 9 and buf[pos + 1] & 0xF0 == 0xA0:
            d._found(out)
            d.framed = True
            if d._seg is not None:
                from . import streamjoin
                streamjoin.lost(d, out, "a frame cut short")
            out.append(Failure("hdlc", "truncated", "frame cut short: %d of %d bytes"
                               % (avail - pos, (((buf[pos + 1] & 7) << 8) | buf[pos + 2]) + 2),
                               buf[pos:avail]))
            return avail
        return 0
    d._found(out)
    d.framed = True
    if status == hd.BAD:
        reason, text = res
        if d._seg is not None:
            from . import streamjoin
            streamjoin.lost(d, out, "a damaged frame")
        out.append(Failure("hdlc", reason, text, buf[pos:end + 1]))
        # a bad FCS still marks where the frame ends; otherwise resynchronise after the flag
        return end if reason == "fcs" else pos + 1
    frame = res
    if pos == 0 and end + 1 == avail and type(buf) is bytes:
        raw = buf  # the caller's bytes are the frame: no copy
    else:
        raw = buf[pos:end + 1]
    a = frame.info_start
    b = frame.info_end
    # a message's first segment (or a whole message) starts with the LLC header (E6 E7 00) and
    # an APDU tag; a later segment starts mid-body (2**-24 odds of looking like one)
    first = b - a >= 4 and buf[a] == 0xE6 and buf[a + 1] == 0xE7 and buf[a + 2] == 0x00
    if d._seg is not None or frame.segmented:
        from . import streamjoin
        if streamjoin.hdlc_segment(d, frame, buf, raw, out, first):
            return end
    # the usual frame, a whole message: its APDU (without the LLC header) read where it is,
    # through a view that nothing keeps (the values decoded from it are new bytes)
    if first:
        a += 3
    take_apdu(d, memoryview(buf)[a:b], "hdlc", frame.fields(), raw, out)
    return end  # the closing flag may open the next frame


# --- APDU to message --------------------------------------------------------------------
def take_apdu(d, apdu, fmt, fields, raw, out, joined=False):
    from . import dlms as dl
    if not apdu:
        out.append(Failure(fmt, "apdu", "frame without an APDU", raw))
        return
    try:
        if apdu[0] == dl.BLOCK_TRANSFER:
            from . import streamjoin
            apdu = streamjoin.block(d, apdu, fmt, raw, out)
            if apdu is None:
                return
            raw = apdu[1]
            apdu = apdu[0]
            joined = True
        elif d._gbt is not None:
            # any other APDU between two blocks: the transfer lost its later blocks
            from . import streamjoin
            streamjoin.block_lost(d, out)
        item = _message(d, apdu, fmt, fields, raw)
        if joined and item.ok and (item.apdu.get("trailing_bytes") or not item.readings):
            # a joined body that ends before its bytes do, or in which no reading can be
            # recognised: parts are missing (unnumbered segments show a loss no other way)
            item = Failure(fmt, "incomplete", "joined message does not decode whole: a part is missing", raw)
    except dl.ApduError as e:
        item = Failure(fmt, e.reason, e.text, raw)
    except (ValueError, IndexError, KeyError, TypeError) as e:
        # the decoder's own bug or a shape nobody foresaw: never let it escape
        item = Failure(fmt, "apdu", "undecodable APDU (%s)" % e, raw)
    if item is not None:
        out.append(item)


def _message(d, apdu, fmt, fields, raw, security=None):
    from . import dlms as dl
    tag = apdu[0]
    if tag == dl.GLO_CIPHERING or tag == dl.DED_CIPHERING:
        if security is not None:
            raise dl.ApduError("apdu", "ciphered APDU inside a ciphered APDU")
        parts = dl.ciphered(apdu)
        sec = {"security_control": "0x%02x" % parts["security_control"],
               "system_title": parts["system_title"].hex(),
               "frame_counter": parts["frame_counter"].hex(),
               "authenticated": bool(parts["tag"] is not None and d.auth_key is not None)}
        plain = dl.decipher(parts, d.key, d.auth_key, d._ciphers)
        if plain and plain[0] == 0x2F:  # '/': a DSMR telegram (no slice made to tell)
            from .dsmrgcm import ciphered_telegram
            return ciphered_telegram(plain, d.key, tag == dl.GLO_CIPHERING, sec, fmt, raw)
        return _message(d, plain, fmt, fields, raw, sec)  # (a bytearray: read, never kept)
    if tag != dl.DATA_NOTIFICATION:
        raise dl.ApduError("apdu", "APDU 0x%02x is not a push this decoder reads" % tag)
    apdu_fields, body = dl.data_notification(apdu)
    if security is not None:
        apdu_fields["security"] = security
    msg = Message(fmt)
    msg.frame = fields
    msg.apdu = apdu_fields
    msg.payload = body
    msg.raw = raw
    msg.timestamp = apdu_fields.get("datetime")
    from .readings import extract
    extract(msg, body)
    return msg
