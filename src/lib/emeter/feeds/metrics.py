"""/metrics: the latest message and the device counters in Prometheus text format.

Registers become counters (`_total`), instantaneous values gauges, all in base
units (W, Wh, V, A ...; kW and kWh are scaled exactly, not through a float).
Per-phase values carry a `phase` label, tariff registers a `tariff` label.
"""

from cosem.number import Dec

from emeter.feeds.obismap import KINDS, in_base_unit, info

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_P = "emeter_"
_GAUGES = ("clients", "connected")


def _label(v):
    return str(v).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs):
    if not pairs:
        return ""
    return "{" + ",".join(['%s="%s"' % (k, _label(v)) for k, v in pairs]) + "}"


def metric_name(i):
    """The metric family of an obismap.Info."""
    row = KINDS[i.kind]
    word = row[3]
    slug = i.slug
    if i.phase is not None and i.kind not in ("current", "voltage", "power_factor"):
        slug = "phase_" + slug
    if i.tariff is not None:
        slug += "_tariff"
    if i.kind in ("power", "reactive_power", "apparent_power"):
        slug = slug.replace("_import", "_power_import").replace("_export", "_power_export")
        slug = slug.replace("_q", "_power_q")
    elif row[4]:
        slug = slug.replace("_import", "_energy_import").replace("_export", "_energy_export")
        slug = slug.replace("_q", "_energy_q")
    name = _P + slug + ("_" + word if word else "")
    return name + "_total" if row[4] else name


class _Out:
    def __init__(self):
        self.lines = []
        self.seen = {}

    def family(self, name, kind, help_text):
        if name in self.seen:
            return
        self.seen[name] = True
        self.lines.append("# HELP %s %s" % (name, help_text))
        self.lines.append("# TYPE %s %s" % (name, kind))

    def sample(self, name, labels, value):
        self.lines.append("%s%s %s" % (name, _labels(labels), value))


def _families(message):
    """{name: [help, type, [(labels, value)]]} and the order names first appear."""
    fams = {}
    order = []
    for r in message.readings:
        i = info(r.obis)
        if i is None:
            continue
        value, unit = in_base_unit(r.value, r.unit)
        if not isinstance(value, (int, Dec)) or isinstance(value, bool):
            continue
        row = KINDS[i.kind]
        if row[2] is not None and unit != row[2]:
            continue  # a unit we cannot vouch for: leave it out rather than mislabel it
        name = metric_name(i)
        labels = []
        if i.phase is not None:
            labels.append(("phase", i.phase))
        if i.tariff is not None:
            labels.append(("tariff", str(i.tariff)))
        if name not in fams:
            what = r.name or i.slug
            if i.phase is not None and what.endswith(" " + i.phase):
                what = what[:-len(i.phase) - 1] + " by phase"
            fams[name] = ["%s (OBIS %s)" % (what, r.obis),
                          "counter" if row[4] else "gauge", []]
            order.append(name)
        fams[name][2].append((labels, value))
    return fams, order


def text(state, extra=(), meter_labels=None):
    """The exposition text. extra: (name, help, type, [(labels, value)]) device rows."""
    out = _Out()
    m = state.message
    if m is not None:
        meter = meter_labels if meter_labels is not None else [
            (k, m.meter[k]) for k in ("id", "model", "list") if m.meter.get(k)]
        out.family(_P + "meter_info", "gauge", "The meter that sent the latest message")
        out.sample(_P + "meter_info", meter + [("format", m.format)], 1)
        fams, order = _families(m)
        for name in order:
            help_text, kind, samples = fams[name]
            out.family(name, kind, help_text)
            for labels, value in samples:
                out.sample(name, labels, value)
        age = state.elapsed_ms()
        if age is not None:
            out.family(_P + "last_message_age_seconds", "gauge", "Time since the latest good message")
            out.sample(_P + "last_message_age_seconds", [], str(Dec(age, -3)))
    out.family(_P + "uptime_seconds", "gauge", "Time since the application started")
    out.sample(_P + "uptime_seconds", [], str(Dec(state.uptime_ms(), -3)))
    out.family(_P + "bytes_received_total", "counter", "Bytes read from the meter port")
    out.sample(_P + "bytes_received_total", [], state.bytes)
    out.family(_P + "frames_ok_total", "counter", "Messages decoded")
    out.sample(_P + "frames_ok_total", [], state.frames_ok)
    out.family(_P + "frames_rejected_total", "counter", "Frames rejected, by reason")
    reasons = sorted(state.rejected)
    if not reasons:
        out.sample(_P + "frames_rejected_total", [("reason", "none")], 0)
    for k in reasons:
        out.sample(_P + "frames_rejected_total", [("reason", k)], state.rejected[k])
    out.family(_P + "uart_overruns_total", "counter", "Receive-buffer overruns the port reported")
    out.sample(_P + "uart_overruns_total", [], state.overruns)
    for name, help_text, kind, samples in extra:
        out.family(_P + name, kind, help_text)
        for labels, value in samples:
            out.sample(_P + name, labels, value)
    out.lines.append("")
    return "\n".join(out.lines)


def device_rows(app, feed_counters):
    """The `extra` rows of text(): the App's counters and [(feed, [(name, value)])]."""
    rows = []
    for name, value in app.extra_counters():
        if not isinstance(value, int):
            continue
        if name.endswith("_ms"):
            rows.append((name[:-3] + "_milliseconds", name, "gauge", [([], value)]))
        else:
            rows.append((name + "_total", name, "counter", [([], value)]))
    fams = {}
    order = []
    for feed, pairs in feed_counters:
        for name, value in pairs:
            m = "feed_" + name + ("" if name in _GAUGES else "_total")
            if m not in fams:
                fams[m] = (m, "Feed counter: " + name, "gauge" if name in _GAUGES else "counter", [])
                order.append(m)
            fams[m][3].append(([("feed", feed)], value))
    return rows + [fams[m] for m in order]
