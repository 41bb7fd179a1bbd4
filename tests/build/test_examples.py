"""The bundled one-hour captures: made reproducibly by tools/make_examples.py from real ones,
every message decodes, the meter's clock moves 10 s a message, and the energy registers grow
by exactly the power the meter reported times the time it was held."""

import json
import os
import subprocess
import sys
from fractions import Fraction

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
HOUR = {"dsmr-v5-nl-iskra-mt382-hour.txt": ("1-0:1.8.2", 1000),  # kWh register, Wh per unit
        "hdlc-aidon-se-hour.bin": ("1-0:1.8.0", 1)}               # Wh register
POWER_W = {"kW": 1000, "W": 1}


def _decode(name):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "decode",
                        os.path.join(EXAMPLES, name)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout[:500] + p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()]


def test_the_generator_makes_the_same_bytes(tmp_path):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make_examples.py"), "--out",
                        str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    for name in HOUR:
        with open(os.path.join(EXAMPLES, name), "rb") as a, open(str(tmp_path / name), "rb") as b:
            assert a.read() == b.read(), name


def test_an_hour_of_messages_whose_energy_follows_the_power():
    from datetime import datetime
    for name, (register, wh_per_unit) in HOUR.items():
        docs = _decode(name)
        assert len(docs) == 360 and not any("error" in d for d in docs), name
        times = [datetime.fromisoformat(d["timestamp"]) for d in docs]
        assert all((b - a).total_seconds() == 10 for a, b in zip(times, times[1:])), name
        energy = [Fraction(str(d["readings"][register]["value"])) * wh_per_unit for d in docs]
        power = [Fraction(str(d["readings"]["1-0:1.7.0"]["value"])) *
                 POWER_W[d["readings"]["1-0:1.7.0"]["unit"]] for d in docs]
        assert len(set(power)) > 100, name  # the household does things
        held = Fraction(0)
        for k in range(1, len(docs)):
            held += power[k - 1] * 10 / 3600  # Wh the meter counted since the first message
            # the register shows whole Wh, truncated, of what it counted (it started on a whole Wh)
            assert energy[k] - energy[0] == int(held), (name, k)
        assert energy[-1] - energy[0] > 300, name


def test_the_examples_stay_small():
    total = sum(os.path.getsize(os.path.join(EXAMPLES, n)) for n in os.listdir(EXAMPLES))
    assert total < 1024 * 1024
