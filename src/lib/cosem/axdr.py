"""A-XDR decoding of COSEM data (IEC 61334-6 / DLMS Green Book 'Data' CHOICE).

A decoded value is a node: a tuple (tag, value). Arrays and structures hold a
list of nodes; integers are ints (sign-extended by hand: the board has no
int.from_bytes(signed=True)); octet-strings stay bytes; visible strings become
text; float32/64 are the only floats, and only because the meter sent a float.
"""


NULL = 0
ARRAY = 1
STRUCTURE = 2
BOOLEAN = 3
BIT_STRING = 4
INT32 = 5
UINT32 = 6
OCTET_STRING = 9
VISIBLE_STRING = 10
UTF8_STRING = 12
BCD = 13
INT8 = 15
INT16 = 16
UINT8 = 17
UINT16 = 18
COMPACT_ARRAY = 19
INT64 = 20
UINT64 = 21
ENUM = 22
FLOAT32 = 23
FLOAT64 = 24
DATE_TIME = 25
DATE = 26
TIME = 27

# tag -> (byte size, signed) for the fixed-size integer-like types (their names, with every
# other type's, are in axdrmore.NAMES: only JSON and unmapped values need them).
FIXED = {
    BOOLEAN: (1, False),
    INT32: (4, True),
    UINT32: (4, False),
    BCD: (1, False),
    INT8: (1, True),
    INT16: (2, True),
    UINT8: (1, False),
    UINT16: (2, False),
    INT64: (8, True),
    UINT64: (8, False),
    ENUM: (1, False),
}

INTEGER_TAGS = (INT32, UINT32, INT8, INT16, UINT8, UINT16, INT64, UINT64, ENUM, BCD)

MAX_DEPTH = 12

_SMALL = {}      # (tag << 8 | byte) -> the node of a one-byte value, shared (see _node)
_SMALL_MAX = 64  # a meter uses a handful; values that keep changing are not remembered
_SU = {}         # (scaler << 8 | unit) -> the node of that scaler-unit structure, shared
_SU_MAX = 32
_SIX = {}        # a small-int digest of 6 bytes -> the node of that 6-byte octet-string
_SIX_MAX = 96    # the OBIS codes of a push list (pushed every time); then no more are kept


class AxdrError(ValueError):
    """Malformed A-XDR data."""


class Truncated(AxdrError):
    """The data ends before the value does (more bytes may complete it)."""


def uint(buf, pos, size):
    v = 0
    for i in range(pos, pos + size):
        v = (v << 8) | buf[i]
    return v


def sint(buf, pos, size):
    v = uint(buf, pos, size)
    top = 1 << (8 * size - 1)
    return v - (top << 1) if v & top else v


def length(buf, pos, end=None):
    """An A-XDR length (short form, or 0x81..0x84 + that many bytes) -> (value, next pos).

    end: where the valid bytes stop (default len(buf))."""
    if end is None:
        end = len(buf)
    if pos >= end:
        raise Truncated("length missing")
    n = buf[pos]
    if n < 0x80:
        return n, pos + 1
    n &= 0x7F
    if n == 0 or n > 4:
        raise AxdrError("bad length form 0x%02x" % buf[pos])
    if pos + 1 + n > end:
        raise Truncated("length bytes missing")
    return uint(buf, pos + 1, n), pos + 1 + n


def text(b):
    """Bytes a meter calls a string -> str, without failing on odd bytes."""
    try:
        return bytes(b).decode("utf-8")
    except (UnicodeError, ValueError):
        return "".join(chr(c) if 32 <= c < 127 else "?" for c in b)


def decode(buf, pos=0, depth=0):
    """Decode one tagged value at pos -> ((tag, value), next pos)."""
    at = [pos]
    node = _node(buf, at, depth)
    return node, at[0]


def _node(buf, at, depth):
    # decode() without a (node, pos) tuple per value: the position travels in at[0].
    pos = at[0]
    end = len(buf)
    if pos >= end:
        raise Truncated("value missing")
    if depth > MAX_DEPTH:
        raise AxdrError("nesting deeper than %d" % MAX_DEPTH)
    tag = buf[pos]
    pos += 1
    f = FIXED.get(tag)
    if f is not None:
        size = f[0]
        if pos + size > end:
            raise Truncated("value needs %d bytes, %d left" % (size, end - pos))
        at[0] = pos + size
        if size == 1:
            # one-byte values (scalers, units, enums, flags) repeat in every push: one shared
            # node each (a node is a tuple, never changed), so they cost no heap per message
            k = (tag << 8) | buf[pos]
            node = _SMALL.get(k)
            if node is None:
                v = buf[pos]
                if tag == BOOLEAN:
                    v = v != 0
                elif f[1] and v & 0x80:
                    v -= 0x100
                node = (tag, v)
                if len(_SMALL) < _SMALL_MAX:
                    _SMALL[k] = node
            return node
        if size == 2:
            v = (buf[pos] << 8) | buf[pos + 1]
        else:
            v = uint(buf, pos, size)
        if f[1]:
            top = 1 << (8 * size - 1)
            if v & top:
                v -= top << 1
        return tag, v
    if tag == ARRAY or tag == STRUCTURE:
        n = buf[pos] if pos < end else 0x80  # (the short form without a call)
        if n < 0x80:
            pos += 1
        else:
            n, pos = length(buf, pos)
        if n > end - pos:
            # every element takes at least one byte: refuse before allocating
            raise Truncated("%d elements cannot fit in %d bytes" % (n, end - pos))
        su = -1
        if n == 2 and tag == STRUCTURE and pos + 4 <= end and buf[pos] == INT8 and buf[pos + 2] == ENUM:
            # a scaler-unit (int8 scaler, enum unit) follows nearly every register, the same
            # few each push: one shared node each, as for one-byte values
            su = (buf[pos + 1] << 8) | buf[pos + 3]
            node = _SU.get(su)
            if node is not None:
                at[0] = pos + 4
                return node
        at[0] = pos
        depth += 1
        if n <= 4:  # (a new list holds four)
            items = []
            for _ in range(n):
                items.append(_node(buf, at, depth))
        else:  # sized once (appending would grow it step by step)
            items = [None] * n
            for i in range(n):
                items[i] = _node(buf, at, depth)
        if su >= 0 and len(_SU) < _SU_MAX:
            node = _SU[su] = (tag, items)
            return node
        return tag, items
    if tag == OCTET_STRING or tag == VISIBLE_STRING or tag == UTF8_STRING:
        n = buf[pos] if pos < end else 0x80
        if n < 0x80:
            pos += 1
        else:
            n, pos = length(buf, pos)
        if pos + n > end:
            raise Truncated("value needs %d bytes, %d left" % (n, end - pos))
        at[0] = pos + n
        if n == 6 and tag == OCTET_STRING:
            return _six(buf, pos)
        raw = bytes(buf[pos:pos + n])
        return tag, raw if tag == OCTET_STRING else text(raw)
    if tag == NULL:
        at[0] = pos
        return NULL, None
    from .axdrmore import rare  # date-time, date, time, floats, bit-strings, compact arrays
    return rare(tag, buf, pos, at, depth)


# The rarer types (date-time, date, time, floats, bit-strings, compact arrays: rare()),
# skipping a value unread (skip), a node as JSON (plain, write_plain) and the type names
# (type_name) live in axdrmore.py, loaded on first use: most meters never send the first,
# and only the others' callers need the rest.
def _six(buf, pos):
    # A 6-byte octet-string is an OBIS code nearly always, the same ones every push: one
    # shared node per code (checked byte by byte), so a message makes no bytes for its codes.
    b0, b1, b2, b3, b4, b5 = buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3], buf[pos + 4], buf[pos + 5]
    k = (b0 << 22) ^ (b1 << 18) ^ (b2 << 12) ^ (b3 << 6) ^ b4 ^ (b5 << 9)
    node = _SIX.get(k)
    if node is not None:
        v = node[1]
        if v[0] == b0 and v[1] == b1 and v[2] == b2 and v[3] == b3 and v[4] == b4 and v[5] == b5:
            return node
        return OCTET_STRING, bytes(buf[pos:pos + 6])  # another code with the same digest
    node = (OCTET_STRING, bytes(buf[pos:pos + 6]))
    if len(_SIX) < _SIX_MAX:
        _SIX[k] = node
    return node
