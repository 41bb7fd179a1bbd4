"""Modules loaded for one rare job and let go afterwards (a board's heap keeps every
imported module's code and constants until the module is forgotten)."""

import sys


def forget(name):
    """Drop module `name` (e.g. "emeter.web.plainpages") from sys.modules and from its
    package, so the collector frees it once nothing else refers to it. The next import
    loads it again from flash."""
    sys.modules.pop(name, None)
    package, _, leaf = name.rpartition(".")
    parent = sys.modules.get(package)
    if parent is not None:
        try:
            delattr(parent, leaf)
        except (AttributeError, KeyError, TypeError):  # not there (MicroPython: KeyError)
            pass
