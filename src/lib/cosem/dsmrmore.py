"""The DSMR lines most telegrams never carry (dsmr.py loads this on first use): the
power-failure event log 1-0:99.97.0, the Belgian e-MUCS monthly peak history 0-0:98.1.0,
and the DSMR 2.2/3 gas profile 0-n:24.3.0; also the reading of a time given as text."""

from .dsmr import _D, _U, _dst_extra, _num, _stamp_at, _text_at, _when
from .dsmr_spec import EVENT_LOG, HISTORY
from .textnum import is_digits, parse_decimal, parse_key

_DST = {"S": "summer", "W": "winter"}


def read(msg, obis, kind, data, spans, asc):
    """Add the line as its kind reads it; False (nothing added) when it is not shaped so."""
    if kind == EVENT_LOG:
        return _event_log(msg, obis, data, spans, asc)
    if kind == HISTORY:
        return _history(msg, obis, data, spans, asc)
    return _profile(msg, obis, [_text_at(data, spans, i) for i in range(0, len(spans), 2)])


def _event_log(msg, obis, data, spans, asc):
    # (count)(0-0:96.7.19)(end)(duration*s)... : the count as sent, entries as listed
    # (some meters list fewer entries than they count).
    n = len(spans)
    count = parse_decimal(_text_at(data, spans, 0)) if n else None
    if not isinstance(count, int) or n < 4 or parse_key(_text_at(data, spans, 2)) is None or n % 4:
        return False
    entries = []
    for i in range(4, n, 4):
        when = _stamp_at(data, spans[i], spans[i + 1], asc)
        if when is False:
            return False
        dst = _D[0]
        v = _num(data, spans[i + 2], spans[i + 3])
        u = _U[0]
        entries.append({"end": when, "dst": dst, "duration": v, "unit": u})
    msg.add(obis, count, None, {"entries": entries})
    return True


def _history(msg, obis, data, spans, asc):
    # e-MUCS monthly peaks: (count)(obis)(obis) then (period)(when)(peak*kW) per month.
    n = len(spans)
    count = parse_decimal(_text_at(data, spans, 0)) if n else None
    if not isinstance(count, int):
        return False
    i = 2
    while i < n and parse_key(_text_at(data, spans, i)) is not None:
        i += 2
    if i == 2 or (n - i) % 6:
        return False
    entries = []
    for j in range(i, n, 6):
        a = _stamp_at(data, spans[j], spans[j + 1], asc)
        a_dst = _D[0]
        b = _stamp_at(data, spans[j + 2], spans[j + 3], asc)
        if a is False or b is False:
            return False
        v = _num(data, spans[j + 4], spans[j + 5])
        u = _U[0]
        entries.append({"timestamp": a, "dst": a_dst, "occurred": b, "occurred_dst": _D[0],
                        "value": v, "unit": u})
    msg.add(obis, count, None, {"entries": entries})
    return True


def _profile(msg, obis, g):
    # DSMR 2.2/3 gas: (time)(status)(interval)(n)(0-n:24.2.1)(unit) then n (value) groups.
    if len(g) < 7:
        return False
    when = stamp(g[0])
    if when is False:
        return False
    dst = _D[0]
    unit = g[5] or None
    values = [parse_decimal(t) for t in g[6:]]
    if None in values:
        return False
    extra = _dst_extra(dst)
    extra["timestamp"] = when
    if len(values) > 1:
        extra["values"] = values
    msg.add(obis, values[-1], unit, extra)
    return True


def stamp(t):
    """'161113205757W' -> '2016-11-13T20:57:57', its dst ('winter') in dsmr._D[0]; None for
    an impossible date ('632525252525W'); False when t is not shaped like a DSMR time at all."""
    n = len(t)
    dst = None
    if n == 13:
        dst = _DST.get(t[12])
        if dst is None:
            return False
        t = t[:12]
    elif n != 12:
        return False
    if not is_digits(t):
        return False
    return _when(int(t[0:2]), int(t[2:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]), dst)
