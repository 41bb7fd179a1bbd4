"""SNTP packets (RFC 4330): the request, and what a reply says. Pure: bytes in, values out,
integer arithmetic only.

Loaded by net/sntp.py for the moment a request is made or a reply read (once an hour when
all is well) and let go afterwards.
"""

import os

PACKET = 48                 # header without extension fields or MAC
_LI_VN_MODE = 0x23          # leap indicator 0, version 4, mode 3 (client)
_MODE_SERVER = 4
_LI_ALARM = 3               # the server's clock is not synchronised
_ORIGINATE = 24             # where the server echoes our transmit timestamp
_TRANSMIT = 40
_ERA = 1 << 32              # NTP seconds wrap on 2036-02-07
_TO_1970_DAYS = 25567       # days from 1900-01-01 to 1970-01-01


def request(buf, nonce):
    """Fill buf (48 bytes, reused) with a client request whose transmit timestamp is
    nonce (8 bytes): the server echoes it, which ties its reply to this request."""
    for i in range(PACKET):
        buf[i] = 0
    buf[0] = _LI_VN_MODE
    for i in range(8):
        buf[_TRANSMIT + i] = nonce[i]
    return buf


def _u32(b, i):
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


def reply_error(reply, nonce):
    """Why reply cannot be trusted ('short', 'mode', 'kiss', 'stratum', 'leap',
    'origin', 'zero'), or None when it can."""
    if len(reply) < PACKET:
        return "short"
    if reply[0] & 7 != _MODE_SERVER:
        return "mode"
    stratum = reply[1]
    if stratum == 0:
        return "kiss"           # kiss-of-death: the server says go away or slow down
    if stratum > 15:
        return "stratum"
    if reply[0] >> 6 == _LI_ALARM:
        return "leap"
    for i in range(8):
        if reply[_ORIGINATE + i] != nonce[i]:
            return "origin"
    if not _u32(reply, _TRANSMIT):
        return "zero"
    return None


def reply_time(reply):
    """The server's transmit time, rounded to the second, as UTC (Y, M, D, h, m, s)."""
    secs = _u32(reply, _TRANSMIT)
    if reply[_TRANSMIT + 4] & 0x80:     # fraction >= 0.5 s
        secs += 1
    if secs < 0x80000000:               # RFC 4330 section 3: era 1 (from 2036)
        secs += _ERA
    days = secs // 86400 - _TO_1970_DAYS
    rem = secs % 86400
    y, m, d = civil(days)
    return (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)


def parse(reply, nonce):
    """UTC (Y, M, D, h, m, s) from a trusted reply, else None."""
    if reply_error(reply, nonce) is not None:
        return None
    return reply_time(reply)


def civil(days):
    """(year, month, day) for days since 1970-01-01, proleptic Gregorian, integers only.
    Years are counted from March, so the leap day falls at the end of a year."""
    z = days + 719468               # days since 0000-03-01
    era = z // 146097               # 400-year cycles
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153       # month from March = 0
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return (y, m, d)


def random_into(buf, seed):
    urandom = getattr(os, "urandom", None)
    if urandom is not None:
        try:
            buf[:] = urandom(len(buf))
            return
        except (OSError, NotImplementedError):
            pass
    for i in range(len(buf)):       # no entropy source: still differs per attempt
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        buf[i] = seed >> 16 & 0xFF
