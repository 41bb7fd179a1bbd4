"""Meter knowledge as data: lists that carry no OBIS codes, and scalers that
frames do not carry.

Nothing here is code: a new meter is a new row. Sources per row are the
vendors' or grid operators' published HAN list specifications (see README,
"Meter lists").
"""

# --- scalers and units the frame leaves out --------------------------------
# Keyed by the list identifier the frame carries (its first text, or the
# 0.2.129 reading, or the push-setup object's logical name), then by 'C.D' of
# the OBIS code: (decimal scaler, unit). Codes not listed keep their raw value.
_W, _VAR, _WH, _VARH = (0, "W"), (0, "var"), (0, "Wh"), (0, "varh")

SCALERS = {
    # Kaifa MA105/MA304 (Norway, Sweden): 'KFM_001'
    "KFM_001": {
        "1.7": _W, "2.7": _W, "3.7": _VAR, "4.7": _VAR,
        "31.7": (-3, "A"), "51.7": (-3, "A"), "71.7": (-3, "A"),
        "32.7": (-1, "V"), "52.7": (-1, "V"), "72.7": (-1, "V"),
        "1.8": _WH, "2.8": _WH, "3.8": _VARH, "4.8": _VARH,
    },
    # Kamstrup Omnipower (Norway, Sweden, Denmark, Switzerland): 'Kamstrup_V0001'
    "Kamstrup_V0001": {
        "1.7": _W, "2.7": _W, "3.7": _VAR, "4.7": _VAR,
        "21.7": _W, "41.7": _W, "61.7": _W, "22.7": _W, "42.7": _W, "62.7": _W,
        "31.7": (-2, "A"), "51.7": (-2, "A"), "71.7": (-2, "A"),
        "32.7": (0, "V"), "52.7": (0, "V"), "72.7": (0, "V"),
        "13.7": (-2, None), "33.7": (-2, None), "53.7": (-2, None), "73.7": (-2, None),
        "1.8": (-2, "kWh"), "2.8": (-2, "kWh"), "3.8": (-2, "kvarh"), "4.8": (-2, "kvarh"),
        "21.8": (-2, "kWh"), "41.8": (-2, "kWh"), "61.8": (-2, "kWh"),
        "22.8": (-2, "kWh"), "42.8": (-2, "kWh"), "62.8": (-2, "kWh"),
    },
    # Landis+Gyr E450 push list (Switzerland): push setup 0-8:25.9.0, no scalers pushed
    "0-8:25.9.0": {
        "1.7": _W, "2.7": _W, "21.7": _W, "41.7": _W, "61.7": _W,
        "31.7": (-2, "A"), "51.7": (-2, "A"), "71.7": (-2, "A"),
        "32.7": (0, "V"), "52.7": (0, "V"), "72.7": (0, "V"),
        "1.8": _WH, "2.8": _WH, "5.8": _VARH, "6.8": _VARH, "7.8": _VARH, "8.8": _VARH,
    },
    # Austrian push list 0-0:25.9.0 (Siemens IM350, Iskra AM550 for Wiener Netze, KNG, eww)
    "AT-push": {"1.8": _WH, "2.8": _WH, "3.8": _VARH, "4.8": _VARH, "1.7": _W, "2.7": _W},
    # Landis+Gyr E450 (Netz Burgenland) 14-value list
    "LGZ-E450-AT": {
        "32.7": (0, "V"), "52.7": (0, "V"), "72.7": (0, "V"),
        "31.7": (-2, "A"), "51.7": (-2, "A"), "71.7": (-2, "A"),
        "1.7": _W, "2.7": _W, "1.8": _WH, "2.8": _WH,
    },
    # Iskra AM550 (Elektro Ljubljana) 5 s list
    "ISK-SI": {
        "1.7": _W, "2.7": _W, "3.7": _VAR, "4.7": _VAR,
        "32.7": (-1, "V"), "52.7": (-1, "V"), "72.7": (-1, "V"),
        "31.7": (-2, "A"), "51.7": (-2, "A"), "71.7": (-2, "A"),
        "21.7": _W, "41.7": _W, "61.7": _W, "22.7": _W, "42.7": _W, "62.7": _W,
    },
    # Lists with a single power value (Kaifa list 1)
    "power-only": {"1.7": _W},
}

# --- lists without OBIS codes ---------------------------------------------
# Each row: (name, match, OBIS code per element (None: nobody has published
# what it is), scaler family in SCALERS or None).
# match: 'first' = the text of element 0 (a trailing '*' matches a prefix, a
# 'hex:' prefix matches an octet-string's bytes; None: the list starts with no
# fixed text), 'count' = number of elements, 'types' = the A-XDR tag of every
# element, comma-separated. A row matches its own list only: first text, count
# and every type must agree; anything else is decoded as a generic body.
_KFM_HEAD = ("1-1:0.2.129", "0-0:96.1.0", "0-0:96.1.7")
_KFM_P = ("1-0:1.7.0", "1-0:2.7.0", "1-0:3.7.0", "1-0:4.7.0")
_KFM_I3 = ("1-0:31.7.0", "1-0:51.7.0", "1-0:71.7.0")
_KFM_U3 = ("1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0")
_KFM_E = ("0-0:1.0.0", "1-0:1.8.0", "1-0:2.8.0", "1-0:3.8.0", "1-0:4.8.0")
_KFM_L3 = _KFM_HEAD + _KFM_P + _KFM_I3 + _KFM_U3 + _KFM_E
_AT_PUSH = (None, "0-0:96.1.0", None, None, "1-0:1.8.0", "1-0:2.8.0", "1-0:3.8.0",
            "1-0:4.8.0", "1-0:1.7.0", "1-0:2.7.0")

POSITIONAL = (
    ("Kaifa list 1", {"first": None, "count": 1, "types": "6"}, ("1-0:1.7.0",), "power-only"),
    ("Kaifa KFM_001 list 2, one phase", {"first": "KFM_001", "count": 9, "types": "9,9,9,6,6,6,6,6,6"},
     _KFM_HEAD + _KFM_P + ("1-0:31.7.0", "1-0:32.7.0"), "KFM_001"),
    ("Kaifa KFM_001 list 2, three phases", {"first": "KFM_001", "count": 13,
                                            "types": "9,9,9,6,6,6,6,6,6,6,6,6,6"},
     _KFM_HEAD + _KFM_P + _KFM_I3 + _KFM_U3, "KFM_001"),
    ("Kaifa KFM_001 list 3, one phase", {"first": "KFM_001", "count": 14,
                                         "types": "9,9,9,6,6,6,6,6,6,9,6,6,6,6"},
     _KFM_HEAD + _KFM_P + ("1-0:31.7.0", "1-0:32.7.0") + _KFM_E, "KFM_001"),
    ("Kaifa KFM_001 list 3, three phases", {"first": "KFM_001", "count": 18,
                                            "types": "9,9,9,6,6,6,6,6,6,6,6,6,6,9,6,6,6,6"},
     _KFM_L3, "KFM_001"),
    # (the Swedish MA304T4 sends its energy registers as long64-unsigned)
    ("Kaifa KFM_001 list 3, three phases", {"first": "KFM_001", "count": 18,
                                            "types": "9,9,9,6,6,6,6,6,6,6,6,6,6,9,21,21,21,21"},
     _KFM_L3, "KFM_001"),
    ("Austrian push list 0-0:25.9.0", {"first": "hex:0006190900ff", "count": 10,
                                       "types": "9,9,9,9,6,6,6,6,6,6"},
     _AT_PUSH, "AT-push"),
    ("Austrian push list 0-0:25.9.0 with two empty fields", {"first": "hex:0006190900ff", "count": 12,
                                                             "types": "9,9,9,9,6,6,6,6,6,6,9,9"},
     _AT_PUSH + (None, None), "AT-push"),
    ("Landis+Gyr E450 Netz Burgenland", {"first": None, "count": 14,
                                         "types": "18,18,18,18,18,18,6,6,6,6,18,18,18,9"},
     ("1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0", "1-0:31.7.0", "1-0:51.7.0", "1-0:71.7.0",
      "1-0:1.7.0", "1-0:2.7.0", "1-0:1.8.0", "1-0:2.8.0", None, None, None, "0-0:96.1.0"),
     "LGZ-E450-AT"),
    ("Iskra AM550 Elektro Ljubljana 5 s", {"first": "ISK*", "count": 18,
                                           "types": "9,9,6,6,6,6,18,18,18,18,18,18,6,6,6,6,6,6"},
     ("0-0:42.0.0", "0-0:96.1.0", "1-0:1.7.0", "1-0:2.7.0", "1-0:3.7.0", "1-0:4.7.0",
      "1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0", "1-0:31.7.0", "1-0:51.7.0", "1-0:71.7.0",
      "1-0:21.7.0", "1-0:41.7.0", "1-0:61.7.0", "1-0:22.7.0", "1-0:42.7.0", "1-0:62.7.0"),
     "ISK-SI"),
    ("Iskra AM550 Elektro Ljubljana 15 min", {"first": "ISK*", "count": 12,
                                              "types": "9,9,22,9,6,6,6,6,6,6,6,6"},
     ("0-0:42.0.0", "0-0:96.1.0", "0-0:96.3.10", "0-0:96.14.0", "1-0:1.8.0", "1-0:1.8.1",
      "1-0:1.8.2", "1-0:2.8.0", "1-0:2.8.1", "1-0:2.8.2", "1-0:3.8.0", "1-0:4.8.0"), None),
    # Iskra lists whose order nobody has published: identity fields only.
    ("Iskra AM550 (order unpublished)", {"first": "ISK*", "count": 10, "types": "9,9,6,6,6,6,18,18,6,6"},
     ("0-0:42.0.0", "0-0:96.1.0"), None),
    ("Iskra AM550 (order unpublished)", {"first": "ISK*", "count": 12,
                                         "types": "9,9,18,18,18,18,18,18,6,6,6,6"},
     ("0-0:42.0.0", "0-0:96.1.0"), None),
    ("Iskra IE.5 Croatia (order unpublished)",
     {"first": None, "count": 33, "types": "9,9,9,6,6,6,6,6,6,6,6,6,6,6,6,18,6,6,6,6,6,6,18,18,18,18,18,18,6,1,1,1,3"},
     ("0-0:96.1.0",), None),
)
