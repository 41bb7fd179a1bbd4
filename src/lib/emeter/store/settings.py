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

from emeter.lazy import forget
from emeter.store import tomlfile

FILE = "settings.toml"
WEB_API_PORT = "CIRCUITPY_WEB_API_PORT"
WEB_API_PORT_VALUE = 8081

# The feeds' rows (their checkers: feedfields.py): raw TCP, bridge, MQTT, push.
FEED_FIELDS = (
    ("raw_enabled", "EMETER_RAW", "bool", 0, False, "Raw meter bytes on a TCP port"),
    ("raw_port", "EMETER_RAW_PORT", "port", 23, False, "Raw TCP port"),
    ("bridge_enabled", "EMETER_BRIDGE", "bool", 0, False, "DSMR telegrams (bridged from DLMS) on a TCP port"),
    ("bridge_port", "EMETER_BRIDGE_PORT", "port", 2323, False, "DSMR bridge TCP port"),
    ("feed_client", "EMETER_FEED_CLIENT", "ip", "", False,
     "Only this client address may connect (empty: any)"),
    ("mqtt_enabled", "EMETER_MQTT", "bool", 0, False, "Publish to an MQTT broker"),
    ("mqtt_host", "EMETER_MQTT_HOST", "netaddr", "", False, "MQTT broker (IP address or host name)"),
    ("mqtt_port", "EMETER_MQTT_PORT", "port", 1883, False, "MQTT port"),
    ("mqtt_user", "EMETER_MQTT_USER", "text", "", False, "MQTT user name"),
    ("mqtt_password", "EMETER_MQTT_PASSWORD", "secret", "", True, "MQTT password"),
    ("mqtt_prefix", "EMETER_MQTT_PREFIX", "topic", "emeter", False, "MQTT topic prefix"),
    ("ha_discovery", "EMETER_HA_DISCOVERY", "bool", 1, False, "Home Assistant MQTT discovery"),
    ("ha_prefix", "EMETER_HA_PREFIX", "topic", "homeassistant", False, "Home Assistant discovery prefix"),
    ("ha_before_2025_6", "EMETER_HA_BEFORE_2025_6", "bool", 0, False, "HA compatibility: before 2025.6"),
    ("push_mode", "EMETER_PUSH", "push", "off", False, "HTTP push"),
    ("push_url", "EMETER_PUSH_URL", "url", "", False, "Push URL (http://...)"),
    ("push_token", "EMETER_PUSH_TOKEN", "secret", "", True, "Push token (InfluxDB v2 token or dsmr-reader API key)"),
    ("push_interval", "EMETER_PUSH_INTERVAL", "interval", 60, False, "Push at most every N seconds"),
)

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
     "Protect readings too (/, /data.json, /log.txt, /metrics need the password)"),
    ("extra_hosts", "EMETER_HOSTS", "hosts", "", False,
     "Other names this device is reached by (space-separated)"),
) + FEED_FIELDS
# the energy memory (store/energy.py): whose days and months, how many peak hours a month
ENERGY_FIELDS = (
    ("timezone", "EMETER_TIMEZONE", "timezone", "CET", False, "Time zone of the energy days"),
    ("peaks_n", "EMETER_PEAKS", "peaks", 3, False, "Peak hours averaged per month"),
)
FIELDS = FIELDS + ENERGY_FIELDS
NAMES = tuple(f[0] for f in FIELDS)
SECRETS = tuple(f[0] for f in FIELDS if f[4])
OWNED = tuple(f[1] for f in FIELDS)

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
    """Validate one submitted value (bytes or str): (value, None) or (None, message).
    The checkers (fieldcheck.py) are loaded on the first call; forget_checks() lets
    them go."""
    from emeter.store.fieldcheck import check_field as check
    return check(kind, raw)


def forget_checks():
    """Give back the checkers' heap: they are needed at start and when a form is saved."""
    forget("emeter.store.fieldcheck")
    forget("emeter.store.feedfields")


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
        forget_checks()
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


