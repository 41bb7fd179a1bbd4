"""Generated meter sequences and the energy they must give, computed independently of
emeter.store (zoneinfo for local time, plain datetimes for the edges)."""

import bisect
import datetime
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in (os.path.join(ROOT, "src", "lib"), ROOT, os.path.join(ROOT, "tests", "cosem")):
    if p not in sys.path:
        sys.path.insert(0, p)

from zoneinfo import ZoneInfo  # noqa: E402

import axdr_encode as enc  # noqa: E402
from cosem import axdr, meterside  # noqa: E402
from tools import energy_sequence as es  # noqa: E402

UTC = datetime.timezone.utc
TZ = ZoneInfo("Europe/Oslo")
EDGE = datetime.timedelta(seconds=900)
HOUR = datetime.timedelta(hours=1)

# DSMR: 130 h from Saturday 28 March 2026: midnights, the spring clock change (29th), the
# month end; a 3.5 h gap and a meter swap.
DSMR_ROWS = es.schedule(3, datetime.datetime(2026, 3, 28, 17, 3, 0, tzinfo=UTC), 130,
                        spacing=(60, 900), gap=(20, 3.5), swap=60)
# DLMS: 8 days from 23 October 2026: the autumn change (25th, a 25 h day), the month end.
DLMS_ROWS = es.schedule(5, datetime.datetime(2026, 10, 23, 9, 7, 30, tzinfo=UTC), 8 * 24,
                        spacing=(240, 900), gap=(100, 2), swap=150)


def dsmr_bytes(rows=DSMR_ROWS):
    return es.dsmr_sequence(rows)


def dlms_frame(t, imp, exp):
    loc = t.astimezone(TZ)
    off = int(loc.utcoffset().total_seconds() // 60)
    stamp = enc.datetime_bytes(loc.year, loc.month, loc.day, loc.hour, loc.minute, loc.second,
                               deviation=-off, status=0x80 if loc.dst() else 0)
    body = enc.array(
        enc.structure(enc.obis(1, 0, 1, 7, 0), enc.integer(axdr.UINT32, 1234), enc.scaler_unit(0, 27)),
        enc.structure(enc.obis(1, 0, 1, 8, 0), enc.integer(axdr.UINT32, imp), enc.scaler_unit(0, 30)),
        enc.structure(enc.obis(1, 0, 2, 8, 0), enc.integer(axdr.UINT32, exp), enc.scaler_unit(0, 30)),
    )
    return meterside.hdlc_frame(b"\xe6\xe7\x00" + enc.notification(body, stamp))


def dlms_bytes(rows=DLMS_ROWS):
    return b"".join(dlms_frame(*r) for r in rows)


def kwh(wh):
    return "%d.%03d" % (wh // 1000, wh % 1000)


def _edges(rows):
    times = [r[0] for r in rows]
    series = []
    s = 0
    for i, r in enumerate(rows):
        if i and (r[1] < rows[i - 1][1] or r[2] < rows[i - 1][2]):
            s += 1
        series.append(s)

    def at(b):
        # the first message at or after b, if it came within the edge window
        i = bisect.bisect_left(times, b)
        if i < len(rows) and times[i] - b < EDGE:
            return i
        return None
    return times, series, at


def _intervals(rows, kind):
    first, last = rows[0][0].astimezone(TZ), rows[-1][0].astimezone(TZ)
    out = []
    if kind == "hours":
        b = rows[0][0].replace(minute=0, second=0, microsecond=0)
        while b <= rows[-1][0]:
            out.append((b.astimezone(TZ).isoformat(), b, b + HOUR))
            b += HOUR
    elif kind == "days":
        d = first.date()
        while d <= last.date():
            n = d + datetime.timedelta(days=1)
            out.append((d.isoformat(), datetime.datetime(d.year, d.month, d.day, tzinfo=TZ),
                        datetime.datetime(n.year, n.month, n.day, tzinfo=TZ)))
            d = n
    else:
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
            out.append(("%04d-%02d" % (y, m), datetime.datetime(y, m, 1, tzinfo=TZ),
                        datetime.datetime(ny, nm, 1, tzinfo=TZ)))
            y, m = ny, nm
    return out


def expected(rows, kind):
    """({label: (import, export) kWh text} of intervals both of whose edges had a message of
    one series, [labels of intervals holding a message]) — complete intervals only."""
    times, series, at = _edges(rows)
    exact = {}
    seen = []
    for label, a, b in _intervals(rows, kind):
        if any(a <= t < b for t in times):
            seen.append(label)
        if b > times[-1]:
            continue
        i, j = at(a), at(b)
        if i is None or j is None or series[i] != series[j]:
            continue
        exact[label] = (kwh(rows[j][1] - rows[i][1]), kwh(rows[j][2] - rows[i][2]))
    return exact, seen


def expected_peaks(rows, n=3):
    """[(hour label, import text)] highest first, at most one per day, of the last row's month;
    the mean text."""
    times, series, at = _edges(rows)
    month = rows[-1][0].astimezone(TZ).strftime("%Y-%m")
    best = {}
    for label, a, b in _intervals(rows, "hours"):
        if not label.startswith(month) or b > times[-1]:
            continue
        i, j = at(a), at(b)
        if i is None or j is None or series[i] != series[j]:
            continue
        v = rows[j][1] - rows[i][1]
        day = label[:10]
        if day not in best or v > best[day][0]:
            best[day] = (v, a, label)
    top = sorted(best.values(), key=lambda x: (-x[0], x[1]))[:n]
    mean = (2 * sum(v for v, _, _ in top) + len(top)) // (2 * len(top)) if top else None
    return [(label, kwh(v)) for v, _, label in top], (kwh(mean) if top else None)
