"""DLMS -> DSMR bridge: a decoded HDLC / M-Bus message as a DSMR 5 P1 telegram.

So that Home Assistant's dsmr integration, Domoticz, dsmr-reader, evcc ... read
Nordic and Austrian meters as if they had a P1 port.  Values are converted to the
units DSMR uses (kWh, kW, V, A) by moving the decimal point of the exact integer
mantissa: no float ever touches a register.  The CRC is CRC-16/ARC from '/' to '!'.
"""

from cosem.crc import crc16_arc
from cosem.number import Dec

from emeter.feeds.obismap import in_base_unit
from emeter.store.localtime import Zone, date_from_days, parse_iso

_NL = Zone("CET")  # DSMR readers take a telegram's time as Dutch local time

# (OBIS, base unit expected, power of ten from the base unit to DSMR's, integer digits,
#  decimals, DSMR unit) -- order as in a DSMR 5 telegram.
LINES = (
    ("1-0:1.8.0", "Wh", -3, 6, 3, "kWh"),
    ("1-0:1.8.1", "Wh", -3, 6, 3, "kWh"),
    ("1-0:1.8.2", "Wh", -3, 6, 3, "kWh"),
    ("1-0:2.8.0", "Wh", -3, 6, 3, "kWh"),
    ("1-0:2.8.1", "Wh", -3, 6, 3, "kWh"),
    ("1-0:2.8.2", "Wh", -3, 6, 3, "kWh"),
    ("1-0:3.8.0", "varh", -3, 6, 3, "kvarh"),  # Swedish H1 telegrams carry these four
    ("1-0:4.8.0", "varh", -3, 6, 3, "kvarh"),
    ("1-0:1.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:2.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:3.7.0", "var", -3, 2, 3, "kvar"),
    ("1-0:4.7.0", "var", -3, 2, 3, "kvar"),
    ("1-0:32.7.0", "V", 0, 3, 1, "V"),
    ("1-0:52.7.0", "V", 0, 3, 1, "V"),
    ("1-0:72.7.0", "V", 0, 3, 1, "V"),
    ("1-0:31.7.0", "A", 0, 3, 0, "A"),
    ("1-0:51.7.0", "A", 0, 3, 0, "A"),
    ("1-0:71.7.0", "A", 0, 3, 0, "A"),
    ("1-0:21.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:41.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:61.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:22.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:42.7.0", "W", -3, 2, 3, "kW"),
    ("1-0:62.7.0", "W", -3, 2, 3, "kW"),
)
_HEADER = "/EMT5\\2"
_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def fixed(value, shift, int_digits, decimals):
    """Exact decimal text of value * 10**shift with at least `decimals` places and the
    integer part zero-padded to `int_digits` ('000123.456'); never rounds."""
    if isinstance(value, Dec):
        m, e = value.m, value.e + shift
    else:
        m, e = value, shift
    if e > -decimals:
        m *= 10 ** (e + decimals)
        e = -decimals
    text = str(Dec(m, e)) if e < 0 else str(m)
    neg = text.startswith("-")
    if neg:
        text = text[1:]
    point = text.find(".")
    whole = point if point >= 0 else len(text)
    if whole < int_digits:
        text = "0" * (int_digits - whole) + text
    return "-" + text if neg else text


def timestamp(iso):
    """The meter's time as DSMR readers take it: Dutch local time and its flag.
    '2025-12-14T16:00:00+00:00' -> '251214170000W', '2025-07-01T12:00:00+02:00' ->
    '250701120000S'.  A time without an offset is taken as local already (its flag from
    the date).  None when the text is not a date-time."""
    p = parse_iso(iso)
    if p is None:
        return None
    local, off = p
    if off is None:  # local read as winter time: only the doubled autumn hour errs (W)
        summer = _NL.offset(local - _NL.std) == _NL.dst
    else:
        utc = local - off
        summer = _NL.offset(utc) == _NL.dst
        local = utc + (_NL.dst if summer else _NL.std)
    y, mo, d = date_from_days(local // 86400)
    r = local % 86400
    return "%02d%02d%02d%02d%02d%02d%s" % (y % 100, mo, d, r // 3600, r // 60 % 60, r % 60,
                                           "S" if summer else "W")


def _hex_ascii(text):
    return "".join(["%02X" % b for b in text.encode("utf-8")])


def _model(message):
    m = str(message.meter.get("model") or message.meter.get("list") or "bridge")
    return "".join([ch for ch in m if ch in _SAFE])[:24] or "bridge"


def _electricity(message):
    """Readings of electricity codes by '1-0:C.D.E', whatever channel B the meter uses
    (Kamstrup sends 1-1:...); the first of a code wins."""
    out = {}
    for r in message.readings:
        obis = r.obis
        if not obis.startswith("1-"):
            continue
        colon = obis.find(":")
        key = "1-0" + obis[colon:]
        if colon > 0 and key not in out:
            out[key] = r
    return out


def telegram(message):
    """The DSMR 5 telegram (bytes) for a decoded message, or None if nothing maps."""
    readings = _electricity(message)
    out = [_HEADER + _model(message), "", "1-3:0.2.8(50)"]
    ts = timestamp(message.timestamp)
    if ts:
        out.append("0-0:1.0.0(%s)" % ts)
    mid = message.meter.get("id")
    if mid:
        out.append("0-0:96.1.1(%s)" % _hex_ascii(str(mid)))
    n = 0
    for obis, base, shift, digits, decimals, unit in LINES:
        r = readings.get(obis)
        if r is None:
            continue
        value, got = in_base_unit(r.value, r.unit)
        if got != base or not isinstance(value, (int, Dec)) or isinstance(value, bool):
            continue
        out.append("%s(%s*%s)" % (obis, fixed(value, shift, digits, decimals), unit))
        n += 1
    if not n:
        return None
    out.append("!")
    body = "\r\n".join(out).encode("ascii")
    return body + ("%04X\r\n" % crc16_arc(body)).encode("ascii")
