"""Where the shared corpus lives, and its captures (read from ../shared/corpus, never copied)."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus"))


def names(prefix=""):
    """Capture file names (with .hex / .txt) that have an expected file, sorted."""
    out = []
    for f in sorted(os.listdir(CORPUS)):
        if f.startswith(prefix) and (f.endswith(".hex") or f.endswith(".txt")):
            if os.path.exists(os.path.join(CORPUS, f[:-4] + ".expected.json")):
                out.append(f)
    return out


def read(name):
    with open(os.path.join(CORPUS, name), "rb") as f:
        return f.read()


def expected_text(name):
    with open(os.path.join(CORPUS, name[:-4] + ".expected.json")) as f:
        return f.read()


def capture(name):
    """The capture's bytes (hex files decoded)."""
    data = read(name)
    if name.endswith(".hex"):
        return bytes.fromhex("".join(data.decode().split()))
    return data
