"""COSEM date-time (12 octets) -> ISO 8601 text.

Layout: year(2) month day weekday hour minute second hundredths deviation(2,
signed minutes, UTC minus local; 0x8000 = not specified) clock-status. 0xFF
(0xFFFF for the year) marks a field 'not specified'.
"""

from .axdr import sint, uint


def iso(b):
    """12 bytes -> 'YYYY-MM-DDThh:mm:ss[.hh][±hh:mm]', or None when the date is not specified."""
    if b is None or len(b) != 12:
        return None
    year = uint(b, 0, 2)
    month, day = b[2], b[3]
    if year == 0xFFFF or month == 0 or day == 0 or month > 12 or day > 31:
        return None
    hour, minute, second, hundredths = b[5], b[6], b[7], b[8]
    if hour == 0xFF:
        hour = 0
    if minute == 0xFF:
        minute = 0
    if second == 0xFF:
        second = 0
    if hour > 23 or minute > 59 or second > 60:
        return None
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (year, month, day, hour, minute, second)
    if 0 < hundredths < 100:
        s += ".%02d" % hundredths
    if uint(b, 9, 2) != 0x8000:
        offset = -sint(b, 9, 2)  # deviation is UTC minus local time
        sign = "+" if offset >= 0 else "-"
        offset = abs(offset)
        s += "%s%02d:%02d" % (sign, offset // 60, offset % 60)
    return s


def looks_like_datetime(b):
    """True when 12 octets are a plausible COSEM date-time (used to spot clocks in lists)."""
    return len(b) == 12 and iso(b) is not None and b[4] <= 7 or b[4] == 0xFF
