"""log.txt: bounded in bytes, newest last, survives a restart, writes rate-limited."""

from cosem.message import Failure

from emeter.store.faillog import NAME, FailLog
from host.board import HostBoard, Restart

from apphelp import ManualClockBoard, corpus_bytes, wait_for


def _fail(i, size=40):
    return Failure("hdlc", "fcs", "frame check sequence wrong #%d" % i, bytes([i % 256]) * size)


def test_ring_never_exceeds_its_byte_bound_and_keeps_the_newest(tmp_path):
    log = FailLog(HostBoard(str(tmp_path)), limit=2000)
    for i in range(200):
        log.add(_fail(i), "2026-01-01T00:00:00Z")
        assert log.size <= 2000
    text = log.text()
    assert len(text) <= 2000
    assert b"#199 " in text and text.rstrip().endswith(b"--- End ---")
    assert b"#0 " not in text
    assert log.dropped > 0
    assert text.index(b"#198 ") < text.index(b"#199 ")


def test_an_entry_larger_than_the_ring_is_cut_not_dropped(tmp_path):
    log = FailLog(HostBoard(str(tmp_path)), limit=500)
    log.add(_fail(1, size=5000), "t")
    assert 0 < log.size <= 500
    assert log.text().endswith(b"... (cut)\n--- End ---\n")


def test_ring_survives_a_restart(tmp_path):
    board = HostBoard(str(tmp_path))
    log = FailLog(board, limit=3000)
    for i in range(50):
        log.add(_fail(i), "2026-01-01T00:00:%02dZ" % (i % 60))
    assert log.flush(force=True)
    again = FailLog(HostBoard(str(tmp_path)), limit=3000)
    assert again.text() == log.text()
    assert len(again.entries) == len(log.entries)


def test_a_smaller_bound_after_restart_still_holds(tmp_path):
    log = FailLog(HostBoard(str(tmp_path)), limit=5000)
    for i in range(60):
        log.add(_fail(i), "t")
    log.flush(force=True)
    small = FailLog(HostBoard(str(tmp_path)), limit=1000)
    assert small.size <= 1000
    assert b"#59 " in small.text()


def test_writes_are_rate_limited(tmp_path):
    board = ManualClockBoard(str(tmp_path))
    log = FailLog(board, limit=4000, min_interval_ms=60000)
    log.add(_fail(1), "t")
    assert log.flush() is True
    log.add(_fail(2), "t")
    board.now += 59000
    assert log.flush() is False
    assert b"#2 " not in board.read_file(NAME)
    board.now += 2000
    assert log.flush() is True
    assert b"#2 " in board.read_file(NAME)
    assert log.writes == 2
    assert log.flush() is False  # nothing new


def _bad_telegram():
    good = corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt")
    return good.replace(b"000004.426", b"000004.427")  # CRC no longer matches


def test_rejected_frames_appear_in_log_txt_and_survive_an_app_restart(tmp_path, run_app):
    board = HostBoard(str(tmp_path), replay=_bad_telegram(), wire=(115200, 8, "N"))
    r = run_app(board)
    assert wait_for(lambda: r.app.state.rejected_total() >= 2)
    status, _, body = r.get("/log.txt")
    assert status == 200
    assert body.startswith(b"--- Start --- ")
    assert b"crc" in body.split(b"\n", 1)[0]
    assert r.app.state.frames_ok == 0
    doc = r.json()
    assert doc["device"]["counters"]["rejected"].get("crc", 0) >= 2
    # restart the way the board does it (flushes first), then a fresh app on the same data
    r.stopping = True
    r.thread.join(10)
    try:
        r.app.restart_now()
    except Restart:
        pass
    r.app.web.stop()
    kept = board.read_file(NAME)
    assert kept and kept.startswith(b"--- Start --- ")
    r2 = run_app(HostBoard(str(tmp_path)))
    status, _, body2 = r2.get("/log.txt")
    assert body2.startswith(kept)


def test_app_writes_the_log_right_after_a_frame_not_in_the_middle_of_one(tmp_path):
    from emeter.app import App
    board = ManualClockBoard(str(tmp_path))
    app = App(board, port=0, host="127.0.0.1", dns_port=0)
    app.start()
    try:
        app.reader._results([_fail(1)])          # a rejected frame just ended
        board.now += 500                          # mid-way to the next one: not now
        app.step()
        assert board.read_file(NAME) is None
        app.reader._results([_fail(2)])
        app.step()                                # right after a frame: written
        assert b"#2 " in board.read_file(NAME)
        app.reader._results([_fail(3)])
        board.now += 10
        app.step()                                # rate limit: not again within a minute
        assert b"#3 " not in board.read_file(NAME)
        board.now += 61000                        # line idle for a minute: written
        app.step()
        assert b"#3 " in board.read_file(NAME)
    finally:
        app.web.stop()


def test_log_ring_fits_the_heap_of_a_small_board():
    from emeter.app import log_ring_bytes
    assert log_ring_bytes(65536, None) == 65536        # host: no heap figure, the full default
    assert log_ring_bytes(65536, 2_000_000) == 65536    # a board with PSRAM
    assert log_ring_bytes(65536, 100_000) == 25_000     # an ESP32-S2 without PSRAM
    assert log_ring_bytes(65536, 10_000) == 8192        # never below 8 kB
    assert log_ring_bytes(4096, 10_000) == 4096         # and never above what was asked
