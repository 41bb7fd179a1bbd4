"""The JSON forms of Message, Reading and Failure, and a Failure's log.txt block.

message.py's methods call here on first use: a board that decodes and forwards values never
loads this module nor the JSON writer it needs.
"""

from .jsonw import Pairs, dumps, hexs, write, write_key  # (dumps and write: message.py calls them here)
from .message import _name


def reading_value(r):
    p = Pairs([("value", r.value)])
    if r.unit is not None:
        p.add("unit", r.unit)
    n = _name(r.obis)
    if n is not None:
        p.add("name", n)
    if r.extra:
        for k in sorted(r.extra):
            p.add(k, r.extra[k])
    return p


def reading_write(r, out):
    # the text of reading_value(r), written without building it
    out.append('{"value":')
    write(r.value, out)
    if r.unit is not None:
        out.append(',"unit":')
        write(r.unit, out)
    n = _name(r.obis)
    if n is not None:
        out.append(',"name":')
        write(n, out)
    if r.extra:
        for k in sorted(r.extra):
            out.append(",")
            write_key(k, out)
            write(r.extra[k], out)
    out.append("}")


def message_value(m):
    p = Pairs()
    p.add("format", m.format)
    p.add("timestamp", m.timestamp)
    p.add("meter", m.meter)
    p.add("readings", Pairs([(r.obis, r) for r in m.readings]))
    if m.unmapped:
        p.add("unmapped", m.unmapped)
    if m.frame is not None:
        p.add("frame", m.frame)
    if m.apdu is not None:
        p.add("apdu", m.apdu)
    if m.payload is not None:
        p.add("payload", _Payload(m.payload) if isinstance(m.payload, tuple) else m.payload)
    return p


class _Payload:
    """The A-XDR body in JSON: the text of axdrmore.plain(node), written without building it."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def json_write(self, out):
        from .axdrmore import write_plain
        write_plain(self.node, out)


def failure_value(f):
    return Pairs([("error", f.text), ("reason", f.reason), ("format", f.format),
                  ("length", len(f.raw)), ("raw", hexs(f.raw))])


def log_entry(f, when=None):
    out = ["--- Start --- "]
    if when:
        out.append(when + " ")
    out.append("%s: %s (%s, %d bytes)\n" % (f.reason, f.text, f.format, len(f.raw)))
    raw = f.raw
    for i in range(0, len(raw), 32):
        out.append(raw[i:i + 32].hex())
        out.append("\n")
    out.append("--- End ---\n")
    return "".join(out)


def json_line(item):
    """One line of `build.py decode` output for a Message or a Failure."""
    out = []
    write(item, out)
    return "".join(out)
