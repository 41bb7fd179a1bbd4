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


# Names for common codes, keyed 'A:C.D.E' (channel B dropped: Kamstrup uses 1-1:, DSMR gas 0-1:).
NAMES = {
    "0:1.0.0": "Clock",
    "0:42.0.0": "Logical device name",
    "0:96.1.0": "Meter serial number",
    "0:96.1.1": "Equipment identifier",
    "0:96.1.4": "Version information",
    "0:96.1.7": "Meter type",
    "1:0.0.5": "Meter serial number",
    "1:0.0.1": "Meter number",
    "1:96.1.1": "Meter type",
    "1:0.2.0": "Firmware version",
    "1:0.2.8": "Version information",
    "1:0.2.129": "List version identifier",
    "0:0.2.129": "List version identifier",
    "0:96.14.0": "Tariff indicator",
    "0:96.3.10": "Breaker state",
    "0:17.0.0": "Power threshold",
    "0:96.7.21": "Power failures",
    "0:96.7.9": "Long power failures",
    "1:99.97.0": "Power failure event log",
    "0:96.13.0": "Text message",
    "0:96.13.1": "Message code",
    "1:1.7.0": "Active power import",
    "1:2.7.0": "Active power export",
    "1:3.7.0": "Reactive power import",
    "1:4.7.0": "Reactive power export",
    "1:9.7.0": "Apparent power import",
    "1:10.7.0": "Apparent power export",
    "1:13.7.0": "Power factor",
    "1:14.7.0": "Frequency",
    "1:1.8.0": "Active energy import",
    "1:1.8.1": "Active energy import tariff 1",
    "1:1.8.2": "Active energy import tariff 2",
    "1:1.8.3": "Active energy import tariff 3",
    "1:1.8.4": "Active energy import tariff 4",
    "1:2.8.0": "Active energy export",
    "1:2.8.1": "Active energy export tariff 1",
    "1:2.8.2": "Active energy export tariff 2",
    "1:2.8.3": "Active energy export tariff 3",
    "1:2.8.4": "Active energy export tariff 4",
    "1:3.8.0": "Reactive energy import",
    "1:3.8.1": "Reactive energy import tariff 1",
    "1:3.8.2": "Reactive energy import tariff 2",
    "1:4.8.0": "Reactive energy export",
    "1:4.8.1": "Reactive energy export tariff 1",
    "1:4.8.2": "Reactive energy export tariff 2",
    "1:5.8.0": "Reactive energy QI",
    "1:6.8.0": "Reactive energy QII",
    "1:7.8.0": "Reactive energy QIII",
    "1:8.8.0": "Reactive energy QIV",
    "1:9.8.0": "Apparent energy import",
    "1:10.8.0": "Apparent energy export",
    "1:1.4.0": "Current average demand",
    "1:1.6.0": "Maximum demand this month",
    "0:98.1.0": "Maximum demand history",
    "1:21.7.0": "Active power import L1",
    "1:41.7.0": "Active power import L2",
    "1:61.7.0": "Active power import L3",
    "1:22.7.0": "Active power export L1",
    "1:42.7.0": "Active power export L2",
    "1:62.7.0": "Active power export L3",
    "1:23.7.0": "Reactive power import L1",
    "1:43.7.0": "Reactive power import L2",
    "1:63.7.0": "Reactive power import L3",
    "1:24.7.0": "Reactive power export L1",
    "1:44.7.0": "Reactive power export L2",
    "1:64.7.0": "Reactive power export L3",
    "1:31.7.0": "Current L1",
    "1:51.7.0": "Current L2",
    "1:71.7.0": "Current L3",
    "1:91.7.0": "Current neutral",
    "1:32.7.0": "Voltage L1",
    "1:52.7.0": "Voltage L2",
    "1:72.7.0": "Voltage L3",
    "1:33.7.0": "Power factor L1",
    "1:53.7.0": "Power factor L2",
    "1:73.7.0": "Power factor L3",
    "1:32.32.0": "Voltage sags L1",
    "1:52.32.0": "Voltage sags L2",
    "1:72.32.0": "Voltage sags L3",
    "1:32.36.0": "Voltage swells L1",
    "1:52.36.0": "Voltage swells L2",
    "1:72.36.0": "Voltage swells L3",
    "1:31.4.0": "Current limit L1",
    "0:24.1.0": "M-Bus device type",
    "0:24.2.1": "M-Bus meter reading",
    "0:24.2.3": "M-Bus meter reading",
    "0:24.3.0": "M-Bus meter reading (DSMR 2/3)",
    "0:24.4.0": "M-Bus valve position",
    "0:25.9.0": "Push setup",
}


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
    return NAMES.get(short)
