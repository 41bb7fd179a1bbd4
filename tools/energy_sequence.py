"""Telegram sequences with known energy: for the energy tests and the bundled example.

    python3 tools/energy_sequence.py [--seed N] [--hours H] [--out FILE]

A seeded schedule of meter times (UTC) and register values (whole Wh, import and
export) advancing by known amounts, with optional long gap and meter swap, turned
into DSMR 5 telegrams made from the lines of a real one (the Iskra MT382 capture
in examples/): its clock line carries Central European local time with the S/W
flag, its tariff registers the schedule's values, and its CRC is computed afresh.
The same schedule feeds the DLMS frames the tests build.
"""

import argparse
import datetime
import os
import random
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(HERE, "examples", "dsmr-v5-nl-iskra-mt382-1.txt")
ZONE = "Europe/Amsterdam"  # CET/CEST, as the Dutch meter keeps
UTC = datetime.timezone.utc

# lines of the real telegram kept in generated ones (the rest repeats nothing energy needs)
KEEP = ("/", "1-3:0.2.8", "0-0:1.0.0", "0-0:96.1.1", "1-0:1.8.1", "1-0:1.8.2", "1-0:2.8.1",
        "1-0:2.8.2", "0-0:96.14.0", "1-0:1.7.0", "1-0:2.7.0")


def schedule(seed, start, hours, spacing=(60, 900), gap=None, swap=None, hourly=False):
    """[(utc datetime, import Wh, export Wh)] from start (aware datetime) for `hours`.

    spacing: (min, max) seconds between messages; hourly: one message 5-59 s after every
    hour instead. gap: (after hours, length hours) with no messages. swap: after this many
    hours the registers restart near zero (a new meter). Tariff split is the caller's."""
    rnd = random.Random(seed)
    t = start
    end = start + datetime.timedelta(hours=hours)
    imp, exp = rnd.randrange(10 ** 6, 10 ** 8), rnd.randrange(0, 10 ** 6)
    swapped = swap is None
    gapped = gap is None
    rows = []
    while t < end:
        rows.append((t, imp, exp))
        if hourly:
            nxt = (t.replace(minute=0, second=0) + datetime.timedelta(hours=1)
                   + datetime.timedelta(seconds=rnd.randrange(5, 60)))
        else:
            nxt = t + datetime.timedelta(seconds=rnd.randrange(spacing[0], spacing[1] + 1))
        if not gapped and nxt >= start + datetime.timedelta(hours=gap[0]):
            nxt = nxt + datetime.timedelta(hours=gap[1])
            gapped = True
        secs = int((nxt - t).total_seconds())
        imp += rnd.randrange(0, secs * 3 // 3600 * 1000 + 700)   # up to about 3 kW
        exp += rnd.randrange(0, secs // 3600 * 300 + 80) if rnd.random() < 0.3 else 0
        if not swapped and nxt >= start + datetime.timedelta(hours=swap):
            imp, exp = rnd.randrange(0, 50), 0
            swapped = True
        t = nxt
    return rows


def _zone():
    from zoneinfo import ZoneInfo
    return ZoneInfo(ZONE)


def dsmr_stamp(t):
    """YYMMDDhhmmssX in the meter's local time, X = S (summer) or W (winter)."""
    loc = t.astimezone(_zone())
    return loc.strftime("%y%m%d%H%M%S") + ("S" if loc.dst() else "W")


def _kwh(wh):
    return "%06d.%03d*kWh" % (wh // 1000, wh % 1000)


def template_lines(path=TEMPLATE):
    with open(path, "rb") as f:
        text = f.read().decode("ascii")
    lines = text.split("\r\n")
    return [ln for ln in lines if ln.startswith(KEEP) or ln == ""][:len(KEEP) + 1]


def telegram(lines, t, imp, exp, power_w=0):
    """One telegram (bytes, CRC fixed) of the template lines carrying time t and the
    registers (import split: night tariff 1 a fixed third, the rest tariff 2)."""
    t1 = imp // 3
    values = {
        "0-0:1.0.0": "(%s)" % dsmr_stamp(t),
        "1-0:1.8.1": "(%s)" % _kwh(t1), "1-0:1.8.2": "(%s)" % _kwh(imp - t1),
        "1-0:2.8.1": "(%s)" % _kwh(exp), "1-0:2.8.2": "(%s)" % _kwh(0),
        "1-0:1.7.0": "(%02d.%03d*kW)" % (power_w // 1000, power_w % 1000),
    }
    out = []
    for ln in lines:
        code = ln.split("(", 1)[0]
        out.append(code + values[code] if code in values else ln)
    body = ("\r\n".join(out) + "\r\n!").encode("ascii")
    return body + b"%04X\r\n" % _crc16_arc(body)


def _crc16_arc(data):
    c = 0
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
    return c


def dsmr_sequence(rows, lines=None):
    lines = lines or template_lines()
    out = []
    prev = None
    for t, imp, exp in rows:
        w = 0 if prev is None else (imp - prev[1]) * 3600 // max(1, int((t - prev[0]).total_seconds()))
        out.append(telegram(lines, t, imp, exp, max(0, min(w, 99999))))  # 0 across a swap
        prev = (t, imp)
    return b"".join(out)


def example_rows(seed=14):
    # 12 days of one telegram a little after every hour, across the March clock change
    # and the month end, with one meter swap, so every chart has bars.
    start = datetime.datetime(2026, 3, 24, 23, 0, 10, tzinfo=UTC)
    return schedule(seed, start, 12 * 24, hourly=True, swap=9 * 24 + 7)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", default=os.path.join(HERE, "examples", "energy-dsmr-12-days.txt"))
    a = ap.parse_args(argv)
    data = dsmr_sequence(example_rows(a.seed))
    with open(a.out, "wb") as f:
        f.write(data)
    print("%s: %d bytes" % (a.out, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
