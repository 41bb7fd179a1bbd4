"""Text into one bytearray without a copy per piece.

MicroPython and CircuitPython let bytearray.extend() take a str (its UTF-8 bytes go in as
they are); CPython wants bytes, so there each piece is encoded first. Probed once here.
"""

try:
    bytearray().extend("a")
    EXTEND_STR = True
except TypeError:
    EXTEND_STR = False


class TextBytes:
    """An `out` for cosem.jsonw.write: each piece goes straight into one buffer (no list
    of pieces, no joined copy); the text is .buf (UTF-8)."""

    def __init__(self):
        self.buf = bytearray()

    def append(self, s):
        self.buf.extend(s if EXTEND_STR else s.encode("utf-8"))
