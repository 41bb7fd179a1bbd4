"""The power graph's memory: net watts over the last hour and the last day, in two rings.

One int per 10 s for an hour (360) and one per 5 minutes for a day (288), each the
average of what arrived in its slot, in preallocated array('i') rings (2.6 kB).
Values are whole watts, import minus export: never floats on the board.  A slot
nothing arrived in holds MISSING, so the graph shows the gap instead of a line.
Time is the board's ticks; slots close lazily when a value arrives or the ring
is read, so no scheduler slot is needed.
"""

from array import array

from cosem.number import Dec

from emeter.clock import ticks_add, ticks_diff

MISSING = -(1 << 30)     # still a small int on the board (31-bit)
_LIMIT = (1 << 30) - 1   # clamp: a gigawatt is not a house
_UNIT_W = {"W": 1, "kW": 1000, "MW": 1000000}
IMPORT = "1-0:1.7.0"
EXPORT = "1-0:2.7.0"
NET = "1-0:16.7.0"       # some meters send only the signed sum


def watts(value, unit):
    """An int/Dec power reading in W, kW or MW as whole watts (rounded), or None."""
    mult = _UNIT_W.get(unit)
    if mult is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * mult
    if not isinstance(value, Dec):
        return None
    q = value.m * mult
    e = value.e
    if e >= 0:
        return q * 10 ** e
    d = 10 ** -e
    if q < 0:
        return -((-q * 2 + d) // (2 * d))
    return (q * 2 + d) // (2 * d)


def net_watts(message):
    """Import minus export of a message in whole watts, or None if it carries no power."""
    r = message.reading(IMPORT)
    if r is not None:
        w = watts(r.value, r.unit)
        if w is None:
            return None
        x = message.reading(EXPORT)
        if x is not None:
            e = watts(x.value, x.unit)
            if e is not None:
                w -= e
        return w
    r = message.reading(NET)
    return None if r is None else watts(r.value, r.unit)


def _avg(total, n):
    # a rounded integer mean (ties away from zero), no float
    if total < 0:
        return -((-total * 2 + n) // (2 * n))
    return (total * 2 + n) // (2 * n)


class Ring:
    """n ints, oldest overwritten; read back oldest first."""

    def __init__(self, n):
        self.n = n
        self.data = array("i", [MISSING] * n)
        self.head = 0  # next index to write

    def push(self, v):
        self.data[self.head] = v
        self.head = (self.head + 1) % self.n

    def clear(self):
        for i in range(self.n):
            self.data[i] = MISSING

    def values(self):
        d = self.data
        h = self.head
        return [d[(h + i) % self.n] for i in range(self.n)]


class PowerHistory:
    def __init__(self, ticks_ms, step_ms=10000, n=360, per_long=30, long_n=288):
        self.ticks_ms = ticks_ms
        self.step_ms = step_ms
        self.per_long = per_long   # short slots per long slot (30 x 10 s = 5 min)
        self.short = Ring(n)
        self.long = Ring(long_n)
        self.t = ticks_ms()        # start of the current short slot
        self.sum = 0
        self.count = 0
        self.lsum = 0              # the current long slot, from closed short slots
        self.lcount = 0
        self.lslots = 0
        self.latest = None         # the latest value (W), for a first paint

    def _close(self):
        v = _avg(self.sum, self.count) if self.count else MISSING
        self.sum = self.count = 0
        self.short.push(v)
        if v != MISSING:
            self.lsum += v
            self.lcount += 1
        self.lslots += 1
        if self.lslots >= self.per_long:
            self.long.push(_avg(self.lsum, self.lcount) if self.lcount else MISSING)
            self.lsum = self.lcount = self.lslots = 0

    def advance(self, now=None):
        """Close every slot that has ended by now (bounded: a long gap clears the rings)."""
        now = self.ticks_ms() if now is None else now
        gone = ticks_diff(now, self.t) // self.step_ms
        if gone <= 0:
            return
        if gone > (self.long.n + 1) * self.per_long:
            self.short.clear()
            self.long.clear()
            self.sum = self.count = self.lsum = self.lcount = self.lslots = 0
            self.t = now
            return
        for _ in range(gone):
            self._close()
        self.t = ticks_add(self.t, gone * self.step_ms)

    def add(self, w, now=None):
        """One power value in whole watts (an int: floats are refused)."""
        if not isinstance(w, int) or isinstance(w, bool):
            raise TypeError("watts must be an int")
        self.advance(now)
        w = max(-_LIMIT, min(_LIMIT, w))
        self.sum += w
        self.count += 1
        self.latest = w

    def message_in(self, message):
        w = net_watts(message)
        if w is not None:
            self.add(w)

    def to_json(self, now=None):
        """Compact JSON text: {"step":s,"age":ms,"h":[...],"cur":w,"lstep":s,"lage":ms,"d":[...]}.

        Oldest first, null where a slot had no value, leading nulls left out; "age" is
        how long ago the newest short slot ended, "lage" the same for the long ring;
        "cur" is the mean of the slot still open (null if nothing arrived in it yet).
        """
        now = self.ticks_ms() if now is None else now
        self.advance(now)
        age = ticks_diff(now, self.t)
        lage = age + self.lslots * self.step_ms
        cur = "null" if not self.count else str(_avg(self.sum, self.count))
        return ('{"step":%d,"age":%d,"h":[%s],"cur":%s,"lstep":%d,"lage":%d,"d":[%s]}'
                % (self.step_ms // 1000, age, _list(self.short.values()), cur,
                   self.step_ms * self.per_long // 1000, lage, _list(self.long.values())))


def _list(values):
    i = 0
    while i < len(values) and values[i] == MISSING:
        i += 1
    return ",".join("null" if v == MISSING else str(v) for v in values[i:])
