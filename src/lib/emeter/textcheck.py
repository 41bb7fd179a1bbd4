"""Character tests the settings checkers share (no str.isprintable or isascii on the boards)."""

from cosem.textnum import is_digits  # ASCII digits only: '²' is not a port number

__all__ = ("printable_ascii", "no_controls", "only", "is_digits")


def printable_ascii(s):
    for ch in s:
        if ch < " " or ch > "~":
            return False
    return True


def no_controls(s):
    for ch in s:
        if ch < " " or ch == "\x7f":
            return False
    return True


def only(s, allowed):
    for ch in s:
        if ch not in allowed:
            return False
    return True
