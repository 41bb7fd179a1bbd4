"""Exact decimal numbers for meter registers.

Board floats are 30-bit (about six significant digits) and an energy register has
nine or ten, so a value the meter sent as an integer plus a decimal scaler stays
an integer mantissa and an exponent all the way to the JSON text.
"""


class Dec:
    """mantissa * 10**exp, printed exactly ("230.8", "-0.05", "0.000")."""

    __slots__ = ("m", "e")

    def __init__(self, m, e=0):
        self.m = m
        self.e = e

    def __str__(self):
        m = self.m
        e = self.e
        if e >= 0:
            return str(m * 10 ** e)
        sign = "-" if m < 0 else ""
        digits = str(-m if m < 0 else m)
        n = -e
        if len(digits) <= n:
            digits = "0" * (n - len(digits) + 1) + digits
        return sign + digits[:-n] + "." + digits[-n:]

    def __repr__(self):
        return "Dec(%s)" % self

    def _pair(self, other, e):
        # Both sides as integers at the common exponent e (e <= both exponents).
        if isinstance(other, Dec):
            return self.m * 10 ** (self.e - e), other.m * 10 ** (other.e - e)
        return self.m * 10 ** (self.e - e), other * 10 ** (-e)

    def __eq__(self, other):
        if isinstance(other, Dec):
            e = min(self.e, other.e, 0)
        elif isinstance(other, int) and not isinstance(other, bool):
            e = min(self.e, 0)
        else:
            return False
        a, b = self._pair(other, e)
        return a == b

    def __hash__(self):
        m, e = self.m, self.e
        while e < 0 and m % 10 == 0:
            m //= 10
            e += 1
        return hash((m, e)) if e < 0 else hash(m * 10 ** e)


def scaled(raw, scaler):
    """An integer register and its DLMS scaler as an exact number (int when scaler >= 0)."""
    if scaler >= 0:
        return raw * 10 ** scaler
    return Dec(raw, scaler)
