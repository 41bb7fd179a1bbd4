"""Settings: one table of fields, a validator per kind, stored whole and atomically.

Stored in settings.toml in the board's data area (CIRCUITPY root on the board), so
they survive code updates and CircuitPython's own web workflow joins the same
network (CIRCUITPY_WIFI_SSID / CIRCUITPY_WIFI_PASSWORD).  A save validates every
field first and writes nothing if any is wrong; the file is written new and then
renamed over the old one.  Secrets are never sent back to a browser: an empty
secret field keeps the stored value, a `clear_<name>` box erases it.  The admin
password is kept as a salted SHA-256, not as text.  What a submitted form may change
(only its own fields; secrets bound to their destination): store/changes.py.
"""

import hashlib
import os

from emeter.store import tomlfile
from emeter.store.feedfields import FEED_CHECKS, FEED_CHOICES, FEED_FIELDS
from emeter.textcheck import no_controls, only, printable_ascii

FILE = "settings.toml"
WEB_API_PORT = "CIRCUITPY_WEB_API_PORT"
WEB_API_PORT_VALUE = 8081

# name, settings.toml key, kind, default, secret, label
FIELDS = (
    ("wifi_ssid", "CIRCUITPY_WIFI_SSID", "ssid", "", False, "Wi-Fi network"),
    ("wifi_password", "CIRCUITPY_WIFI_PASSWORD", "wpa", "", True, "Wi-Fi password"),
    ("hostname", "EMETER_HOSTNAME", "host", "emeter", False, "Host name (.local)"),
    ("baud", "EMETER_BAUD", "baud", 115200, False, "Baud rate"),
    ("parity", "EMETER_PARITY", "parity", "N", False, "Parity"),
    ("bits", "EMETER_BITS", "bits", 8, False, "Data bits"),
    ("rx_pin", "EMETER_RX_PIN", "pin", "", False, "RX pin (empty: board default)"),
    ("invert", "EMETER_INVERT", "bool", 0, False, "Inverted signal"),
    ("key", "EMETER_KEY", "hex16", "", True, "Decryption key (32 hex digits)"),
    ("auth_key", "EMETER_AUTH_KEY", "hex16", "", True, "Authentication key (32 hex digits)"),
    ("admin_password", "EMETER_ADMIN", "admin", "", True,
     "Admin password (needed to change anything)"),
    ("protect_readings", "EMETER_PROTECT_READINGS", "bool", 0, False,
     "Protect readings too (every page and JSON route needs the password)"),
    ("extra_hosts", "EMETER_HOSTS", "hosts", "", False,
     "Other names this device is reached by (space-separated)"),
) + FEED_FIELDS  # raw TCP, bridge, MQTT, push (feedfields.py)
# the energy memory (store/energy.py): whose days and months, how many peak hours a month
ENERGY_FIELDS = (
    ("timezone", "EMETER_TIMEZONE", "timezone", "CET", False, "Time zone of the energy days"),
    ("peaks_n", "EMETER_PEAKS", "peaks", 3, False, "Peak hours averaged per month"),
)
FIELDS = FIELDS + ENERGY_FIELDS
NAMES = tuple(f[0] for f in FIELDS)
SECRETS = tuple(f[0] for f in FIELDS if f[4])
OWNED = tuple(f[1] for f in FIELDS)

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


# Each checker takes the decoded text and returns (value, None) or (None, message).
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
MAX_INPUT = 256  # bytes of any one submitted field


def _salt():
    if hasattr(os, "urandom"):
        return os.urandom(8).hex()
    import random  # builds without os.urandom: a salt need not be secret, only varied
    return "%08x%08x" % (random.getrandbits(32), random.getrandbits(32))


def hash_password(pw, salt=None):
    if salt is None:
        salt = _salt()
    return "sha256$%s$%s" % (salt, hashlib.sha256((salt + pw).encode("utf-8")).digest().hex())


def check_password(stored, pw):
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != "sha256":
        return False
    return _same(hash_password(pw, parts[1]), stored)


def _same(a, b):
    # Compare without stopping at the first difference.
    if len(a) != len(b):
        return False
    d = 0
    for i in range(len(a)):
        d |= ord(a[i]) ^ ord(b[i])
    return d == 0


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


class Settings:
    def __init__(self, values=None):
        self.values = {}
        for name, _, _, default, _, _ in FIELDS:
            self.values[name] = default
        if values:
            self.values.update(values)
        self.problems = []  # [(name, message)] of stored values that were not valid
        self.cleared = []   # secrets a save dropped because their destination changed

    def __getitem__(self, name):
        return self.values[name]

    def is_set(self, name):
        return self.values[name] not in ("", None)

    # --- storage --------------------------------------------------------
    @classmethod
    def load(cls, board):
        s = cls()
        data = board.read_file(FILE)
        if not data:
            return s
        try:
            stored = tomlfile.parse(data.decode("utf-8"))
        except UnicodeError:
            s.problems.append(("file", "settings.toml is not UTF-8"))
            return s
        for name, tkey, kind, default, secret, _ in FIELDS:
            if tkey not in stored:
                continue
            v = stored[tkey]
            if kind == "admin":
                ok = isinstance(v, str) and (v == "" or v.startswith("sha256$"))
                value, err = (v, None) if ok else (None, "not a password hash")
            elif kind in ("wpa", "hex16") and v == "":
                value, err = "", None
            else:
                value, err = check_field(kind, str(v))
            if err is None:
                s.values[name] = value
            else:
                s.problems.append((name, err))
        url = s.values["push_url"]
        if "@" in url or "u=" in url or "p=" in url:  # never show a password inside the URL
            from emeter.store.changes import split_push_url
            split_push_url(s)
        return s

    def save(self, board):
        old = board.read_file(FILE)
        try:
            old_text = old.decode("utf-8") if old else ""
        except UnicodeError:
            old_text = ""
        pairs = []
        for name, tkey, _, default, _, _ in FIELDS:
            v = self.values[name]
            if v != default or name == "hostname":
                pairs.append((tkey, v))
        if WEB_API_PORT not in tomlfile.parse(old_text):
            # With CIRCUITPY_WIFI_* set, CircuitPython's web workflow starts its own HTTP
            # server, on port 80 unless told otherwise: move it out of our way.
            pairs.append((WEB_API_PORT, WEB_API_PORT_VALUE))
        board.write_file_atomic(FILE, tomlfile.rewrite(old_text, pairs, OWNED).encode("utf-8"))

    @classmethod
    def erase(cls, board):
        """Factory reset: drop every key we own, keep the rest of settings.toml."""
        cls().save(board)

    # --- a submitted form ----------------------------------------------
    def updated(self, form):
        """(new Settings, errors) for a submitted form: see store/changes.py (loaded only
        when a form is saved)."""
        from emeter.store.changes import updated
        return updated(self, form)


