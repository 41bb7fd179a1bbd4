"""OBIS codes: the key text, human names, and DLMS unit symbols — all tables.

A key is 'A-B:C.D.E', with '*F' appended only when F is not 255 (the form DSMR
telegrams print and home-automation servers match on).
"""

from .number import is_digits

# IEC 62056-6-2 unit enumeration -> symbol. Codes not listed are shown as 'unit-N'.
UNITS = {
    1: "a", 2: "mo", 3: "wk", 4: "d", 5: "h", 6: "min", 7: "s", 8: "°", 9: "°C",
    10: "currency", 11: "m", 12: "m/s", 13: "m3", 14: "m3", 15: "m3/h", 16: "m3/h",
    17: "m3/d", 18: "m3/d", 19: "l", 20: "kg", 21: "N", 22: "Nm", 23: "Pa", 24: "bar",
    25: "J", 26: "J/h", 27: "W", 28: "VA", 29: "var", 30: "Wh", 31: "VAh", 32: "varh",
    33: "A", 34: "C", 35: "V", 36: "V/m", 37: "F", 38: "Ω", 39: "Ωm2/m", 40: "Wb",
    41: "T", 42: "A/m", 43: "H", 44: "Hz", 45: "1/(Wh)", 46: "1/(varh)", 47: "1/(VAh)",
    48: "V2h", 49: "A2h", 50: "kg/s", 51: "S", 52: "K", 53: "1/(V2h)", 54: "1/(A2h)",
    55: "1/m3", 56: "%", 57: "Ah", 60: "Wh/m3", 61: "J/m3", 62: "Mol %", 63: "g/m3",
    64: "Pa s", 65: "J/kg", 66: "g/cm2", 67: "atm", 70: "dBm", 71: "dBµV", 72: "dB",
}
NO_UNIT = (0, 254, 255)  # 255 'count', 254 'other', 0 not a unit


def unit_symbol(code):
    if code in NO_UNIT:
        return None
    return UNITS.get(code) or "unit-%d" % code


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
    """A human name for a key, or None when the code is not in the table."""
    dash = obis_key.find("-")
    colon = obis_key.find(":")
    if dash < 0 or colon < 0:
        return None
    short = obis_key[:dash] + obis_key[colon:]
    star = short.find("*")
    if star >= 0:
        short = short[:star]
    from .obisnames import NAMES  # the table is loaded only when a name is first asked for
    return NAMES.get(short)
