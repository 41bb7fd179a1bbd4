"""The checkers of the feeds' settings (their rows, FEED_FIELDS, are in settings.py).

Each checker takes text and returns (value, None) or (None, message), like the
ones in fieldcheck.py.  Empty text means "not set" for every optional field.
Loaded only while settings are checked (at start and when a form is saved).
"""

from emeter.store.settings import FEED_FIELDS  # noqa: F401  (the rows these check)
from emeter.textcheck import is_digits, only, printable_ascii

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


def _ip(s):
    s = s.strip().lower()
    if len(s) > 39 or not only(s, "0123456789abcdef.:"):
        return None, "an IP address such as 192.168.1.20"
    return s, None


def _push(s):
    for value, label in FEED_CHOICES["push"]:
        if s == value or s == label:
            return value, None
    return None, "off, influx or dsmrreader"


FEED_CHECKS = {
    "port": _port, "interval": _interval, "netaddr": _netaddr, "text": _text,
    "secret": _secret, "topic": _topic, "url": _url, "push": _push,
    "ip": _ip,
}
