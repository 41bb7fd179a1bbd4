"""/data.json: the decoder's stable message schema plus a "device" object.

Top-level keys are exactly the decoder's (format, timestamp, meter, readings, ...),
so a tool that reads `build.py decode` output reads this too; what the device adds
lives under "device" and never collides with them.
"""

from cosem.jsonw import Pairs, dumps, write
from cosem.number import Dec

from emeter.web.textbuf import TextBytes


def _ms(ms):
    return None if ms is None else Dec(ms, -3)


def device(state, wifi, hostname, extra=None):
    """The device fields, in a fixed order."""
    p = Pairs()
    p.add("elapsed", _ms(state.elapsed_ms()))   # seconds since the latest good message
    p.add("received", state.message_time)        # wall-clock time of that message, or null
    p.add("uptime", _ms(state.uptime_ms()))
    p.add("hostname", hostname)
    p.add("mode", "ap" if wifi.get("ap") else "station")
    for k in ("ssid", "ip", "mac", "rssi"):
        p.add(k, wifi.get(k))
    p.add("free_memory", state.board.free_memory())
    c = Pairs()
    for k, v in state.counters():
        c.add(k, Pairs(list(v)) if isinstance(v, list) else v)
    if extra:
        for k, v in extra:
            c.add(k, v)
    p.add("counters", c)
    return p


def _pairs(state, device_pairs):
    msg = state.message
    if msg is not None:
        p = Pairs(list(msg.json_value().items))
    else:
        p = Pairs([("format", None), ("timestamp", None), ("meter", Pairs()),
                   ("readings", Pairs())])
    p.add("device", device_pairs)
    return p


def document(state, device_pairs):
    """The document as text."""
    return dumps(_pairs(state, device_pairs))


def document_bytes(state, device_pairs):
    """document() as UTF-8 bytes, what /data.json sends."""
    out = TextBytes()
    write(_pairs(state, device_pairs), out)
    return out.buf
