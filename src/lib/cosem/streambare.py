"""The stream decoder's unframed messages: LLC PDUs (E6 E7 00) and bare APDUs (0F / DB) from a
source that never frames them (see stream.py). Loaded when a scan first meets such a start
before any frame: a meter port that frames its messages never holds it.
"""

from . import stream, streambin
from .message import Failure
from .stream import MAX_BUFFER, _DSMR, _GLO_CIPHERING, _HDLC, _MBUS, _NOTIFICATION


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
    try:
        end = apdu_complete(buf, start, avail)
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
    streambin.take_apdu(d, bytes(memoryview(buf)[start:end]), "llc" if start != pos else "apdu", None,
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
                    if c == _HDLC:
                        from . import hdlc as fr
                    else:
                        from . import mbus as fr
                    r = fr.parse_at(buf, q, avail, False)[0]
                    r = 1 if r == fr.FRAME else -1 if r == fr.NEED else 0
                if r > 0:
                    return 1
                if r < 0:
                    found = -1
            q = buf.find(flag, q + 1, b)
    return found


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


def apdu_complete(buf, pos, avail):
    """For an unframed APDU: its end index when all of it is in buf[pos:avail], else -1.

    Raises axdr.AxdrError when the bytes cannot be an APDU. Nothing is decoded or
    copied: the values are only stepped over (axdrmore.skip).
    """
    from . import axdr as ax
    from .dlms import BLOCK_TRANSFER, DED_CIPHERING
    try:
        if pos >= avail:
            return -1
        tag = buf[pos]
        if tag == _NOTIFICATION:
            p = _after_datetime(buf, pos + 5, avail)
            from .axdrmore import skip
            return skip(buf, p, avail)
        if tag == _GLO_CIPHERING or tag == DED_CIPHERING:
            n, p = ax.length(buf, pos + 1, avail)
            p += n
            n, p = ax.length(buf, p, avail)
            if p + n > avail:
                return -1
            return p + n
        if tag == BLOCK_TRANSFER:
            n, p = ax.length(buf, pos + 6, avail)
            if p + n > avail:
                return -1
            return p + n
    except ax.Truncated:
        return -1
    except IndexError:
        return -1
    raise ax.AxdrError("not an APDU")


def _after_datetime(data, p, end):
    """Skip the notification's date-time field; -> position of the body."""
    from . import axdr as ax
    if p >= end:
        raise ax.Truncated("date-time missing")
    b = data[p]
    if b == 0x00:
        return p + 1
    if b == 0x0C:
        return p + 13
    if b == ax.OCTET_STRING:
        n, q = ax.length(data, p + 1, end)
        return q + n
    raise ax.AxdrError("date-time field starts 0x%02x" % b)
