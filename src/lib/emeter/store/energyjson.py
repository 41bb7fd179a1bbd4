"""The /energy.json document of an Energy memory (store/energy.py), written in pieces.

Loaded while the document is written and let go afterwards (Energy.chunks): a loop
pass that only counts energy never needs it.
"""

from emeter.store.energy import _CLOCK_NAME, _KEY, _PK, _PKS
from emeter.store.localtime import days_from_date, iso_local


def rows(e, level):
    """Every e.row(level, k), oldest first."""
    return [e.row(level, k) for k in range(e.length(level))]


def peaks(e):
    """(month label, [(hour label, import)] highest first, mean) of the open month."""
    m = e.open[2]
    if m is None:
        return None, [], -1
    y, mo = m[_KEY] // 12, m[_KEY] % 12 + 1
    first = days_from_date(y, mo, 1)
    last = days_from_date(y + 1, 1, 1) if mo == 12 else days_from_date(y, mo + 1, 1)
    found = []
    for k in range(e.count[1]):
        r = e.record(1, k)
        if first <= r[0] < last and r[5] >= 0:
            found.append((r[5], -r[4]))
    o = e.open[1]
    if o is not None and first <= o[_KEY] < last and o[_PK] >= 0:
        found.append((o[_PK], -o[_PKS]))
    found.sort(reverse=True)  # highest first; the earlier hour wins a tie
    found = found[:e.peaks_n]
    total = 0
    hours = []
    for v, s in found:
        total += v
        hours.append((iso_local(-s, e.zone.offset(-s)), v))
    n = len(found)
    mean = (2 * total + n) // (2 * n) if n else -1  # rounded half up at the registers' step
    return e._label(2, m[_KEY]), hours, mean


def chunks(e, size=1024):
    """The document in pieces of about `size` characters."""
    buf = []
    n = 0
    for piece in _pieces(e):
        buf.append(piece)
        n += len(piece)
        if n >= size:
            yield "".join(buf)
            buf = []
            n = 0
    if buf:
        yield "".join(buf)


def _pieces(e):
    c = _CLOCK_NAME[e.clock]
    yield '{"unit": "kWh", "clock": %s' % ('"%s"' % c if c else "null")
    for level, name in ((0, "hours"), (1, "days"), (2, "months")):
        yield ', "%s": [' % name
        for k in range(e.length(level)):
            label, vi, vx, part = e.row(level, k)
            yield '%s{"start": "%s", "import": %s, "export": %s%s}' % (
                ", " if k else "", label, e.kwh(vi), e.kwh(vx),
                ', "partial": true' if part else "")
        yield "]"
    month, hours, mean = peaks(e)
    yield ', "peaks": {"month": %s, "n": %d, "hours": [' % (
        '"%s"' % month if month else "null", e.peaks_n)
    sep = ""
    for label, v in hours:
        yield '%s{"start": "%s", "import": %s}' % (sep, label, e.kwh(v))
        sep = ", "
    yield '], "mean": %s' % e.kwh(mean)
    meter = _meter_peaks(e)
    if meter:
        yield ', "meter": {%s}' % meter
    yield "}}"


def _meter_peaks(e):
    # Belgian demand: this month's peak 1-0:1.6.0 and the 0-0:98.1.0 history, as sent
    from cosem.jsonw import dumps
    parts = []
    d = e.demand
    if d is not None:
        when = d.extra.get("timestamp") if d.extra else None
        parts.append('"current": {"start": %s, "value": %s, "unit": %s}' % (
            dumps(when), dumps(d.value), dumps(d.unit)))
    h = e.demand_history
    if h is not None and h.extra and h.extra.get("entries"):
        rows = []
        for en in h.extra["entries"]:
            rows.append('{"month": %s, "start": %s, "value": %s, "unit": %s}' % (
                dumps(en.get("timestamp")), dumps(en.get("occurred")), dumps(en.get("value")),
                dumps(en.get("unit"))))
        parts.append('"history": [%s]' % ", ".join(rows))
    return ", ".join(parts)
