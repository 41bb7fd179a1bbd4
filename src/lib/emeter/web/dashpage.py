"""The dashboard page (/) as a generator of HTML pieces (the /log page: emeter.web.logpage).

The page is complete as HTML: every value is rendered on the server (and reloads
itself without JavaScript); the script then keeps the marked elements current from
/data.json (data-o: a reading's value, data-u: its unit, data-d: a path in the
document, data-s: a path in /status.json, data-f: how to format it).  What goes
where is the tables below.  Everything that came from the meter goes through esc().
"""

from cosem.number import Dec

from emeter.web import layout
from emeter.web.dashboard import last_failure
from emeter.web.pages import esc, readings_parts

DASH = "\u2013"

# (title, OBIS, css class): the big tiles, shown when the meter sends that value
POWER = (("Using now", "1-0:1.7.0", "imp"), ("Returning", "1-0:2.7.0", "exp"),
         ("Net power", "1-0:16.7.0", "imp"))
# (group, ((label, OBIS), ...)): energy registers as people read a bill
ENERGY = (
    ("Imported", (("total", "1-0:1.8.0"), ("tariff 1", "1-0:1.8.1"), ("tariff 2", "1-0:1.8.2"),
                  ("tariff 3", "1-0:1.8.3"), ("tariff 4", "1-0:1.8.4"))),
    ("Exported", (("total", "1-0:2.8.0"), ("tariff 1", "1-0:2.8.1"), ("tariff 2", "1-0:2.8.2"),
                  ("tariff 3", "1-0:2.8.3"), ("tariff 4", "1-0:2.8.4"))),
)
# phase, voltage, current, power in, power out
PHASES = (("L1", "1-0:32.7.0", "1-0:31.7.0", "1-0:21.7.0", "1-0:22.7.0"),
          ("L2", "1-0:52.7.0", "1-0:51.7.0", "1-0:41.7.0", "1-0:42.7.0"),
          ("L3", "1-0:72.7.0", "1-0:71.7.0", "1-0:61.7.0", "1-0:62.7.0"))
PHASE_HEADS = ("Voltage", "Current", "Import", "Export")
# (label, path in data.json, format): the meter card
METER = (("Meter", "meter.id", None), ("Model", "meter.model", None), ("List", "meter.list", None),
         ("Identification", "meter.identification", None), ("Format", "format", None),
         ("Meter clock", "timestamp", None), ("Received", "device.received", None))


# the energy bar charts (drawn by the script from /energy.json; empty without it)
ENERGY_CHARTS = ('<section class="grid" id="energy" hidden>'
                 '<div class="card"><h2>Energy by hour</h2><div data-bars="hours"></div></div>'
                 '<div class="card"><h2>This month by day</h2><div data-bars="days"></div></div>'
                 '<div class="card"><h2>By month</h2><div data-bars="months"></div></div>'
                 '<div class="card"><h2>Peak hours this month</h2><div data-peaks></div></div>'
                 '</section>')


# --- formats: the same as the script's FMT ----------------------------------
def _dur(v):
    v = int(v)
    d, h, m, s = v // 86400, v % 86400 // 3600, v % 3600 // 60, v % 60
    return ("%d d " % d if d else "") + "%02d:%02d:%02d" % (h, m, s)


def _kb(v):
    return "%d kB" % ((int(v) * 2 + 1024) // 2048)


def _ago(v):
    v = int(v)
    return "%d s ago" % v if v < 120 else "%d min ago" % (v // 60)


FORMATS = {"dur": _dur, "kb": _kb, "dbm": lambda v: "%s dBm" % v, "ago": _ago,
           "kwh": lambda v: v}  # (converted by _reading, which knows the unit)


def _text(v, fmt=None, empty=DASH):
    if v is None or v == "":
        return empty
    return esc(FORMATS[fmt](v) if fmt else v)


def _live(attr, key, value, fmt=None, empty=None):
    f = ' data-f="%s"' % fmt if fmt else ""
    if empty:
        f += ' data-z="%s"' % empty
    return '<span %s="%s"%s>%s</span>' % (attr, esc(key), f, _text(value, fmt, empty or DASH))


def _kilo(v):
    """An int/Dec register in thousands, exactly (38211671 Wh -> 38211.671 kWh)."""
    if isinstance(v, Dec):
        return Dec(v.m, v.e - 3)
    if isinstance(v, int) and not isinstance(v, bool):
        return Dec(v, -3)
    return v


def _reading(msg, obis, kwh=False):
    """A reading's value and unit, marked for updates; kwh: show Wh registers in kWh (pieces)."""
    r = msg.reading(obis) if msg is not None else None
    if r is None:
        yield DASH
        return
    value, unit, fmt = r.value, r.unit or "", None
    if kwh:
        fmt = "kwh"
        if unit == "Wh":
            value, unit = _kilo(value), "kWh"
    yield _live("data-o", obis, value, fmt)
    yield ' <span class="u" data-u="%s"%s>' % (obis, ' data-f="kwh"' if kwh else "")
    yield esc(unit)
    yield "</span>"


def _has(msg, obis):
    return msg is not None and msg.reading(obis) is not None


# --- pages: generators of HTML pieces, sent one by one (dashboard.pieces_response) ----
def _kv(rows):
    """A two-column table; rows: [(label, cell)], a cell being text or pieces of text."""
    yield '<table class="kv">'
    for label, cell in rows:
        yield "<tr><th>"
        yield esc(label)
        yield "</th><td>"
        if type(cell) is str:
            yield cell
        else:
            yield from cell
        yield "</td></tr>"
    yield "</table>"


def _card(head, rows):
    yield head
    yield from _kv(rows)
    yield "</div>"


def _power(msg):
    tiles = [t for t in POWER if _has(msg, t[1])] or [POWER[0]]
    for title, obis, cls in tiles:
        yield '<div class="card %s"><h2>%s</h2><p class="num">' % (cls, title)
        yield _big(msg, obis)
        yield "</p></div>"


def _big(msg, obis):
    r = msg.reading(obis) if msg is not None else None
    if r is None:
        return DASH
    return '%s <small data-u="%s">%s</small>' % (_live("data-o", obis, r.value), obis, esc(r.unit or ""))


def _so_far(energy):
    """[(label, cell)]: today's and this month's import so far, kept current from /energy.json."""
    rows = []
    if energy is None:
        return rows
    for label, level, key in (("Today so far", 1, "today"), ("This month so far", 2, "month")):
        n = energy.length(level)
        r = energy.row(level, n - 1) if n else None
        v = energy.kwh(r[1]) + " kWh" if r and r[3] and r[1] >= 0 else None
        rows.append((label, '<span data-e="%s">%s</span>' % (key, esc(v or DASH))))
    return rows


def _energy(msg, energy=None):
    rows = []
    for group, regs in ENERGY:
        for label, obis in regs:
            if _has(msg, obis):
                rows.append(("%s, %s" % (group, label), _reading(msg, obis, True)))
    if not rows:
        return
    rows += _so_far(energy)
    yield from _card('<div class="card"><h2>Energy</h2>', rows)


def _phases(msg):
    rows = [p for p in PHASES if any(_has(msg, o) for o in p[1:])]
    if not rows:
        return
    cols = [i for i in range(len(PHASE_HEADS)) if any(_has(msg, p[1 + i]) for p in rows)]
    yield '<div class="card"><h2>Phases</h2><table class="ph"><tr><th></th>'
    for i in cols:  # a list without per-phase power gets no empty power columns
        yield "<th>%s</th>" % PHASE_HEADS[i]
    yield "</tr>"
    for p in rows:
        yield "<tr><th>%s</th>" % p[0]
        for i in cols:
            yield "<td>"
            yield from _reading(msg, p[1 + i])
            yield "</td>"
        yield "</tr>"
    yield "</table></div>"


def _path(doc, path):
    for k in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def _meter(msg, received):
    if msg is None:
        return
    doc = {"meter": msg.meter, "format": msg.format, "timestamp": msg.timestamp,
           "device": {"received": received}}
    rows = [(label, _live("data-d", path, _path(doc, path), fmt)) for label, path, fmt in METER
            if _path(doc, path) is not None]
    yield from _card('<div class="card"><h2>Meter</h2>', rows)


def _status(app):
    st = app.state
    w = app.wifi_info()
    c = dict((k, v) for k, v in st.counters() if not isinstance(v, list))
    el = st.elapsed_ms()
    lf = last_failure(app) or {}
    rows = [
        ("Wi-Fi", _live("data-d", "device.mode", "ap" if w.get("ap") else "station")),
        ("Network", _live("data-d", "device.ssid", w.get("ssid"))),
        ("Address", _live("data-d", "device.ip", w.get("ip"))),
        ("Signal", _live("data-d", "device.rssi", w.get("rssi"), "dbm")),
        ("Uptime", _live("data-d", "device.uptime", st.uptime_ms() // 1000, "dur")),
        ("Free memory", _live("data-d", "device.free_memory", app.board.free_memory(), "kb")),
        ("Last message", _live("data-d", "device.elapsed", None if el is None else el // 1000, "ago")),
        ("Frames ok", _live("data-d", "device.counters.frames_ok", c.get("frames_ok"))),
        ("Frames rejected", _live("data-d", "device.counters.frames_rejected", c.get("frames_rejected"))),
        ("Last rejected", _live("data-s", "failure.what", lf.get("what"), None, "none")),
        ("Rejected at", _live("data-s", "failure.when", lf.get("when"))),
        ("Last error", _live("data-s", "error", app.sched.last_error, None, "none")),
    ]
    yield from _card('<div class="card" data-status><h2>Status</h2>', rows)


def _flat(pairs, prefix=""):
    out = []
    for k, v in pairs:
        if isinstance(v, list):
            if v and isinstance(v[0], tuple):
                out.extend(_flat(v, prefix + k + " "))
        else:
            out.append((prefix + k, v))
    return out


def _plain_rows(pairs):
    for k, v in pairs:
        yield "<tr><th>"
        yield esc(k)
        yield "</th><td>"
        yield esc(v)
        yield "</td></tr>"


def index(app):
    """The dashboard page as HTML text."""
    return "".join(index_parts(app))


def index_parts(app):
    """The dashboard page as HTML pieces (a generator: see dashboard.pieces_response)."""
    title = app.title()
    return layout.page_parts(title, _index_body(app), title, "/", app.refresh_s)


def _index_body(app):
    st = app.state
    msg = st.message  # one message for the whole page, even if a newer one comes meanwhile
    el = st.elapsed_ms()
    yield '<div data-live%s>' % (" data-empty" if msg is None else "")
    stale = el is None or el > 60000
    yield '<p id="stale" class="stale"%s>%s</p>' % (
        "" if stale else " hidden",
        "Waiting for the meter: no valid message yet." if msg is None
        else "No message from the meter for over a minute.")
    yield '<section class="grid hero">'
    yield from _power(msg)
    yield '</section>'
    yield ('<section class="card"><div class="tabs"><button type="button" data-range="h" '
           'aria-pressed="true">1 h</button><button type="button" data-range="d" '
           'aria-pressed="false">24 h</button></div><h2>Power</h2><div id="graph">'
           '<noscript><p class="sub">The graph needs JavaScript; the values here reload '
           'every %d s.</p></noscript></div><p id="gcap" class="sub"></p></section>'
           % app.refresh_s)
    yield '<section class="grid">'
    yield from _energy(msg, getattr(app, "energy", None))
    yield from _phases(msg)
    yield '</section>'
    yield ENERGY_CHARTS
    yield '<section class="grid">'
    yield from _meter(msg, st.message_time)
    yield from _status(app)
    yield '</section>'
    yield '<details class="card"><summary>Every reading, status and counter</summary>'
    if msg is not None:
        yield from readings_parts(msg)
    yield "<h2>Status</h2><table>"
    yield from _plain_rows(app.status_rows())
    yield "</table><h2>Counters</h2><table>"
    yield from _plain_rows(_flat(app.counter_rows()))
    yield "</table></details></div>"
