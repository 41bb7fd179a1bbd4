"""From a notification body to readings, whatever the layout.

Layouts met in the field, all handled by one walk:
- an array of structures (OBIS, value[, scaler-unit]) — Aidon, Landis+Gyr, Austrian Kaifa;
- one flat structure with OBIS and value interleaved, scaler-units optional, nulls as
  placeholders — Kamstrup, Kaifa (Sweden), Sagemcom;
- a structure that starts with its own push object list (class, OBIS, attribute, index) and
  then the values in that order — Landis+Gyr E450 push;
- lists without OBIS codes — mapped by the rows of cosem.lists (data, not code; readlists.py).
Values stay integers with a decimal scaler (cosem.number); nothing becomes a float.
"""

from . import axdr
from .axdr import ARRAY, STRUCTURE, COMPACT_ARRAY, NULL, OCTET_STRING, VISIBLE_STRING, UTF8_STRING
from .cosemtime import iso, looks_like_datetime
from .number import scaled
from .obis import key as obis_key
from .obis import unit_symbol


# cosem.lists (positional rows, assumed scalers) and the code that reads it (readlists.py) are
# loaded only for a body whose length a row has, one led by a push object list, or a list
# identifier that names a scaler family: most meters hold neither. (Both tuples are checked
# against cosem.lists by a test; _FAMILIES is a list for the reason given below.)
_LIST_COUNTS = (1, 9, 10, 12, 13, 14, 18, 33)
_FAMILIES = ["KFM_001", "Kamstrup_V0001", "0-8:25.9.0", "AT-push", "LGZ-E450-AT", "ISK-SI", "power-only"]
def hexs(b):
    # jsonw.hexs, without loading the JSON writer to decode
    return bytes(b).hex() if b else ""


_STRINGS = (OCTET_STRING, VISIBLE_STRING, UTF8_STRING)
_TEXTS = (VISIBLE_STRING, UTF8_STRING)
_NESTED = (ARRAY, STRUCTURE, COMPACT_ARRAY)
_HEXED = (axdr.DATE, axdr.TIME, axdr.BIT_STRING)
# (Built once here: 'x in (A, B)' would build a tuple per test on the board. The codes are
# lists: a constant tuple of strings loads as string objects, a list's as interned names,
# about a third of the heap.)
# Codes whose reading names the meter (first found wins), the model and the list.
_ID_CODES = ["0-0:96.1.0", "1-1:0.0.5", "1-0:0.0.5", "0-0:96.1.1", "1-1:0.0.1", "0-0:42.0.0"]
_MODEL_CODES = ["0-0:96.1.7", "1-1:96.1.1", "1-0:96.1.1"]
_LIST_CODES = ["1-1:0.2.129", "1-0:0.2.129", "0-0:0.2.129"]
_CLOCK_CODES = ["0-0:1.0.0", "0-1:1.0.0", "1-0:1.0.0"]
_LIST_OBIS = tuple([bytes([int(x) for x in c.replace("-", ".").replace(":", ".").split(".")] + [255])
                    for c in _LIST_CODES])  # the same codes as OBIS bytes


def _is_scaler_unit(node):
    tag, v = node
    return (tag == STRUCTURE and len(v) == 2 and v[0][0] == axdr.INT8 and v[1][0] == axdr.ENUM)


def _printable(b):
    for c in b:
        if c < 32 or c > 126:
            return False
    return True


def _text_value(tag, v, code=None):
    """A string-ish value as JSON-friendly text: printable -> text, clock -> ISO, else hex."""
    if tag != OCTET_STRING:
        return v.rstrip("\x00") if isinstance(v, str) else v
    if len(v) == 12 and looks_like_datetime(v):
        return iso(v)
    stripped = v.rstrip(b"\x00")
    if stripped and _printable(stripped):
        return stripped.decode()
    return hexs(v)


def _value(node, scaler, unit, code=None):
    """(value, unit) of a leaf node under a scaler/unit."""
    tag, v = node
    if tag in axdr.INTEGER_TAGS:
        if scaler is None:
            return v, unit
        return scaled(v, scaler), unit
    if tag in _STRINGS:
        return _text_value(tag, v, code), None
    if tag == axdr.DATE_TIME:
        return iso(v), None
    if tag in _HEXED:
        return hexs(v), None
    if tag in _NESTED:
        from .axdrmore import plain
        return plain(node)["value"], None
    return v, unit  # boolean, float32/64 (sent as floats by the meter), null


# Meters push the same codes every time: what was worked out for a code is remembered
# (bounded; past the bound a cache starts afresh).
_CACHE_MAX = 96
_KEYS = {}  # OBIS bytes -> key text


def _key(b):
    """obis.key(b), remembered for bytes (what A-XDR octet-strings are)."""
    if not isinstance(b, bytes):
        return obis_key(b)
    k = _KEYS.get(b)
    if k is None:
        k = obis_key(b)
        if len(_KEYS) >= _CACHE_MAX:
            _KEYS.clear()
        _KEYS[b] = k
    return k


# A pseudo A-XDR tag (beyond a byte) for a logical name the layout proves: the first element
# of an (OBIS, value[, scaler-unit]) structure whose F is not 255.
_LN = 0x109


def _flatten(node, out, k=0):
    """Leaves in order into out[k:] (sized by _count); a scaler-unit structure stays one token.
    -> the index after the last."""
    tag, v = node
    if tag == ARRAY or (tag == STRUCTURE and not _is_scaler_unit(node)):
        j = 0
        if tag == STRUCTURE and _named(v):
            out[k] = (_LN, v[0][1])
            k += 1
            j = 1
        for j in range(j, len(v)):
            n = v[j]
            t = n[0]
            if t == ARRAY or t == STRUCTURE:
                k = _flatten(n, out, k)
            else:
                out[k] = n  # a leaf: no call for it
                k += 1
        return k
    out[k] = node
    return k + 1


def _count(node):
    """How many tokens _flatten gives for node (so that its list is made once, at its size)."""
    tag, v = node
    if tag == ARRAY or (tag == STRUCTURE and not _is_scaler_unit(node)):
        c = 0
        for n in v:
            t = n[0]
            c += _count(n) if t == ARRAY or t == STRUCTURE else 1
        return c
    return 1


def _named(v):
    """Is this structure (OBIS, value[, scaler-unit]) with a code whose F is not 255? (Those
    with F = 255 are told by their bytes alone; the others need the structure's say.)"""
    if len(v) != 2 and len(v) != 3:
        return False
    tag, b = v[0]
    if tag != OCTET_STRING or len(b) != 6 or b[5] == 0xFF or b[0] > 15:
        return False
    t = v[1][0]
    if t == ARRAY or t == STRUCTURE or t == COMPACT_ARRAY:
        return False
    return len(v) == 2 or _is_scaler_unit(v[2])


def _elements(body):
    """The top-level elements of a body (a lone value is a one-element list)."""
    tag, v = body
    if tag == ARRAY or tag == STRUCTURE:
        return v
    return [body]


def _text_of(node):
    tag, v = node
    if tag == OCTET_STRING:
        return v.decode() if _printable(v) else None
    if tag in _TEXTS:
        return v
    return None


def extract(msg, body):
    """Fill msg.readings, msg.unmapped, msg.meter and msg.timestamp from a notification body."""
    elements = _elements(body)
    n = len(elements)
    # a body a meter-list row may fit, or one led by its push object list, is read by the rows
    # of readlists.py (loaded only then); any other by its own layout
    if not ((n in _LIST_COUNTS or (n > 1 and elements[0][0] == ARRAY)) and _readlists().listed(msg, elements)):
        _tagged(msg, body)
    _identify(msg)


def _readlists():
    from . import readlists
    return readlists


def _tagged(msg, body):
    tokens = [None] * _count(body)
    _flatten(body, tokens)
    list_id = None
    # the list identifier decides which assumed scalers apply: find it first
    n = len(tokens)
    if n and tokens[0][0] in _TEXTS:
        list_id = tokens[0][1]
    else:
        for i in range(n - 1):
            tag, v = tokens[i]
            if tag == OCTET_STRING and v in _LIST_OBIS:  # (compared as bytes: no key text made)
                list_id = _text_of(tokens[i + 1])
                break
    if list_id:
        msg.meter["list"] = list_id
    i = 0
    index = 0
    slot = False  # an OBIS code and its value came just before: interleaved, a code comes next
    while i < n:
        node = tokens[i]
        tag, v = node
        if (tag == _LN or (tag == OCTET_STRING and len(v) == 6 and v[0] <= 15 and (v[5] == 0xFF or slot))) \
                and i + 1 < n and not _is_scaler_unit(tokens[i + 1]):  # an OBIS code and its value
            # (F = 255 tells a code by its bytes; any other F only where the layout puts a code:
            # first in its structure, or in the code's place of an interleaved list)
            slot = True
            code = _key(v)
            val = tokens[i + 1]
            i += 2
            if i < n and _is_scaler_unit(tokens[i]):
                su = tokens[i][1]
                scaler, unit = su[0][1], unit_symbol(su[1][1])
                i += 1
            else:
                su = _readlists().table_scale(list_id, code) if list_id in _FAMILIES else None  # (loads no list otherwise)
                scaler, unit = (su[0], su[1]) if su else (None, None)
            if val[0] == NULL:
                continue
            value, unit = _value(val, scaler, unit, code)
            if code in _LIST_CODES:
                msg.meter["list"] = value
            msg.add(code, value, unit)
        else:
            slot = False
            i += 1
            if tag == _LN:
                node = (OCTET_STRING, v)
            if node[0] == NULL:
                continue
            if list_id is not None and node[0] in _TEXTS and node[1] == list_id:
                continue
            if node[0] == OCTET_STRING and len(node[1]) == 12 and looks_like_datetime(node[1]) \
                    and msg.timestamp is None:
                msg.timestamp = iso(node[1])
                continue
            _unmapped(msg, index, node)
        index += 1


def _unmapped(msg, index, node):
    tag, v = node
    value, _ = _value(node, None, None)
    if tag == OCTET_STRING:
        value = hexs(v)
    from .axdrmore import type_name  # (lists nobody has mapped: rare)
    msg.unmapped.append({"index": index, "type": type_name(tag), "value": value})


def _identify(msg):
    m = msg.meter
    for code in _ID_CODES:
        v = msg.value(code)
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)  # Kamstrup sends its meter number as a uint32
        if isinstance(v, str) and v:
            m["id"] = v
            break
    for code in _MODEL_CODES:
        v = msg.value(code)
        if isinstance(v, str) and v:
            m["model"] = v
            break
    if msg.timestamp is None:
        for code in _CLOCK_CODES:
            v = msg.value(code)
            if isinstance(v, str) and len(v) >= 19:
                msg.timestamp = v
                break
