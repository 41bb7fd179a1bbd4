"""A replay is paced like the meter: each message at the time its timestamps show (or one DSMR
telegram a second, a binary message every 10 s), silence in between, --speed to go faster;
several captures play one after the other."""

import os
import time

from host.uart import ReplayUart
from tools import run_host

from apphelp import ROOT, corpus_path, wait_for

EXAMPLES = os.path.join(ROOT, "examples")
ONE = os.path.join(EXAMPLES, "dsmr-v5-nl-iskra-mt382-1.txt")
DSMR_HOUR = os.path.join(EXAMPLES, "dsmr-v5-nl-iskra-mt382-hour.txt")
HDLC_HOUR = os.path.join(EXAMPLES, "hdlc-aidon-se-hour.bin")


class Clock:
    t = 100.0

    def __call__(self):
        return self.t


def test_the_wire_is_silent_between_messages_and_loops():
    clock = Clock()
    # two 10-byte messages, 10 s apart, a loop of 20 s; 10 bytes a second on the wire
    u = ReplayUart(bytes(range(20)), 100, 10, clock=clock, schedule=[(0, 0.0), (10, 10.0), (20, 20.0)])
    buf = bytearray(64)
    clock.t += 0.5
    assert u.readinto(buf) == 5 and buf[:5] == bytes(range(5))
    clock.t += 5
    assert u.readinto(buf) == 5                  # the rest of the first message, then silence
    clock.t += 4
    assert u.readinto(buf) == 0
    clock.t += 0.85                              # 10.35 s: the second message has begun
    assert u.readinto(buf) == 3 and buf[:3] == bytes([10, 11, 12])
    clock.t += 10                                # 20.35 s: the loop starts again
    assert u.readinto(buf) == 10 and buf[:10] == bytes(range(13, 20)) + bytes(range(3))


def test_speed_makes_the_gaps_and_the_wire_faster():
    clock = Clock()
    u = ReplayUart(bytes(20), 100, 10, speed=10, clock=clock, schedule=[(0, 0.0), (10, 10.0), (20, 20.0)])
    clock.t += 1.035
    assert u.readinto(bytearray(64)) == 13       # 1 s at x10 is the meter's 10 s: message 2 begun


def test_plans_follow_the_timestamps_or_the_meter_kind():
    one = run_host.load_replay([ONE])
    assert one[2] == [(0, 0.0), (890, 1.0)]      # a DSMR 5 telegram a second
    kind, data, schedule, messages = run_host.load_replay([DSMR_HOUR])
    assert messages == 360 and schedule[-1] == (len(data), 3600.0)
    assert [t for _, t in schedule[:4]] == [0.0, 10.0, 20.0, 30.0]   # the meter's clock says 10 s
    assert schedule[1][0] == data.index(b"/", 1)
    kind, data, schedule, messages = run_host.load_replay([corpus_path("hdlc-aidon-6534-list3-1.hex")])
    assert kind == "hex" and schedule == [(0, 0.0), (len(data), 10.0)]  # binary, no series: 10 s


def test_several_captures_play_one_after_the_other():
    a = run_host.load_replay([ONE])
    b = run_host.load_replay([HDLC_HOUR])
    both = run_host.load_replay([ONE, HDLC_HOUR])
    assert both[1] == a[1] + b[1] and both[3] == 361
    assert both[2][:2] == [(0, 0.0), (890, 1.0)]
    assert both[2][2] == (890 + b[2][1][0], 11.0)
    assert both[2][-1] == (len(both[1]), 1.0 + 3600.0)


def test_host_mode_replays_the_hour_at_its_pace(tmp_path, run_app):
    a = run_host.parse_args(["--replay", HDLC_HOUR, "--speed", "40", "--data", str(tmp_path)])
    board = run_host.make_board(a)
    r = run_app(board)
    t0 = time.monotonic()
    seen = set()

    def three():
        m = r.app.state.message
        if m is not None:
            seen.add(str(m.value("1-0:1.8.0")))
        return len(seen) >= 3

    assert wait_for(three, 30)  # the energy register moves
    # never faster than the meter: one message per 10 s / 40, whatever the loop manages
    assert r.app.state.frames_ok <= (time.monotonic() - t0) * 4 + 2
    assert r.app.state.overruns == 0 and not r.app.state.rejected


def test_the_single_telegram_example_is_one_a_second(tmp_path, run_app):
    board = run_host.make_board(run_host.parse_args(["--replay", ONE, "--data", str(tmp_path)]))
    r = run_app(board)
    t0 = time.monotonic()
    assert wait_for(lambda: r.app.state.frames_ok >= 2, 10)
    time.sleep(1)
    assert r.app.state.frames_ok <= time.monotonic() - t0 + 2  # not 13 a second any more


def test_a_capture_of_rejected_frames_still_replays_and_says_so(capsys):
    kind, data, schedule, messages = run_host.load_replay([corpus_path("hdlc-aidon-6534-list3-badfcs-1.hex")])
    assert messages == 0 and schedule == [(0, 0.0), (len(data), 10.0)]
    out = capsys.readouterr().out
    assert "no message decodes (1 fcs rejected), see /log" in out


def test_a_rejected_frame_between_two_messages_keeps_the_meters_clock():
    # good (T), a frame with a bad checksum, good (T + 10 s): the third still comes 10 s after
    # the first, the rejected one somewhere between
    hour = open(DSMR_HOUR, "rb").read()
    second = hour.index(b"/", 1)
    third = hour.index(b"/", second + 1)
    one, two = hour[:second], hour[second:third]
    bad = one.replace(b"1-0:1.7.0(00.", b"1-0:1.7.0(01.")  # CRC no longer matches
    schedule, messages, rejected = run_host.replay_plan(one + bad + two, "telegram")
    assert messages == 2 and rejected == {"crc": 1}
    times = [t for _, t in schedule]
    assert times[0] == 0.0 and 0 < times[1] <= 10.0 and times[2] == 10.0


def test_a_dsmr_clock_change_keeps_the_meters_pace():
    # 288 telegrams an hour apart in local time with the S/W flag, across 29 March 2026
    # (02:00 W -> 03:00 S): the clock jumps two hours, the meter waited one
    kind, data, schedule, messages = run_host.load_replay([os.path.join(EXAMPLES, "energy-dsmr-12-days.txt")])
    assert messages == 288
    gaps = [b[1] - a[1] for a, b in zip(schedule, schedule[1:])]
    assert max(gaps) < 3700 and min(gaps) > 3500
