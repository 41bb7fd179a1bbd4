"""The clock: SNTP packets byte by byte, refusals, and the app setting the board's clock."""

import datetime
import os
import socket
import threading

import pytest

from cosem.message import Failure

from emeter.net import ntpwire, sntp
from emeter.app import App
from emeter.store.settings import Settings
from host.uart import ReplayUart

from apphelp import ROOT, ManualClockBoard, corpus_bytes

NONCE = bytes.fromhex("a1b2c3d4e5f60718")


def _reply(secs, frac=0, mode=4, stratum=2, li=0, origin=NONCE, size=48):
    """A server reply: header, then reference/originate/receive/transmit timestamps."""
    p = bytearray(48)
    p[0] = li << 6 | 4 << 3 | mode           # LI, VN 4, mode
    p[1] = stratum
    p[2] = 6                                 # poll 2**6 s
    p[3] = 0xEC                              # precision 2**-20 s
    p[12:16] = b"GPS\x00"                    # reference id (a stratum-1 source name)
    p[24:32] = origin                        # originate: our transmit timestamp, echoed
    p[32:36] = (secs & 0xFFFFFFFF).to_bytes(4, "big")          # receive
    p[40:44] = (secs & 0xFFFFFFFF).to_bytes(4, "big")          # transmit seconds
    p[44:48] = frac.to_bytes(4, "big")                         # transmit fraction
    return bytes(p[:size])


# --- packets ---------------------------------------------------------------------
def test_request_is_a_version_4_client_packet_carrying_the_nonce_as_transmit_time():
    buf = bytearray(b"\xff" * 48)                     # reused: old content must go
    ntpwire.request(buf, NONCE)
    assert buf.hex() == (
        "23" "00" "00" "00"                           # LI 0, VN 4, mode 3 (client); rest zero
        + "00" * 4 + "00" * 4 + "00" * 4              # root delay, dispersion, reference id
        + "00" * 8 + "00" * 8 + "00" * 8              # reference, originate, receive
        + "a1b2c3d4e5f60718")                         # transmit = nonce


def test_reply_for_2026_11_24_is_decoded_to_utc():
    reply = bytes.fromhex(
        "24" "02" "06" "ec" "00000000" "00000000" "47505300"   # LI 0 VN 4 mode 4, stratum 2
        "eeafde9f00000000"                                       # reference
        "a1b2c3d4e5f60718"                                       # originate = our nonce
        "eeafdea000000000"                                       # receive
        "eeafdea000000000")                                      # transmit 4004503200 s
    assert ntpwire.reply_error(reply, NONCE) is None
    assert ntpwire.parse(reply, NONCE) == (2026, 11, 24, 10, 0, 0)


@pytest.mark.parametrize("secs,when", [
    (4044470399, (2028, 2, 29, 23, 59, 59)),    # a leap day, last second
    (4044470400, (2028, 3, 1, 0, 0, 0)),        # ... and the day after
    (3160814400, (2000, 2, 29, 12, 0, 0)),      # 2000 is a leap year (divisible by 400)
    (4417977600, (2040, 1, 1, 0, 0, 0)),        # after the 2036 wrap: era 1
    (6316531200, (2100, 3, 1, 0, 0, 0)),        # 2100 is not a leap year
])
def test_timestamps_map_to_the_calendar(secs, when):
    assert ntpwire.parse(_reply(secs), NONCE) == when


def test_half_a_second_or_more_rounds_up():
    assert ntpwire.parse(_reply(4004503200, frac=0x7FFFFFFF), NONCE)[5] == 0
    assert ntpwire.parse(_reply(4004503259, frac=0x80000000), NONCE)[3:] == (10, 1, 0)


def test_civil_date_agrees_with_the_standard_library_for_two_centuries():
    epoch = datetime.date(1970, 1, 1).toordinal()
    for days in range(-25567, 47482, 7):        # 1900 .. 2100, a day of the week apart
        d = datetime.date.fromordinal(epoch + days)
        assert ntpwire.civil(days) == (d.year, d.month, d.day), days


@pytest.mark.parametrize("reply,why", [
    (_reply(4004503200, mode=3), "mode"),               # a client packet (our own, reflected)
    (_reply(4004503200, mode=5), "mode"),               # broadcast
    (_reply(0, stratum=0)[:12] + b"RATE" + _reply(0, stratum=0)[16:], "kiss"),  # kiss-of-death
    (_reply(4004503200, stratum=16), "stratum"),        # unsynchronised
    (_reply(4004503200, li=3), "leap"),                 # alarm: the server's clock is not set
    (_reply(4004503200, origin=b"\x00" * 8), "origin"),  # not an answer to our request
    (_reply(4004503200, size=47), "short"),
    (_reply(0), "zero"),                                # no transmit time
])
def test_untrustworthy_replies_are_refused(reply, why):
    assert ntpwire.reply_error(reply, NONCE) == why
    assert ntpwire.parse(reply, NONCE) is None


def test_pure_functions_give_the_same_answers_under_micropython(monkeypatch):
    monkeypatch.syspath_prepend(ROOT)
    from tools.mpy_vm import package_files, run_in_vm
    files = package_files("emeter", ("net.ntpwire",))
    cases = [_reply(s).hex() for s in (4004503200, 4044470399, 3160814400, 4417977600, 6316531200)]
    probe = (
        "from emeter.net import ntpwire\n"
        "n = bytes.fromhex('%s')\n"
        "for h in %r:\n"
        "    print(ntpwire.parse(bytes.fromhex(h), n))\n"
        "print(ntpwire.reply_error(bytes.fromhex(%r), n))\n"
        "b = bytearray(48)\n"
        "print(bytes(ntpwire.request(b, n)).hex())\n"
    ) % (NONCE.hex(), cases, _reply(1, stratum=0).hex())
    rc, out = run_in_vm(probe, files=files)
    assert rc == 0, out
    assert out.splitlines() == [
        "(2026, 11, 24, 10, 0, 0)", "(2028, 2, 29, 23, 59, 59)", "(2000, 2, 29, 12, 0, 0)",
        "(2040, 1, 1, 0, 0, 0)", "(2100, 3, 1, 0, 0, 0)", "kiss",
        "23" + "00" * 39 + NONCE.hex()]


# --- the client in the app ------------------------------------------------------------
class ClockBoard(ManualClockBoard):
    """A board that joins Wi-Fi, has no clock until set_wall_time, and a meter that sends
    a telegram every second of its manual clock; its socket pool is CPython's socket."""

    keeps_wall_time = False

    def __init__(self, path, telegram=None):
        ManualClockBoard.__init__(self, path)
        self.clock = None
        self.clock_sets = []
        self.telegram = telegram

    def wall_time(self):
        return self.clock

    def set_wall_time(self, t):
        self.clock_sets.append((self.now, tuple(t)))
        self.clock = tuple(t)

    def wifi_status(self):
        return {"connected": True, "ap": False, "ssid": "home", "ip": "127.0.0.1",
                "mac": "aa:bb:cc:dd:ee:f1", "rssi": -60}

    def serial_open(self, baud, bits, parity, stop, rx_pin=None, invert=False):
        self.uart = None
        if self.telegram is not None:
            # one telegram a second: the meter's bytes arrive as fast as the manual clock runs
            self.uart = ReplayUart(self.telegram, len(self.telegram) * 10, 10,
                                   clock=lambda: self.now / 1000.0)


class OneShotServer:
    """A UDP time server on loopback answering one request with a fixed time."""

    def __init__(self, secs):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.secs = secs
        self.request = None
        self.answered = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            data, addr = self.sock.recvfrom(512)
        except OSError:
            return
        self.request = data
        self.sock.sendto(_reply(self.secs, origin=data[40:48]), addr)
        self.answered.set()

    def close(self):
        self.sock.close()
        self.thread.join(10)


def _app(board, port):
    Settings({"wifi_ssid": "home"}).save(board)
    app = App(board, port=0, host="127.0.0.1", dns_port=0, ntp_server="127.0.0.1", ntp_port=port)
    app.start()
    return app


def test_the_board_clock_is_set_from_the_server_and_failed_frames_carry_that_time(tmp_path):
    server = OneShotServer(4139355967)              # 2031-03-04T05:06:07Z
    board = ClockBoard(str(tmp_path), telegram=corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt"))
    app = _app(board, server.port)
    try:
        assert app.wifi.mode == "station"
        app.reader._results([Failure("hdlc", "fcs", "before", b"\x7e")])
        assert b"--- Start --- +" in app.log.text()  # no clock yet: uptime
        for _ in range(5):
            app.step()
            board.now += 100
            if app.sntp.requests:
                break
        assert server.answered.wait(10)             # the reply is now in the socket
        assert server.request[0] == 0x23 and len(server.request) == 48
        for _ in range(3):
            app.step()
            board.now += 100
        assert board.clock_sets and board.clock_sets[-1][1] == (2031, 3, 4, 5, 6, 7)
        assert len(board.clock_sets) == 1 and app.sntp.syncs == 1
        assert app.sntp.sock is None                # the socket is given back
        app.reader._results([Failure("hdlc", "fcs", "after", b"\x7e")])
        assert b"--- Start --- 2031-03-04T05:06:07Z fcs: after (hdlc, 1 bytes)\n" in app.log.text()
        assert app.state.now_text() == "2031-03-04T05:06:07Z"
        assert dict(app.status_rows())["clock"] == "2031-03-04T05:06:07Z (SNTP: synced 0 s ago)"
        # the next sync is an hour away, not sooner; meanwhile telegrams get the time too
        for _ in range(100):
            app.step()
            board.now += 1000
        assert app.sntp.requests == 1
        assert app.state.frames_ok >= 90
        assert dict(app.device_json().items)["received"] == "2031-03-04T05:06:07Z"
    finally:
        app.web.stop()
        server.close()


def test_a_server_that_never_answers_is_retried_with_back_off_while_frames_keep_coming(tmp_path):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))                   # takes requests, never answers
    board = ClockBoard(str(tmp_path), telegram=corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt"))
    app = _app(board, silent.getsockname()[1])
    try:
        sent_at = []
        start = board.now
        while board.now - start < 400000:           # 400 s of manual clock
            before = app.sntp.requests
            app.step()
            if app.sntp.requests != before:
                sent_at.append(board.now)
            board.now += 100
        gaps = [b - a for a, b in zip(sent_at, sent_at[1:])]
        assert 4 <= len(sent_at) <= 6, sent_at
        assert all(later > earlier for earlier, later in zip(gaps, gaps[1:])), gaps
        assert gaps[0] >= 15000 + app.sntp.timeout_ms
        assert app.sntp.last_error == "timeout" and board.clock is None
        assert dict(app.status_rows())["clock"].endswith("s (SNTP: not synced, last try: timeout)")
        assert app.state.frames_ok >= 390             # a telegram a second, all decoded
        assert app.sched.late == 0
        silent.settimeout(0)
        got = 0
        try:
            while True:
                assert silent.recv(512)[0] == 0x23
                got += 1
        except BlockingIOError:
            pass
        assert got == len(sent_at)                  # every attempt really went out
    finally:
        app.web.stop()
        silent.close()


class FailingPool:
    """A socket pool whose name lookups fail, as with no DNS server."""

    AF_INET = socket.AF_INET
    SOCK_DGRAM = socket.SOCK_DGRAM

    def __init__(self):
        self.lookups = 0

    def getaddrinfo(self, *a):
        self.lookups += 1
        raise socket.gaierror(-2, "Name or service not known")


def test_a_failed_lookup_is_a_failed_attempt_not_an_error_in_the_loop(tmp_path):
    board = ClockBoard(str(tmp_path))
    pool = FailingPool()
    board.socket_pool = lambda: pool
    client = sntp.Sntp(board)
    assert client.poll() is False                   # not started: nothing
    client.start()
    assert client.poll() is True
    assert pool.lookups == 1 and "gaierror" in client.last_error and client.failures == 1
    board.now += 14000
    client.poll()
    assert pool.lookups == 1                        # backing off
    board.now += 3000
    client.poll()
    assert pool.lookups == 2 and client.failures == 2


def _local_server_and_client(tmp_path):
    """A UDP socket on loopback standing in for the server, and a client aimed at it."""
    server_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server_sock.bind(("127.0.0.1", 0))
    server_sock.settimeout(10)
    board = ClockBoard(str(tmp_path))
    return server_sock, board, sntp.Sntp(board, "127.0.0.1", server_sock.getsockname()[1])


def test_kiss_of_death_backs_off_instead_of_waiting_an_hour(tmp_path):
    server_sock, board, client = _local_server_and_client(tmp_path)
    try:
        client.start()
        client.poll()
        data, addr = server_sock.recvfrom(512)
        kod = bytearray(_reply(0, stratum=0, origin=data[40:48]))
        kod[12:16] = b"RATE"
        server_sock.sendto(bytes(kod), addr)
        for _ in range(200):                        # loopback delivery is quick but not instant
            if client.poll():
                break
        assert client.last_error == "kiss" and board.clock is None
        assert 15000 <= sntp.ticks_diff(client.next_try, board.now) <= 15000 * 9 // 8
    finally:
        server_sock.close()


def test_no_time_server_is_asked_in_access_point_mode_or_where_the_computer_keeps_time(tmp_path):
    board = ClockBoard(str(tmp_path))
    board.wifi_status = lambda: {"connected": False, "ap": True, "ssid": None, "ip": "127.0.0.1",
                                 "mac": "aa:bb:cc:dd:ee:f1", "rssi": None}
    board.wifi_start_ap = lambda ssid, password=None: "127.0.0.1"
    app = App(board, port=0, host="127.0.0.1", dns_port=0, ntp_server="127.0.0.1", ntp_port=9)
    app.start()
    try:
        assert app.wifi.mode == "ap"
        for _ in range(20):
            app.step()
            board.now += 100
        assert app.sntp.next_try is None and app.sntp.requests == 0
    finally:
        app.web.stop()
        app.dns.close()
    host = ManualClockBoard(str(tmp_path / "host"))   # a HostBoard: the PC keeps the time
    app = App(host, port=0, host="127.0.0.1", dns_port=0, ntp_server="127.0.0.1", ntp_port=9)
    app.start()
    try:
        assert app.wifi.mode == "station"
        app.step()
        assert app.sntp.next_try is None and app.sntp.requests == 0
    finally:
        app.web.stop()


def test_circuitpython_board_sets_its_rtc(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(ROOT, "tests", "support"))
    import cpfakes
    cp = cpfakes.load(monkeypatch)
    b = cp.Board()
    assert b.wall_time() is None
    b.set_wall_time((2028, 2, 29, 23, 59, 59))
    assert b.wall_time() == (2028, 2, 29, 23, 59, 59)
    assert tuple(b._rtc.datetime)[:6] == (2028, 2, 29, 23, 59, 59)


def test_packet_code_is_loaded_for_one_request_or_reply_and_let_go(tmp_path):
    import sys
    server_sock, board, client = _local_server_and_client(tmp_path)
    try:
        client.start()
        client.poll()
        assert "emeter.net.ntpwire" not in sys.modules       # the request is out: let go
        data, addr = server_sock.recvfrom(512)
        server_sock.sendto(_reply(4004503200, origin=data[40:48]), addr)
        for _ in range(200):
            if client.poll():
                break
        assert client.syncs == 1 and board.clock == (2026, 11, 24, 10, 0, 0)
        # between the hourly syncs only the loop stays: none of the packets' code
        assert "emeter.net.ntpwire" not in sys.modules
        assert not hasattr(sntp, "reply_error") and not hasattr(sntp, "request")
    finally:
        server_sock.close()
