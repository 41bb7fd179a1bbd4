"""First boot and Wi-Fi: access-point fallback, captive DNS, button reset (fake radio, manual clock)."""

import socket

import pytest

from emeter.net import dns
from emeter.app import App
from emeter.store.settings import FILE, Settings
from emeter.net.wifi import ap_name
from host.board import Restart

from apphelp import ManualClockBoard


class FakeRadioBoard(ManualClockBoard):
    """A board whose radio joins only when told to; its AP 'address' is loopback."""

    def __init__(self, path, joins=False):
        ManualClockBoard.__init__(self, path)
        self.joins = joins
        self.connected = False
        self.attempts = []
        self.ap = None

    def wifi_connect(self, ssid, password, timeout_s):
        self.attempts.append((self.now, ssid, password))
        self.now += 1000  # a join takes a while
        self.connected = self.joins
        return self.joins

    def wifi_start_ap(self, ssid, password=None):
        self.ap = ssid
        return "127.0.0.1"

    def wifi_status(self):
        return {"connected": self.connected, "ap": self.ap is not None, "ssid": None,
                "ip": "127.0.0.1", "mac": "aa:bb:cc:dd:ee:f1", "rssi": -60 if self.connected else None}


def _app(board, **kw):
    app = App(board, port=0, host="127.0.0.1", dns_port=0, **kw)
    app.start()
    return app


def _run(app, board, ms, step_ms=100):
    end = board.now + ms
    while board.now < end:
        app.step()
        board.now += step_ms


def _stop(app):
    app.web.stop()
    if app.dns is not None:
        app.dns.close()


def test_no_network_configured_starts_the_access_point_at_once(tmp_path):
    board = FakeRadioBoard(str(tmp_path))
    app = _app(board)
    try:
        assert app.wifi.mode == "ap"
        assert board.ap == "emeter-EEF1" == ap_name("aa:bb:cc:dd:ee:f1")
        assert app.led.pattern == "ap"
        assert app.dns is not None and app.web_started
        assert board.attempts == []
    finally:
        _stop(app)


def test_joining_that_keeps_failing_falls_back_to_the_access_point(tmp_path):
    board = FakeRadioBoard(str(tmp_path), joins=False)
    Settings({"wifi_ssid": "home", "wifi_password": "hunter22hunter22"}).save(board)
    app = _app(board)
    try:
        assert app.wifi.mode == "joining" and app.led.pattern == "joining"
        _run(app, board, 60000)
        assert app.wifi.mode == "joining"  # still trying, with back-off
        tries = len(board.attempts)
        assert 3 <= tries <= 12
        _run(app, board, 70000)
        assert app.wifi.mode == "ap"
        assert board.ap == "emeter-EEF1"
        assert app.led.pattern == "ap"
    finally:
        _stop(app)


def test_a_successful_join_advertises_mdns_and_serves(tmp_path):
    board = FakeRadioBoard(str(tmp_path), joins=True)
    Settings({"wifi_ssid": "home", "hostname": "kitchen"}).save(board)
    app = _app(board)
    try:
        _run(app, board, 2000)
        assert app.wifi.mode == "station"
        assert board.mdns == ("kitchen", 0)
        assert board.ap is None and app.dns is None
        assert app.web_started
    finally:
        _stop(app)


def test_access_point_retries_the_network_and_restarts_when_it_is_back(tmp_path):
    board = FakeRadioBoard(str(tmp_path), joins=False)
    Settings({"wifi_ssid": "home"}).save(board)
    app = _app(board)
    try:
        _run(app, board, 130000)
        assert app.wifi.mode == "ap"
        board.joins = True
        with pytest.raises(Restart):
            _run(app, board, 400000, step_ms=1000)
    finally:
        _stop(app)


def test_captive_dns_answers_every_name_with_the_board_address(tmp_path):
    board = FakeRadioBoard(str(tmp_path))
    app = _app(board)
    try:
        port = app.dns.sock.getsockname()[1]
        q = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             b"\x11connectivitycheck\x07gstatic\x03com\x00\x00\x01\x00\x01")
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(5)
        c.sendto(q, ("127.0.0.1", port))
        for _ in range(50):
            app.step()
        reply = c.recv(512)
        c.close()
        assert reply[:2] == b"\x12\x34" and reply[2] & 0x80
        assert reply[6:8] == b"\x00\x01"
        assert reply.endswith(bytes([127, 0, 0, 1]))
    finally:
        _stop(app)


# --- the DNS answer, byte by byte -------------------------------------------------
def _query(name, qtype=1, flags=0x0100):
    q = bytes((0xAB, 0xCD, flags >> 8, flags & 0xFF, 0, 1, 0, 0, 0, 0, 0, 0))
    for label in name.split("."):
        q += bytes((len(label),)) + label.encode()
    return q + b"\x00" + bytes((qtype >> 8, qtype & 0xFF, 0, 1))


def test_dns_answer_for_an_a_query():
    q = _query("emeter.example")
    a = dns.answer(q, bytes((192, 168, 4, 1)))
    assert a[:2] == b"\xab\xcd"
    assert a[2] == 0x81 and a[3] == 0x80          # response, recursion desired copied, available
    assert a[4:12] == b"\x00\x01\x00\x01\x00\x00\x00\x00"
    assert a[12:len(q)] == q[12:]                  # the question, echoed
    assert a[len(q):] == b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\xa8\x04\x01"


def test_dns_aaaa_query_gets_no_address():
    a = dns.answer(_query("emeter.example", qtype=28), b"\x7f\x00\x00\x01")
    assert a[6:8] == b"\x00\x00" and len(a) == len(_query("emeter.example", qtype=28))


@pytest.mark.parametrize("packet", [
    b"", b"\x00" * 11,
    _query("x", flags=0x8180),           # a response, not a query
    _query("x", flags=0x2800),           # an UPDATE
    _query("x")[:-3],                    # truncated question
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # pointer
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc",  # label past the end
])
def test_dns_stays_silent_on_what_it_cannot_answer(packet):
    assert dns.answer(packet, b"\x7f\x00\x00\x01") is None


# --- the button -------------------------------------------------------------------------
def test_button_held_five_seconds_erases_settings_and_restarts(tmp_path):
    board = FakeRadioBoard(str(tmp_path), joins=True)
    board.write_file_atomic(FILE, b'CIRCUITPY_WEB_API_PASSWORD = "keepme"\n')
    Settings({"wifi_ssid": "home", "wifi_password": "hunter22hunter22", "hostname": "x1"}).save(board)
    app = _app(board)
    try:
        _run(app, board, 1000)
        board.button = True
        with pytest.raises(Restart):
            _run(app, board, 6000, step_ms=50)
        assert board.now - 1000 >= 5000
        assert board.led_on is True  # the LED confirms
        s = Settings.load(board)
        assert s["wifi_ssid"] == "" and s["wifi_password"] == "" and s["hostname"] == "emeter"
        assert b'CIRCUITPY_WEB_API_PASSWORD = "keepme"' in board.read_file(FILE)
    finally:
        _stop(app)


def test_shorter_presses_do_nothing(tmp_path):
    board = FakeRadioBoard(str(tmp_path), joins=True)
    Settings({"wifi_ssid": "home"}).save(board)
    before = board.read_file(FILE)
    app = _app(board)
    try:
        for _ in range(5):
            board.button = True
            _run(app, board, 4900, step_ms=50)
            board.button = False
            _run(app, board, 200, step_ms=50)
        assert board.read_file(FILE) == before
        assert board.restarts == 0
    finally:
        _stop(app)


def test_reset_still_restarts_when_the_drive_refuses_writes(tmp_path):
    """On the board the drive is read-only while a computer has it: erase fails, restart happens."""
    board = FakeRadioBoard(str(tmp_path), joins=True)
    Settings({"wifi_ssid": "home"}).save(board)
    app = _app(board)

    def refuse(*a):
        raise OSError(30, "read-only file system")
    board.write_file_atomic = refuse
    board.remove_file = refuse
    try:
        _run(app, board, 1000)
        board.button = True
        with pytest.raises(Restart):
            _run(app, board, 6000, step_ms=50)
        assert board.restarts == 1
    finally:
        _stop(app)
