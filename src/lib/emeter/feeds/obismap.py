"""What an OBIS code measures: one table shared by Home Assistant discovery and /metrics.

An electricity code 1-0:C.D.E is read as quantity q = C (C <= 20) or C % 20 with
phase C // 20 (21 -> L1, 41 -> L2, 61 -> L3, 91 -> N), D = 7 (instantaneous) or
8 (register), E = tariff for registers.  New quantities are a row here, not code.
"""

from cosem.number import Dec

# q -> (slug, what D=7 is, what D=8 is): kinds are rows of KINDS.
QUANTITIES = {
    1: ("active_import", "power", "energy"),
    2: ("active_export", "power", "energy"),
    3: ("reactive_import", "reactive_power", "reactive_energy"),
    4: ("reactive_export", "reactive_power", "reactive_energy"),
    5: ("reactive_q1", "reactive_power", "reactive_energy"),
    6: ("reactive_q2", "reactive_power", "reactive_energy"),
    7: ("reactive_q3", "reactive_power", "reactive_energy"),
    8: ("reactive_q4", "reactive_power", "reactive_energy"),
    9: ("apparent_import", "apparent_power", "apparent_energy"),
    10: ("apparent_export", "apparent_power", "apparent_energy"),
    11: ("current", "current", None),
    12: ("voltage", "voltage", None),
    13: ("power_factor", "power_factor", None),
    14: ("frequency", "frequency", None),
}

# kind -> (HA device_class, HA state_class, base unit, metric unit word, is a counter)
KINDS = {
    "power": ("power", "measurement", "W", "watts", False),
    "energy": ("energy", "total_increasing", "Wh", "watthours", True),
    "reactive_power": ("reactive_power", "measurement", "var", "vars", False),
    "reactive_energy": ("reactive_energy", "total_increasing", "varh", "varhours", True),
    "apparent_power": ("apparent_power", "measurement", "VA", "voltamperes", False),
    "apparent_energy": (None, "total_increasing", "VAh", "voltamperehours", True),
    "current": ("current", "measurement", "A", "amperes", False),
    "voltage": ("voltage", "measurement", "V", "volts", False),
    "power_factor": ("power_factor", "measurement", None, "", False),
    "frequency": ("frequency", "measurement", "Hz", "hertz", False),
}

# unit as the meter sends it -> (base unit, power of ten to reach it)
UNITS = {
    "W": ("W", 0), "kW": ("W", 3), "Wh": ("Wh", 0), "kWh": ("Wh", 3),
    "var": ("var", 0), "kvar": ("var", 3), "varh": ("varh", 0), "kvarh": ("varh", 3),
    "VA": ("VA", 0), "kVA": ("VA", 3), "VAh": ("VAh", 0), "kVAh": ("VAh", 3),
    "V": ("V", 0), "A": ("A", 0), "Hz": ("Hz", 0),
}
PHASES = {1: "L1", 2: "L2", 3: "L3", 4: "N"}


class Info:
    __slots__ = ("obis", "slug", "kind", "phase", "tariff")

    def __init__(self, obis, slug, kind, phase, tariff):
        self.obis = obis
        self.slug = slug      # 'active_import', 'voltage' ...
        self.kind = kind      # a KINDS key
        self.phase = phase    # 'L1' .. 'N' or None
        self.tariff = tariff  # 1, 2 ... for tariff registers, else None

    def row(self):
        return KINDS[self.kind]


def parse(obis):
    """'1-0:21.7.0' -> (1, 0, 21, 7, 0), or None for other shapes ('*F' suffixes too)."""
    colon = obis.find(":")
    dash = obis.find("-")
    if colon < 0 or dash < 0 or dash > colon or "*" in obis:
        return None
    try:
        a = int(obis[:dash])
        b = int(obis[dash + 1:colon])
        cde = [int(x) for x in obis[colon + 1:].split(".")]
    except ValueError:
        return None
    if len(cde) != 3:
        return None
    return (a, b, cde[0], cde[1], cde[2])


def info(obis):
    """An Info for electricity codes we know how to describe, else None."""
    p = parse(obis)
    if p is None or p[0] != 1:
        return None
    c, d, e = p[2], p[3], p[4]
    phase = None
    q = c
    if c > 20:
        phase = PHASES.get(c // 20)
        q = c % 20
        if phase is None:
            return None
    row = QUANTITIES.get(q)
    if row is None or q == 14 and phase is not None:
        return None
    if d == 7 and e == 0:
        return Info(obis, row[0], row[1], phase, None)
    if d == 8 and row[2] is not None:
        return Info(obis, row[0], row[2], phase, e if e else None)
    return None


def in_base_unit(value, unit):
    """(value, base unit) with k-prefixed units scaled exactly (int or Dec, never float)."""
    if unit is None:
        return value, None
    u = UNITS.get(unit)
    if u is None or not isinstance(value, (int, Dec)) or isinstance(value, bool):
        return value, unit
    base, shift = u
    if shift == 0:
        return value, base
    if isinstance(value, int):
        return value * 10 ** shift, base
    e = value.e + shift
    if e >= 0:
        return value.m * 10 ** e, base
    return Dec(value.m, e), base


def shift_decimal(value, shift):
    """value * 10**shift exactly, as (mantissa, exponent)."""
    if isinstance(value, Dec):
        return value.m, value.e + shift
    return value, shift
