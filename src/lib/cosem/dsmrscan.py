"""Where a DSMR telegram ends in a byte stream, and the telegram handed to dsmr.parse (the
stream decoder loads this on its first '/').

Text telegrams end with a '!' line (four CRC hex digits, or none); the Polish encrypted
hybrid carries a binary GCM block whose length says where its '!' stands. Finding the end
makes no text or slices: the stream buffer is only searched.
"""

from .message import Failure
from .stream import MAX_BUFFER

_DSMR = 0x2F  # '/'


def _is_hex(c):
    return 48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102


def _letters(buf, i):
    """True when buf[i:i + 3] are three ASCII letters (a maker's flag id)."""
    for k in range(i, i + 3):
        c = buf[k] | 0x20
        if c < 97 or c > 122:
            return False
    return True


def _ident_start(buf, s):
    """True when buf[s] opens '/XXXd': the flag id and the baud digit of a telegram's first line."""
    return _letters(buf, s + 1) and 48 <= buf[s + 4] <= 57


def _binary_at(buf, i, limit):
    """Index of the first 00 or FF byte in buf[i:limit], or limit."""
    a = buf.find(b"\x00", i, limit)
    b = buf.find(b"\xff", i, limit)
    if a < 0:
        a = limit
    if b < 0:
        b = limit
    return a if a < b else b


def _bang(buf, i, avail, final):
    """The end of a telegram whose '!' line starts at buf[i]: as dsmr_end, or None when the
    '!' has text after it (no end line: a damaged byte, most likely)."""
    j = i + 1
    while j < avail and j < i + 5 and _is_hex(buf[j]):
        j += 1
    if j < avail:
        if buf[j] == 0x0D:
            if j + 1 < avail:
                return j + 2 if buf[j + 1] == 0x0A else j + 1
            return j + 1 if final else -1
        if buf[j] == 0x0A:
            return j + 1
        if j - i == 5:
            return j  # four CRC digits: the CRC decides
        return None
    return j if (final or j - i == 5) else -1


def _text_end(buf, pos, i, avail, limit, final):
    """dsmr_end's scan when buf[i:limit] holds no 00 / FF byte (so no GCM block either): only a
    '!' or '/' opening a line matters, and bytes.find goes from one to the next."""
    while True:
        q = buf.find(b"!", i, limit)
        s = buf.find(b"/", i, limit if q < 0 else q)
        if s >= 0:
            q = s  # a '/' comes first
        elif q < 0:
            break
        k = q - 1
        while k > pos and buf[k] == 0x0D:
            k -= 1
        if k > pos and buf[k] == 0x0A:  # '\n', then only '\r' or '\n': a line starts at q
            if buf[q] == _DSMR:
                return q + 1  # the next telegram began before this one closed
            end = _bang(buf, q, avail, final)
            if end is not None:
                return end
        i = q + 1
    if limit < avail or avail - pos >= MAX_BUFFER:
        return 0
    return -1


def dsmr_end(buf, pos, avail, final):
    """Where the telegram starting at buf[pos] ('/') ends (exclusive).

    -> end index; 0 if this '/' does not start a telegram; -1 if more bytes are needed.
    An end whose last byte is '/' means the next telegram began before this one closed.
    """
    # identification: '/' + three letters
    if avail - pos < 5:
        return 0 if final else -1
    if not _letters(buf, pos + 1):
        return 0
    i = pos + 4
    # the Polish encrypted P1 variant: ident line, blank line, 00 82 LL LL, then a GCM block, '!' CRC
    line_start = False
    limit = min(avail, pos + MAX_BUFFER)
    # a later '/XXXd' (three letters, the baud digit) on the identification line: this '/'
    # was noise just before the real start ('/' alone may stand in a meter's type text)
    nl = buf.find(b"\n", i, limit)
    s = buf.find(b"/", i, limit if nl < 0 else nl)
    while 0 <= s < avail - 4:
        if _ident_start(buf, s):
            return 0
        s = buf.find(b"/", s + 1, limit if nl < 0 else nl)
    bad = _binary_at(buf, i, limit)  # the next 00 / FF byte (or limit)
    if bad >= limit:
        return _text_end(buf, pos, i, avail, limit, final)
    while i < limit:
        if not line_start:
            # inside a line only its end matters, and no 00 / FF byte may come before it
            nl = buf.find(b"\n", i, limit)
            if bad < i:
                bad = _binary_at(buf, i, limit)
            if bad < (limit if nl < 0 else nl):
                return 0  # not text: this '/' was noise
            if nl < 0:
                break
            i = nl + 1
            line_start = True
            continue
        c = buf[i]
        if c == 0x21:  # '!' opening a line ends the telegram
            end = _bang(buf, i, avail, final)
            if end is not None:
                return end
            line_start = False
            i += 1
            continue
        if c == _DSMR:
            return i + 1
        if c == 0x00 and i + 1 < avail and buf[i + 1] == 0x82:
            # binary GCM block: its length says where '!' stands
            if i + 4 > avail:
                return 0 if final else -1
            n = (buf[i + 2] << 8) | buf[i + 3]
            i = i + 4 + n
            if i > pos + MAX_BUFFER:
                return 0
            continue
        if c != 0x0A and c != 0x0D:
            line_start = False
        i += 1
    if limit < avail or avail - pos >= MAX_BUFFER:
        return 0
    return -1


def dsmr_at(d, buf, pos, avail, out, final):
    """A telegram starting at buf[pos] ('/') of the Decoder d: what stream._scan takes (the
    index after it, 0 for not a telegram, -1 for 'wait for more bytes')."""
    end = dsmr_end(buf, pos, avail, final)
    if end == 0:
        return 0
    if end < 0:
        if final and avail - pos > 5:
            d._found(out)
            out.append(Failure("dsmr", "truncated", "telegram ends before its '!' line", buf[pos:avail]))
            return avail
        return -1
    d._found(out)
    if end > 0 and buf[end - 1] == _DSMR:
        # a new telegram began before this one ended
        out.append(Failure("dsmr", "truncated", "telegram cut off by the next one", buf[pos:end - 1]))
        return end - 1
    from . import dsmr
    if pos == 0 and end == avail and type(buf) is bytes:
        out.append(dsmr.parse(buf, d.key))  # the caller's bytes are the telegram: no copy at all
    else:
        out.append(dsmr.parse(bytes(memoryview(buf)[pos:end]), d.key))  # one copy, not two
    return end
