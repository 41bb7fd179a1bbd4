"""The settings' checkers: one per kind of field, and the choices of the select fields.

Each checker takes the decoded text and returns (value, None) or (None, message).
Not resident: settings.check_field loads this module, Settings.load lets it go
(settings.forget_checks) once the stored values are checked.
"""

from emeter.store.feedfields import FEED_CHECKS, FEED_CHOICES
from emeter.store.settings import MAX_INPUT, hash_password
from emeter.textcheck import no_controls, only, printable_ascii

CHOICES = {
    "baud": ((0, "auto"), (2400, "2400"), (9600, "9600"), (115200, "115200")),
    "parity": (("N", "none"), ("E", "even")),
    "bits": ((8, "8"), (7, "7")),
}
CHOICES.update(FEED_CHOICES)
CHOICES["timezone"] = (("CET", "CET/CEST (Norway, Sweden, Denmark, Benelux...)"),
                       ("EET", "EET/EEST (Finland, Baltics...)"),
                       ("WET", "WET/WEST, GMT/BST (Portugal, Ireland, UK)"), ("UTC", "UTC"))
CHOICES["peaks"] = tuple((n, str(n)) for n in range(1, 11))
_HEX = "0123456789abcdef"
_HOST = "abcdefghijklmnopqrstuvwxyz0123456789-"
_PIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"


def _ssid(s):
    if len(s.encode("utf-8")) > 32:
        return None, "at most 32 bytes"
    if not no_controls(s):
        return None, "no control characters"
    return s, None


def _wpa(s):
    if not (8 <= len(s) <= 63):
        return None, "8 to 63 characters"
    if not printable_ascii(s):
        return None, "printable ASCII only"
    return s, None


def _host(s):
    s = s.lower()
    if not (1 <= len(s) <= 63):
        return None, "1 to 63 characters"
    if not only(s, _HOST) or s[0] == "-" or s[-1] == "-":
        return None, "letters, digits and inner hyphens only"
    return s, None


def _choice(name):
    def check(s):
        for value, label in CHOICES[name]:
            if s == str(value) or s == label:
                return value, None
        return None, "one of " + ", ".join(label for _, label in CHOICES[name])
    return check


def _pin(s):
    if len(s) > 16:
        return None, "at most 16 characters"
    if not only(s, _PIN):
        return None, "a pin name like IO18 or GP1"
    return s, None


def _bool(s):
    if s in ("", "0", "off", "false"):
        return 0, None
    if s in ("1", "on", "true"):
        return 1, None
    return None, "on or off"


def _hex16(s):
    s = s.replace(" ", "").lower()
    if not only(s, _HEX):
        return None, "hex digits 0-9 and a-f only"
    if len(s) != 32:
        return None, "exactly 32 hex digits"
    return s, None


def _hosts(s):
    s = s.replace(",", " ").lower()
    if len(s) > 128 or not only(s, _HOST + ". :[]"):
        return None, "host names or addresses, separated by spaces"
    return " ".join(s.split()), None


def _admin(s):
    if not (8 <= len(s) <= 64):
        return None, "8 to 64 characters"
    if not printable_ascii(s):
        return None, "printable ASCII only"
    return hash_password(s), None


CHECKS = {
    "ssid": _ssid, "wpa": _wpa, "host": _host, "baud": _choice("baud"),
    "parity": _choice("parity"), "bits": _choice("bits"), "pin": _pin, "bool": _bool,
    "hex16": _hex16, "admin": _admin, "hosts": _hosts,
}
CHECKS.update(FEED_CHECKS)
CHECKS["timezone"] = _choice("timezone")
CHECKS["peaks"] = _choice("peaks")


def check_field(kind, raw):
    """Validate one submitted value (bytes or str): (value, None) or (None, message)."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > MAX_INPUT:
            return None, "too long"
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeError:
            return None, "not valid UTF-8"
    elif len(raw.encode("utf-8")) > MAX_INPUT:
        return None, "too long"
    return CHECKS[kind](raw)
