"""The feeds' rows of the settings table (appended to settings.FIELDS) and their checkers.

Each checker takes text and returns (value, None) or (None, message), like the
ones in settings.py.  Empty text means "not set" for every optional field.
"""

from emeter.textcheck import is_digits, printable_ascii

# name, settings.toml key, kind, default, secret, label
FEED_FIELDS = (
    ("raw_enabled", "EMETER_RAW", "bool", 1, False, "Raw meter bytes on a TCP port"),
    ("raw_port", "EMETER_RAW_PORT", "port", 23, False, "Raw TCP port"),
    ("bridge_enabled", "EMETER_BRIDGE", "bool", 0, False, "DSMR telegrams (bridged from DLMS) on a TCP port"),
    ("bridge_port", "EMETER_BRIDGE_PORT", "port", 2323, False, "DSMR bridge TCP port"),
    ("mqtt_enabled", "EMETER_MQTT", "bool", 0, False, "Publish to an MQTT broker"),
    ("mqtt_host", "EMETER_MQTT_HOST", "netaddr", "", False, "MQTT broker (IP address or host name)"),
    ("mqtt_port", "EMETER_MQTT_PORT", "port", 1883, False, "MQTT port"),
    ("mqtt_user", "EMETER_MQTT_USER", "text", "", False, "MQTT user name"),
    ("mqtt_password", "EMETER_MQTT_PASSWORD", "secret", "", True, "MQTT password"),
    ("mqtt_prefix", "EMETER_MQTT_PREFIX", "topic", "emeter", False, "MQTT topic prefix"),
    ("ha_discovery", "EMETER_HA_DISCOVERY", "bool", 1, False, "Home Assistant MQTT discovery"),
    ("ha_prefix", "EMETER_HA_PREFIX", "topic", "homeassistant", False, "Home Assistant discovery prefix"),
    ("push_mode", "EMETER_PUSH", "push", "off", False, "HTTP push"),
    ("push_url", "EMETER_PUSH_URL", "url", "", False, "Push URL (http://...)"),
    ("push_token", "EMETER_PUSH_TOKEN", "secret", "", True, "Push token (InfluxDB v2 token or dsmr-reader API key)"),
    ("push_interval", "EMETER_PUSH_INTERVAL", "interval", 60, False, "Push at most every N seconds"),
)

FEED_CHOICES = {
    "push": (("off", "off"), ("influx", "InfluxDB line protocol"),
             ("dsmrreader", "dsmr-reader datalogger")),
}

_TOPIC_BAD = "#+"
_NET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:"


def _ascii_digits(s):
    return len(s) <= 9 and is_digits(s)


def _port(s):
    s = s.strip()
    if not _ascii_digits(s) or not (1 <= int(s) <= 65535):
        return None, "a port number 1 to 65535"
    return int(s), None


def _interval(s):
    s = s.strip()
    if not _ascii_digits(s) or not (5 <= int(s) <= 86400):
        return None, "5 to 86400 seconds"
    return int(s), None


def _netaddr(s):
    s = s.strip()
    if len(s) > 64:
        return None, "at most 64 characters"
    for ch in s:
        if ch not in _NET:
            return None, "an IP address or host name"
    return s, None


def _text(s):
    if len(s) > 64 or not printable_ascii(s):
        return None, "at most 64 printable ASCII characters"
    return s, None


def _secret(s):
    if len(s) > 128 or not printable_ascii(s):
        return None, "at most 128 printable ASCII characters"
    return s, None


def _topic(s):
    s = s.strip().strip("/")
    if not s:
        return None, "a topic such as emeter"
    if len(s) > 64 or not printable_ascii(s) or " " in s:
        return None, "at most 64 characters, no spaces"
    for ch in _TOPIC_BAD:
        if ch in s:
            return None, "no # or + (those are wildcards)"
    return s, None


def _url(s):
    s = s.strip()
    if not s:
        return "", None
    if len(s) > 200 or not printable_ascii(s) or " " in s:
        return None, "at most 200 characters, no spaces"
    if not s.startswith("http://") and not s.startswith("https://"):
        return None, "starts with http:// or https://"
    return s, None


def _push(s):
    for value, label in FEED_CHOICES["push"]:
        if s == value or s == label:
            return value, None
    return None, "off, influx or dsmrreader"


FEED_CHECKS = {
    "port": _port, "interval": _interval, "netaddr": _netaddr, "text": _text,
    "secret": _secret, "topic": _topic, "url": _url, "push": _push,
}
