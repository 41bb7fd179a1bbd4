"""`build.py decode [--key HEX] [--auth-key HEX] FILE...`

Prints one JSON document per message, in stream order, and an {"error": ...}
line per rejected frame. Exit status 0 when nothing was rejected, 1 otherwise,
2 for bad arguments. A file that gives neither a message nor a rejection (empty,
no frame in it, a log.txt without entries) is named in one line on standard error,
and the exit status is 1. Standard library only; the work is cosem's public API.
"""

import argparse
import sys

from cosem import Decoder
from cosem.msgjson import json_line

from host.capture import read
from tools.cli import ArgumentParser


def _key(text):
    t = text.strip().lower()
    if t.startswith("0x"):
        t = t[2:]
    t = t.replace(" ", "").replace(":", "")
    if len(t) != 32 or any(c not in "0123456789abcdef" for c in t):
        raise argparse.ArgumentTypeError("a key is 32 hex digits")
    return bytes.fromhex(t)


def main(argv):
    ap = ArgumentParser(prog="build.py decode", description=__doc__.split("\n\n")[0])
    ap.add_argument("--key", type=_key, help="AES-128 decryption key (32 hex digits)")
    ap.add_argument("--auth-key", type=_key, help="authentication key (32 hex digits)")
    ap.add_argument("files", nargs="+", metavar="FILE", help="capture file ('-' for standard input)")
    args = ap.parse_args(argv)
    rejected = 0
    out = sys.stdout
    for path in args.files:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as e:
                out.write(json_line_error("cannot read %s: %s" % (path, e.strerror or e)) + "\n")
                rejected += 1
                continue
        kind, streams = read(data)
        said = 0
        for stream in streams:
            # (one decoder per log.txt entry: each is a separate moment of the line)
            d = Decoder(args.key, args.auth_key)
            items = d.feed(stream) + d.flush()
            for item in items:
                if not item.ok:
                    rejected += 1
                out.write(json_line(item) + "\n")
            said += len(items)
        if not said:
            out.flush()
            name = "standard input" if path == "-" else path
            sys.stderr.write("build.py decode: %s: %s\n" % (name, _silence(kind, data)))
            rejected += 1
    out.flush()
    return 1 if rejected else 0


def _silence(kind, data):
    """Why a file gave nothing, in words that name the fix."""
    if not data:
        return "the file is empty"
    if kind == "log":
        return "a log.txt without any entry of hex bytes between '--- Start ---' and '--- End ---'"
    return ("no frame, telegram or APDU found in %d bytes (is this a meter capture: raw bytes, hex text, "
            "a log.txt or a P1 telegram?)" % len(data))


def json_line_error(text):
    from cosem.jsonw import dumps
    return dumps({"error": text, "reason": "io"})
