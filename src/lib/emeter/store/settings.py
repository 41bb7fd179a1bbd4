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

FILE = "settings.toml"
# The fields' table (name, settings.toml key, kind, default, secret, label) and the file's
# reading and writing are in settingsfile.py, loaded only while settings are read or saved;
# `from emeter.store.settings import FIELDS` loads it (module __getattr__ below).
_TABLE = ("FIELDS", "FEED_FIELDS", "ENERGY_FIELDS", "NAMES", "SECRETS", "OWNED",
          "WEB_API_PORT", "WEB_API_PORT_VALUE")

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
    """Give back the heap of the checkers, the fields' table and the file's reader and
    writer: they are needed at start and when a form is saved."""
    for name in ("fieldcheck", "feedfields", "changes", "settingsfile", "tomlfile"):
        forget("emeter.store." + name)
    forget("emeter.textcheck")  # the checkers' character tests


def __getattr__(name):
    # PEP 562 (MicroPython: MICROPY_MODULE_GETATTR, on in CircuitPython's and MicroPython's
    # builds): the table's names load settingsfile.py when first asked for
    if name in _TABLE:
        from emeter.store import settingsfile
        return getattr(settingsfile, name)
    raise AttributeError(name)


class Settings:
    def __init__(self, values=None):
        from emeter.store.settingsfile import defaults
        self.values = defaults()
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
        from emeter.store import settingsfile
        try:
            return settingsfile.load(cls(), board)
        finally:
            forget_checks()  # the table, the file's parser and the checkers

    def save(self, board):
        from emeter.store import settingsfile
        try:
            settingsfile.save(self, board)
        finally:
            forget_checks()

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


