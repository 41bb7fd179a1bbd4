"""`build.py decode [--key HEX] [--auth-key HEX] FILE...`

Prints one JSON document per message, in stream order, and an {"error": ...}
line per rejected frame. Exit status 0 when nothing was rejected, 1 otherwise,
2 for bad arguments. Standard library only; the work is cosem's public API.
"""

import argparse
import sys

from cosem import Decoder
from cosem.message import json_line

from tools.capture_file import segments
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
        if not data.strip():
            sys.stderr.write("build.py decode: %s is empty: give a capture (binary, hex text or a "
                             "telegram), e.g. examples/dsmr-v5-nl-iskra-mt382-1.txt\n"
                             % ("standard input" if path == "-" else path))
            rejected += 1
            continue
        for stream in segments(data):
            d = Decoder(args.key, args.auth_key)
            items = d.feed(stream) + d.flush()
            for item in items:
                if not item.ok:
                    rejected += 1
                out.write(json_line(item) + "\n")
    out.flush()
    return 1 if rejected else 0


def json_line_error(text):
    from cosem.jsonw import dumps
    return dumps({"error": text, "reason": "io"})
