"""The HTTP gate: only whole requests reach the server; slow, huge or extra clients are dropped."""

import socket

import pytest

from emeter.web.httpgate import request_complete
from host.board import HostBoard

from apphelp import wait_for


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


def test_more_clients_than_slots_drop_the_oldest(app):
    held = [socket.create_connection(("127.0.0.1", app.port)) for _ in range(6)]
    for s in held:
        s.sendall(b"GET /")
    assert wait_for(lambda: app.app.web.gate.dropped >= 2)
    assert app.get("/")[0] == 200
    for s in held:
        s.close()


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
