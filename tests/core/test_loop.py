"""Loop housekeeping: watchdog, LED patterns, serial autodetect, errors in slots."""

from emeter.app import AUTOBAUD, App
from emeter.led import Led
from emeter.store.settings import Settings

from apphelp import ManualClockBoard, corpus_bytes


class CountingBoard(ManualClockBoard):
    def __init__(self, *a, **kw):
        ManualClockBoard.__init__(self, *a, **kw)
        self.feeds = 0
        self.opens = []

    def watchdog_feed(self):
        self.feeds += 1

    def serial_open(self, baud, bits, parity, stop, rx_pin=None, invert=False):
        self.opens.append((baud, bits, parity))
        ManualClockBoard.serial_open(self, baud, bits, parity, stop, rx_pin, invert)


def _app(board):
    app = App(board, port=0, host="127.0.0.1", dns_port=0)
    app.start()
    return app


def test_watchdog_is_started_and_fed_every_pass(tmp_path):
    board = CountingBoard(str(tmp_path))
    app = _app(board)
    try:
        assert board.watchdog == 30
        for _ in range(10):
            app.step()
            board.now += 10
        assert board.feeds == 10
    finally:
        app.web.stop()


def test_a_failing_slot_is_counted_and_the_loop_goes_on(tmp_path):
    board = CountingBoard(str(tmp_path))
    app = _app(board)
    try:
        def broken():
            raise ValueError("boom")
        app.sched.every("broken", broken, 0)
        for _ in range(3):
            app.step()
        assert app.sched.errors == 3
        assert "boom" in app.sched.last_error
        assert board.feeds == 3  # the pass still finished
        assert app.sched.drains >= 3
    finally:
        app.web.stop()


def test_led_blinks_slowly_in_access_point_mode(tmp_path):
    board = ManualClockBoard(str(tmp_path))
    led = Led(board)
    led.set("ap")
    seen = []
    for _ in range(40):
        led.update()
        seen.append(board.led_on)
        board.now += 100
    assert seen[:10] == [True] * 10 and seen[10:20] == [False] * 10 and seen[20:30] == [True] * 10


def test_autodetect_moves_on_while_nothing_decodes(tmp_path):
    board = CountingBoard(str(tmp_path), replay=b"\x55" * 64)
    Settings({"baud": 0}).save(board)
    app = _app(board)
    try:
        assert board.opens == [AUTOBAUD[0]]
        for _ in range(25):
            board.now += 1000
            app.step()
        assert board.opens[:4] == list(AUTOBAUD[:4])
        assert app.autobaud is not None
    finally:
        app.web.stop()


def test_autodetect_locks_on_the_setting_that_decodes(tmp_path):
    board = CountingBoard(str(tmp_path), replay=corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt"))
    Settings({"baud": 0}).save(board)
    app = _app(board)
    try:
        import time
        end = time.monotonic() + 10
        while app.state.frames_ok == 0 and time.monotonic() < end:
            app.step()
            time.sleep(0.005)
        for _ in range(20):
            board.now += 1000
            app.step()
        assert app.state.frames_ok >= 1
        assert app.autobaud is None
        assert board.opens == [AUTOBAUD[0]]
    finally:
        app.web.stop()


class NoPortBoard(CountingBoard):
    def serial_open(self, *a, **kw):
        raise ValueError("Invalid pin")


def test_a_serial_port_that_will_not_open_leaves_the_pages_up(tmp_path):
    board = NoPortBoard(str(tmp_path))
    app = _app(board)
    try:
        assert app.web_started
        assert "Invalid pin" in dict(app.status_rows())["serial error"]
        app.step()
    finally:
        app.web.stop()
