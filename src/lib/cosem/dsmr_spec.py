"""Which DSMR P1 lines are text, and which carry more than one value.

Keys are 'A:C.D.E' (the channel B dropped: a gas meter's id is 0-1:96.1.0 or
0-2:96.1.0), so one row covers every M-Bus channel. A code not listed here is
read as a number with an optional '*unit'; when its text is not a number it is
kept as text, so an unknown meter degrades to strings, never to an error.
"""

TEXT = "text"          # kept exactly as sent: ids (hex), versions, tariff '0001', messages
CLOCK = "clock"        # YYMMDDhhmmssX -> ISO text, X (S/W) as 'dst'
EVENT_LOG = "log"      # (count)(obis)(end)(duration*s)...
HISTORY = "history"    # Belgian e-MUCS (count)(obis)(obis)(period)(when)(peak*kW)...
PROFILE = "profile"    # DSMR 2.2/3 gas (time)(status)(interval)(n)(obis)(unit) + (value) lines

KINDS = {
    "0:1.0.0": CLOCK,
    "0:42.0.0": TEXT,      # logical device name (hex)
    "0:96.1.0": TEXT,      # equipment / serial number (hex, sometimes plain digits)
    "0:96.1.1": TEXT,
    "0:96.1.4": TEXT,      # e-MUCS version '50217'
    "0:96.1.255": TEXT,    # EasyMeter '1ESY1313002565'
    "0:96.13.0": TEXT,     # text message (hex in DSMR 4+, may be anything)
    "0:96.13.1": TEXT,     # message code
    "0:96.14.0": TEXT,     # tariff indicator '0001'
    "1:0.0.0": TEXT,       # meter number (EasyMeter, Iskra IE)
    "1:0.2.0": TEXT,       # firmware version
    "1:0.2.8": TEXT,       # DSMR version '42', '50'
    "1:99.97.0": EVENT_LOG,
    "0:98.1.0": HISTORY,
    "0:24.3.0": PROFILE,
}

# Where the meter's own id and the DSMR version are, first found wins.
ID_KEYS = ("0-0:96.1.1", "0-0:96.1.0", "1-0:0.0.0", "0-0:96.1.255")
VERSION_KEYS = ("1-3:0.2.8", "0-0:96.1.4")
