"""Make the one-hour example captures in examples/ from two real captures (run it again
and you get the same bytes: the household below is seeded).

    python3 tools/make_examples.py [--shared ../shared]

A real meter's frame is the template: its layout, identity, header and every value the
hour does not change stay as the meter sent them. Each message of the hour then carries
the household's power at that moment, and the energy registers grow by exactly that power
times the time since the previous message (kept in exact fractions, truncated to the
register's resolution, as a meter does), with the meter's clock advanced and the
checksums computed again.

- examples/dsmr-v5-nl-iskra-mt382-hour.txt: the Iskra MT382 DSMR 5 telegram of
  examples/dsmr-v5-nl-iskra-mt382-1.txt, one telegram every 10 s (a DSMR 5 meter sends
  one a second; every tenth keeps the file small, and the timestamps say 10 s, which
  the replay follows), tariff 2, gas every 5 minutes, CRC-16/ARC.
- examples/hdlc-aidon-se-hour.bin: the Aidon Swedish 27-value list of
  ../shared/corpus/hdlc-aidon-se-list-1.hex, every 10 s as the meter sends it, binary
  HDLC with the frame check sequence (CRC-16/X.25) computed again.
"""

import argparse
import os
import random
import re
import struct
import sys
from datetime import datetime, timedelta
from fractions import Fraction

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20261127
STEP_S = 10
COUNT = 360  # one hour of 10 s messages


# --- the household ------------------------------------------------------------

def household(rng, count, step_s):
    """[(W on L1, W on L2, W on L3)] for each message: an evening at home."""
    base = [60.0, 45.0, 70.0]           # always-on loads per phase
    fridge_on = rng.randrange(0, 900)   # the fridge compressor on L2: 15 min on, 25 off
    kettle = rng.randrange(300, 900)    # a kettle on L1 for 3 minutes
    oven = rng.randrange(1200, 1800)    # an oven on L3 for 25 minutes, its thermostat cycling
    lights = rng.randrange(600, 1500)   # lights and the TV on L1 from then on
    out = []
    for i in range(count):
        t = i * step_s
        p = [b * (1 + rng.uniform(-0.08, 0.08)) for b in base]
        for k in range(3):
            base[k] = min(max(base[k] + rng.uniform(-3, 3), 30.0), 120.0)
        if (t - fridge_on) % 2400 < 900:
            p[1] += 95 + rng.uniform(-4, 4)
        if kettle <= t < kettle + 180:
            p[0] += 2050 + rng.uniform(-20, 20)
        if oven <= t < oven + 1500 and (t - oven) % 240 < (180 if t - oven < 600 else 90):
            p[2] += 2300 + rng.uniform(-30, 30)
        if t >= lights:
            p[0] += 140 + rng.uniform(-5, 5)
        out.append([int(round(x)) for x in p])
    return out


def voltages(rng, count, start):
    v = list(start)
    out = []
    for _ in range(count):
        v = [min(max(x + rng.uniform(-0.4, 0.4), start[k] - 3), start[k] + 3) for k, x in enumerate(v)]
        out.append([round(x, 1) for x in v])
    return out


# --- checksums (written out here, not taken from the decoder they test) ----------

def crc16(data, poly, init, xorout):
    c = init
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
    return c ^ xorout


def crc_x25(data):
    return crc16(data, 0x8408, 0xFFFF, 0xFFFF)


def crc_arc(data):
    return crc16(data, 0xA001, 0, 0)


# --- DSMR ---------------------------------------------------------------------------

def _set(text, obis, value):
    """Replace the first (...) value of the line for obis."""
    pat = re.compile(r"(?m)^(%s)\(([^)]*)\)" % re.escape(obis))
    new, n = pat.subn(lambda m: "%s(%s)" % (m.group(1), value), text, count=1)
    assert n == 1, obis
    return new


def _kwh(wh):
    """Wh (a Fraction) -> the register text: kWh with 3 decimals, truncated like the meter."""
    w = int(wh)  # whole Wh
    return "%06d.%03d*kWh" % (w // 1000, w % 1000)


def dsmr_hour(template, rng):
    text = template.decode("ascii")
    head = text[:text.index("!") + 1]
    start = datetime(2017, 1, 2, 19, 20, 2)
    t1 = Fraction(4426)                 # 1-0:1.8.1 in Wh (tariff 1 rests)
    t2 = Fraction(2399)                 # 1-0:1.8.2 in Wh (tariff 2 is the one running)
    gas = Fraction(107, 1000)           # m3
    loads = household(rng, COUNT, STEP_S)
    volts = voltages(rng, COUNT, (230.0, 230.0, 229.0))
    reactive = (85.0, 96.0, 137.0)      # var per phase: what the template's currents imply
    out = []
    for i in range(COUNT):
        now = start + timedelta(seconds=i * STEP_S)
        p = loads[i]
        if i:
            t2 += Fraction(sum(loads[i - 1]) * STEP_S, 3600)  # the power held since the last one
        if i and now.minute % 5 == 0 and now.second < STEP_S:
            gas += Fraction(rng.randrange(20, 60), 1000)      # heating: 0.02-0.06 m3 per 5 min
            gas_time = now.replace(second=0)
        elif i == 0:
            gas_time = datetime(2017, 1, 2, 16, 10, 5)
        s = _set(head, "0-0:1.0.0", now.strftime("%y%m%d%H%M%S") + "W")
        s = _set(s, "1-0:1.8.1", _kwh(t1))
        s = _set(s, "1-0:1.8.2", _kwh(t2))
        s = _set(s, "1-0:1.7.0", "%06.3f*kW" % (sum(p) / 1000.0))
        for k, (po, vo, io) in enumerate((("21", "32", "31"), ("41", "52", "51"), ("61", "72", "71"))):
            v = volts[i][k]
            s = _set(s, "1-0:%s.7.0" % po, "%06.3f*kW" % (p[k] / 1000.0))
            s = _set(s, "1-0:%s.7.0" % vo, "%06.1f*V" % v)
            amps = (p[k] ** 2 + reactive[k] ** 2) ** 0.5 / v
            s = _set(s, "1-0:%s.7.0" % io, "%.2f*A" % amps)
        g = int(gas * 1000)
        s = re.sub(r"(?m)^0-1:24\.2\.1\([^)]*\)\([^)]*\)",
                   "0-1:24.2.1(%sW)(%05d.%03d*m3)" % (gas_time.strftime("%y%m%d%H%M%S"), g // 1000, g % 1000),
                   s, count=1)
        raw = s.encode("ascii")
        out.append(raw + b"%04X\r\n" % crc_arc(raw))
    return b"".join(out)


# --- HDLC (Aidon SE list) ---------------------------------------------------------------

def _obis(text):
    a, rest = text.split("-")
    b, rest = rest.split(":")
    c, d, e = rest.split(".")
    return bytes([int(a), int(b), int(c), int(d), int(e), 255])


_FORMATS = {0x06: ">I", 0x05: ">i", 0x12: ">H", 0x10: ">h"}


def _put(frame, obis, value):
    """Write an integer register value in place (same A-XDR type, same size)."""
    key = b"\x09\x06" + _obis(obis)
    at = frame.find(key)
    assert at > 0 and frame.find(key, at + 1) < 0, obis
    tag = frame[at + 8]
    fmt = _FORMATS[tag]
    frame[at + 9:at + 9 + struct.calcsize(fmt)] = struct.pack(fmt, value)


def _get(frame, obis):
    at = frame.find(b"\x09\x06" + _obis(obis))
    fmt = _FORMATS[frame[at + 8]]
    return struct.unpack(fmt, bytes(frame[at + 9:at + 9 + struct.calcsize(fmt)]))[0]


def _clock(frame, when):
    key = b"\x09\x06" + _obis("0-0:1.0.0") + b"\x09\x0c"
    at = frame.find(key) + len(key)
    # year, month, day; the weekday and hundredths stay as the meter sent them (not specified)
    frame[at:at + 4] = struct.pack(">HBB", when.year, when.month, when.day)
    frame[at + 5:at + 8] = bytes([when.hour, when.minute, when.second])


def aidon_hour(template, rng):
    start = datetime(2022, 10, 16, 16, 14, 10)
    energy = {o: Fraction(_get(template, o)) for o in ("1-0:1.8.0", "1-0:4.8.0")}
    loads = household(rng, COUNT, STEP_S)
    volts = voltages(rng, COUNT, (234.8, 236.1, 237.8))
    qexp = (242, 388, 403)  # reactive export per phase (var), as the template's meter saw it
    out = []
    q_prev = sum(qexp)
    for i in range(COUNT):
        f = bytearray(template)
        p = loads[i]
        q = [max(0, int(round(x * (1 + rng.uniform(-0.05, 0.05))))) for x in qexp]
        if i:
            energy["1-0:1.8.0"] += Fraction(sum(loads[i - 1]) * STEP_S, 3600)
            energy["1-0:4.8.0"] += Fraction(q_prev * STEP_S, 3600)
        q_prev = sum(q)
        _clock(f, start + timedelta(seconds=i * STEP_S))
        _put(f, "1-0:1.7.0", sum(p))
        _put(f, "1-0:2.7.0", 0)
        _put(f, "1-0:4.7.0", sum(q))
        for k, (imp, exp_, qi, qe, v, a) in enumerate((
                ("21", "22", "23", "24", "32", "31"), ("41", "42", "43", "44", "52", "51"),
                ("61", "62", "63", "64", "72", "71"))):
            _put(f, "1-0:%s.7.0" % imp, p[k])
            _put(f, "1-0:%s.7.0" % exp_, 0)
            _put(f, "1-0:%s.7.0" % qe, q[k])
            _put(f, "1-0:%s.7.0" % v, int(round(volts[i][k] * 10)))
            _put(f, "1-0:%s.7.0" % a, int(round((p[k] ** 2 + q[k] ** 2) ** 0.5 / volts[i][k] * 10)))
        _put(f, "1-0:1.8.0", int(energy["1-0:1.8.0"]))
        _put(f, "1-0:4.8.0", int(energy["1-0:4.8.0"]))
        fcs = crc_x25(bytes(f[1:-3]))
        f[-3:-1] = struct.pack("<H", fcs)
        out.append(bytes(f))
    return b"".join(out)


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/make_examples.py", description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"),
                    help="the shared folder with corpus/ (default ../shared)")
    ap.add_argument("--out", default=os.path.join(ROOT, "examples"))
    a = ap.parse_args(argv)
    with open(os.path.join(ROOT, "examples", "dsmr-v5-nl-iskra-mt382-1.txt"), "rb") as f:
        dsmr = dsmr_hour(f.read(), random.Random(SEED))
    path = os.path.join(a.shared, "corpus", "hdlc-aidon-se-list-1.hex")
    try:
        with open(path) as f:
            aidon = bytearray.fromhex(f.read().strip())
    except OSError as e:
        sys.stderr.write("make_examples: cannot read %s (%s): give the shared folder with --shared DIR\n"
                         % (path, e.strerror))
        return 1
    hdlc = aidon_hour(aidon, random.Random(SEED + 1))
    for name, data in (("dsmr-v5-nl-iskra-mt382-hour.txt", dsmr), ("hdlc-aidon-se-hour.bin", hdlc)):
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
