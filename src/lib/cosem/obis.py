"""OBIS codes: the key text, human names (obisnames.py), and DLMS unit symbols (units.py).

A key is 'A-B:C.D.E', with '*F' appended only when F is not 255 (the form DSMR
telegrams print and home-automation servers match on).
"""

from .number import is_digits

_units = None  # units.py: the unit table, loaded by the first unit code a frame carries


def _load_units():
    global _units
    from . import units as _units
    return _units


def unit_symbol(code):
    """A DLMS unit code -> its symbol (None for 'no unit'; 'unit-N' when unknown)."""
    return (_units or _load_units()).symbol(code)


def key(b):
    """Six OBIS bytes -> 'A-B:C.D.E' (+ '*F' when F != 255)."""
    s = "%d-%d:%d.%d.%d" % (b[0], b[1], b[2], b[3], b[4])
    if b[5] != 255:
        s += "*%d" % b[5]
    return s


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


def name_of(obis_key):
    """A human name for a key, or None when the code is not in the table. The table names
    current values: a key with '*F' (F != 255: a billing period's value, a stored one) gets
    none, rather than the current register's name."""
    dash = obis_key.find("-")
    colon = obis_key.find(":")
    if dash < 0 or colon < 0:
        return None
    short = obis_key[:dash] + obis_key[colon:]
    star = short.find("*")
    if star >= 0:
        if short[star + 1:] != "255":
            return None
        short = short[:star]
    from .obisnames import NAMES  # the table is loaded only when a name is first asked for
    return NAMES.get(short)
