"""The A-XDR parts most messages never need (loaded on first use): the rarer types (date-time,
date, time, floats, bit-strings), compact arrays (DLMS Green Book 'compact-array'), stepping
over a value without decoding it, a node as JSON and the type names."""

import struct

from .axdr import (ARRAY, BCD, BIT_STRING, BOOLEAN, COMPACT_ARRAY, DATE, DATE_TIME, ENUM, FIXED, FLOAT32,
                   FLOAT64, INT8, INT16, INT32, INT64, MAX_DEPTH, NULL, OCTET_STRING, STRUCTURE,
                   TIME, UINT8, UINT16, UINT32, UINT64, UTF8_STRING, VISIBLE_STRING, AxdrError, Truncated,
                   decode, length, sint, uint)

# Fixed-size octet types carried without a length byte.
SIZED = {FLOAT32: 4, FLOAT64: 8, DATE_TIME: 12, DATE: 5, TIME: 4}

NAMES = {
    NULL: "null", ARRAY: "array", STRUCTURE: "structure", BIT_STRING: "bit-string",
    OCTET_STRING: "octet-string", VISIBLE_STRING: "visible-string", UTF8_STRING: "utf8-string",
    COMPACT_ARRAY: "compact-array", FLOAT32: "float32", FLOAT64: "float64",
    DATE_TIME: "date-time", DATE: "date", TIME: "time", BOOLEAN: "boolean", INT32: "int32",
    UINT32: "uint32", BCD: "bcd", INT8: "int8", INT16: "int16", UINT8: "uint8", UINT16: "uint16",
    INT64: "int64", UINT64: "uint64", ENUM: "enum",
}


def _need(buf, pos, n):
    if pos + n > len(buf):
        raise Truncated("value needs %d bytes, %d left" % (n, len(buf) - pos))


def _sized(tag, buf, pos):
    size = SIZED[tag]
    _need(buf, pos, size)
    if tag == FLOAT32:
        return struct.unpack(">f", bytes(buf[pos:pos + 4]))[0], pos + 4
    if tag == FLOAT64:
        return struct.unpack(">d", bytes(buf[pos:pos + 8]))[0], pos + 8
    return bytes(buf[pos:pos + size]), pos + size


def rare(tag, buf, pos, at, depth):
    """axdr._node for the tags it leaves here: the node of the value whose tag byte was
    just read (pos is after it), its end in at[0]."""
    if tag in SIZED:
        v, at[0] = _sized(tag, buf, pos)
        return tag, v
    if tag == BIT_STRING:
        bits, pos = length(buf, pos)
        n = (bits + 7) // 8
        _need(buf, pos, n)
        at[0] = pos + n
        return tag, bytes(buf[pos:pos + n])
    if tag == COMPACT_ARRAY:
        node, at[0] = compact(buf, pos, depth)
        return node
    raise AxdrError("unknown A-XDR tag 0x%02x" % tag)


def type_name(tag):
    return NAMES.get(tag) or "tag-%d" % tag


def _fixed(tag, buf, pos):
    size, signed = FIXED[tag]
    _need(buf, pos, size)
    if tag == BOOLEAN:
        return buf[pos] != 0, pos + 1
    return (sint(buf, pos, size) if signed else uint(buf, pos, size)), pos + size


_write = None  # jsonw.write, loaded when a node is first written as JSON


def _load_write():
    global _write
    from .jsonw import write as _write
    return _write


def skip(buf, pos, end, depth=0):
    """Where the tagged value at pos ends, with decode()'s checks but no values made.

    Only bytes before end count. Raises what decode() would (Truncated, AxdrError)."""
    if pos >= end:
        raise Truncated("value missing")
    if depth > MAX_DEPTH:
        raise AxdrError("nesting deeper than %d" % MAX_DEPTH)
    tag = buf[pos]
    pos += 1
    f = FIXED.get(tag)
    if f is not None:
        size = f[0]
    elif tag == ARRAY or tag == STRUCTURE:
        n, pos = length(buf, pos, end)
        if n > end - pos:
            raise Truncated("%d elements cannot fit in %d bytes" % (n, end - pos))
        for _ in range(n):
            pos = skip(buf, pos, end, depth + 1)
        return pos
    elif tag == OCTET_STRING or tag == VISIBLE_STRING or tag == UTF8_STRING:
        size, pos = length(buf, pos, end)
    elif tag == NULL:
        return pos
    elif tag in SIZED:
        size = SIZED[tag]
    elif tag == BIT_STRING:
        bits, pos = length(buf, pos, end)
        size = (bits + 7) // 8
    elif tag == COMPACT_ARRAY:
        # rare: decode it for real, on exactly the valid bytes
        data = buf if end == len(buf) else buf[:end]
        return compact(data, pos, depth)[1]
    else:
        raise AxdrError("unknown A-XDR tag 0x%02x" % tag)
    if pos + size > end:
        raise Truncated("value needs %d bytes, %d left" % (size, end - pos))
    return pos + size


def _type_description(buf, pos, depth):
    """A TypeDescription -> (description, next pos); description is a tag, or
    (ARRAY, count, element description), or (STRUCTURE, [descriptions])."""
    _need(buf, pos, 1)
    if depth > MAX_DEPTH:
        raise AxdrError("type description too deep")
    tag = buf[pos]
    pos += 1
    if tag == ARRAY:
        _need(buf, pos, 2)
        count = uint(buf, pos, 2)
        d, pos = _type_description(buf, pos + 2, depth + 1)
        return (ARRAY, count, d), pos
    if tag == STRUCTURE:
        n, pos = length(buf, pos)
        if n > len(buf) - pos:
            raise Truncated("structure description too long")
        ds = []
        for _ in range(n):
            d, pos = _type_description(buf, pos, depth + 1)
            ds.append(d)
        return (STRUCTURE, ds), pos
    if tag in FIXED or tag in SIZED or tag in (NULL, OCTET_STRING, VISIBLE_STRING, UTF8_STRING, BIT_STRING):
        return tag, pos
    raise AxdrError("unknown type 0x%02x in compact-array description" % tag)


def _untagged(desc, buf, pos, depth):
    """One value of a compact array, laid out by its description (no tag bytes)."""
    if depth > MAX_DEPTH:
        raise AxdrError("compact value too deep")
    if isinstance(desc, tuple):
        items = []
        if desc[0] == ARRAY:
            if desc[1] > len(buf) - pos + 1:
                raise Truncated("compact array count too large")
            for _ in range(desc[1]):
                node, pos = _untagged(desc[2], buf, pos, depth + 1)
                items.append(node)
            return (ARRAY, items), pos
        for d in desc[1]:
            node, pos = _untagged(d, buf, pos, depth + 1)
            items.append(node)
        return (STRUCTURE, items), pos
    if desc in FIXED:
        v, pos = _fixed(desc, buf, pos)
        return (desc, v), pos
    if desc in SIZED:
        v, pos = _sized(desc, buf, pos)
        return (desc, v), pos
    if desc == NULL:
        return (NULL, None), pos
    # strings: length-prefixed, as when tagged
    node, end = decode(bytes([desc]) + bytes(buf[pos:]), 0, depth)
    return node, pos + end - 1


def compact(buf, pos, depth):
    desc, pos = _type_description(buf, pos, depth)
    n, pos = length(buf, pos)
    _need(buf, pos, n)
    end = pos + n
    part = bytes(buf[pos:end])
    items = []
    p = 0
    guard = 0
    while p < len(part):
        node, q = _untagged(desc, part, p, depth + 1)
        if q == p:
            guard += 1
            if guard > 64:
                raise AxdrError("compact array of empty values")
        p = q
        items.append(node)
    return (COMPACT_ARRAY, items), end


_BYTES = (bytes, bytearray)


def write_plain(node, out):
    """jsonw.write(plain(node), out) without making plain(node): the JSON pieces go straight
    into out (a dict, a sort and a list per node otherwise)."""
    tag, v = node
    out.append('{"type":"')
    out.append(type_name(tag))  # names need no escape
    out.append('","value":')
    if tag == ARRAY or tag == STRUCTURE or tag == COMPACT_ARRAY:
        out.append("[")
        first = True
        for n in v:
            if not first:
                out.append(",")
            first = False
            write_plain(n, out)
        out.append("]")
    elif isinstance(v, _BYTES):
        out.append('"')
        out.append(bytes(v).hex() if v else "")
        out.append('"')
    else:
        (_write or _load_write())(v, out)
    out.append("}")


def plain(node):
    """A node as JSON-friendly data: {'type': name, 'value': ...} with nested lists."""
    tag, v = node
    if tag in (ARRAY, STRUCTURE, COMPACT_ARRAY):
        v = [plain(n) for n in v]
    elif isinstance(v, _BYTES):
        v = bytes(v).hex() if v else ""
    return {"type": type_name(tag), "value": v}
