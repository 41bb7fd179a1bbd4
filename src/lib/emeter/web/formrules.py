"""The setup form's checks as data, for the browser: the same rules and messages as settings.

fieldcheck.CHECKS (and feedfields.FEED_CHECKS) stay the truth; this table restates each
text kind's checker as steps a 40-line interpreter in the page script runs.  Which
field has which kind, whether it is a secret, and the choices come from
settings.FIELDS at import, and tests run both sides over the same inputs, so the
browser cannot say something the server would not.

Steps, applied in order to the field's text (a failing check gives its message):
  ("trim",)  ("strip", chars)  ("lower",)  ("drop", chars)   transform the text
  ("empty_ok",)               stop here, valid, if the text is empty
  ("len", lo, hi, msg)        length in characters
  ("bytes", hi, msg)          length in UTF-8 bytes
  ("only", chars, msg)        every character one of chars
  ("none", chars, msg)        no character one of chars
  ("ascii", msg)              printable ASCII (space to ~)
  ("noctl", msg)              no control characters
  ("edge", ch, msg)           does not start or end with ch
  ("int", lo, hi, msg)        digits only, value in lo..hi
  ("prefix", (a, b..), msg)   starts with one of them
"""

from cosem.jsonw import dumps

from emeter.store.fieldcheck import CHOICES
from emeter.store.settings import FIELDS, MAX_INPUT

_HEX = "0123456789abcdef"
_HOST = "abcdefghijklmnopqrstuvwxyz0123456789-"
_PIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_NET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:"

# kind -> steps (kinds shown as select boxes or check boxes need none)
KINDS = {
    "ssid": (("bytes", 32, "at most 32 bytes"), ("noctl", "no control characters")),
    "wpa": (("len", 8, 63, "8 to 63 characters"), ("ascii", "printable ASCII only")),
    "host": (("lower",), ("len", 1, 63, "1 to 63 characters"),
             ("only", _HOST, "letters, digits and inner hyphens only"),
             ("edge", "-", "letters, digits and inner hyphens only")),
    "pin": (("len", 0, 16, "at most 16 characters"), ("only", _PIN, "a pin name like IO18 or GP1")),
    "hex16": (("drop", " "), ("lower",), ("only", _HEX, "hex digits 0-9 and a-f only"),
              ("len", 32, 32, "exactly 32 hex digits")),
    "admin": (("len", 8, 64, "8 to 64 characters"), ("ascii", "printable ASCII only")),
    "hosts": (("lower",), ("len", 0, 128, "host names or addresses, separated by spaces"),
              ("only", _HOST + ". :[],", "host names or addresses, separated by spaces")),
    "ip": (("trim",), ("lower",), ("len", 0, 39, "an IP address such as 192.168.1.20"),
           ("only", "0123456789abcdef.:", "an IP address such as 192.168.1.20")),
    "port": (("trim",), ("int", 1, 65535, "a port number 1 to 65535"),),
    "interval": (("trim",), ("int", 5, 86400, "5 to 86400 seconds"),),
    "netaddr": (("trim",), ("len", 0, 64, "at most 64 characters"),
                ("only", _NET, "an IP address or host name")),
    "text": (("len", 0, 64, "at most 64 printable ASCII characters"),
             ("ascii", "at most 64 printable ASCII characters")),
    "secret": (("len", 0, 128, "at most 128 printable ASCII characters"),
               ("ascii", "at most 128 printable ASCII characters")),
    "topic": (("trim",), ("strip", "/"), ("len", 1, 10 ** 6, "a topic such as emeter"),
              ("len", 0, 64, "at most 64 characters, no spaces"),
              ("ascii", "at most 64 characters, no spaces"),
              ("none", " ", "at most 64 characters, no spaces"),
              ("none", "#+", "no # or + (those are wildcards)")),
    "url": (("trim",), ("empty_ok",), ("len", 0, 200, "at most 200 characters, no spaces"),
            ("ascii", "at most 200 characters, no spaces"),
            ("none", " ", "at most 200 characters, no spaces"),
            ("prefix", ("http://", "https://"), "starts with http:// or https://")),
}
# Kinds the page shows as a check box or a select box: the browser cannot send a bad value.
UNTYPED = ("bool",) + tuple(CHOICES)


def fields():
    """[(name, kind, secret)] of every text field in FIELDS, in form order."""
    return [(f[0], f[2], f[4]) for f in FIELDS if f[2] not in UNTYPED]


def rules_json():
    """{"max": bytes, "fields": {name: [kind, secret]}, "kinds": {kind: steps}} as JSON text."""
    used = {}
    names = {}
    for name, kind, secret in fields():
        names[name] = [kind, 1 if secret else 0]
        used[kind] = [list(step) for step in KINDS[kind]]  # KeyError: a kind without rules
    return dumps({"max": MAX_INPUT, "fields": names, "kinds": used})
