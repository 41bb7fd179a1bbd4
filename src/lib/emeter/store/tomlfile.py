"""The small part of TOML that settings.toml needs: `KEY = "text"` and `KEY = 123`.

CircuitPython reads the same file (CIRCUITPY_WIFI_SSID / _PASSWORD start its web
workflow), and it understands only these two forms, so we write nothing else.
Rewriting keeps every line we do not own (comments, other keys) as it was.
"""

from cosem.jsonw import quote  # TOML's basic strings escape as JSON's do

_ESC_IN = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _unquote(s):
    # s starts after the opening quote; returns the text up to the closing quote, or None.
    out = []
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if ch == '"':
            return "".join(out)
        if ch == "\\":
            i += 1
            if i >= n:
                return None
            e = s[i]
            if e in _ESC_IN:
                out.append(_ESC_IN[e])
            elif e in "uU":
                w = 4 if e == "u" else 8
                try:
                    out.append(chr(int(s[i + 1:i + 1 + w], 16)))
                except ValueError:
                    return None
                i += w
            else:
                return None
        else:
            out.append(ch)
        i += 1
    return None


def _split(line):
    """'KEY = value' -> (KEY, value text) or None."""
    s = line.strip()
    if not s or s[0] == "#" or "=" not in s:
        return None
    k, v = s.split("=", 1)
    return k.strip(), v.strip()


def parse(text):
    """dict of the string and integer keys in text (others ignored)."""
    out = {}
    for line in text.split("\n"):
        kv = _split(line)
        if kv is None:
            continue
        k, v = kv
        if v.startswith('"'):
            val = _unquote(v[1:])
            if val is not None:
                out[k] = val
        else:
            v = v.split("#", 1)[0].strip()
            try:
                out[k] = int(v)
            except ValueError:
                pass
    return out


def rewrite(old_text, values, owned):
    """old_text with every key in `owned` replaced by values[key] (absent: removed).

    values: list of (key, str|int) in the order new keys are appended.
    """
    lines = []
    for line in old_text.split("\n") if old_text else []:
        kv = _split(line)
        if kv is not None and kv[0] in owned:
            continue
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    for k, v in values:
        lines.append("%s = %s" % (k, quote(v) if isinstance(v, str) else str(v)))
    return "\n".join(lines) + "\n"
