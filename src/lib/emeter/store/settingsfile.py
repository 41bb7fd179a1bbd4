"""The settings' table of fields and their file, settings.toml: loaded while settings are
read (at start) or saved, and let go afterwards (settings.forget_checks): the table's labels
and keys are needed by no loop pass.

Every name here is also reachable as `emeter.store.settings.<NAME>` (settings.py loads this
module when one is asked for).
"""

from emeter.store import tomlfile
from emeter.store.settings import FILE, check_field

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
     "Protect readings too (every page and JSON route needs the password)"),
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



def defaults():
    """name -> default of every field (a new dict)."""
    values = {}
    for f in FIELDS:
        values[f[0]] = f[3]
    return values


def load(s, board):
    """Fill Settings s from settings.toml: valid stored values replace the defaults, the
    others are listed in s.problems."""
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


def save(s, board):
    """Write Settings s into settings.toml (atomically), keeping the lines we do not own."""
    old = board.read_file(FILE)
    try:
        old_text = old.decode("utf-8") if old else ""
    except UnicodeError:
        old_text = ""
    pairs = []
    for name, tkey, _, default, _, _ in FIELDS:
        v = s.values[name]
        if v != default or name == "hostname":
            pairs.append((tkey, v))
    if WEB_API_PORT not in tomlfile.parse(old_text):
        # With CIRCUITPY_WIFI_* set, CircuitPython's web workflow starts its own HTTP
        # server, on port 80 unless told otherwise: move it out of our way.
        pairs.append((WEB_API_PORT, WEB_API_PORT_VALUE))
    board.write_file_atomic(FILE, tomlfile.rewrite(old_text, pairs, OWNED).encode("utf-8"))
