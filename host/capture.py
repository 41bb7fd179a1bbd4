"""Capture files the way people have them, for `build.py decode` and `build.py run --replay`:
raw binary, an ASCII telegram, hex text (any separators, '0x' prefixes), or a log.txt of
rejected frames.

Two log.txt formats are read, entry by entry:
- this project's: a '--- Start --- <when> <reason>' line, the bytes as hex, '--- End ---';
- the seed firmware's (the ESP8266 reader this project replaces): '--- Start ---', then the
  bytes as C's printf("%#04x, ") writes them, 16 to a line ('0x1b, 0x02, 0000, ' -- that
  format writes a zero byte as '0000', not '0x00'), and '---  End  ---'.
Each entry is a separate moment of the line: decode starts afresh for each, and a replay lets
the line go quiet between them. Standard library only.
"""

_HEX = "0123456789abcdefABCDEF"
_SEPARATORS = " \t\r\n,;:-|"


def _marker(line, word):
    """Is line a '--- Start ---' / '---  End  ---' marker (any spaces inside, text after)?"""
    s = line.strip()
    if not s.startswith("---"):
        return False
    s = s[3:].lstrip()
    if not s.startswith(word):
        return False
    return s[len(word):].lstrip().startswith("---")


def _tokens(text):
    out = []
    word = []
    for c in text:
        if c in _SEPARATORS:
            if word:
                out.append("".join(word))
                word = []
        else:
            word.append(c)
    if word:
        out.append("".join(word))
    return out


def _is_hex(s):
    for c in s:
        if c not in _HEX:
            return False
    return True


def _printf_bytes(tokens):
    """One byte per token, as printf('%#04x') writes them ('0x1b', and '0000' for zero),
    or None when a token is something else."""
    out = bytearray()
    for t in tokens:
        if t[:2] in ("0x", "0X") and 3 <= len(t) <= 4 and _is_hex(t[2:]):
            out.append(int(t[2:], 16))
        elif t in ("0", "0000"):  # '%#x' and '%#04x' write zero without its '0x'
            out.append(0)
        else:
            return None
    return bytes(out)


def hex_text(text):
    """The bytes of hex text, or None if it is not hex text."""
    tokens = _tokens(text)
    if not tokens:
        return None
    for t in tokens:
        if t[:2] in ("0x", "0X"):
            b = _printf_bytes(tokens)
            if b is not None:
                return b
            break
    digits = "".join([t[2:] if t[:2] in ("0x", "0X") else t for t in tokens])
    if not digits or len(digits) % 2 or not _is_hex(digits):
        return None
    return bytes.fromhex(digits)


def _log_entries(lines):
    """The hex of each Start..End block; a block the file cuts off before its End still counts."""
    out = []
    block = None
    for line in lines:
        if _marker(line, "Start"):
            if block:
                out.append(block)
            block = []
        elif _marker(line, "End"):
            if block is not None:
                out.append(block)
            block = None
        elif block is not None:
            block.append(line)
    if block:
        out.append(block)
    streams = []
    for block in out:
        b = hex_text("\n".join(block))
        if b:
            streams.append(b)
    return streams


def _is_text(data):
    for b in data:
        if b >= 0x7F or (b < 0x20 and b not in (9, 10, 13)):
            return False
    return True


def read(data):
    """A capture file's bytes -> (kind, streams): kind 'binary', 'telegram', 'hex' or 'log';
    streams: the byte streams to decode, one per log.txt entry (else one)."""
    if not _is_text(data):
        return "binary", [data]
    text = data.decode("ascii")
    lines = text.splitlines()
    for line in lines:
        if _marker(line, "Start") or _marker(line, "End"):
            return "log", _log_entries(lines)
    stripped = text.lstrip()
    if stripped.startswith("/") or "\n/" in text:
        return "telegram", [data]  # a P1 telegram (or several)
    b = hex_text("\n".join([ln for ln in lines if not ln.lstrip().startswith("#")]))
    if b is not None:
        return "hex", [b]
    return "binary", [data]


def segments(data):
    """A capture file's bytes -> list of byte streams to decode (one per log.txt entry)."""
    return read(data)[1]


def kind_and_bytes(data):
    """('binary' | 'hex' | 'telegram' | 'log', the bytes to put on the wire)."""
    kind, streams = read(data)
    return kind, b"".join(streams)


def load(path):
    with open(path, "rb") as f:
        return kind_and_bytes(f.read())


def load_streams(path):
    """(kind, [bytes, ...]): a log.txt's entries apart, so a replay can pause between them."""
    with open(path, "rb") as f:
        return read(f.read())


def wire_settings(kind, data):
    """A likely (baud, bits, parity) for pacing a capture when none is given."""
    if kind == "telegram":
        # DSMR 4/5 (CRC after '!') run at 115200 8N1; 2.2/3.0 at 9600 7E1.
        end = data.find(b"!")
        tail = data[end + 1:end + 5]
        return (115200, 8, "N") if len(tail) == 4 and _is_hex(tail.decode("ascii", "replace")) else (9600, 7, "E")
    return (2400, 8, "E") if data[:1] == b"\x7e" else (2400, 8, "N")
