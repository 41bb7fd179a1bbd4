"""Read a capture file for replay: binary, hex text, or an ASCII telegram.

Hex text may use any separators (spaces, newlines, commas, colons), '0x'
prefixes, and may be a log.txt dump (lines starting with '---' are skipped).
"""

import re

_HEX_JUNK = re.compile(rb"0[xX]|[\s,:;]")
_HEX_ONLY = re.compile(rb"^[0-9a-fA-F]*$")


def _is_text(data):
    for b in data:
        if b >= 0x7F or (b < 0x20 and b not in (9, 10, 13)):
            return False
    return True


def _hex(data):
    lines = [ln for ln in data.split(b"\n") if not ln.lstrip().startswith(b"---")]
    digits = _HEX_JUNK.sub(b"", b"".join(lines))
    if not digits or len(digits) % 2 or not _HEX_ONLY.match(digits):
        return None
    return bytes.fromhex(digits.decode("ascii"))


def kind_and_bytes(data):
    """('binary' | 'hex' | 'telegram', the bytes to put on the wire)."""
    if not _is_text(data):
        return "binary", data
    if data.lstrip().startswith(b"/") and b"!" in data:
        return "telegram", data
    raw = _hex(data)
    if raw is not None:
        return "hex", raw
    return "binary", data


def load(path):
    with open(path, "rb") as f:
        return kind_and_bytes(f.read())


def wire_settings(kind, data):
    """A likely (baud, bits, parity) for pacing a capture when none is given."""
    if kind == "telegram":
        # DSMR 4/5 (CRC after '!') run at 115200 8N1; 2.2/3.0 at 9600 7E1.
        end = data.find(b"!")
        tail = data[end + 1:end + 5]
        return (115200, 8, "N") if len(tail) == 4 and _HEX_ONLY.match(tail) else (9600, 7, "E")
    return (2400, 8, "E") if data[:1] == b"\x7e" else (2400, 8, "N")
