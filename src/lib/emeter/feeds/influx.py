"""InfluxDB line protocol for one message: measurement `emeter`, the meter as tags,
every numeric reading as a field named by its OBIS code (exact decimal text).

Fields are written without the `i` suffix, so a register that reads 0 in one
message and 0.5 in the next keeps one type (float) in InfluxDB.
"""

from cosem.number import Dec

MEASUREMENT = "emeter"


def _escape(s, specials):
    out = []
    for ch in str(s):
        if ch in specials:
            out.append("\\")
        out.append(ch)
    return "".join(out)


def _tag(s):
    return _escape(s, ", =\\")


def line(message, measurement=MEASUREMENT):
    """One line (no newline), or None when the message has no numeric reading."""
    head = [_escape(measurement, ", \\")]
    for k in ("id", "model"):
        v = message.meter.get(k)
        if v:
            head.append("%s=%s" % ("meter" if k == "id" else k, _tag(v)))
    fields = []
    for r in message.readings:
        v = r.value
        if isinstance(v, bool) or not isinstance(v, (int, Dec)):
            continue
        fields.append("%s=%s" % (_tag(r.obis), v))
    if not fields:
        return None
    return ",".join(head) + " " + ",".join(fields)
