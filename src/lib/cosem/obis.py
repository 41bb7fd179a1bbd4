"""OBIS codes: the key text, human names (obisnames.py), and DLMS unit symbols (units.py);
reading a key from text is textnum.parse_key.

A key is 'A-B:C.D.E', with '*F' appended only when F is not 255 (the form DSMR
telegrams print and home-automation servers match on).
"""

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
