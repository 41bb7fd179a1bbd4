"""The CPython road of dsmr.py (imported only where a slice costs next to nothing: never on
a board): a line's code found by its bytes in a cache, and the usual number read with find,
isdigit and int() of bytes, which run in C. Same answers as the byte-at-a-time roads."""

from .dsmr import _CODES_MAX, _UNITS, _lookup, _number_slow, _text
from .number import Dec

_FAST_DIGITS = 32  # longer values are read a byte at a time (no int() of a huge text)
_UNIT_TEXT = dict(_UNITS)  # unit bytes -> text, for _unit_text

# The code field of each line as sent (bytes) -> (OBIS key, KINDS row). A meter sends the same
# codes every telegram: after the first, a line's key costs one slice and one lookup.
_CODES = {}  # type: dict


def _code(raw):
    hit = _CODES.get(raw)
    if hit is None:
        hit = _lookup(raw)
        if hit[0] is None:
            return hit  # not remembered: junk should not fill the cache
        if len(_CODES) >= _CODES_MAX:
            _CODES.clear()
        _CODES[raw] = hit
    return hit


def _number(data, a, b):
    """data[a:b] like '002130.115*kWh' -> (Dec(2130115, -3), 'kWh'); the same answer as
    _number_slow (and _value(text)) for anything else.

    Where slicing is cheap (CPython) the usual shape, digits[.digits][*unit], is read with
    find, isdigit and int() of bytes (ASCII-only), which run in C; anything else (a sign,
    an empty part, a very long number), and everything on the boards, goes a byte at a time."""
    if b - a <= _FAST_DIGITS:
        num, _, unit = data[a:b].partition(b"*")
        dot = num.find(b".")
        if dot < 0:
            if num.isdigit():
                return int(num), _unit_text(unit)
        elif 0 < dot < len(num) - 1:
            m = num.replace(b".", b"", 1)
            if m.isdigit():  # (a second '.' is still in m)
                return Dec(int(m), dot + 1 - len(num)), _unit_text(unit)
    return _number_slow(data, a, b)


def _unit_text(raw):
    # _unit() of bytes already cut out, for where a slice costs next to nothing.
    if not raw:
        return None
    text = _UNIT_TEXT.get(raw)
    return _text(raw) if text is None else text
