"""Local time from a tiny rule table: no zoneinfo on the boards.

Times are whole seconds since 2000-01-01T00:00:00 UTC ("epoch" below): small
ints on the board until 2034, and ordinary ints after.  A zone is a standard
offset and, where it keeps summer time, the EU rule (summer time from the last
Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC).  Days are
local calendar days, so a day is 23 or 25 hours long when the clocks change.
"""

# name: (standard offset, summer offset) in minutes east of UTC; equal = no summer time
ZONES = {
    "CET": (60, 120),    # CET/CEST: Norway, Sweden, Denmark, Netherlands, Belgium, Austria...
    "EET": (120, 180),   # EET/EEST: Finland, the Baltic states, Greece...
    "WET": (0, 60),      # WET/WEST, GMT/BST: Portugal, Ireland, the United Kingdom
    "UTC": (0, 0),
}
DEFAULT = "CET"


def days_from_date(y, m, d):
    """Days since 2000-01-01 of a proleptic Gregorian date."""
    if m < 3:
        y -= 1
        m += 12
    # years counted from March, so the leap day ends a year
    return 365 * y + y // 4 - y // 100 + y // 400 + (153 * (m - 3) + 2) // 5 + d - 730426


def _month_len(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def date_from_days(n):
    """(year, month, day) of a day number (inverse of days_from_date)."""
    y = 2000 + (n * 400) // 146097
    while days_from_date(y, 1, 1) > n:
        y -= 1
    while days_from_date(y + 1, 1, 1) <= n:
        y += 1
    n -= days_from_date(y, 1, 1)
    m = 1
    while True:
        k = _month_len(y, m)
        if n < k:
            return y, m, n + 1
        n -= k
        m += 1


def weekday(n):
    """0 = Monday ... 6 = Sunday of a day number (2000-01-01 was a Saturday)."""
    return (n + 5) % 7


def _last_sunday_1utc(y, m):
    last = days_from_date(y, m, _month_len(y, m))
    return (last - (weekday(last) + 1) % 7) * 86400 + 3600


class Zone:
    """Offsets of one table row; caches the summer window of the year last asked."""

    def __init__(self, name=DEFAULT):
        row = ZONES.get(name)
        if row is None:
            raise ValueError("unknown time zone %r" % name)
        self.name = name
        self.std = row[0] * 60
        self.dst = row[1] * 60
        self._year = None  # (first second of the year, of the next, summer start, summer end)

    def _window(self, t):
        w = self._year
        if w is None or not w[0] <= t < w[1]:
            y = date_from_days(t // 86400)[0]
            w = (days_from_date(y, 1, 1) * 86400, days_from_date(y + 1, 1, 1) * 86400,
                 _last_sunday_1utc(y, 3), _last_sunday_1utc(y, 10))
            self._year = w
        return w

    def offset(self, t):
        """Seconds east of UTC in force at epoch second t."""
        if self.dst == self.std:
            return self.std
        w = self._window(t)
        return self.dst if w[2] <= t < w[3] else self.std

    def utc(self, local):
        """The epoch second whose local time is `local` (local seconds since 2000), or None
        when there is none (the skipped spring hour) or two (the repeated autumn hour)."""
        a = local - self.std
        ok_a = self.offset(a) == self.std
        if self.dst == self.std:
            return a
        b = local - self.dst
        ok_b = self.offset(b) == self.dst
        if ok_a and not ok_b:
            return a
        if ok_b and not ok_a:
            return b
        return None

    def midnight(self, day):
        """Epoch second of local midnight starting day number `day` (a 23/25 h day ends at the
        next one)."""
        t = self.utc(day * 86400)
        if t is None:  # not with the table's rules (changes at 01:00 UTC); be safe anyway
            t = day * 86400 - self.std
        return t


def parse_iso(s):
    """'YYYY-MM-DDThh:mm:ss[.ff][Z|±hh:mm]' -> (local seconds since 2000, offset seconds or
    None); None when the text is not such a time."""
    if not isinstance(s, str) or len(s) < 19 or s[4] != "-" or s[10] != "T":
        return None
    try:
        y, mo, d = int(s[0:4]), int(s[5:7]), int(s[8:10])
        h, mi, sec = int(s[11:13]), int(s[14:16]), int(s[17:19])
    except ValueError:
        return None
    if not (1 <= mo <= 12 and 1 <= d <= _month_len(y, mo) and h < 24 and mi < 60 and sec < 61):
        return None
    local = days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
    i = 19
    if len(s) > i and s[i] == ".":
        i += 1
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
    rest = s[i:]
    if not rest:
        return local, None
    if rest == "Z":
        return local, 0
    if len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
        try:
            off = int(rest[1:3]) * 3600 + int(rest[4:6]) * 60
        except ValueError:
            return None
        return local, (-off if rest[0] == "-" else off)
    return None


def wall_epoch(t):
    """A board's wall_time() tuple (UTC) as an epoch second, or None."""
    if not t:
        return None
    return days_from_date(t[0], t[1], t[2]) * 86400 + t[3] * 3600 + t[4] * 60 + t[5]


def iso_local(t, off):
    """'YYYY-MM-DDThh:mm:ss±hh:mm' of epoch second t at offset off (seconds)."""
    loc = t + off
    y, m, d = date_from_days(loc // 86400)
    r = loc % 86400
    a = -off if off < 0 else off
    return "%04d-%02d-%02dT%02d:%02d:%02d%s%02d:%02d" % (
        y, m, d, r // 3600, r // 60 % 60, r % 60, "-" if off < 0 else "+", a // 3600, a // 60 % 60)
