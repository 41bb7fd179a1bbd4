"""A small A-XDR encoder for building test frames (the decoder never encodes)."""

import struct

from cosem import axdr


def length(n):
    if n < 0x80:
        return bytes([n])
    for size, tag in ((1, 0x81), (2, 0x82), (3, 0x83), (4, 0x84)):
        if n < 1 << (8 * size):
            return bytes([tag]) + n.to_bytes(size, "big")
    raise ValueError(n)


def integer(tag, v):
    size, signed = axdr.FIXED[tag]
    if tag == axdr.BOOLEAN:
        return bytes([tag, 1 if v else 0])
    return bytes([tag]) + v.to_bytes(size, "big", signed=signed)


def octets(b):
    return bytes([axdr.OCTET_STRING]) + length(len(b)) + bytes(b)


def visible(s):
    b = s.encode()
    return bytes([axdr.VISIBLE_STRING]) + length(len(b)) + b


def utf8(s):
    b = s.encode("utf-8")
    return bytes([axdr.UTF8_STRING]) + length(len(b)) + b


def structure(*items):
    return bytes([axdr.STRUCTURE]) + length(len(items)) + b"".join(items)


def array(*items):
    return bytes([axdr.ARRAY]) + length(len(items)) + b"".join(items)


def float32(v):
    return bytes([axdr.FLOAT32]) + struct.pack(">f", v)


def float64(v):
    return bytes([axdr.FLOAT64]) + struct.pack(">d", v)


def obis(a, b, c, d, e, f=255):
    return octets(bytes([a, b, c, d, e, f]))


def scaler_unit(scaler, unit):
    return structure(integer(axdr.INT8, scaler), integer(axdr.ENUM, unit))


def datetime_bytes(y, mo, d, h, mi, s, deviation=None, status=0):
    dev = 0x8000 if deviation is None else deviation & 0xFFFF
    return y.to_bytes(2, "big") + bytes([mo, d, 0xFF, h, mi, s, 0xFF]) + dev.to_bytes(2, "big") + bytes([status])


def notification(body, stamp=None, form="0c", invoke=b"\x40\x00\x00\x01"):
    """A data-notification APDU; form says how the date-time is carried: 'none', '0c', '090c'."""
    if stamp is None or form == "none":
        head = b"\x00"
    elif form == "0c":
        head = b"\x0c" + stamp
    else:
        head = b"\x09\x0c" + stamp
    return b"\x0f" + invoke + head + body
