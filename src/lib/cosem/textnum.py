"""Numbers and OBIS codes written as text (DSMR telegrams, settings): exact decimals and
normalised keys. Kept apart from number.py and obis.py, which binary meters load without
ever reading either from text.
"""

from .number import Dec
from .obis import key


def is_digits(s):
    """True when s is one or more ASCII digits ('²' and '٣' are digits to str.isdigit on
    CPython but not numbers int() reads the same way everywhere)."""
    if not s:
        return False
    for ch in s:
        if ch < "0" or ch > "9":
            return False
    return True


def parse_decimal(text):
    """DSMR number text ('002130.115', '-1.5', '00005') as int or Dec; None if not a number."""
    if not text:
        return None
    neg = text[0] == "-"
    body = text[1:] if neg or text[0] == "+" else text
    point = body.find(".")
    if point < 0:
        whole, frac = body, ""
    else:
        whole, frac = body[:point], body[point + 1:]
    digits = whole + frac
    if not is_digits(digits):
        return None
    m = int(digits)
    if neg:
        m = -m
    if not frac:
        return m
    return Dec(m, -len(frac))


def parse_key(text):
    """'1-0:1.8.0' or '1-0:1.8.0*255' or '1-0:1.8.0.255' -> normalised key, or None."""
    dash = text.find("-")
    colon = text.find(":")
    if dash < 1 or colon < dash:
        return None
    rest = text[colon + 1:]
    f = 255
    star = rest.find("*")
    if star >= 0:
        tail = rest[star + 1:]
        rest = rest[:star]
        if not is_digits(tail):
            return None
        f = int(tail)
    parts = rest.split(".")
    if len(parts) == 4:
        f = int(parts[3]) if is_digits(parts[3]) else -1
        parts = parts[:3]
    a, b = text[:dash], text[dash + 1:colon]
    fields = [a, b] + parts
    if len(parts) != 3 or not all(is_digits(p) for p in fields) or not 0 <= f <= 255:
        return None
    nums = [int(p) for p in fields]
    if max(nums) > 255:
        return None
    return key(bytes(nums + [f]))
