"""The stream decoder's joins: a message sent in parts (HDLC segmentation, general block
transfer) put back together, and open joins reported when they cannot complete (see
stream.py). Loaded when a stream first meets a part: a meter that sends each message in
one frame never holds it. (M-Bus segments are joined in streammbus.py.)
"""

from . import dlms as dl
from . import streambin
from .message import Failure
from .stream import MAX_BUFFER, MAX_MESSAGE


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
        block_lost(d, out, "%s before its last block" % how)


def lost(d, out, why):
    """The open HDLC join lost a segment."""
    out.append(Failure("hdlc", "incomplete", "segmented message lost a segment (%s)" % why, d._seg[1]))
    d._seg = None


def block_lost(d, out, how="lost its later blocks"):
    """The open block transfer cannot complete."""
    out.append(Failure(d._gbt[3], "incomplete", "block transfer " + how, d._gbt[1]))
    d._gbt = None


# --- HDLC segmentation ------------------------------------------------------------------
def hdlc_segment(d, frame, buf, raw, out, first):
    """A segment, or a frame while a join is open -> True when handled here; False when it
    is a whole message for streambin to decode (an open join it ends is reported)."""
    a = frame.info_start
    b = frame.info_end
    seg = d._seg
    if seg is not None and first:
        # a new message began: the open one lost its later segments
        out.append(Failure("hdlc", "incomplete", "segmented message lost its later segments", seg[1]))
        seg = d._seg = None
    if seg is None and not frame.segmented:
        return False
    # (memoryviews only as temporaries: one left alive would pin the buffer's size)
    if seg is None:
        if not first:
            out.append(Failure("hdlc", "incomplete", "segment without the first segment of its message",
                               raw))
            return True
        # [info, raw, fields, count, dst, src, control, send-number step (None, 0 or 1), FCS+size]
        d._seg = [bytearray(memoryview(buf)[a + 3:b]), bytearray(raw), frame.fields(), 1,
                  frame.dst, frame.src, frame.control, None, _fcs(raw)]
        return True
    why = _hdlc_follows(seg, frame, raw)
    if why is not None:
        out.append(Failure("hdlc", "incomplete", why, seg[1]))
        d._seg = None
        out.append(Failure("hdlc", "incomplete", "segment without the first segment of its message", raw))
        return True
    seg[0].extend(memoryview(buf)[a:b])
    seg[1].extend(raw)
    seg[3] += 1
    seg[6] = frame.control
    seg[8] = _fcs(raw)
    if len(seg[0]) > MAX_MESSAGE:
        out.append(Failure("hdlc", "overflow", "segmented message longer than %d bytes" % MAX_MESSAGE,
                           seg[1][:MAX_BUFFER]))
        d._seg = None
        return True
    if frame.segmented:
        return True
    d._seg = None
    fields = seg[2]
    fields["segments"] = seg[3]
    streambin.take_apdu(d, bytes(seg[0]), "hdlc", fields, bytes(seg[1]), out, True)
    return True


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


# --- general block transfer -------------------------------------------------------------
def block(d, apdu, fmt, raw, out):
    """A general-block-transfer APDU joined -> (APDU, raw bytes) when it was the last block,
    else None. Raises dlms.ApduError."""
    if len(apdu) < 6:
        raise dl.ApduError("truncated", "block transfer header cut short")
    # block-control(1: 0x80 last block) | block-number(2) | ack(2) | length | block data
    last = apdu[1] & 0x80
    number = (apdu[2] << 8) | apdu[3]
    try:
        n, p = dl.length(apdu, 6)
    except ValueError:
        raise dl.ApduError("truncated", "block transfer length cut short")
    if p + n > len(apdu):
        raise dl.ApduError("truncated", "block %d says %d bytes, has %d" % (number, n, len(apdu) - p))
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
    state[0].extend(memoryview(apdu)[p:p + n])
    state[1].extend(raw)
    state[2] = number + 1
    if len(state[0]) > MAX_MESSAGE:
        d._gbt = None
        raise dl.ApduError("overflow", "block transfer longer than %d bytes" % MAX_MESSAGE)
    if not last:
        return None
    d._gbt = None
    return bytes(state[0]), bytes(state[1])
