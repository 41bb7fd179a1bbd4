"""Energy per hour, day and month from generated DSMR and DLMS sequences: exact against the
register differences computed here independently, through restarts and torn files."""

import json
import os
import random
import subprocess
import sys
import time

import pytest

from energyhelp import (DLMS_ROWS, DSMR_ROWS, ROOT, dlms_bytes, dsmr_bytes, expected,
                        expected_peaks)

from cosem import decode
from cosem.message import Message
from cosem.number import Dec
from emeter.store import energy as energy_mod
from emeter.store.energy import NAME, SIZE, Energy
from emeter.store.localtime import Zone, days_from_date


class FakeBoard:
    def __init__(self):
        self.files = {}
        self.written = 0

    def read_file(self, name):
        return self.files.get(name)

    def write_file_atomic(self, name, data):
        self.files[name] = bytes(data)
        self.written += len(data)


def messages(data):
    out = []
    for m in decode(data):
        assert m.ok, m
        out.append(m)
    return out


_CACHE = {}


def seq(kind):
    if kind not in _CACHE:
        _CACHE[kind] = (messages(dsmr_bytes()), DSMR_ROWS) if kind == "dsmr" else \
            (messages(dlms_bytes()), DLMS_ROWS)
    return _CACHE[kind]


def run(msgs, board=None, n=3):
    e = Energy(board or FakeBoard(), peaks_n=n)
    for m in msgs:
        e.feed(m)
    return e


def check_exact(doc, rows, kind):
    got = doc[kind]
    exact, seen = expected(rows, kind)
    labels = [x["start"] for x in got]
    assert labels == seen[-len(labels):]  # every interval with a message, newest last, no others
    oldest = labels[0]
    want = {k: v for k, v in exact.items() if k >= oldest}
    have = {x["start"]: (x["import"], x["export"]) for x in got if not x.get("partial")}
    assert have == want
    return len(want)


@pytest.mark.parametrize("kind", ["dsmr", "dlms"])
def test_hours_days_months_are_the_register_differences(kind):
    msgs, rows = seq(kind)
    e = run(msgs)
    doc = json.loads(e.document(), parse_float=lambda s: s)
    assert doc["unit"] == "kWh" and doc["clock"] == "meter"
    assert len(doc["hours"]) == 72 and len(doc["days"]) <= 62
    assert check_exact(doc, rows, "hours") >= 60
    assert check_exact(doc, rows, "days") >= 3
    check_exact(doc, rows, "months")
    assert doc["hours"][-1]["partial"] and doc["days"][-1]["partial"]


def test_spring_day_is_23_hours_and_autumn_day_25():
    for kind, day, n, change in (("dsmr", "2026-03-29", 23, ["01:00:00+01:00", "03:00:00+02:00"]),
                                 ("dlms", "2026-10-25", 25, ["02:00:00+02:00", "02:00:00+01:00"])):
        e = Energy(FakeBoard())
        msgs, rows = seq(kind)
        hours = []
        for m in msgs:
            e.feed(m)
            for label, vi, vx, part in e.rows(0):
                if label.startswith(day) and label not in hours:
                    hours.append(label)
        seen = [h for h in expected(rows, "hours")[1] if h.startswith(day)]
        assert hours == seen
        assert [h[11:] for h in hours if h[11:] in change] == change
        if kind == "dlms":
            assert len(hours) == n
        else:
            assert len(hours) == n - 2  # the 3.5 h gap that afternoon holds 2 whole hours


def test_gap_and_swap_give_partial_intervals_not_guesses():
    msgs, rows = seq("dsmr")
    gap = [i for i in range(1, len(rows)) if (rows[i][0] - rows[i - 1][0]).total_seconds() > 3600]
    swap = [i for i in range(1, len(rows)) if rows[i][1] < rows[i - 1][1]]
    assert len(gap) == 1 and len(swap) == 1
    for cut in (gap[0] + 20, swap[0] + 20):
        e = run(msgs[:cut])
        doc = json.loads(e.document(), parse_float=lambda s: s)
        exact, seen = expected(rows[:cut], "hours")
        labels = [x["start"] for x in doc["hours"]]
        assert labels == seen[-len(labels):]
        partial = [x["start"] for x in doc["hours"][:-1] if x.get("partial")]
        # the gap: the hours at its two ends; then the swap: its hour (a gap's whole hours: absent)
        assert len(partial) == (2 if cut == gap[0] + 20 else 3), partial
        assert not set(partial) & set(exact)


def test_peaks_are_the_highest_hours_one_per_day_and_their_mean():
    for kind in ("dsmr", "dlms"):
        msgs, rows = seq(kind)
        for n in (1, 3, 5):
            doc = json.loads(run(msgs, n=n).document(), parse_float=lambda s: s)
            want, mean = expected_peaks(rows, n)
            p = doc["peaks"]
            assert p["n"] == n and p["month"] == rows[-1][0].astimezone(
                __import__("energyhelp").TZ).strftime("%Y-%m")
            assert [(h["start"], h["import"]) for h in p["hours"]] == want
            assert p["mean"] == mean
            assert len(want) == min(n, 3 if kind == "dsmr" else 7)


def test_restart_anywhere_loses_nothing_and_counts_nothing_twice():
    msgs, rows = seq("dsmr")
    whole = run(msgs).document()
    rnd = random.Random(7)
    for cut in sorted(rnd.sample(range(1, len(msgs)), 6)):
        board = FakeBoard()
        first = Energy(board)
        for m in msgs[:cut]:
            first.feed(m)
        again = Energy(board)          # the restarted device: what the file kept
        for m in msgs:                 # the replay starts over: the counted part is skipped
            again.feed(m)
        assert again.document() == whole, cut


def test_restart_without_replay_keeps_exact_hours():
    msgs, rows = seq("dlms")
    whole = json.loads(run(msgs).document())
    board = FakeBoard()
    e = Energy(board)
    for m in msgs[:400]:
        e.feed(m)
    e = Energy(board)
    for m in msgs[400:]:               # a live meter: what came after the last write is gone
        e.feed(m)
    doc = json.loads(e.document())
    exact = [x for x in doc["hours"] if not x.get("partial")]
    assert exact == [x for x in whole["hours"] if not x.get("partial")]
    assert [x for x in doc["days"] if not x.get("partial")] == \
        [x for x in whole["days"] if not x.get("partial")]


def test_at_most_one_write_per_completed_hour_of_a_few_kb():
    msgs, rows = seq("dsmr")
    board = FakeBoard()
    e = run(msgs, board)
    hours = (rows[-1][0] - rows[0][0]).total_seconds() / 3600
    assert 0 < e.writes <= hours + 1
    assert len(board.files[NAME]) == SIZE <= 5000
    assert board.written == e.writes * SIZE


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "other"])
def test_damaged_file_loads_the_other_copy_and_both_damaged_an_empty_history(damage):
    msgs, rows = seq("dsmr")
    board = FakeBoard()
    e = run(msgs[:300], board)
    newer = energy_mod.NAMES[e.slot]
    older = energy_mod.NAMES[1 - e.slot]
    want = Energy(FakeBoard())
    want.board.files[NAME] = board.files[older]
    want = Energy(want.board)              # what the older copy holds: an hour earlier
    assert 0 < want.t_last < e.t_last
    for name in (newer, older):
        data = bytearray(board.files[name])
        if damage == "truncated":
            data = data[:len(data) // 2]
        elif damage == "flipped":
            data[len(data) // 3] ^= 0x10
        elif damage == "empty":
            data = b""
        else:
            data = b"not an energy file" * 10
        board.files[name] = bytes(data)
        got = Energy(board)
        if name == newer:
            assert got.document() == want.document() and got.t_last == want.t_last
        else:
            assert got.rows(0) == [] and got.t_last == -1


KILLER = r'''
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from host.board import HostBoard
from emeter.store.energy import Energy
e = Energy(HostBoard(sys.argv[3]))
print(len(e.rows(0)), flush=True)
while True:
    e.save()
'''


def test_kill_during_writes_leaves_a_file_that_loads(tmp_path):
    msgs, rows = seq("dsmr")
    from host.board import HostBoard
    e = run(msgs[:500], HostBoard(str(tmp_path)))
    n = len(e.rows(0))
    for i in range(5):
        p = subprocess.Popen([sys.executable, "-c", KILLER, os.path.join(ROOT, "src", "lib"), ROOT,
                              str(tmp_path)], stdout=subprocess.PIPE)
        assert int(p.stdout.readline()) == n
        time.sleep(0.05 + 0.04 * i)
        p.kill()
        p.wait()
        assert len(Energy(HostBoard(str(tmp_path))).rows(0)) == n


def _msg(ts, imp, unit="kWh", exp=None, dst=None):
    m = Message("dsmr")
    m.timestamp = ts
    if dst:
        m.add("0-0:1.0.0", ts, None, {"dst": dst})
    if imp is not None:
        m.add("1-0:1.8.0", imp, unit)
    if exp is not None:
        m.add("1-0:2.8.0", exp, unit)
    return m


def test_device_clock_when_the_meter_sends_no_time():
    e = Energy(FakeBoard(), zone="UTC")
    for i, v in enumerate((1000, 1500, 2500, 2600)):
        assert e.feed(_msg(None, v, "Wh"), (2026, 5, 1, 9 + i, 0, 30))
    assert not e.feed(_msg(None, 2700, "Wh"), None)  # clock not set yet: not used
    doc = json.loads(e.document(), parse_float=lambda s: s)
    assert doc["clock"] == "device"
    assert [(h["start"], h["import"]) for h in doc["hours"]] == [
        ("2026-05-01T09:00:00+00:00", "0.500"), ("2026-05-01T10:00:00+00:00", "1.000"),
        ("2026-05-01T11:00:00+00:00", "0.100"), ("2026-05-01T12:00:00+00:00", "0.000")]
    assert doc["hours"][0]["export"] is None  # no export register: unknown, not zero


def test_tariff_sum_and_finer_register_stay_exact():
    e = Energy(FakeBoard(), zone="UTC")
    m = Message("dsmr")
    m.timestamp = "2026-05-01T10:00:01Z"
    m.add("1-0:1.8.1", Dec(1000001, -3), "kWh")
    m.add("1-0:1.8.2", Dec(5, -1), "kWh")
    e.feed(m)
    e.feed(_msg("2026-05-01T11:00:00Z", Dec(10005011234, -7), "kWh"))  # 1000.5011234 kWh
    rows = e.rows(0)
    assert rows[0][1] == 1234 and e.e == -7
    assert json.loads(e.document(), parse_float=lambda s: s)["hours"][0]["import"] == "0.0001234"


def test_unflagged_time_in_the_repeated_autumn_hour_is_not_used():
    e = Energy(FakeBoard())
    assert e.feed(_msg("2026-10-25T01:59:00", Dec(1, 0)))
    assert not e.feed(_msg("2026-10-25T02:10:00", Dec(2, 0)))          # which 02:10?
    assert e.feed(_msg("2026-10-25T02:20:00", Dec(3, 0), dst="summer"))  # the first one
    assert e.feed(_msg("2026-10-25T02:20:00", Dec(4, 0), dst="winter"))  # an hour later
    z = Zone("CET")
    assert z.utc(days_from_date(2026, 3, 29) * 86400 + 2 * 3600 + 1800) is None  # skipped


def test_meter_demand_peaks_are_shown_as_sent():
    data = (b"/FLU5\\253769484_A\r\n\r\n0-0:96.1.4(50217)\r\n0-0:1.0.0(260301120000W)\r\n"
            b"1-0:1.8.1(000100.000*kWh)\r\n1-0:1.8.2(000200.000*kWh)\r\n"
            b"1-0:1.6.0(260301094500W)(02.500*kW)\r\n"
            b"0-0:98.1.0(1)(1-0:1.6.0)(1-0:1.6.0)(260201000000W)(260115183000W)(03.100*kW)\r\n!")
    m = messages(data)[0]
    e = Energy(FakeBoard())
    e.feed(m)
    p = json.loads(e.document(), parse_float=lambda s: s)["peaks"]
    assert p["meter"]["current"] == {"start": "2026-03-01T09:45:00", "value": "2.500", "unit": "kW"}
    assert p["meter"]["history"][0]["value"] == "3.100"
    assert p["meter"]["history"][0]["start"] == "2026-01-15T18:30:00"


def test_sizes_are_documented():
    assert "%d B" % SIZE in energy_mod.__doc__.replace(",", "")


def test_document_comes_in_chunks_of_about_a_kilobyte():
    msgs, rows = seq("dsmr")
    e = run(msgs)
    parts = list(e.chunks())
    assert "".join(parts) == e.document() and len(parts) > 5
    assert max(len(p) for p in parts) < 1300
    json.loads(e.document())


def test_document_code_is_let_go_once_written():
    import sys
    msgs, rows = seq("dsmr")
    e = run(msgs)
    chunks = e.chunks()
    first = next(chunks)  # a chunked response is written over several loop passes ...
    assert "emeter.store.energyjson" not in sys.modules
    assert first + "".join(chunks) == e.document()  # ... and still ends
    assert e.peaks()[1] and e.rows(2)
    # a loop pass that only counts energy keeps none of the document's code
    assert "emeter.store.energyjson" not in sys.modules
    assert not hasattr(Energy, "_pieces") and not hasattr(Energy, "_meter_peaks")


def test_file_and_rescale_code_is_let_go_after_each_use():
    import sys
    msgs, rows = seq("dsmr")
    board = FakeBoard()
    e = run(msgs, board=board)
    assert e.writes > 10  # hours closed: the file was written again and again
    again = Energy(board, peaks_n=3)  # ... and read at start
    assert again.document() == e.document()
    # what runs at start, once an hour or on a rare event is not kept between messages
    assert "emeter.store.energymore" not in sys.modules
    for method in (Energy._load, Energy.save, Energy._rescale, Energy._fits, Energy._back):
        assert "pack_into" not in method.__code__.co_names and "record" not in method.__code__.co_names
    # (a message behind what is counted comes every second until the clock catches up: _back
    # keeps that bookkeeping; starting a new series, the rare part, is energymore's)


def test_a_meter_time_years_ahead_is_not_believed():
    e = Energy(FakeBoard(), zone="UTC")
    assert e.feed(_msg("2026-05-01T10:00:01Z", Dec(1000, 0)))
    assert not e.feed(_msg("2099-05-01T10:30:00Z", Dec(1001, 0)))  # a broken clock
    assert not e.feed(_msg("2028-05-01T10:30:00Z", Dec(1001, 0)))  # more than a year on
    assert e.feed(_msg("2026-05-01T11:00:01Z", Dec(1002, 0)))       # counting goes on
    assert e.rows(0)[0][1:] == (2000, -1, False)
    # a device off for over a year: the second message after the jump is believed
    assert not e.feed(_msg("2028-05-01T10:30:00Z", Dec(5000, 0)))
    assert e.feed(_msg("2028-05-01T10:40:00Z", Dec(5001, 0)))
    assert e.rows(0)[-1][0] == "2028-05-01T10:00:00+00:00"


def test_a_new_meter_after_a_gap_keeps_the_old_meters_part_only():
    e = Energy(FakeBoard(), zone="UTC")
    for ts, v in (("2026-05-01T10:00:01Z", 1000), ("2026-05-01T10:30:00Z", 1500),
                  ("2026-05-01T11:40:00Z", 5), ("2026-05-01T12:00:02Z", 405)):
        assert e.feed(_msg(ts, Dec(v, 0), "Wh"))
    # 10:00 counted 500 Wh of the old meter before the line went quiet: partial, no more;
    # 11:00 began without its message, then the new meter counted 400 Wh in it
    assert [r[1:] for r in e.rows(0)] == [(500, -1, True), (400, -1, True), (0, -1, True)]


def _rows_random(seed):
    import datetime
    from tools import energy_sequence as es
    rnd = random.Random(seed)
    start = datetime.datetime(2026, rnd.choice((3, 10)), rnd.randrange(20, 28), rnd.randrange(24),
                              rnd.randrange(60), tzinfo=datetime.timezone.utc)
    rows = es.schedule(seed, start, rnd.randrange(30, 90), spacing=(20, rnd.choice((900, 3000, 8000))),
                       gap=(rnd.randrange(5, 25), rnd.random() * 5),
                       swap=rnd.choice((None, rnd.randrange(5, 30))))
    return rows


def _iso_msg(t, imp, exp):
    from energyhelp import TZ
    m = Message("hdlc")
    m.timestamp = t.astimezone(TZ).isoformat()
    m.add("1-0:1.8.0", imp, "Wh")
    m.add("1-0:2.8.0", exp, "Wh")
    return m


@pytest.mark.parametrize("seed", range(30))
def test_random_sequences_are_exact_and_restart_safe(seed):
    rows = _rows_random(seed)
    msgs = [_iso_msg(*r) for r in rows]
    board = FakeBoard()
    e = Energy(board)
    cut = random.Random(seed).randrange(len(msgs))
    for m in msgs[:cut]:
        e.feed(m)
    e = Energy(board)   # restarted from the file, then everything again
    for m in msgs:
        e.feed(m)
    assert e.document() == run(msgs).document()
    doc = json.loads(e.document(), parse_float=lambda s: s)
    for kind in ("hours", "days", "months"):
        check_exact(doc, rows, kind)


def test_one_message_hours_ahead_does_not_freeze_the_counting():
    # a meter whose clock glitches once, three hours ahead: the glitch is not believed and
    # the real messages after it go on being counted (before: every one ignored until 13:00)
    e = Energy(FakeBoard(), zone="UTC")
    assert e.feed(_msg("2026-05-01T10:00:01Z", Dec(1000, 0), "Wh"))
    assert not e.feed(_msg("2026-05-01T13:10:00Z", Dec(1001, 0), "Wh"))
    for ts, v in (("2026-05-01T10:20:00Z", 1200), ("2026-05-01T11:00:03Z", 1700),
                  ("2026-05-01T12:00:02Z", 2000)):
        assert e.feed(_msg(ts, Dec(v, 0), "Wh"))
    assert [r[:3] for r in e.rows(0)] == [("2026-05-01T10:00:00+00:00", 700, -1),
                                          ("2026-05-01T11:00:00+00:00", 300, -1),
                                          ("2026-05-01T12:00:00+00:00", 0, -1)]
    assert e.clock == energy_mod.METER and e.t_last < 13 * 3600 + days_from_date(2026, 5, 1) * 86400


def test_a_far_step_ahead_is_counted_once_the_next_message_goes_on_from_it():
    # the device was off for five hours: the first message after the gap is held until the
    # next one confirms it, then both count (its hour edge stays exact)
    e = Energy(FakeBoard(), zone="UTC")
    assert e.feed(_msg("2026-05-01T10:00:01Z", Dec(1000, 0), "Wh"))
    assert not e.feed(_msg("2026-05-01T15:00:05Z", Dec(3000, 0), "Wh"))
    assert e.feed(_msg("2026-05-01T15:30:00Z", Dec(3100, 0), "Wh"))
    assert e.feed(_msg("2026-05-01T16:00:04Z", Dec(3400, 0), "Wh"))
    rows = e.rows(0)
    assert rows[0] == ("2026-05-01T10:00:00+00:00", 0, -1, True)   # no message at 11:00
    assert rows[1] == ("2026-05-01T15:00:00+00:00", 400, -1, False)


def test_a_clock_set_back_for_good_starts_a_new_series_and_says_so():
    # the meter's clock ran three days ahead and is set right: three messages in a row going
    # on from one another far behind what was counted start a new series (before: ignored
    # until the clock caught up three days later); what lay after the new time is dropped,
    # the intervals before it stay, and the note says what happened
    board = FakeBoard()
    e = Energy(board, zone="UTC")
    v = 1000
    for h in range(8):   # 1 May 00:00 .. 07:30 counted, then the clock is set back three days
        for m in (0, 30):
            v += 100
            assert e.feed(_msg("2026-05-01T%02d:%02d:01Z" % (h, m), Dec(v, 0), "Wh"))
    hours_before = [r[0] for r in e.rows(0)]
    assert hours_before[-1] == "2026-05-01T07:00:00+00:00"
    writes = e.writes
    assert not e.feed(_msg("2026-04-28T04:00:01Z", Dec(v + 100, 0), "Wh"))  # not yet: one message
    assert not e.feed(_msg("2026-04-28T04:30:01Z", Dec(v + 200, 0), "Wh"))
    assert e.note is None
    assert e.feed(_msg("2026-04-28T05:00:01Z", Dec(v + 300, 0), "Wh"))
    assert e.note and "new series" in e.note
    assert e.writes == writes + 2   # both copies: neither can bring the old timeline back
    assert Energy(board, zone="UTC").document() == e.document()
    assert e.feed(_msg("2026-04-28T05:30:01Z", Dec(v + 450, 0), "Wh"))
    assert e.feed(_msg("2026-04-28T06:00:01Z", Dec(v + 500, 0), "Wh"))
    hours = [r[:4] for r in e.rows(0)]
    assert hours == [("2026-04-28T04:00:00+00:00", 200, -1, False),
                     ("2026-04-28T05:00:00+00:00", 200, -1, False),
                     ("2026-04-28T06:00:00+00:00", 0, -1, True)]
    days = [r[0] for r in e.rows(1)]
    assert days == ["2026-04-28"]


def test_a_small_step_back_is_ignored_until_it_catches_up():
    # a replay of messages already counted (a restart) or a clock a few minutes fast set
    # right: nothing is counted twice and nothing is dropped
    e = Energy(FakeBoard(), zone="UTC")
    for ts, v in (("2026-05-01T10:00:01Z", 1000), ("2026-05-01T10:40:00Z", 1400),
                  ("2026-05-01T11:00:01Z", 1600)):
        assert e.feed(_msg(ts, Dec(v, 0), "Wh"))
    for ts, v in (("2026-05-01T10:00:01Z", 1000), ("2026-05-01T10:40:00Z", 1400),
                  ("2026-05-01T11:00:01Z", 1600)):
        assert not e.feed(_msg(ts, Dec(v, 0), "Wh"))
    assert e.feed(_msg("2026-05-01T11:30:00Z", Dec(1900, 0), "Wh"))
    assert [r[1] for r in e.rows(0)] == [600, 300] and e.note is None


def test_messages_behind_or_too_fine_do_not_load_the_rare_code_each_time(monkeypatch):
    # a repeated timestamp or a clock set back comes every second until it catches up: only
    # a new series (or a first look at a too fine register) needs energymore's code
    from emeter.store import energy
    loads = []
    more = energy._more

    def counted():
        loads.append(1)
        return more()
    monkeypatch.setattr(energy, "_more", counted)
    e = Energy(FakeBoard(), zone="UTC")
    big = 10 ** 14  # Wh: stored at 1 Wh, a register in micro-Wh beside it overflows the records
    assert e.feed(_msg("2026-05-01T11:00:01Z", Dec(big, 0), "Wh"))
    del loads[:]
    for _ in range(20):
        assert not e.feed(_msg("2026-05-01T10:40:00Z", Dec(big - 10, 0), "Wh"))
    assert loads == []
    for _ in range(20):
        assert not e.feed(_msg("2026-05-01T11:10:00Z", Dec(big * 10 ** 6 + 5, -6), "Wh"))
    assert len(loads) == 1  # the first look at the too fine register


def test_an_absurd_register_is_missed_and_saves_keep_working():
    # a valid frame from a buggy meter: a scaler that makes the register overflow the records
    board = FakeBoard()
    e = Energy(board, zone="UTC")
    assert e.feed(_msg("2026-05-01T10:00:01Z", Dec(1000, 0), "Wh"))
    assert not e.feed(_msg("2026-05-01T10:20:00Z", Dec(1200, 40), "Wh"))
    assert not e.feed(_msg("2026-05-01T10:25:00Z", Dec(5, -20), "Wh"))   # too fine to hold
    assert e.feed(_msg("2026-05-01T10:40:00Z", Dec(1400, 0), "Wh"))
    assert e.feed(_msg("2026-05-01T11:00:01Z", Dec(1600, 0), "Wh"))     # closes 10:00: a save
    assert e.feed(_msg("2026-05-01T12:00:01Z", Dec(1700, 0), "Wh"))     # and another
    assert e.writes == 2 and Energy(board, zone="UTC").document() == e.document()
    assert [r[1:] for r in e.rows(0)] == [(600, -1, False), (100, -1, False), (0, -1, True)]


def test_the_repeated_autumn_hour_is_told_apart_by_its_flag_message_after_message():
    # the same local text twice, an hour apart in UTC: the S/W flag is read on every message
    # even when the hour's text is remembered from the one before
    e = Energy(FakeBoard())   # CET
    for ts, dst, v in (("2026-10-25T02:10:00", "summer", 1000), ("2026-10-25T02:50:00", "summer", 1100),
                       ("2026-10-25T02:10:00", "winter", 1200), ("2026-10-25T02:50:00", "winter", 1300),
                       ("2026-10-25T03:00:02", "winter", 1400)):
        assert e.feed(_msg(ts, Dec(v, 0), "Wh", dst=dst)), (ts, dst)
    assert [r[:2] for r in e.rows(0)] == [("2026-10-25T02:00:00+02:00", 200),
                                          ("2026-10-25T02:00:00+01:00", 200),
                                          ("2026-10-25T03:00:00+01:00", 0)]


def test_each_completed_hour_is_one_write_over_a_copy_without_a_rename(tmp_path, monkeypatch):
    # flash wear: no new file, no rename (each one rewrites the allocation table and the
    # directory on FAT); the two copies are written in turn over their own bytes
    from host.board import HostBoard
    msgs, rows = seq("dsmr")
    renames = []
    monkeypatch.setattr(os, "replace", lambda a, b: renames.append((a, b)))
    monkeypatch.setattr(os, "rename", lambda a, b: renames.append((a, b)))
    board = HostBoard(str(tmp_path))
    e = Energy(board)
    closed = 0
    for m in msgs[:400]:
        hours = e.count[0]
        before = e.writes
        e.feed(m)
        closed += e.count[0] != hours or (e.count[0] == energy_mod.HOURS - 1 and e.writes > before)
        assert e.writes - before <= 1
    assert renames == []
    assert 0 < e.writes == closed
    assert sorted(os.listdir(tmp_path)) == sorted(energy_mod.NAMES)
    assert all(os.path.getsize(tmp_path / n) == SIZE for n in energy_mod.NAMES)
    again = Energy(HostBoard(str(tmp_path)))   # the closed intervals are all there
    for level in range(3):
        assert [again.row(level, k) for k in range(again.count[level])] == \
            [e.row(level, k) for k in range(e.count[level])]
