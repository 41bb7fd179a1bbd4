"""The power ring behind /history.json (no browser): bounded, whole watts, true averages."""

import json
import os

from cosem import decode
from cosem.number import Dec

from emeter.store.history import MISSING, PowerHistory, net_watts, watts

CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "shared", "corpus")


class Clock:
    def __init__(self, t=0):
        self.t = t

    def __call__(self):
        return self.t


def _doc(h, now=None):
    return json.loads(h.to_json(now))


def test_a_day_of_values_every_second_keeps_the_rings_at_their_size():
    clock = Clock()
    h = PowerHistory(clock)
    for s in range(2 * 86400 // 7):  # two days, a value every 7 s
        clock.t = (s * 7000) & ((1 << 29) - 1)
        h.add(s % 5000)
    doc = _doc(h)
    assert len(h.short.data) == 360 and len(h.long.data) == 288
    assert len(doc["h"]) == 360 and len(doc["d"]) == 288


def test_values_are_whole_watts_and_floats_are_refused():
    h = PowerHistory(Clock())
    try:
        h.add(1.5)
    except TypeError:
        pass
    else:
        raise AssertionError("a float went into the ring")
    h.add(7)
    assert h.short.data.typecode == "i"
    assert "." not in h.to_json()


def test_a_slot_holds_the_rounded_mean_of_what_arrived_in_it():
    clock = Clock()
    h = PowerHistory(clock)
    for w in (100, 200, 201):
        h.add(w)
    clock.t = 10000
    h.add(-1)
    h.add(-2)
    clock.t = 20000
    doc = _doc(h)
    assert doc["h"] == [167, -2]  # 501/3 = 167; -1.5 rounds away from zero
    assert doc["step"] == 10 and doc["age"] == 0


def test_the_open_slot_is_reported_apart_as_cur():
    clock = Clock()
    h = PowerHistory(clock)
    assert _doc(h)["cur"] is None
    h.add(10)
    h.add(20)
    clock.t = 4000
    doc = _doc(h)
    assert doc["cur"] == 15 and doc["h"] == [] and doc["age"] == 4000


def test_slots_without_values_are_null_and_leading_empty_slots_are_left_out():
    clock = Clock()
    h = PowerHistory(clock)
    clock.t = 50000
    h.add(5)          # slots 0-4 empty (before anything arrived)
    clock.t = 60000
    clock.t = 90000   # slots 6-8 empty
    h.add(9)
    clock.t = 100000
    assert _doc(h)["h"] == [5, None, None, None, 9]


def test_five_minute_means_skip_empty_slots():
    clock = Clock()
    h = PowerHistory(clock)
    for slot in range(30):
        clock.t = slot * 10000
        if slot % 3:
            h.add(slot * 10)  # 20 slots with a value, 10 empty
    clock.t = 300000
    doc = _doc(h)
    values = [s * 10 for s in range(30) if s % 3]
    assert doc["d"] == [(sum(values) * 2 + len(values)) // (2 * len(values))]
    assert doc["lstep"] == 300 and doc["lage"] == 0


def test_a_gap_longer_than_a_day_clears_the_rings_without_walking_every_slot():
    clock = Clock()
    h = PowerHistory(clock)
    h.add(100)
    clock.t = 3 * 86400 * 1000 % (1 << 29)
    h.add(200)
    assert all(v == MISSING for v in h.short.data)
    assert _doc(h)["cur"] == 200


def test_slots_close_across_the_tick_wrap():
    start = (1 << 29) - 15000
    clock = Clock(start)
    h = PowerHistory(clock)
    h.add(1)
    clock.t = (start + 10000) & ((1 << 29) - 1)
    h.add(2)
    clock.t = (start + 20000) & ((1 << 29) - 1)
    assert _doc(h)["h"] == [1, 2]


def test_power_in_kilowatts_becomes_exact_whole_watts():
    assert watts(Dec(244, -3), "kW") == 244
    assert watts(Dec(2445, -4), "kW") == 245
    assert watts(Dec(-2445, -4), "kW") == -245
    assert watts(760, "W") == 760
    assert watts(Dec(12, 0), "kW") == 12000
    assert watts(3, "MW") == 3000000
    assert watts(5, "var") is None
    assert watts(True, "W") is None


def test_net_power_of_real_captures_is_import_minus_export():
    for name, expected in (("dsmr-v5-nl-iskra-mt382-1.txt", 244), ("hdlc-aidon-se-list-1.hex", 760),
                           ("hdlc-kaifa-ma304h3e-list3-1.hex", 4533)):
        from host import capture
        msgs = [m for m in decode(capture.load(os.path.join(CORPUS, name))[1]) if m.ok]
        assert msgs, name
        assert net_watts(msgs[0]) == expected, name
