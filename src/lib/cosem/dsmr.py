"""DSMR P1 telegrams (and the IEC 62056-21 mode D text they grew from) to a Message.

One call takes one whole telegram, '/' to the end of the '!' line:

    /ISK5\\2M550T-1012            identification
                                 (blank line)
    1-0:1.8.1(002130.115*kWh)    OBIS(value*unit)(...)
    (00001.001)                  continuation of the line above (DSMR 2.2/3 gas)
    !56DD                        end; CRC-16/ARC of '/'..'!' as 4 (or 3) hex digits, or none

The Polish hybrid (identification, blank line, then a GCM block with no 0xDB tag,
then '!' + CRC) is recognised here and decoded by dsmrgcm.py. Lines are cut out of
the bytes by index; only the pieces that become values are decoded to text.
"""

from .crc import crc16_arc
from .message import Failure, Message, Reading
from .number import Dec
from .textnum import parse_decimal, parse_key
from .dsmr_spec import CLOCK, EVENT_LOG, HISTORY, ID_KEYS, KINDS, PROFILE, TEXT, VERSION_KEYS

_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_SEPARATORS = b"-:.."
# Units as meters print them, so the common ones cost no new string per line.
_UNITS = tuple((u.encode(), u) for u in ("kWh", "kW", "V", "A", "kvarh", "kvar", "kVArh", "kVAr",
                                          "Wh", "W", "varh", "var", "m3", "GJ", "Hz", "s"))
# The same by (length << 8 | first byte), so a unit costs one look-up and no new bytes.
_UNITS_AT = {}  # type: dict
for _u in _UNITS:
    _UNITS_AT.setdefault((len(_u[0]) << 8) | _u[0][0], []).append(_u)
# Slices and int() of bytes cost next to nothing on CPython; on MicroPython and CircuitPython
# each slice is a heap block, so there numbers are read a byte at a time (no garbage). CPython
# is told apart by bytes.isascii, which the board VMs lack (probed once, as crc.py does).
_SLICING = hasattr(b"", "isascii")
# KINDS by 'C.D.E': [('A-', kind), ...], built once.
_BY_CDE = {}  # type: dict
for _k in KINDS:
    _BY_CDE.setdefault(_k[_k.find(":") + 1:], []).append((_k[:_k.find(":")] + "-", KINDS[_k]))


def _lookup(raw):
    obis = _obis(raw, 0, len(raw))
    if obis is None:
        return None, None
    return obis, _kind(obis)


# The same found without a slice, for the boards (a slice per line is a heap block there):
# (length, three of the last five bytes) -> a row, or a list of rows when codes share that
# look-up key. A row is (code bytes, OBIS key, kind), taken when its bytes start at the line;
# where bytes.startswith takes a str (MicroPython, CircuitPython) a code sent exactly as its
# key, of no special kind, is kept as the key alone, compared as it stands.
_AT = {}  # type: dict
_CODES_MAX = 96  # more codes than any meter sends; past it a cache starts afresh
_K = [None]  # the kind of the code _code_at() last returned (no pair made per line)
try:
    _STR_ROWS = b"1-0".startswith("1-")
except TypeError:  # CPython
    _STR_ROWS = False


def _row_key(row, data, pos, n):
    if type(row) is str:
        if len(row) == n and data.startswith(row, pos):
            _K[0] = None
            return row
        return None
    raw = row[0]
    if len(raw) == n and data.startswith(raw, pos):
        _K[0] = row[2]
        return row[1]
    return None


def _code_at(data, pos, p):
    """The OBIS key of the code data[pos:p] (None if it is not one); its kind in _K[0]."""
    n = p - pos
    h = ((n if n < 64 else 63) << 24) | (data[p - 1] << 16) | (data[p - 3] << 8) | data[p - 5] if n >= 5 else n
    e = _AT.get(h)
    if e is not None:
        if type(e) is list:
            for row in e:
                obis = _row_key(row, data, pos, n)
                if obis is not None:
                    return obis
        else:
            obis = _row_key(e, data, pos, n)
            if obis is not None:
                return obis
    raw = data[pos:p]
    obis, kind = _lookup(raw)
    _K[0] = kind
    if obis is not None:
        if len(_AT) >= _CODES_MAX:
            _AT.clear()
            e = None
        row = obis if _STR_ROWS and kind is None and len(obis) == n and obis.encode() == raw else (raw, obis, kind)
        if e is None:
            _AT[h] = row
        elif type(e) is list:
            e.append(row)
        else:
            _AT[h] = [e, row]
    return obis


class _Bad(Exception):
    """A malformed line; becomes Failure('dsmr', 'dsmr', text) at the boundary."""


def parse(data, key=None, check_crc=True):
    """One telegram (bytes) -> Message, or Failure with reason crc/dsmr/truncated/no-key/...

    key: the 16-byte AES key for the Polish encrypted hybrid (unused otherwise).
    check_crc=False decodes a telegram whose CRC is wrong (for diagnosis only).
    """
    start = data.find(b"/")
    if start < 0:
        return Failure("dsmr", "dsmr", "no '/' identification line", data)
    eol = data.find(b"\n", start)
    if eol < 0:
        return Failure("dsmr", "truncated", "telegram ends inside the identification line", data)
    e = eol
    while e > start and data[e - 1] == 13:  # (as rstrip('\r'), without a second string)
        e -= 1
    ident = _text(data[start:e])
    body = _blank_line_end(data, eol + 1)
    if body < len(data) and _binary(data[body]):
        from .dsmrgcm import parse_hybrid  # (only Polish meters send it: loaded when met)
        return parse_hybrid(data, start, body, ident, key, check_crc)
    bang = data.find(b"\n!", eol)
    if bang < 0:
        return Failure("dsmr", "truncated", "no '!' end line", data)
    bang += 1
    end = _end_line(data, bang)
    if isinstance(end, Failure):
        return end
    if check_crc and end:
        computed = crc16_arc(data, start, bang + 1)
        bad = _crc_failure(data, end, computed)
        if bad:
            return bad
    return _message(data, ident, eol + 1, bang)


def _message(data, ident, pos, stop, msg=None):
    # The lines between the identification and the '!' as Readings.
    if msg is None:
        msg = Message("dsmr")
    msg.raw = data if isinstance(data, bytes) else bytes(data)
    msg.meter["identification"] = ident
    try:
        _lines(msg, data, pos, stop)
    except _Bad as e:
        return Failure("dsmr", "dsmr", e.args[0], data)
    for k in ID_KEYS:
        v = msg.value(k)
        if v:
            msg.meter["id"] = _hex_text(v)
            break
    for k in VERSION_KEYS:
        v = msg.value(k)
        if v:
            msg.meter["dsmr_version"] = v
            break
    return msg


def _lines(msg, data, pos, stop):
    # Values stay spans of data ([start, end, start, end, ...]) until a line is complete:
    # a plain register is read straight from the bytes; only odd lines become strings.
    # (The common line, one code and one value, is handled here without further calls.)
    if not isinstance(data, bytes):
        data = bytes(data)  # code fields are looked up by their bytes
    obis = None   # the line waiting for possible continuation lines
    kind = None
    sa = -1       # its value when it is one plain '(value)': data[sa:sb] ...
    sb = 0
    spans = []    # ... else its values as spans  # type: list
    asc = _ascii(data)
    codes = _CODES
    slicing = _SLICING
    rs = msg.readings
    idx = msg.index()  # a new code is appended here directly, as msg.add would
    while pos < stop:
        nl = data.find(b"\n", pos, stop)
        if nl < 0:
            nxt = e = stop
        else:
            nxt = nl + 1
            e = nl
            if e > pos and data[e - 1] == 13:
                e -= 1
        while e > pos and data[e - 1] in (13, 32, 9):
            e -= 1
        if e > pos:
            if data[pos] == 40:  # '(' continues the line above
                if obis is None:
                    raise _Bad("continuation line with nothing to continue: %r" % _text(data[pos:e]))
                if sa >= 0:
                    spans.append(sa)
                    spans.append(sb)
                    sa = -1
                _spans(data, pos, e, spans, kind == TEXT)
            else:
                if obis is not None:
                    if sa >= 0:
                        v = _num(data, sa, sb)
                        u = _U[0]
                        if obis in idx:
                            msg.add(obis, v, u)
                        else:
                            idx[obis] = len(rs)
                            rs.append(Reading(obis, v, u))
                        sa = -1
                    else:
                        _add(msg, data, obis, kind, spans, asc)
                        spans.clear()
                p = data.find(b"(", pos, e)
                if p <= pos:
                    raise _Bad("not an OBIS line: %r" % _text(data[pos:e]))
                if slicing:
                    raw = data[pos:p]
                    hit = codes.get(raw)
                    if hit is None:
                        hit = _code(raw)
                    obis, kind = hit
                else:
                    obis = _code_at(data, pos, p)
                    kind = _K[0]
                if obis is None:
                    raise _Bad("not an OBIS line: %r" % _text(data[pos:e]))
                if kind is None and data[e - 1] == 41 and data.find(b")", p + 1, e) == e - 1:
                    sa = p + 1  # '(value)': the one span, as _spans would give it
                    sb = e - 1
                else:
                    _spans(data, p, e, spans, kind == TEXT)
        pos = nxt
    if obis is not None:
        if sa >= 0:
            spans.append(sa)
            spans.append(sb)
        _add(msg, data, obis, kind, spans, asc)


def _spans(data, p, e, out, whole):
    # '(a)(b*u)' from p to e -> out += [start, end] of each value. Text lines keep
    # everything between the first '(' and the last ')', parentheses inside included.
    if data[e - 1] != 41:
        raise _Bad("line does not end with ')': %r" % _text(data[p:e]))
    if whole:
        out.append(p + 1)
        out.append(e - 1)
        return
    while p < e:
        if data[p] != 40:
            raise _Bad("junk between values: %r" % _text(data[p:e]))
        q = data.find(b")", p + 1, e)
        out.append(p + 1)
        out.append(q)
        p = q + 1


def _obis(data, i, end):
    """The OBIS key of data[i:end]. 'A-B:C.D.E' as most meters send it is taken as
    it stands (one string); anything else ('*255', '.255', leading zeros) goes
    through textnum.parse_key, which normalises or refuses it."""
    sep = 0
    digits = 0
    value = 0
    for j in range(i, end):
        c = data[j]
        if 48 <= c <= 57:
            if digits and value == 0:
                break  # leading zero: not the plain form
            value = value * 10 + c - 48
            digits += 1
        elif sep < 4 and c == _SEPARATORS[sep] and digits:
            sep += 1
            digits = value = 0
        else:
            break
        if value > 255:
            break
    else:
        if sep == 4 and digits:
            return _text(data[i:end])
    return parse_key(_text(data[i:end]))


def _kind(obis):
    # KINDS row of a key, whatever its channel B: looked up by 'C.D.E', then A checked.
    rows = _BY_CDE.get(obis[obis.find(":") + 1:])
    if rows:
        for prefix, kind in rows:
            if obis.startswith(prefix):
                return kind
    return None


def _ascii(data):
    # True when no byte is above 127. Where bytes has no isascii (MicroPython, CircuitPython),
    # str.isdigit knows only ASCII digits, so reading the bytes as ASCII gives the same answers.
    f = getattr(data, "isascii", None)
    return True if f is None else f()


def _text_at(data, spans, i):
    a = spans[i]
    b = spans[i + 1]
    return _text(data[a:b]) if b > a else ""  # '()' makes no empty bytes on the way


def _add(msg, data, obis, kind, spans, asc=False):
    # Values are read from their spans: numbers and times straight from the bytes (the same
    # answers as _value() and dsmrmore.stamp() of their text), text made only where it is kept.
    if kind is None and len(spans) == 2:  # the common case: one number (or text) and its unit
        v = _num(data, spans[0], spans[1])
        u = _U[0]
        msg.add(obis, v, u)
        return
    if kind == TEXT:
        if len(spans) == 2:
            msg.add(obis, _text_at(data, spans, 0))
        else:
            msg.add(obis, "".join([_text_at(data, spans, i) for i in range(0, len(spans), 2)]))
        return
    if kind == CLOCK and len(spans) == 2:
        when = _stamp_at(data, spans[0], spans[1], asc)
        if when:
            msg.add(obis, when, None, _dst_extra(_D[0]))
            if obis == "0-0:1.0.0":
                msg.timestamp = when
            return
    if kind is not None and _more(msg, obis, kind, data, spans, asc):
        return
    _generic(msg, obis, data, spans, asc)


def _more(msg, obis, kind, data, spans, asc):
    # The power-failure log, e-MUCS history and DSMR 2.2/3 gas profile, read by dsmrmore.py
    # (loaded on first use). Lines that cannot be one (a log or history names an OBIS code
    # second, 'A-B:...'; a profile has seven values or more) never load it.
    n = len(spans)
    if kind == PROFILE:
        if n < 14:
            return False
    elif kind == EVENT_LOG or kind == HISTORY:
        if n < 4:
            return False
        a = spans[2]
        dash = data.find(b"-", a, spans[3])
        if dash <= a or data.find(b":", a, spans[3]) < dash:
            return False
    else:
        return False
    from . import dsmrmore
    return dsmrmore.read(msg, obis, kind, data, spans, asc)


def _number_slow(data, a, b):
    # The reference reading of data[a:b], a byte at a time with no text made on the way.
    v = _num_slow(data, a, b)
    return v, _U[0]


# The unit of the last _num() / _num_slow(): a (value, unit) pair returned per reading is a
# heap block on the boards, so the decoder's own loops take the value and read the unit here.
_U = [None]
_ZEROS = tuple([Dec(0, -k) for k in range(7)])


def _num(data, a, b):
    """_number(data, a, b)[0], its unit left in _U[0]."""
    if _SLICING:
        v, _U[0] = _number(data, a, b)
        return v
    return _num_slow(data, a, b)


def _num_slow(data, a, b):
    i = a
    c = data[i] if i < b else 0
    neg = c == 45  # '-'
    if neg or c == 43:  # '+'
        i += 1
    m = 0
    first = i
    while i < b:  # whole part
        c = data[i]
        if c < 48 or c > 57:
            break
        m = m * 10 + c - 48
        i += 1
    n = i - first
    frac = 0
    if i < b and data[i] == 46:  # '.' and the fraction
        i += 1
        first = i
        while i < b:
            c = data[i]
            if c < 48 or c > 57:
                break
            m = m * 10 + c - 48
            i += 1
        frac = i - first
        n += frac
    if n == 0 or (i < b and data[i] != 42):  # no digits, or not followed by '*unit'
        v, _U[0] = _value(_text(data[a:b]))
        return v
    if neg:
        m = -m
    _U[0] = _unit(data, i + 1, b) if i < b else None
    if not frac:
        return m
    if m == 0 and frac < 7:
        return _ZEROS[frac]  # registers at zero are common: one shared value each (Dec is never changed)
    return Dec(m, -frac)


def _unit(data, a, b):
    if a >= b:
        return None
    rows = _UNITS_AT.get(((b - a) << 8) | data[a])
    if rows is not None:
        for raw, text in rows:
            if data.startswith(raw, a):
                return text
    return _text(data[a:b])


def _generic(msg, obis, data, spans, asc):
    n = len(spans)
    if n == 2:
        v = _num(data, spans[0], spans[1])
        u = _U[0]
        msg.add(obis, v, u)
        return
    if n == 4:
        when = _stamp_at(data, spans[0], spans[1], asc)
        if when is not False and _D[0] is not None:
            # gas/water/heat 24.2.1, 24.2.3, capacity peak 1.6.0: (when)(value*unit)
            v = _num(data, spans[2], spans[3])
            u = _U[0]
            extra = _dst_extra(_D[0])
            extra["timestamp"] = when
            msg.add(obis, v, u, extra)
            return
    items = [None] * (n >> 1)  # one block of the final size (a growing list leaves its smaller copies)
    for i in range(0, n, 2):
        items[i >> 1] = _item_at(data, spans[i], spans[i + 1], asc)
    msg.add(obis, items)


def _item_at(data, a, b, asc):
    # One value of a line nobody has described: a time, or a number with its unit.
    when = _stamp_at(data, a, b, asc)
    if when is not False and _D[0] is not None:
        return {"timestamp": when, "dst": _D[0]}
    v = _num(data, a, b)
    u = _U[0]
    return {"value": v} if u is None else {"value": v, "unit": u}


def _value(t):
    # '002130.115*kWh' -> (Dec, 'kWh'); '0001' -> 1; text that is not a number stays text.
    star = t.find("*")
    num = t if star < 0 else t[:star]
    v = parse_decimal(num)
    if v is None:
        return t, None
    return v, (t[star + 1:] or None) if star >= 0 else None


def _stamp_at(data, a, b, asc):
    """dsmrmore.stamp() of the text of data[a:b], read from the bytes when they are ASCII:
    False when it is not shaped like a DSMR time, else the ISO text (None for an impossible
    date), its 'summer'/'winter' (or None) left in _D[0] (no pair made per time)."""
    if not asc:
        from .dsmrmore import stamp
        return stamp(_text(data[a:b]))
    n = b - a
    dst = None
    if n == 13:
        c = data[a + 12]
        dst = "summer" if c == 83 else ("winter" if c == 87 else None)  # 'S', 'W' (as _DST)
        if dst is None:
            return False
    elif n != 12:
        return False
    for i in range(a, a + 12):
        c = data[i]
        if c < 48 or c > 57:
            return False
    d = data
    return _when(d[a] * 10 + d[a + 1] - 528, d[a + 2] * 10 + d[a + 3] - 528, d[a + 4] * 10 + d[a + 5] - 528,
                 d[a + 6] * 10 + d[a + 7] - 528, d[a + 8] * 10 + d[a + 9] - 528, d[a + 10] * 10 + d[a + 11] - 528,
                 dst)  # (528 = 48 * 11: two ASCII digits to their value)


_D = [None]  # the dst of the time _when() last read


def _when(yy, mo, dd, hh, mi, ss, dst):
    _D[0] = dst
    year = 1900 + yy if yy >= 70 else 2000 + yy  # 70..99: only the 1970 'no value' epoch
    if not (1 <= mo <= 12 and 1 <= dd <= _DAYS[mo - 1] and hh < 24 and mi < 60 and ss < 60):
        return None
    if mo == 2 and dd == 29 and (year % 4 or (year % 100 == 0 and year % 400)):
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02d" % (year, mo, dd, hh, mi, ss)


def _dst_extra(dst):
    return {"dst": dst} if dst is not None else {}


def _hex_text(v):
    # '4B384547303034303436333935353037' -> 'K8EG004046395507' when it is hex of printable text.
    n = len(v)
    if n == 0 or n % 2:
        return v
    for ch in v:
        if not ("0" <= ch <= "9" or "A" <= ch <= "F" or "a" <= ch <= "f"):
            return v
    b = bytes.fromhex(v)
    for c in b:
        if c < 32 or c > 126:
            return v
    return b.decode()


def _text(b):
    # DSMR is ASCII; bytes that are not UTF-8 become the characters of the same number,
    # so nothing a meter (or an attacker) sends makes decoding raise.
    try:
        return b.decode()
    except UnicodeError:
        return "".join([chr(c) for c in b])


def _binary(c):
    return c < 32 and c not in (9, 10, 13) or c > 126


def _blank_line_end(data, i):
    if data.startswith(b"\r\n", i):
        return i + 2
    if data.startswith(b"\n", i):
        return i + 1
    return len(data)  # no blank line: not the hybrid


def _end_line(data, bang):
    """The CRC digits after '!' -> their text ('' when none), or a Failure."""
    n = len(data)
    i = bang + 1
    while i < n and i - bang <= 4 and _is_hex(data[i]):
        i += 1
    digits = _text(data[bang + 1:i])
    if (i < n and data[i] not in (10, 13)) or len(digits) in (1, 2):
        return Failure("dsmr", "dsmr", "malformed end line %r" % _text(data[bang:min(n, bang + 8)]), data)
    return digits


def _crc_failure(data, sent, computed, other=None):
    if int(sent, 16) == computed or (other is not None and int(sent, 16) == other):
        return None
    return Failure("dsmr", "crc", "CRC mismatch: telegram says %s, computed %04X" % (sent.upper(), computed), data)


def _is_hex(c):
    # Upper case only, as meters send it: then no change to a CRC digit goes unseen.
    return 48 <= c <= 57 or 65 <= c <= 70


# Where slicing is cheap (CPython) codes and numbers take the roads of dsmrfast.py, whose
# code a board never loads (as crc.py does with crcfast.py). Imported last: it reads this module.
_CODES = None  # the code cache of that road
if _SLICING:
    from .dsmrfast import _CODES, _code, _number  # noqa: E402
