"""What the energy memory (store/energy.py) does seldom: read its file at start, write it
when an hour has closed, rescale what it holds for a finer register, begin a new series
when the time goes back. Loaded for the call and let go afterwards (a loop pass that
counts a message needs none of it).
"""

import struct

from cosem.crc import crc16_x25

from emeter.store.energy import (_BI, _BX, _CAP, _CI, _CX, _END, _HEAD, _I64,
                                 _KEY, _MAGIC, _OFFS, _PK, _REC, NAMES, SIZE)


def load(e):
    """Fill Energy e from the newer of its two good copies, if any."""
    best = None
    for slot in (0, 1):
        try:
            data = e.board.read_file(NAMES[slot])
        except OSError:
            data = None
        if not data or len(data) != SIZE or data[:4] != _MAGIC:
            continue
        if crc16_x25(data, 0, SIZE - 2) != data[SIZE - 2] | data[SIZE - 1] << 8:
            continue  # torn by a power cut mid-write: the other copy is an hour older
        h = struct.unpack_from(_HEAD, data, 0)
        if best is None or h[3] > best[3]:
            best = h
            e.slot = slot
            e.buf[:] = data  # one copy read at a time: never two 4.4 kB files in RAM
        data = None
    if best is None:
        return
    h = best
    e.e, e.clock, e.t_last, e.ri, e.rx = h[1], h[2], h[3], h[4], h[5]
    for i in range(3):
        o = list(h[6 + 9 * i:15 + 9 * i])
        e.open[i] = o if o[_KEY] != -1 or o[_END] != -1 else None
    e.head = [h[33], h[35], h[37]]
    e.count = [h[34], h[36], h[38]]


def save(e, both=False):
    """Write the state over the older of the two copies (called when an hour has closed);
    both: over both (a new series: the other copy would look newer)."""
    args = [_HEAD, e.buf, 0, _MAGIC, e.e, e.clock, e.t_last, e.ri, e.rx]
    for o in e.open:
        args.extend(o if o is not None else (-1, -1, -1, -1, -1, -1, 0, -1, -1))
    for i in range(3):
        args.append(e.head[i])
        args.append(e.count[i])
    struct.pack_into(*args)
    c = crc16_x25(e.buf, 0, SIZE - 2)
    e.buf[SIZE - 2] = c & 0xFF
    e.buf[SIZE - 1] = c >> 8
    over = getattr(e.board, "write_file_over", None) or e.board.write_file_atomic
    for _ in range(2 if both else 1):
        e.slot = 1 - e.slot
        over(NAMES[e.slot], e.buf)
        e.writes += 1


def fits(e, k):
    """True when every stored number times k still fits the records."""
    big = max(e.ri, e.rx)
    for o in e.open:
        if o is not None:
            big = max(big, o[_BI], o[_BX], o[_CI], o[_CX], o[_PK])
    for level in range(3):
        for n in range(e.count[level]):
            r = e.record(level, n)
            big = max(big, r[1], r[2], r[5] if level == 1 else 0)
    return big * k < _I64


def rescale(en, e):
    # a finer register than seen so far: every stored number to exponent e
    k = 10 ** (en.e - e)
    en.e = e
    if en.ri >= 0:
        en.ri *= k
    if en.rx >= 0:
        en.rx *= k
    for o in en.open:
        if o is not None:
            for j in (_BI, _BX, _CI, _CX, _PK):
                if o[j] >= 0:
                    o[j] *= k
    for level in range(3):
        fmt = _REC[level]
        size = struct.calcsize(fmt)
        for i in range(_CAP[level]):
            off = _OFFS[level] + i * size
            r = list(struct.unpack_from(fmt, en.buf, off))
            for j in (1, 2, 5):
                if j < len(r) and r[j] >= 0:
                    r[j] *= k
            struct.pack_into(fmt, en.buf, off, *r)


def new_series(e, held):
    """_BACK_N messages in a row from more than _BACK_S behind (energy._back): drop what lies
    after the first of them and count them as a new series."""
    e._back_at = None
    e._jump = None
    e._unfit = None
    t = held[0][0]
    dropped = 0
    for level in range(3):  # what lies after the new time cannot stand beside it
        while e.count[level] and \
                e._end(level, e.record(level, e.count[level] - 1)[0]) > t:
            e.count[level] -= 1
            dropped += 1
    e.note = "time went back %d s: a new series, %d stored intervals after it dropped" % (
        e.t_last - t, dropped)
    e.open = [None, None, None]
    e.t_last = -1
    e.ri = -1
    e.rx = -1
    w = e.writes
    for h in held:
        e._account(h[0], h[1], h[2], h[3], h[4], h[5])
    e.save(e.writes == w)  # both copies: the drop is kept, whichever loads
    return True
