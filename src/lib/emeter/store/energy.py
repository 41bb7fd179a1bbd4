"""Energy memory: kWh per hour, day and month from the meter's cumulative registers.

Energy comes from registers, never from power: import is 1-0:1.8.0, or the sum of
the tariff registers 1-0:1.8.1, 1-0:1.8.2 ... when the total is absent; export
likewise with 2.8.  Values stay integers at one decimal exponent (of kWh; Wh
registers are kWh at three places more), so nothing passes through a float.

An interval's energy is the register at the first message at or after its end
minus the register at the first message at or after its start.  That message
must come within EDGE_S of the edge (a gap, or the device off, leaves the edge
without a message): an interval with a message but an edge missing is kept as a
lower bound marked partial; one with no message at all is omitted.  A register
that goes backwards (a new meter) starts a new series: the interval it falls in
adds both pieces and is partial.  The open hour, day and month are listed last,
partial ("today so far").

Time is the meter's when it sends one (its deviation, or the DSMR S/W flag, or
the zone's rules where neither says which), else the device's UTC wall clock.
Hours, days and months are local to a localtime.Zone (23 and 25 hour days).

Storage: two copies, NAMES, each with a CRC-16, written in turn over their own
bytes (the board's write_file_over: no new file, no rename) only when an hour has
closed: at most 24 writes of SIZE bytes a day (4,438 B: 106.5 kB a day).  A copy
that does not check is ignored; of two good ones the later is used.  The records
live in one preallocated bytearray, which is also what is written.

Time: a time more than 2 h ahead of the last counted is held until the next message
goes on from it; a time behind is ignored, unless 3 messages in a row go on from one
another from more than 12 h behind: then a new series (docs/energy.md).
"""

import struct

from cosem.number import Dec

from emeter.lazy import forget
from emeter.store.localtime import Zone, date_from_days, days_from_date, iso_local, parse_iso, wall_epoch

NAME = "energy.bin"
NAMES = (NAME, "energy2.bin")   # two copies written in turn, each over its own bytes
EDGE_S = 900            # an edge's message comes at most this late (seconds)
HOURS = 72              # listed at most, the open one included
DAYS = 62
MONTHS = 36
PEAKS_N = 3

_IMPORT = "1-0:1.8.0"
_EXPORT = "1-0:2.8.0"
_IMPORT_T = ("1-0:1.8.1", "1-0:1.8.2", "1-0:1.8.3", "1-0:1.8.4")
_EXPORT_T = ("1-0:2.8.1", "1-0:2.8.2", "1-0:2.8.3", "1-0:2.8.4")
_CLOCK = "0-0:1.0.0"
_DEMAND = "1-0:1.6.0"
_DEMAND_HISTORY = "0-0:98.1.0"
_UNIT_E = {"kWh": 0, "Wh": -3, "MWh": 3}
_E_MIN = -9
_T_MAX = 0x7FFFFFFF - 2 * 31 * 86400  # times are stored as int32 seconds (2068)
_STEP_S = 2 * 3600     # a time further ahead than this is believed when the next message goes on
_ON_S = 86400          # from it: comes after it, at most this much later
_BACK_S = 12 * 3600    # a time further back than this, _BACK_N times in a row, starts a new series
_BACK_N = 3
_R_MAX = 10 ** 15      # a register at self.e this large is refused (int64 records; sums stay far below)
_I64 = 1 << 62

NOCLOCK, METER, DEVICE = 0, 1, 2
_CLOCK_NAME = (None, "meter", "device")

# open interval: [key, end, base import, base export, carry import, carry export,
#                 exact, peak hour start, peak hour import]  (-1: none)
_KEY, _END, _BI, _BX, _CI, _CX, _EXACT, _PKS, _PK = 0, 1, 2, 3, 4, 5, 6, 7, 8
_OPEN = "iiqqqqBiq"
_HEAD = "<4sbBiqq" + _OPEN * 3 + "HHHHHH"
_MAGIC = b"EnH1"
_REC = ("<iqqB", "<iqqBiq", "<iqqB")   # hour, day (+ its peak hour), month
_CAP = (HOURS - 1, DAYS - 1, MONTHS - 1)


def _sizes():
    base = struct.calcsize(_HEAD)
    offs = []
    for i in range(3):
        offs.append(base)
        base += struct.calcsize(_REC[i]) * _CAP[i]
    return offs, base + 2


_OFFS, SIZE = _sizes()


def _val(carry, end, base):
    if carry < 0 or end < 0 or base < 0:
        return -1
    return carry + end - base


def _raw(msg, total, tariffs, out, k):
    # out[k], out[k + 1] = mantissa, exponent of kWh of a register or of the sum of its tariffs;
    # False when there is none (no tuple: a message allocates nothing here)
    r = msg.reading(total)
    if r is not None:
        return _kwh(r, out, k)
    m = 0
    e = 0
    seen = False
    for code in tariffs:
        r = msg.reading(code)
        if r is None:
            continue
        if not _kwh(r, out, k):
            return False
        pm, pe = out[k], out[k + 1]
        if pe < e:
            m *= 10 ** (e - pe)
            e = pe
        m += pm * 10 ** (pe - e)
        seen = True
    out[k] = m
    out[k + 1] = e
    return seen


def _two(s, i):
    # two decimal digits at s[i] as an int (no slice: nothing allocated), or -1
    a = ord(s[i]) - 48
    b = ord(s[i + 1]) - 48
    return a * 10 + b if 0 <= a <= 9 and 0 <= b <= 9 else -1


def _flag(msg):
    # the DSMR clock's S/W flag: "summer", "winter" or None
    r = msg.reading(_CLOCK)
    return r.extra.get("dst") if r is not None and r.extra else None


def _kwh(r, out, k):
    u = _UNIT_E.get(r.unit)
    v = r.value
    if u is None or isinstance(v, bool):
        return False
    if isinstance(v, int):
        m, e = v, u
    elif isinstance(v, Dec):
        m, e = v.m, v.e + u
    else:
        return False
    if m < 0:
        return False
    out[k] = m
    out[k + 1] = e
    return True


class Energy:
    """Feed every good message; read document() for /energy.json."""

    def __init__(self, board, zone="CET", peaks_n=PEAKS_N):
        self.board = board
        self.zone = zone if isinstance(zone, Zone) else Zone(zone)
        self.peaks_n = peaks_n
        self.buf = bytearray(SIZE)
        self.writes = 0
        self.demand = None         # the meter's own peaks (Readings), not stored
        self.demand_history = None
        self._jump = None          # a time far ahead, held: (t, clock, import, export)
        self._back_at = None       # the last time behind what is counted, and how many in a row
        self._tc = None            # see _when
        self._clk = NOCLOCK        # the clock _when used
        self._r = [0, 0, 0, 0]     # a message's import and export: mantissa, exponent of kWh
        self.note = None           # why a new series began (for the log), until read
        self.slot = 1              # the copy written last (the first save goes to NAMES[0])
        self._reset()
        self._load()

    def _reset(self):
        self.e = -3                # every stored number is an int times 10**e kWh
        self._unfit = None         # an exponent found too fine for what is stored (see _account)
        self.clock = NOCLOCK
        self.t_last = -1
        self.ri = -1
        self.rx = -1
        self.open = [None, None, None]
        self.head = [0, 0, 0]
        self.count = [0, 0, 0]

    # --- storage (energymore.py, loaded for the call) --------------------------
    def _load(self):
        try:
            _more().load(self)
        finally:
            forget(_MORE)

    def save(self, both=False):
        """Write the state over the older of the two copies (called when an hour has closed);
        both: over both (a new series: the other copy would look newer)."""
        try:
            _more().save(self, both)
        finally:
            forget(_MORE)

    def _push(self, level, rec):
        cap = _CAP[level]
        n = self.count[level]
        if n < cap:
            i = (self.head[level] + n) % cap
            self.count[level] = n + 1
        else:
            i = self.head[level]
            self.head[level] = (i + 1) % cap
        fmt = _REC[level]
        struct.pack_into(fmt, self.buf, _OFFS[level] + i * struct.calcsize(fmt), *rec)

    def record(self, level, k):
        """The k-th closed record of a level, oldest first: a tuple as _REC[level]."""
        fmt = _REC[level]
        i = (self.head[level] + k) % _CAP[level]
        return struct.unpack_from(fmt, self.buf, _OFFS[level] + i * struct.calcsize(fmt))

    def _fits(self, k):
        # every stored number times k still fits the records
        try:
            return _more().fits(self, k)
        finally:
            forget(_MORE)

    def _rescale(self, e):
        # a finer register than seen so far: every stored number to exponent e
        try:
            _more().rescale(self, e)
        finally:
            forget(_MORE)

    # --- messages -----------------------------------------------------------
    def _when(self, msg, wall):
        ts = msg.timestamp
        if not ts:
            self._clk = DEVICE
            return wall_epoch(wall)
        self._clk = METER
        c = self._tc  # the last time's hour: (text to the hour, text after the seconds, S/W flag,
        #   epoch second of the hour's start, length, offset in the text); minutes and seconds
        #   are read anew, and the S/W flag when the text has no offset
        if c is not None and isinstance(ts, str) and len(ts) == c[4] and ts.startswith(c[0]) \
                and ts.endswith(c[1]) and ts[13] == ":" and ts[16] == ":":
            mi = _two(ts, 14)
            se = _two(ts, 17)
            if 0 <= mi < 60 and 0 <= se < 61 and (c[5] or _flag(msg) == c[2]):
                return c[3] + mi * 60 + se
        p = parse_iso(ts)
        if p is None:
            self._clk = DEVICE
            return wall_epoch(wall)
        local, off = p
        flag = None
        given = off is not None
        if off is None:
            flag = _flag(msg)
            if flag == "summer":
                off = self.zone.dst
            elif flag == "winter":
                off = self.zone.std
        h0 = local - local % 3600
        if off is not None:
            t = local - off
            base = h0 - off
        else:
            t = self.zone.utc(local)  # None in the repeated/skipped hour
            base = self.zone.utc(h0)
            if base is None or self.zone.utc(h0 + 3599) != base + 3599:
                return t
        self._tc = (ts[:13], ts[19:], flag, base, len(ts), given)
        return t

    def _span(self, level, t):
        # (key, start, end) of the interval holding epoch second t
        z = self.zone
        off = z.offset(t)
        loc = t + off
        if level == 0:
            s = loc - loc % 3600 - off
            return s, s, s + 3600
        day = loc // 86400
        if level == 1:
            return day, z.midnight(day), z.midnight(day + 1)
        y, m, _ = date_from_days(day)
        first = days_from_date(y, m, 1)
        nxt = days_from_date(y + 1, 1, 1) if m == 12 else days_from_date(y, m + 1, 1)
        return y * 12 + m - 1, z.midnight(first), z.midnight(nxt)

    def _end(self, level, key):
        # the epoch second a closed record's interval ends
        if level == 0:
            return key + 3600
        if level == 1:
            return self.zone.midnight(key + 1)
        y, m = key // 12, key % 12 + 1
        return self.zone.midnight(days_from_date(y + 1, 1, 1) if m == 12 else
                                  days_from_date(y, m + 1, 1))

    def feed(self, msg, wall=None):
        """Account one good message (wall: the board's wall_time(), used when the meter sends
        no time). True when it was used."""
        d = msg.reading(_DEMAND)
        if d is not None:
            self.demand = d
        d = msg.reading(_DEMAND_HISTORY)
        if d is not None:
            self.demand_history = d
        r = self._r
        if not _raw(msg, _IMPORT, _IMPORT_T, r, 0):
            return False
        if not _raw(msg, _EXPORT, _EXPORT_T, r, 2):
            r[2] = -1
        t = self._when(msg, wall)
        clk = self._clk
        if t is None or t >= _T_MAX or (clk == DEVICE and self.clock == METER):
            return False
        last = self.t_last
        if last >= 0 and t <= last:
            return self._back((t, clk, r[0], r[1], r[2], r[3]))
        self._back_at = None
        if last >= 0 and t - last > _STEP_S:
            j = self._jump  # a time far ahead waits for the next message to go on from it
            if j is None or not j[0] < t <= j[0] + _ON_S:
                self._jump = (t, clk, r[0], r[1], r[2], r[3])
                return False
            self._jump = None
            self._account(j[0], j[1], j[2], j[3], j[4], j[5])  # the held one first: an edge?
        else:
            self._jump = None
        return self._account(t, clk, r[0], r[1], r[2], r[3])

    def _back(self, m):
        # Earlier than what is counted: a replay of messages already counted, a restart, a
        # small clock step (ignored: they catch up), or, when _BACK_N messages in a row go on
        # from one another from more than _BACK_S behind, another timeline (a meter's clock
        # set back, an old capture replayed): a new series from the first of them, which
        # energymore.new_series starts (loaded only then: this runs for every such message).
        held = self._back_at
        t = m[0]
        if held and held[-1][0] < t <= held[-1][0] + _ON_S:
            held.append(m)
        else:
            held = self._back_at = [m]
        if len(held) < _BACK_N or self.t_last - held[0][0] <= _BACK_S:
            if len(held) >= _BACK_N:
                held.pop(0)
            return False
        try:
            return _more().new_series(self, held)
        finally:
            forget(_MORE)

    def _account(self, t, clk, mi, ei, mx, ex):
        # mx < 0: no export register
        e = ei if mx < 0 or ei < ex else ex
        if e < _E_MIN:
            return False
        if e < self.e:
            if e == self._unfit or not self._fits(10 ** (self.e - e)):
                self._unfit = e  # (not checked again each message while it stays so fine)
                return False  # a register too fine to hold beside what is stored: missed
            self._rescale(e)
        e = self.e
        ri = mi * 10 ** (ei - e)
        rx = -1 if mx < 0 else mx * 10 ** (ex - e)
        if ri >= _R_MAX or rx >= _R_MAX:
            return False  # an absurd register (a scaler far off): missed, not stored
        li, lx = self.ri, self.rx  # the registers an edge without its message falls back on
        if self.t_last >= 0 and (ri < li or (0 <= rx < lx)):
            for o in self.open:  # a new series: keep what the old one counted
                if o is not None:
                    o[_CI] = _val(o[_CI], li, o[_BI])
                    o[_CX] = _val(o[_CX], lx, o[_BX])
                    o[_BI] = ri
                    o[_BX] = rx
                    o[_EXACT] = 0
            li, lx = ri, rx
        closed = False
        for level in range(3):
            o = self.open[level]
            if o is not None and t >= o[_END]:
                ok = t - o[_END] < EDGE_S
                vi = _val(o[_CI], ri if ok else li, o[_BI])
                vx = _val(o[_CX], rx if ok else lx, o[_BX])
                flags = 0 if ok and o[_EXACT] else 1
                if level == 1:
                    self._push(1, (o[_KEY], vi, vx, flags, o[_PKS], o[_PK]))
                else:
                    self._push(level, (o[_KEY], vi, vx, flags))
                if level == 0:
                    closed = True
                    day = self.open[1]
                    if not flags and vi >= 0 and day is not None and o[_KEY] < day[_END] \
                            and vi > day[_PK]:
                        day[_PKS] = o[_KEY]
                        day[_PK] = vi
                o = None
            if o is None:
                key, start, end = self._span(level, t)
                self.open[level] = [key, end, ri, rx, 0, 0, 1 if t - start < EDGE_S else 0,
                                    -1, -1]
        self.t_last = t
        self.ri = ri
        self.rx = rx
        self.clock = clk
        if closed:
            self.save()
        return True

    # --- reading back -------------------------------------------------------
    def kwh(self, v):
        """An int at self.e as kWh text ("null" for unknown): exact, one format, no Dec."""
        if v < 0:
            return "null"
        e = self.e
        if e >= 0:
            return str(v * 10 ** e)
        d = 10 ** -e
        return "%d.%s" % (v // d, str(d + v % d)[1:])

    def _label(self, level, key):
        if level == 0:
            return iso_local(key, self.zone.offset(key))
        if level == 1:
            return "%04d-%02d-%02d" % date_from_days(key)
        return "%04d-%02d" % (key // 12, key % 12 + 1)

    def row(self, level, k):
        """(label, import, export, partial) of the k-th interval of a level, oldest first, the
        open one last (k == count); import and export are ints at self.e (-1: unknown)."""
        if k < self.count[level]:
            r = self.record(level, k)
            return self._label(level, r[0]), r[1], r[2], bool(r[3])
        o = self.open[level]
        return (self._label(level, o[_KEY]), _val(o[_CI], self.ri, o[_BI]),
                _val(o[_CX], self.rx, o[_BX]), True)

    def length(self, level):
        return self.count[level] + (self.open[level] is not None)

    # --- the /energy.json document: energyjson.py, loaded while it is written ----
    def rows(self, level):
        """Every row(level, k), oldest first."""
        try:
            return _json().rows(self, level)
        finally:
            forget(_JSON)

    def peaks(self):
        """(month label, [(hour label, import)] highest first, mean) of the open month."""
        try:
            return _json().peaks(self)
        finally:
            forget(_JSON)

    def document(self):
        """The /energy.json text (chunks() joined)."""
        return "".join(self.chunks())

    def chunks(self, size=1024):
        """The /energy.json text in pieces of about `size` characters, for a chunked response:
        the whole document (about 12 kB when the lists are full) is never in RAM at once.
        The generator keeps its module's code until it is done; sys.modules lets go now."""
        try:
            return _json().chunks(self, size)
        finally:
            forget(_JSON)


_JSON = "emeter.store.energyjson"
_MORE = "emeter.store.energymore"


def _more():
    from emeter.store import energymore
    return energymore


def _json():
    from emeter.store import energyjson
    return energyjson
