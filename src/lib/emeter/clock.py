"""Tick arithmetic that survives wrap-around.

Boards count milliseconds in a small int that wraps at 2**29 (supervisor.ticks_ms);
every deadline in the application goes through these two functions, so the host
board wraps at the same point and the same code is tested.
"""

_WRAP = 1 << 29
_MASK = _WRAP - 1
_HALF = _WRAP >> 1


def ticks_diff(a, b):
    """a - b in milliseconds, correct across one wrap (|a - b| < 2**28)."""
    return ((a - b + _HALF) & _MASK) - _HALF


def ticks_add(t, delta):
    return (t + delta) & _MASK


def wrap(ms):
    """Fold a free-running millisecond count into the board's tick range."""
    return ms & _MASK
