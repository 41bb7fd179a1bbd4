"""The stream decoder's binary half: HDLC frames, wired M-Bus long frames, unframed LLC
PDUs and APDUs, and the DLMS messages they carry (see stream.py). stream.py loads this
module when its scan first meets a binary frame's start, so a DSMR meter never holds it.

Functions of the Decoder d (its state stays on it): they return what stream._scan takes
(the index after the frame, 0 for not a frame, -1 for 'wait for more bytes').
"""

from . import stream
from .message import Failure, Message
from .stream import MAX_BUFFER, MAX_MESSAGE, _DSMR, _GLO_CIPHERING, _HDLC, _MBUS, _NOTIFICATION

hdlc = mbus = dlms = None


def _load_hdlc():
    global hdlc
    from . import hdlc
    return hdlc


def _load_mbus():
    global mbus
    from . import mbus
    return mbus


def _load_dlms():
    global dlms
    from . import dlms
    return dlms


def drop_joins(d, out, how):
    """Report the open joins as incomplete (the stream ended or the line went quiet)."""
    if d._seg is not None:
        out.append(Failure("hdlc", "incomplete", "segmented message %s before its last segment" % how,
                           d._seg[1]))
        d._seg = None
    if d._mbus is not None:
        out.append(Failure("mbus", "incomplete", "M-Bus message %s before its last segment" % how,
                           d._mbus[1]))
        d._mbus = None
    if d._gbt is not None:
        out.append(Failure(d._gbt[3], "incomplete", "block transfer %s before its last block" % how,
                           d._gbt[1]))
        d._gbt = None


def lost(d, out, why):
    """The open HDLC join lost a segment."""
    out.append(Failure("hdlc", "incomplete", "segmented message lost a segment (%s)" % why, d._seg[1]))
    d._seg = None


# --- HDLC -------------------------------------------------------------------------------
def hdlc_at(d, buf, pos, avail, out, final):
    hd = hdlc or _load_hdlc()
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
                lost(d, out, "a frame cut short")
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
            lost(d, out, "a damaged frame")
        out.append(Failure("hdlc", reason, text, buf[pos:end + 1]))
        # a bad FCS still marks where the frame ends; otherwise resynchronise after the flag
        return end if reason == "fcs" else pos + 1
    frame = res
    if pos == 0 and end + 1 == avail and type(buf) is bytes:
        raw = buf  # the caller's bytes are the frame: no copy
    else:
        raw = buf[pos:end + 1]
    _hdlc_frame(d, frame, buf, raw, out)
    return end  # the closing flag may open the next frame


def _hdlc_frame(d, frame, buf, raw, out):
    a = frame.info_start
    b = frame.info_end
    first = _llc_at(buf, a, b)  # a message's first segment (or a whole message) starts with LLC
    seg = d._seg
    if seg is not None and first:
        # a new message began: the open one lost its later segments
        out.append(Failure("hdlc", "incomplete", "segmented message lost its later segments", seg[1]))
        seg = d._seg = None
    if seg is None and not frame.segmented:
        # the usual frame, a whole message: its APDU (without the LLC header) read where it is,
        # through a view that nothing keeps (the values decoded from it are new bytes)
        if first:
            a += 3
        _apdu(d, memoryview(buf)[a:b], "hdlc", frame.fields(), raw, out)
        return
    # (memoryviews only as temporaries: one left alive would pin the buffer's size)
    if seg is None:
        if not first:
            out.append(Failure("hdlc", "incomplete", "segment without the first segment of its message",
                               raw))
            return
        # [info, raw, fields, count, dst, src, control, send-number step (None, 0 or 1), FCS+size]
        d._seg = [bytearray(memoryview(buf)[a + 3:b]), bytearray(raw), frame.fields(), 1,
                  frame.dst, frame.src, frame.control, None, _fcs(raw)]
        return
    why = _hdlc_follows(seg, frame, raw)
    if why is not None:
        out.append(Failure("hdlc", "incomplete", why, seg[1]))
        d._seg = None
        out.append(Failure("hdlc", "incomplete", "segment without the first segment of its message", raw))
        return
    seg[0].extend(memoryview(buf)[a:b])
    seg[1].extend(raw)
    seg[3] += 1
    seg[6] = frame.control
    seg[8] = _fcs(raw)
    if len(seg[0]) > MAX_MESSAGE:
        out.append(Failure("hdlc", "overflow", "segmented message longer than %d bytes" % MAX_MESSAGE,
                           seg[1][:MAX_BUFFER]))
        d._seg = None
        return
    if frame.segmented:
        return
    d._seg = None
    fields = seg[2]
    fields["segments"] = seg[3]
    _apdu(d, bytes(seg[0]), "hdlc", fields, bytes(seg[1]), out, True)


# --- M-Bus ------------------------------------------------------------------------------
def mbus_at(d, buf, pos, avail, out, final):
    mb = mbus or _load_mbus()
    status, end, res = mb.parse_at(buf, pos, avail, False)
    if status == mb.SKIP:
        return 0
    if status == mb.NEED:
        if not final:
            return -1
        if avail - pos >= 4 and buf[pos + 1] == buf[pos + 2] and buf[pos + 3] == _MBUS:
            d._found(out)
            d.framed = True
            out.append(Failure("mbus", "truncated", "M-Bus frame cut short: %d of %d bytes"
                               % (avail - pos, buf[pos + 1] + 6), buf[pos:avail]))
            return avail
        return 0
    d._found(out)
    d.framed = True
    if status == mb.BAD:
        reason, text = res
        out.append(Failure("mbus", reason, text, buf[pos:end + 1]))
        return end + 1 if reason == "checksum" else pos + 1
    frame = res
    a = frame.data_start
    b = frame.data_end
    seq = frame.sequence
    # (data and raw bytes are copied from buf once, where they go; memoryviews as temporaries only)
    if d._mbus is None or seq == 0:
        if d._mbus is not None:
            out.append(Failure("mbus", "incomplete", "M-Bus message lost its later segments",
                               d._mbus[1]))
        if seq != 0:
            out.append(Failure("mbus", "incomplete", "M-Bus segment %d without its first" % seq,
                               buf[pos:end + 1]))
            return end + 1
        if frame.last:  # the whole message in one frame: nothing to join
            d._mbus = None
            fields = frame.fields()
            fields["segments"] = 1
            _apdu(d, bytes(memoryview(buf)[a:b]), "mbus", fields, bytes(memoryview(buf)[pos:end + 1]), out)
            return end + 1
        d._mbus = [bytearray(), bytearray(), 0, frame.fields(), frame.control, frame.address]
    state = d._mbus
    if seq != state[2] or frame.control != state[4] or frame.address != state[5]:
        why = ("M-Bus segment %d where %d was due" % (seq, state[2]) if seq != state[2] else
               "M-Bus segment from another sender (C, A fields)")
        out.append(Failure("mbus", "incomplete", why, bytes(state[1]) + buf[pos:end + 1]))
        d._mbus = None
        return end + 1
    state[0].extend(memoryview(buf)[a:b])
    state[1].extend(memoryview(buf)[pos:end + 1])
    state[2] = (seq + 1) & 0x0F
    if frame.last:
        d._mbus = None
        fields = state[3]
        fields["segments"] = seq + 1
        _apdu(d, bytes(state[0]), "mbus", fields, bytes(state[1]), out, seq > 0)
    elif len(state[0]) > MAX_MESSAGE:
        out.append(Failure("mbus", "overflow", "M-Bus message longer than %d bytes" % MAX_MESSAGE,
                           state[1][:MAX_BUFFER]))
        d._mbus = None
    return end + 1


# --- unframed LLC / APDU ----------------------------------------------------------------
def bare_at(d, buf, pos, avail, out, final):
    start = pos
    if buf[pos] == 0xE6:
        if avail - pos < 4:
            return 0 if final else -1
        if buf[pos + 1] != 0xE7 or buf[pos + 2] != 0x00:
            return 0
        start = pos + 3
    if not _plausible_apdu(buf, start, avail):
        return 0 if (final or avail - start >= 8) else -1
    dl = dlms or _load_dlms()
    try:
        end = dl.apdu_complete(buf, start, avail)
    except ValueError:
        return 0
    # Nothing checks an unframed APDU but its own decoding: junk bytes (DB 08, 0F ..) read as
    # one, with a length taken from whatever follows. So a candidate gives way to a frame
    # that starts inside the bytes it claims and passes its own checks; one that cannot be
    # told yet waits for that frame's bytes (or, at the end, wins only if it decodes).
    if end < 0:
        inside = _frame_inside(d, buf, pos + 1, avail, avail, final)
        if inside > 0:
            return 0
        if not final:
            return -1 if avail - pos < MAX_BUFFER else 0
        if inside < 0:
            return 0  # a frame cut short: its own handler reports it
        d._found(out)
        out.append(Failure("apdu", "truncated", "APDU cut short", buf[pos:avail]))
        return avail
    inside = _frame_inside(d, buf, pos + 1, end, avail, final)
    if inside > 0:
        return 0
    if inside < 0 and not final:
        return -1
    items = []
    _apdu(d, bytes(memoryview(buf)[start:end]), "llc" if start != pos else "apdu", None,
          bytes(memoryview(buf)[pos:end]), items)
    if inside < 0 and not items[-1].ok:
        return 0
    d._found(out)
    out.extend(items)
    return end


def _frame_inside(d, buf, a, b, avail, final):
    """Does a frame start in buf[a:b] (it may run on to avail)? -> 1 when one passes its
    checks (HDLC HCS and FCS, M-Bus checksum, a telegram's '!' line), -1 when one may (more
    bytes needed), 0 when none does. (Not an unframed one: after junk the scan trusts
    none.) The first bytes are tested here: a framing's module loads for a likely start."""
    found = 0
    for flag in (b"/", b"\x7e", b"\x68"):  # (a constant: what opens a telegram, HDLC, M-Bus)
        c = flag[0]
        q = buf.find(flag, a, b)
        while q >= 0:
            r = _start_at(buf, q, avail, c)
            if r:
                if r < 0:
                    r = 0 if final else -1
                elif c == _DSMR:
                    r = (stream.dsmrscan or stream._load_dsmrscan()).dsmr_end(buf, q, avail, final)
                else:
                    fr = (hdlc or _load_hdlc()) if c == _HDLC else (mbus or _load_mbus())
                    r = fr.parse_at(buf, q, avail, False)[0]
                    r = 1 if r == fr.FRAME else -1 if r == fr.NEED else 0
                if r > 0:
                    return 1
                if r < 0:
                    found = -1
            q = buf.find(flag, q + 1, b)
    return found


# --- APDU to message --------------------------------------------------------------------
def _apdu(d, apdu, fmt, fields, raw, out, joined=False):
    dl = dlms or _load_dlms()
    if not apdu:
        out.append(Failure(fmt, "apdu", "frame without an APDU", raw))
        return
    try:
        if apdu[0] == dl.BLOCK_TRANSFER:
            apdu = _block(d, apdu, fmt, raw, out)
            if apdu is None:
                return
            raw = apdu[1]
            apdu = apdu[0]
            joined = True
        elif d._gbt is not None:
            # any other APDU between two blocks: the transfer lost its later blocks
            out.append(Failure(d._gbt[3], "incomplete", "block transfer lost its later blocks",
                               d._gbt[1]))
            d._gbt = None
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


def _block(d, apdu, fmt, raw, out):
    dl = dlms or _load_dlms()
    last, number, data = dl.block(apdu)
    if number == 1 or d._gbt is None:
        if d._gbt is not None:
            out.append(Failure(fmt, "incomplete", "block transfer restarted before its last block",
                               d._gbt[1]))
        if number != 1:
            raise dl.ApduError("incomplete", "block %d without block 1" % number)
        d._gbt = [bytearray(), bytearray(), 1, fmt]
    state = d._gbt
    if number != state[2]:
        d._gbt = None
        raise dl.ApduError("incomplete", "block %d where %d was due" % (number, state[2]))
    state[0].extend(data)
    state[1].extend(raw)
    state[2] = number + 1
    if len(state[0]) > MAX_MESSAGE:
        d._gbt = None
        raise dl.ApduError("overflow", "block transfer longer than %d bytes" % MAX_MESSAGE)
    if not last:
        return None
    d._gbt = None
    return bytes(state[0]), bytes(state[1])


def _message(d, apdu, fmt, fields, raw, security=None):
    dl = dlms or _load_dlms()
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
        if plain[:1] == b"/":
            from . import dsmr
            item = dsmr.parse(bytes(plain), d.key)
            if item.ok:
                item.apdu = {"type": dl.APDU_NAMES[tag], "security": sec}
                item.raw = raw
                item.format = "dsmr" if fmt == "apdu" else fmt
            else:
                item.raw = raw
            return item
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


def _llc_at(buf, a, b):
    """Does buf[a:b] start with the LLC header (E6 E7 00) and an APDU tag? The first segment of
    a message does; a later segment starts mid-body (2**-24 odds of looking like one)."""
    return b - a >= 4 and buf[a] == 0xE6 and buf[a + 1] == 0xE7 and buf[a + 2] == 0x00


def _fcs(raw):
    """A segment's FCS and size in one small int (to tell a repeated segment)."""
    return raw[-3] | (raw[-2] << 8) | (len(raw) << 16)


def _hdlc_follows(seg, frame, raw):
    """None when frame can be the next segment of the join seg, else why not."""
    if frame.dst != seg[4] or frame.src != seg[5]:
        return "segment from another address"
    if _fcs(raw) == seg[8]:
        return "segment repeated"  # (same checksum and size as the one before)
    c = frame.control
    prev = seg[6]
    if (c & 1) != (prev & 1):
        return "segment of another frame type"
    if not c & 1:  # I-frames number what they send: N(S), bits 1-3
        step = ((c >> 1) - (prev >> 1)) & 7
        if seg[7] is None and step <= 1:
            seg[7] = step  # a meter counts (1) or sends one number throughout (0)
        elif step != seg[7]:
            return "segment numbered %d after %d" % ((c >> 1) & 7, (prev >> 1) & 7)
    return None


def _start_at(buf, q, avail, c):
    """Do the first bytes at buf[q] (c = buf[q]) open a frame? 1 yes, 0 no, -1 too few to tell."""
    n = 2 if c == _HDLC else 4
    if avail - q < n:
        return -1
    if c == _HDLC:
        return 1 if buf[q + 1] & 0xF0 == 0xA0 else 0
    if c == _MBUS:
        return 1 if buf[q + 1] == buf[q + 2] and buf[q + 3] == _MBUS else 0
    for i in range(q + 1, q + 4):  # '/' and three letters
        c = buf[i] | 0x20
        if c < 97 or c > 122:
            return 0
    return 1


def _plausible_apdu(buf, pos, avail):
    """Cheap checks before trusting an unframed 0F / DB byte as an APDU start."""
    if avail - pos < 8:
        return avail - pos >= 1 and buf[pos] in (_NOTIFICATION, _GLO_CIPHERING)
    tag = buf[pos]
    if tag == _NOTIFICATION:
        return buf[pos + 5] in (0x00, 0x0C, 0x09)
    if tag == _GLO_CIPHERING:
        return buf[pos + 1] == 0x08
    return False
