"""DLMS unit codes (IEC 62056-6-2) to symbols (obis.unit_symbol loads this on first use: DSMR
telegrams carry their units as text and never need it)."""

# IEC 62056-6-2 unit enumeration -> symbol: field N of this text (separated by '|') is code N's
# symbol, empty where the code is not listed ('unit-N' then). One string, not a dict of 66
# names: a board holds a third of the heap. A meter uses a handful of codes, remembered.
_TEXT = (
    "|a|mo|wk|d|h|min|s|°|°C|currency|m|m/s|m3|m3|m3/h|m3/h|m3/d|m3/d|l|kg|N|Nm|Pa|bar|J|"
    "J/h|W|VA|var|Wh|VAh|varh|A|C|V|V/m|F|Ω|Ωm2/m|Wb|T|A/m|H|Hz|1/(Wh)|1/(varh)|1/(VAh)|"
    "V2h|A2h|kg/s|S|K|1/(V2h)|1/(A2h)|1/m3|%|Ah|||Wh/m3|J/m3|Mol %|g/m3|Pa s|J/kg|g/cm2|"
    "atm|||dBm|dBµV|dB"
)
NO_UNIT = (0, 254, 255)  # 255 'count', 254 'other', 0 not a unit
_SEEN = {}  # code -> symbol


def symbol(code):
    if code in NO_UNIT:
        return None
    s = _SEEN.get(code)
    if s is None:
        p = 0
        for _ in range(code):  # past `code` separators: where field `code` starts
            p = _TEXT.find("|", p) + 1
            if not p:
                break  # fewer fields: not listed
        s = ""
        if p:
            q = _TEXT.find("|", p)
            s = _TEXT[p:] if q < 0 else _TEXT[p:q]
        s = s or "unit-%d" % code
        if len(_SEEN) < 32:
            _SEEN[code] = s
    return s
