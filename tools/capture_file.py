"""Reading captures the way people have them: raw binary, hex text (any
separators, '0x' prefixes, a pasted log.txt dump) or an ASCII telegram.
Host-side only (used by `build.py decode` and `build.py run --replay`)."""

_HEX = set("0123456789abcdefABCDEF")
_SEPARATORS = set(" \t\r\n,;:-|")


def _hex_text(text):
    """The bytes of hex text, or None if it is not hex text."""
    digits = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "0" and i + 1 < n and text[i + 1] in "xX":
            i += 2
            continue
        if c in _HEX:
            digits.append(c)
        elif c not in _SEPARATORS:
            return None
        i += 1
    if not digits or len(digits) % 2:
        return None
    return bytes.fromhex("".join(digits))


def segments(data):
    """A capture file's bytes -> list of byte streams to decode (one per log.txt entry)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return [data]
    stripped = text.lstrip()
    if stripped.startswith("/") or "\n/" in text:
        return [data]  # a P1 telegram (or several)
    if "--- Start" in text:
        out = []
        block = None
        for line in text.splitlines():
            if line.startswith("--- Start"):
                block = []
            elif line.startswith("--- End"):
                if block is not None:
                    b = _hex_text("\n".join(block))
                    if b:
                        out.append(b)
                block = None
            elif block is not None:
                block.append(line)
        return out
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    b = _hex_text("\n".join(lines))
    return [b] if b is not None else [data]


def read_capture(path):
    """All the bytes of a capture file as one stream (replay)."""
    with open(path, "rb") as f:
        data = f.read()
    return b"".join(segments(data))
