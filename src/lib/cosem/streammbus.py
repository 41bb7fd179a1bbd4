"""The stream decoder's wired M-Bus long frames (68 L L 68), their segments joined (see
stream.py). Loaded when a scan first meets an M-Bus frame's start: an HDLC meter never
holds it.
"""

from . import streambin
from .message import Failure
from .stream import MAX_BUFFER, MAX_MESSAGE, _MBUS
from . import mbus as mb


def mbus_at(d, buf, pos, avail, out, final):
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
            streambin.take_apdu(d, bytes(memoryview(buf)[a:b]), "mbus", fields, bytes(memoryview(buf)[pos:end + 1]),
                           out)
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
        streambin.take_apdu(d, bytes(state[0]), "mbus", fields, bytes(state[1]), out, seq > 0)
    elif len(state[0]) > MAX_MESSAGE:
        out.append(Failure("mbus", "overflow", "M-Bus message longer than %d bytes" % MAX_MESSAGE,
                           state[1][:MAX_BUFFER]))
        d._mbus = None
    return end + 1
