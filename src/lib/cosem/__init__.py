"""cosem: a pure decoder for smart-meter customer ports (HAN, P1, H1).

Bytes in; Messages (exact readings), Failures (rejected frames, with the
reason) out. No I/O, no clock: the same code runs on CPython, MicroPython and
CircuitPython.

    from cosem import Decoder
    d = Decoder(key=None)
    for item in d.feed(chunk):
        print(item.to_json())
"""

from .stream import Decoder, decode

__all__ = ("Decoder", "decode")
