"""The HTTP gate: only whole requests reach the server; slow, huge or extra clients are dropped."""

import socket

import pytest

from emeter.web.httpgate import request_complete
from host.board import HostBoard

from apphelp import basic, claim, wait_for


@pytest.mark.parametrize("data,done", [
    (b"GET / HTTP/1.1\r\nHost: x\r\n", False),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"POST /setup HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", False),
    (b"POST /setup HTTP/1.1\r\ncontent-length: 5\r\n\r\nabcde", True),
    (b"POST /setup HTTP/1.1\r\nContent-Length: -9\r\n\r\n", True),
    (b"POST /setup HTTP/1.1\r\nContent-Length: x\r\n\r\n", True),
])
def test_request_is_complete_when_headers_and_body_are_in(data, done):
    assert request_complete(data) is done


@pytest.fixture
def app(tmp_path, run_app):
    return run_app(HostBoard(str(tmp_path)))


def _recv_all(s):
    s.settimeout(10)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        out += chunk
    return out


def test_oversized_request_gets_413_and_nothing_is_stored(app):
    s = socket.create_connection(("127.0.0.1", app.port))
    s.sendall(b"POST /setup HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"a" * 8000)
    assert _recv_all(s).startswith(b"HTTP/1.1 413")
    s.close()
    assert wait_for(lambda: app.app.web.gate.dropped == 1)
    assert app.board.read_file("settings.toml") is None


def test_a_silent_client_does_not_block_others(app):
    idle = [socket.create_connection(("127.0.0.1", app.port)) for _ in range(3)]
    idle[0].sendall(b"GET / HT")  # and never more
    status, _, body = app.get("/data.json")
    assert status == 200 and body.startswith(b"{")
    for s in idle:
        s.close()


def test_more_clients_than_slots_and_answer_slots_drop_the_oldest(app):
    # 4 slots being served + 4 that will get 503: a 9th and 10th push the oldest out
    held = [socket.create_connection(("127.0.0.1", app.port)) for _ in range(10)]
    for s in held:
        s.sendall(b"GET /")
    pending = app.app.web.gate.listener.pending
    assert wait_for(lambda: app.app.web.gate.dropped == 2 and len(pending) == 8)
    assert app.get("/")[0] == 503  # an answer (test_security), and it pushed one more out
    for s in held:
        s.close()
    assert wait_for(lambda: not pending)
    assert app.get("/")[0] == 200


def test_requests_longer_than_the_read_buffer_arrive_whole_one_after_another(tmp_path, run_app):
    # the gate and the server read through one shared 1 kB buffer: requests of several
    # kB, sent in pieces, must each reach the route intact (the password comes last)
    import time
    r = run_app(claim(HostBoard(str(tmp_path))))
    for n in (3000, 1500):
        s = socket.create_connection(("127.0.0.1", r.port))
        req = (b"GET /setup HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + b"p" * n
               + b"\r\nAuthorization: " + basic().encode() + b"\r\n\r\n")
        for i in range(0, len(req), 700):
            s.sendall(req[i:i + 700])
            time.sleep(0.05)
        out = _recv_all(s)
        s.close()
        assert out.startswith(b"HTTP/1.1 200") and b"<form" in out, out[:80]


def test_garbage_request_line_does_not_stop_the_loop(app):
    s = socket.create_connection(("127.0.0.1", app.port))
    s.sendall(b"\x00\xff nonsense\r\n\r\n")
    _recv_all(s)
    s.close()
    assert app.get("/")[0] == 200


class _StuckConn:
    """A client socket that never takes a byte (send returns 0)."""

    def __init__(self):
        self.closed = False

    def send(self, data):
        return 0

    def close(self):
        self.closed = True


def test_a_client_that_takes_nothing_is_given_up_while_the_uart_is_pumped(tmp_path):
    import errno
    from apphelp import ManualClockBoard
    from emeter.web.httpgate import GatedPool, _Ready
    board = ManualClockBoard(str(tmp_path))
    pumps = []

    def pump():
        pumps.append(1)
        board.now += 100
    gate = GatedPool(socket, board.ticks_ms, pump=pump, send_timeout_ms=3000)
    conn = _Ready(gate, _StuckConn(), b"GET / HTTP/1.1\r\n\r\n")
    codes = []
    for _ in range(100):
        try:
            conn.send(b"x" * 100)
        except OSError as e:
            codes.append(e.errno)
            if e.errno == errno.ECONNRESET:
                break
    assert codes[-1] == errno.ECONNRESET
    assert set(codes[:-1]) == {errno.EAGAIN}
    assert 25 <= len(pumps) <= 40  # pumped on every try, for about 3 s of (fake) time


def test_data_json_is_not_readable_cross_origin(app):
    _, headers, _ = app.get("/data.json", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in headers


class _SlowConn:
    """A client socket whose window takes 100 bytes every other try."""

    def __init__(self):
        self.tries = 0
        self.got = 0

    def send(self, data):
        self.tries += 1
        if self.tries % 2:
            return 0
        n = min(100, len(data))
        self.got += n
        return n

    def close(self):
        pass


def test_a_slow_client_that_keeps_taking_bytes_gets_the_whole_response(tmp_path):
    import errno
    # the send deadline is for a client that takes nothing, not for a long answer
    # (a chunked /energy.json, the dashboard) to a client that keeps up slowly
    from apphelp import ManualClockBoard
    from emeter.web.httpgate import GatedPool, _Ready
    board = ManualClockBoard(str(tmp_path))

    def pump():
        board.now += 100
    gate = GatedPool(socket, board.ticks_ms, pump=pump, send_timeout_ms=3000)
    client = _SlowConn()
    conn = _Ready(gate, client, b"GET / HTTP/1.1\r\n\r\n")
    body = b"x" * 10000
    sent = 0
    while sent < len(body):
        try:
            sent += conn.send(body[sent:])
        except OSError as e:
            assert e.errno == errno.EAGAIN, "given up after %d bytes" % sent
    assert client.got == len(body) and board.now >= 10000  # 20 s of (fake) time, never given up
