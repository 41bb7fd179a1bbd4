"""Host mode: capture files for replay, the paced virtual UART, a real pty, build.py run."""

import os

from host import capture
from host.board import HostBoard
from host.uart import ReplayUart
from tools import run_host

from apphelp import corpus_bytes, corpus_path, expected, seed_log, wait_for

FRAME = bytes.fromhex("7ea0 1e01 0210 13c2 8be6 e700 0f40 0000 0000 0101 0203 0906"
                      "0100 0107 00ff 0600 0002 f8bb ac7e".replace(" ", ""))


def test_hex_text_with_any_separators_and_prefixes_gives_the_bytes():
    h = FRAME.hex()
    forms = [
        h, h.upper(), " ".join(h[i:i + 2] for i in range(0, len(h), 2)),
        ", ".join("0x" + h[i:i + 2] for i in range(0, len(h), 2)),
        ":".join(h[i:i + 2] for i in range(0, len(h), 2)) + "\n",
        "\n".join(h[i:i + 32] for i in range(0, len(h), 32)) + "\r\n",
    ]
    for text in forms:
        assert capture.kind_and_bytes(text.encode()) == ("hex", FRAME), text


def test_a_log_txt_dump_replays_its_frames():
    from cosem.message import Failure
    dump = (Failure("hdlc", "fcs", "bad", FRAME).log_entry("2026-01-01T00:00:00Z")
            + Failure("hdlc", "fcs", "bad", FRAME).log_entry("2026-01-01T00:00:01Z"))
    assert capture.kind_and_bytes(dump.encode()) == ("log", FRAME + FRAME)


def test_the_seed_firmwares_log_txt_replays_its_frames_with_their_zero_bytes(tmp_path):
    assert FRAME.count(0) > 3
    text = seed_log(FRAME) + seed_log(FRAME[:20])
    assert capture.kind_and_bytes(text.encode()) == ("log", FRAME + FRAME[:20])
    p = tmp_path / "log.txt"
    p.write_text(text, newline="")
    assert capture.load_streams(str(p)) == ("log", [FRAME, FRAME[:20]])
    board = run_host.make_board(run_host.parse_args(["--replay", str(p), "--data", str(tmp_path / "d")]))
    assert board.replay == FRAME + FRAME[:20] and board.wire == (2400, 8, "E")
    # each entry a moment of its own: it starts at its own time, the line quiet in between
    assert board.schedule == [(0, 0.0), (len(FRAME), 10.0), (len(FRAME) + 20, 20.0)]


def test_telegram_and_binary_files_are_taken_as_they_are():
    tele = corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt")
    with open(corpus_path("dsmr-v5-nl-iskra-mt382-1.txt"), "rb") as f:
        assert tele == f.read()
    assert capture.kind_and_bytes(tele)[0] == "telegram"
    assert capture.kind_and_bytes(FRAME) == ("binary", FRAME)


def test_wire_settings_are_guessed_from_the_capture():
    assert capture.wire_settings("telegram", corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt")) == (115200, 8, "N")
    assert capture.wire_settings("telegram", corpus_bytes("dsmr-v3-nl-iskra-mt382-1.txt")) == (9600, 7, "E")
    assert capture.wire_settings("hex", FRAME) == (2400, 8, "E")


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_replay_is_paced_at_the_wire_rate_and_loops():
    clock = Clock()
    u = ReplayUart(b"abcdefghij", baud=1000, char_bits=10, clock=clock)  # 100 bytes/s
    buf = bytearray(64)
    assert u.readinto(buf) == 0
    clock.t = 0.05
    assert u.readinto(buf) == 5 and bytes(buf[:5]) == b"abcde"
    clock.t = 0.12
    n = u.readinto(buf)
    assert bytes(buf[:n]) == b"fghijab"


def test_replay_speed_multiplies_the_rate():
    clock = Clock()
    u = ReplayUart(b"x" * 100, baud=1000, char_bits=10, speed=4, clock=clock)
    clock.t = 0.1
    assert u.readinto(bytearray(100)) == 40


def test_unread_bytes_beyond_the_buffer_are_lost_and_counted():
    clock = Clock()
    u = ReplayUart(bytes(range(256)), baud=10000, char_bits=10, buffer_bytes=100, clock=clock)
    clock.t = 0.5  # 500 bytes arrived (1000 a second), 100 fit
    buf = bytearray(1000)
    n = u.readinto(buf)
    assert n == 100 and u.overruns == 1 and u.lost == 400
    assert buf[0] == 400 % 256  # the newest 100 bytes remain


def test_serial_port_through_a_real_pty(tmp_path, run_app):
    master, slave = os.openpty()
    try:
        board = HostBoard(str(tmp_path), serial=os.ttyname(slave), wire=(115200, 8, "N"))
        r = run_app(board)
        data = corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt")
        for i in range(0, len(data), 100):  # in pieces, as a port delivers them
            os.write(master, data[i:i + 100])
        assert wait_for(lambda: r.app.state.frames_ok >= 1)
        doc = r.json()
        exp = expected("dsmr-v5-nl-iskra-mt382-1.expected.json")
        assert doc["readings"]["1-0:1.8.1"]["value"] == exp["obis"]["1-0:1.8.1"]["value"]
        assert doc["device"]["counters"]["bytes"] == len(data)
    finally:
        os.close(master)
        os.close(slave)


def test_build_py_run_arguments_make_the_board(tmp_path):
    a = run_host.parse_args(["--replay", corpus_path("hdlc-aidon-se-list-1.hex"), "--speed", "3",
                             "--data", str(tmp_path / "d"), "--port", "8099"])
    board = run_host.make_board(a)
    assert a.port == 8099 and board.speed == 3
    assert board.wire == (2400, 8, "E")
    assert board.replay[:1] == b"\x7e"
    assert os.path.isdir(str(tmp_path / "d"))
    a = run_host.parse_args(["--replay", corpus_path("hdlc-aidon-se-list-1.hex"), "--baud", "9600",
                             "--parity", "N", "--data", str(tmp_path)])
    assert run_host.make_board(a).wire == (9600, 8, "N")
    assert run_host.parse_args([]).port == 8080 and run_host.parse_args([]).data == "data"
