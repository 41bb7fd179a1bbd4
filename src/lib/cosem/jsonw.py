"""A small JSON writer that keeps exact decimals and a chosen key order.

The standard json module would print a Dec through a float and, on the board,
in whatever order the unordered dict hands out; neither is acceptable for a
schema other tools read.
"""

from .number import Dec

_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def hexs(b):
    """Hex text of bytes; '' for empty (MicroPython's b''.hex() gives b'')."""
    return bytes(b).hex() if b else ""


def _plain(s):
    # True when s needs no escape: C-level scans (in, min) instead of a loop here.
    return s and '"' not in s and "\\" not in s and "\x7f" not in s and min(s) >= " "


def quote(s):
    if not s:
        return '""'
    if _plain(s):
        return '"' + s + '"'
    out = None
    for i, ch in enumerate(s):
        if ch in _ESC or ch < " " or ch == "\x7f":
            out = []
            break
    if out is None:
        return '"' + s + '"'
    for ch in s:
        r = _ESC.get(ch)
        if r is not None:
            out.append(r)
        elif ch < " " or ch == "\x7f":
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class Pairs:
    """An ordered JSON object: a list of (key, value) written in that order."""

    __slots__ = ("items",)

    def __init__(self, items=None):
        self.items = items if items is not None else []

    def add(self, key, value):
        self.items.append((key, value))


def _float(v):
    if v != v or v in (float("inf"), float("-inf")):
        return "null"
    return repr(v)


_SEQUENCES = (list, tuple)  # (built once: a tuple of names in the call would be built per call)
_BYTES = (bytes, bytearray)


def _str(s, out):
    if _plain(s):
        out.append('"')  # three pieces, no new string
        out.append(s)
        out.append('"')
    else:
        out.append(quote(s))


def write(value, out):
    """Append the JSON text of value to the list out (strings joined by the caller).

    Objects may offer json_write(out) (their JSON text into out) or json_value() (a value to
    write instead)."""
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        _str(value, out)
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Dec):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, Pairs):
        _object(value.items, out)
    elif isinstance(value, dict):
        _object(sorted(value.items()), out)
    elif isinstance(value, _SEQUENCES):
        out.append("[")
        first = True
        for v in value:
            if not first:
                out.append(",")
            first = False
            write(v, out)
        out.append("]")
    elif isinstance(value, _BYTES):
        out.append('"' + hexs(value) + '"')
    elif hasattr(value, "json_write"):
        value.json_write(out)
    elif hasattr(value, "json_value"):
        write(value.json_value(), out)
    else:
        out.append(quote(str(value)))


def write_key(k, out):
    """'"k":' into out, the way an object's key is written."""
    if _plain(k):
        out.append('"')
        out.append(k)
        out.append('":')
    else:
        out.append(quote(k))
        out.append(":")


def _object(items, out):
    out.append("{")
    first = True
    for k, v in items:
        if not first:
            out.append(",")
        first = False
        write_key(k, out)
        write(v, out)
    out.append("}")


def dumps(value):
    out = []
    write(value, out)
    return "".join(out)
