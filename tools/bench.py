"""`build.py bench`: decode speed and memory, side by side with the peers.

For every corpus capture a peer can read, in one run and interleaved:
  - DSMR telegrams: cosem.decode vs dsmr_parser's TelegramParser, configured two ways
    (a specification is chosen once per telegram, untimed):
      'first spec': the first of telegram_specifications.ALL that returns a telegram. That is
        V3 for every capture here: no CRC check, and only the lines V3 knows are read
        (2 of 27 values of a Swedish telegram), so the peer does far less work than cosem;
      'same work': of all its specifications the one that reads the most values, with the CRC
        checked when the telegram carries one, as cosem.decode does;
  - HDLC frames: cosem.decode vs amshan's HdlcFrameReader + AutoDecoder.
Bytes of one capture in, decoded values out; the 'values' columns say how many each side read.
Printed: per-capture microseconds (median of rounds), peak Python memory of one
decode (tracemalloc), and the peer/ours ratio; then the same decode inside the
MicroPython VM (time and bytes allocated with the collector held off).
Figures only: machines here are shared and noisy, so nothing is asserted.
"""

import json
import os
import statistics
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(HERE, "src", "lib"))
CORPUS = os.path.join(os.path.dirname(HERE), "shared", "corpus")

import cosem  # noqa: E402


def _captures(prefix):
    out = []
    for f in sorted(os.listdir(CORPUS)):
        if not f.startswith(prefix) or not (f.endswith(".hex") or f.endswith(".txt")):
            continue
        with open(os.path.join(CORPUS, f[:-4] + ".expected.json")) as fh:
            exp = json.load(fh)
        if "error" in exp or "key" in exp or not exp.get("obis"):
            continue
        with open(os.path.join(CORPUS, f), "rb") as fh:
            data = fh.read()
        if f.endswith(".hex"):
            data = bytes.fromhex(data.decode().strip())
        out.append((f[:-4], data))
    return out


def _ours(data):
    return [m for m in cosem.decode(data) if m.ok]


def _count_ours(data):
    return sum(len(m.readings) for m in _ours(data))


def _dsmr_parser(mode):
    """dsmr_parser with a specification chosen once per telegram: mode 'first' or 'full'
    (see the module docstring)."""
    import logging
    import re
    from dsmr_parser import telegram_specifications
    from dsmr_parser.parsers import TelegramParser
    logging.getLogger("dsmr_parser").setLevel(logging.CRITICAL)  # it logs every line it cannot read
    if mode == "first":
        candidates = [TelegramParser(spec, apply_checksum_validation=True) for spec in telegram_specifications.ALL]
    else:
        specs = [getattr(telegram_specifications, n) for n in sorted(dir(telegram_specifications))
                 if n.isupper() and isinstance(getattr(telegram_specifications, n), dict)
                 and "objects" in getattr(telegram_specifications, n)]
        candidates = [TelegramParser(spec, apply_checksum_validation=True) for spec in specs]
    has_crc = re.compile(rb"\n![0-9A-F]{4}\r?\n?$")
    chosen = {}

    def pick(data, text):
        best, most = None, -1
        crc = mode == "full" and bool(has_crc.search(data))
        for candidate in candidates:
            if crc and not candidate.telegram_specification.get("checksum_support"):
                continue  # a telegram with a CRC is checked, as cosem does
            try:
                t = candidate.parse(text)
            except Exception:
                continue
            if not t:
                continue
            if mode == "first":
                return candidate
            n = len(list(t))
            if n > most:
                best, most = candidate, n
        return best

    def run(data):
        text = data.decode("ascii", "replace")
        p = chosen.get(data)
        if p is None:
            p = chosen[data] = pick(data, text)
            if p is None:
                raise ValueError("no dsmr_parser specification parses this telegram")
        return p.parse(text)

    run.count = lambda data: len(list(run(data)))
    return run


def _amshan():
    from han import autodecoder, hdlc

    def run(data):
        reader = hdlc.HdlcFrameReader(use_octet_stuffing=False)
        decoder = autodecoder.AutoDecoder()
        return [decoder.decode_message(f) for f in reader.read(data) if f.is_good_ffc]

    run.count = lambda data: sum(len(m or ()) for m in run(data))
    return run


def _works(fn, data):
    try:
        r = fn(data)
        return bool(r) and (not isinstance(r, list) or any(r))
    except Exception:
        return False


def _time_us(fn, data, loops):
    t0 = time.perf_counter()
    for _ in range(loops):
        fn(data)
    return (time.perf_counter() - t0) / loops * 1e6


def _peak(fn, data):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def compare(family, captures, peer_name, peer, rounds, loops):
    rows = []
    for name, data in captures:
        if not _works(peer, data) or not _works(_ours, data):
            continue
        ours_t, peer_t = [], []
        for _ in range(rounds):  # interleaved so drift hits both sides alike
            ours_t.append(_time_us(_ours, data, loops))
            peer_t.append(_time_us(peer, data, loops))
        o, p = statistics.median(ours_t), statistics.median(peer_t)
        rows.append((name, len(data), _count_ours(data), o, peer.count(data), p, p / o,
                     _peak(_ours, data), _peak(peer, data)))
    print("\n%s: cosem vs %s (%d captures both decode)" % (family, peer_name, len(rows)))
    print("%-40s %6s %6s %9s %6s %9s %7s %10s %10s" % ("capture", "bytes", "values", "cosem us", "values",
                                                      "peer us", "ratio", "cosem peak", "peer peak"))
    for r in rows:
        print("%-40s %6d %6d %9.1f %6d %9.1f %6.1fx %10d %10d" % r)
    if rows:
        ratios = [r[6] for r in rows]
        print("median ratio %s/cosem: %.1fx (min %.1fx, max %.1fx); median peak memory cosem %d B, peer %d B"
              % (peer_name, statistics.median(ratios), min(ratios), max(ratios),
                 statistics.median([r[7] for r in rows]), statistics.median([r[8] for r in rows])))
    return rows


def vm(repeat):
    from tools.mpy_vm import bench_in_vm, corpus_bench_captures
    # Each capture is decoded twice in a row: the first decode of a kind pays for importing the
    # modules it needs (dsmr, readings, gcm are imported on first use), the second is what every
    # later message from that meter costs.
    caps = []
    for name, data, key, auth in corpus_bench_captures():
        caps.append((name, data, key, auth))
        caps.append((name + "#again", data, key, auth))
    out = bench_in_vm(caps, repeat=repeat)
    again = dict((r["name"][:-len("#again")], r) for r in out if r["name"].endswith("#again"))
    rows = [r for r in out if not r["name"].endswith("#again") and "error" not in r and r["ok"]]
    for r in rows:
        r["again"] = again.get(r["name"], {}).get("alloc", -1)
    print("\nMicroPython VM (wasm under node; a board is slower): %d captures that decode" % len(rows))
    print("%-46s %9s %9s %9s" % ("capture", "ms", "alloc B", "again B"))
    for r in rows:
        print("%-46s %9.2f %9d %9d" % (r["name"], r["ms"], r["alloc"], r["again"]))
    if rows:
        allocs = [r["alloc"] for r in rows]
        agains = [r["again"] for r in rows]
        print("median %.2f ms, median alloc %d B, max alloc %d B (%s)"
              % (statistics.median([r["ms"] for r in rows]), statistics.median(allocs), max(allocs),
                 max(rows, key=lambda r: r["alloc"])["name"]))
        print("decoded again (modules already imported): median alloc %d B, max alloc %d B (%s)"
              % (statistics.median(agains), max(agains), max(rows, key=lambda r: r["again"])["name"]))
    return rows


def main(argv):
    from tools.cli import ArgumentParser
    ap = ArgumentParser(prog="build.py bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--loops", type=int, default=20)
    ap.add_argument("--no-vm", action="store_true", help="skip the MicroPython VM part")
    args = ap.parse_args(argv)
    dsmr = _captures("dsmr-")
    compare("DSMR telegrams", dsmr, "dsmr_parser (first spec)", _dsmr_parser("first"), args.rounds, args.loops)
    compare("DSMR telegrams", dsmr, "dsmr_parser (same work)", _dsmr_parser("full"), args.rounds, args.loops)
    compare("HDLC frames", _captures("hdlc-"), "amshan", _amshan(), args.rounds, args.loops)
    if not args.no_vm:
        vm(args.rounds)
    return 0
