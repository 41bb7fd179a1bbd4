"""The dashboard page (/) and the failed-frame page (/log), built as HTML pieces.

The page is complete as HTML: every value is rendered on the server (and reloads
itself without JavaScript); the script then keeps the marked elements current from
/data.json (data-o: a reading's value, data-u: its unit, data-d: a path in the
document, data-s: a path in /status.json, data-f: how to format it).  What goes
where is the tables below.  Everything that came from the meter goes through esc().
"""

from cosem.number import Dec

from emeter.web import layout
from emeter.web.dashboard import last_failure, parse_entry
from emeter.web.pages import esc, readings_table

DASH = "\u2013"
LOG_PAGE_BYTES = 16000  # of entries on /log: the page is built in RAM and fits the 40 kB budget

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
    """A reading's value and unit, marked for updates; kwh: show Wh registers in kWh."""
    r = msg.reading(obis) if msg is not None else None
    if r is None:
        return DASH
    value, unit, fmt = r.value, r.unit or "", None
    if kwh:
        fmt = "kwh"
        if unit == "Wh":
            value, unit = _kilo(value), "kWh"
    return '%s <span class="u" data-u="%s"%s>%s</span>' % (
        _live("data-o", obis, value, fmt), obis, ' data-f="kwh"' if kwh else "", esc(unit))


def _has(msg, obis):
    return msg is not None and msg.reading(obis) is not None


# --- pages ---------------------------------------------------------------------
def _kv(rows):
    out = ['<table class="kv">']
    for label, cell in rows:
        out.append("<tr><th>%s</th><td>%s</td></tr>" % (esc(label), cell))
    out.append("</table>")
    return "".join(out)


def _power(msg):
    tiles = [t for t in POWER if _has(msg, t[1])] or [POWER[0]]
    return "".join('<div class="card %s"><h2>%s</h2><p class="num">%s</p></div>'
                   % (cls, title, _big(msg, obis)) for title, obis, cls in tiles)


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
        return ""
    rows += _so_far(energy)
    return '<div class="card"><h2>Energy</h2>%s</div>' % _kv(rows)


def _phases(msg):
    rows = [p for p in PHASES if any(_has(msg, o) for o in p[1:])]
    if not rows:
        return ""
    cols = [i for i in range(len(PHASE_HEADS)) if any(_has(msg, p[1 + i]) for p in rows)]
    out = ['<div class="card"><h2>Phases</h2><table class="ph"><tr><th></th>']
    for i in cols:  # a list without per-phase power gets no empty power columns
        out.append("<th>%s</th>" % PHASE_HEADS[i])
    out.append("</tr>")
    for p in rows:
        out.append("<tr><th>%s</th>" % p[0])
        for i in cols:
            out.append("<td>%s</td>" % _reading(msg, p[1 + i]))
        out.append("</tr>")
    out.append("</table></div>")
    return "".join(out)


def _path(doc, path):
    for k in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def _meter(msg, received):
    if msg is None:
        return ""
    doc = {"meter": msg.meter, "format": msg.format, "timestamp": msg.timestamp,
           "device": {"received": received}}
    rows = [(label, _live("data-d", path, _path(doc, path), fmt)) for label, path, fmt in METER
            if _path(doc, path) is not None]
    return '<div class="card"><h2>Meter</h2>%s</div>' % _kv(rows)


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
    return '<div class="card" data-status><h2>Status</h2>%s</div>' % _kv(rows)


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
    return "".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)) for k, v in pairs)


def index(app):
    """The dashboard page as HTML text."""
    return "".join(index_parts(app))


def index_parts(app):
    """The dashboard page as a list of HTML pieces (sent one by one: see index_response)."""
    st = app.state
    msg = st.message
    title = app.title()
    el = st.elapsed_ms()
    body = ['<div data-live%s>' % (" data-empty" if msg is None else "")]
    stale = el is None or el > 60000
    body.append('<p id="stale" class="stale"%s>%s</p>' % (
        "" if stale else " hidden",
        "Waiting for the meter: no valid message yet." if msg is None
        else "No message from the meter for over a minute."))
    body.append('<section class="grid hero">%s</section>' % _power(msg))
    body.append('<section class="card"><div class="tabs"><button type="button" data-range="h" '
                'aria-pressed="true">1 h</button><button type="button" data-range="d" '
                'aria-pressed="false">24 h</button></div><h2>Power</h2><div id="graph">'
                '<noscript><p class="sub">The graph needs JavaScript; the values here reload '
                'every %d s.</p></noscript></div><p id="gcap" class="sub"></p></section>'
                % app.refresh_s)
    body.append('<section class="grid">%s%s</section>' % (_energy(msg, getattr(app, "energy", None)),
                                                         _phases(msg)))
    body.append(ENERGY_CHARTS)
    body.append('<section class="grid">%s%s</section>' % (_meter(msg, st.message_time), _status(app)))
    body.append('<details class="card"><summary>Every reading, status and counter</summary>')
    if msg is not None:
        body.append(readings_table(msg))
    body.append("<h2>Status</h2><table>%s</table>" % _plain_rows(app.status_rows()))
    body.append("<h2>Counters</h2><table>%s</table>" % _plain_rows(_flat(app.counter_rows())))
    body.append("</details></div>")
    return layout.page_parts(title, body, title, "/", app.refresh_s)


def _entries_html(entries):
    """The newest entries as HTML, newest first, until LOG_PAGE_BYTES (at least one)."""
    out = []
    size = 0
    for i in range(len(entries) - 1, -1, -1):
        e = parse_entry(entries[i])
        if e is None:
            continue
        nbytes = len(e["hex"].replace("\n", "")) // 2
        h = ('<div class="entry"><button type="button" class="copy" data-copy="e%d" hidden>Copy'
             '</button><span class="tag">%s</span> <span class="o">%s</span><p>%s</p><details>'
             '<summary>%s %d bytes</summary><pre id="e%d">%s</pre></details></div>'
             % (i, esc(e["reason"]), esc(e["when"] or ""), esc(e["text"]), esc(e["format"]),
                nbytes, i, esc(e["block"])))
        if out and size + len(h) > LOG_PAGE_BYTES:
            break
        out.append(h)
        size += len(h)
    return out


def log_page(app):
    """The newest failed frames kept in log.txt, newest first, each with a copy button."""
    return "".join(log_page_parts(app))


def log_page_parts(app):
    """log_page() as a list of HTML pieces (each entry one piece: sent one by one)."""
    title = app.title()
    n = len(app.log.entries)
    shown = _entries_html(app.log.entries)
    body = ["<h1>Rejected frames</h1>"]
    body.append('<div class="card"><p>%s kept in log.txt (the oldest go past %d kB)%s. '
                'Each block is the frame as it arrived. To decode one on a computer, copy it '
                'into a file, or <a href="/log.txt" download="log.txt">download log.txt</a>, '
                'and run <code>python3 build.py decode log.txt</code>.</p></div>'
                % ("%d frame%s" % (n, "" if n == 1 else "s"), app.log.limit // 1024,
                   "; the newest %d are shown here" % len(shown) if len(shown) < n else ""))
    if shown:
        body.append('<div class="card">')
        body.extend(shown)
        body.append('</div>')
    else:
        body.append('<p class="ok">No rejected frames.</p>')
    return layout.page_parts("Log \u2013 " + title, body, title, "/log")
