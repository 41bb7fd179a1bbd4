"""application/x-www-form-urlencoded bodies as bytes, so each field is checked on its own.

adafruit_httpserver decodes the whole body as UTF-8 at once; one bad byte in one
field would then fail the whole form instead of giving that field its message.
"""

_HEXV = {}
for _i, _c in enumerate("0123456789abcdef"):
    _HEXV[_c] = _i
    _HEXV[_c.upper()] = _i


def unquote(b):
    """Percent-decoding ('+' is a space); malformed escapes are kept as they are."""
    out = bytearray()
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c == 0x2B:  # '+'
            out.append(0x20)
        elif c == 0x25 and i + 2 < n:  # '%XX'
            h = _HEXV.get(chr(b[i + 1]))
            l = _HEXV.get(chr(b[i + 2]))
            if h is None or l is None:
                out.append(c)
            else:
                out.append(h * 16 + l)
                i += 2
        else:
            out.append(c)
        i += 1
    return bytes(out)


def parse(body):
    """dict field name (str) -> value (bytes); the first of repeated names wins."""
    out = {}
    for part in bytes(body).split(b"&"):
        if not part:
            continue
        kv = part.split(b"=", 1)  # (no str.partition on every board build)
        k = kv[0]
        v = kv[1] if len(kv) > 1 else b""
        try:
            name = unquote(k).decode("ascii")
        except UnicodeError:
            continue
        if name not in out:
            out[name] = unquote(v)
    return out
