"""Host mode killed halfway through a replayed sequence and started again on the same data
folder: /energy.json ends up exactly the register differences, nothing lost or counted twice."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from apphelp import free_port
from e2ehelp import ROOT, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "store"))
from energyhelp import DSMR_ROWS, TZ, dsmr_bytes, expected  # noqa: E402


def _start(capture, data, port):
    log = open(os.path.join(data, "stdout-%d.txt" % port), "wb")
    return subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "build.py"), "run", "--replay", capture, "--speed", "7200",
         "--port", str(port), "--host", "127.0.0.1", "--data", data],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def _energy(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/energy.json" % port, timeout=10) as r:
        return json.loads(r.read(), parse_float=lambda s: s)


@pytest.fixture
def procs():
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def _hour(row):
    return row[0].astimezone(TZ).strftime("%Y-%m-%dT%H")


def test_kill_and_restart_mid_sequence_loses_and_doubles_nothing(tmp_path, procs):
    # the meter's first 55 %, then the process dies without warning; started again, it
    # hears the rest, beginning with 40 telegrams it had already counted
    k = len(DSMR_ROWS) * 55 // 100
    first_part, second_part = tmp_path / "first.txt", tmp_path / "second.txt"
    first_part.write_bytes(dsmr_bytes(DSMR_ROWS[:k]))
    second_part.write_bytes(dsmr_bytes(DSMR_ROWS[k - 40:]))
    data = tmp_path / "data"
    data.mkdir()

    port = free_port()
    first = _start(str(first_part), str(data), port)
    procs.append(first)
    assert wait_for(lambda: _energy(port)["hours"][-1]["start"].startswith(_hour(DSMR_ROWS[k - 1])), 120)
    first.kill()
    first.wait(10)
    assert (data / "energy.bin").exists()

    port = free_port()
    second = _start(str(second_part), str(data), port)
    procs.append(second)
    assert wait_for(lambda: _energy(port)["hours"][-1]["start"].startswith(_hour(DSMR_ROWS[-1])), 120)
    doc = _energy(port)
    # A replay on a loaded machine can overrun (bytes lost, a telegram rejected): an edge
    # without its message makes an interval partial, which is allowed; a wrong value is not.
    for kind in ("hours", "days", "months"):
        exact, seen = expected(DSMR_ROWS, kind)
        labels = [x["start"] for x in doc[kind]]
        assert set(labels) <= set(seen) and labels == sorted(labels, key=seen.index)
        have = {x["start"]: (x["import"], x["export"]) for x in doc[kind] if not x.get("partial")}
        want = {k: v for k, v in exact.items() if k >= labels[0]}
        assert {k: want.get(k) for k in have} == have, kind       # nothing wrong, nothing twice
        assert len(have) >= len(want) * 9 // 10, (kind, sorted(set(want) - set(have)))
        if kind == "hours":
            assert len(labels) == 72 and labels[-1] == seen[-1]
    assert doc["days"][0]["start"] == DSMR_ROWS[0][0].astimezone(TZ).strftime("%Y-%m-%d")
