"""Each route's content for a DSMR and an HDLC capture replayed through the real app."""

import html
from decimal import Decimal

import pytest

from apphelp import expected, replay_board, wait_for

CAPTURES = [
    # capture, replay speed (2400-baud HDLC would take 2.7 s a frame at x1)
    ("dsmr-v5-nl-iskra-mt382-1.txt", 1.0),
    ("hdlc-aidon-se-list-1.hex", 20.0),
]


def _numeric(exp):
    """(obis, value, unit) of the expected readings that carry a number and a unit."""
    out = []
    for obis, e in sorted(exp["obis"].items()):
        v = e.get("value")
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool) and e.get("unit"):
            out.append((obis, v, e["unit"]))
    return out


@pytest.fixture(params=CAPTURES, ids=[c[0] for c in CAPTURES])
def running(request, tmp_path, run_app):
    name, speed = request.param
    r = run_app(replay_board(tmp_path, name, speed))
    assert wait_for(lambda: r.app.state.frames_ok >= 1), "no frame decoded"
    r.capture = name
    return r


def test_data_json_carries_every_expected_reading_exactly(running):
    exp = expected(running.capture.rsplit(".", 1)[0] + ".expected.json")
    doc = running.json()
    checked = _numeric(exp)
    assert len(checked) >= 5
    for obis, value, unit in checked:
        got = doc["readings"][obis]
        assert got["value"] == value, obis
        assert got["unit"].lower() == unit.lower(), obis


def test_data_json_device_fields_are_present_and_counted(running):
    doc = running.json()
    dev = doc["device"]
    for key in ("elapsed", "received", "uptime", "hostname", "mode", "ssid", "ip", "mac",
                "rssi", "free_memory", "counters"):
        assert key in dev, key
    assert dev["hostname"] == "emeter"
    assert dev["ip"] == "127.0.0.1"
    assert dev["elapsed"] >= 0
    c = dev["counters"]
    assert c["frames_ok"] >= 1
    assert c["bytes"] > 0
    assert c["frames_rejected"] == 0
    assert c["overruns"] == 0


def test_data_json_top_level_is_the_decoder_schema(running):
    doc = running.json()
    assert doc["format"] in ("dsmr", "hdlc")
    assert list(doc)[:4] == ["format", "timestamp", "meter", "readings"]
    assert list(doc)[-1] == "device"


def test_index_page_lists_every_reading_with_value_and_unit(running):
    status, headers, body = running.get("/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    page = body.decode("utf-8")
    assert 'http-equiv="refresh"' in page
    msg = running.app.state.message
    for r in msg.readings:
        assert html.escape(r.obis) in page
        if r.unit:
            assert html.escape(r.unit) in page
        if r.name:
            assert html.escape(r.name, quote=True) in page
    for r in msg.readings:
        if not isinstance(r.value, (list, dict)):
            assert '<td class="v">%s</td>' % html.escape(str(r.value), quote=True) in page, r.obis
    assert "frames_ok" in page
    assert "<th>errors</th><td>0</td>" in page


def test_log_txt_is_plain_text_and_empty_for_a_clean_stream(running):
    status, headers, body = running.get("/log.txt")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    assert body == b""


def test_setup_form_shows_every_field(running):
    status, _, body = running.get("/setup")
    assert status == 200
    page = body.decode("utf-8")
    for name in ("wifi_ssid", "wifi_password", "hostname", "baud", "parity", "bits", "rx_pin",
                 "key", "auth_key", "admin_password"):
        assert 'name="%s"' % name in page


def test_setup_page_code_is_let_go_once_the_page_is_built(running):
    import sys
    status, _, body = running.get("/setup")
    assert status == 200 and b"<form" in body
    # /setup is rare: its page and form parser are not kept resident on the board
    assert "emeter.web.setupform" not in sys.modules
    assert "emeter.web.plainpages" not in sys.modules
    assert "emeter.web.forms" not in sys.modules


def test_dashboard_page_code_is_let_go_once_the_page_is_built(running):
    import sys
    for path in ("/", "/log"):
        status, _, body = running.get(path)
        assert status == 200 and body.endswith(b"</html>")
        # the page builders are loaded per request, not kept resident on the board
        for name in ("dashpage", "logpage", "layout", "pages"):
            assert "emeter.web." + name not in sys.modules


def test_unknown_path_is_404(running):
    status, _, _ = running.get("/nope")
    assert status == 404


def test_polling_before_the_server_listens_is_not_an_error(tmp_path):
    # Wi-Fi still joining: the scheduler polls the web slot every pass before the server
    # is started; that is waiting, not a failure to count
    from emeter.app import App
    from host.board import HostBoard
    app = App(HostBoard(str(tmp_path)), port=0, host="127.0.0.1")
    assert app.web.server.stopped
    for _ in range(5):
        assert not app.web.poll()
    assert app.web.errors == 0
    assert ("errors", 0) in app.extra_counters()


def test_a_request_that_breaks_the_server_is_still_counted(tmp_path):
    from emeter.app import App
    from host.board import HostBoard
    import socket
    from apphelp import wait_for
    app = App(HostBoard(str(tmp_path)), port=0, host="127.0.0.1")
    app.web.start(0, "127.0.0.1")
    s = socket.create_connection(("127.0.0.1", app.web.port()))
    try:
        def broken():
            raise ValueError("a broken request")
        app.web.server.poll = broken
        assert not app.web.poll() and app.web.errors == 0  # nothing has arrived yet
        s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert wait_for(app.web.poll)  # the request is in: the server takes it, and breaks
        assert app.web.errors == 1
    finally:
        s.close()
        app.web.stop()


def test_a_failure_while_gathering_a_request_is_the_web_slots_error_not_the_loops(tmp_path):
    # (accepting or reading a client happens in the gate, before the server sees it)
    from emeter.app import App
    from host.board import HostBoard
    app = App(HostBoard(str(tmp_path)), port=0, host="127.0.0.1")
    app.web.start(0, "127.0.0.1")
    try:
        def broken():
            raise OSError("a client gone while it was read")
        app.web.gate.listener.poll = broken
        assert app.web.poll() and app.web.errors == 1
    finally:
        app.web.stop()


def test_the_http_library_parts_no_route_uses_are_let_go(tmp_path):
    # a board keeps every class a module defines: what the web never uses is dropped
    from emeter.app import App
    from host.board import HostBoard
    import adafruit_httpserver
    from adafruit_httpserver import MIMETypes, response
    App(HostBoard(str(tmp_path)), port=0, host="127.0.0.1")
    for name in ("Websocket", "SSEResponse", "JSONResponse", "Redirect"):
        assert not hasattr(response, name) and not hasattr(adafruit_httpserver, name), name
    assert MIMETypes.REGISTERED == {}


def test_data_json_goes_out_with_its_length_also_for_head(running):
    import socket
    status, headers, body = running.get("/data.json")
    assert status == 200 and int(headers["content-length"]) == len(body)
    s = socket.create_connection(("127.0.0.1", running.port))
    s.sendall(b"HEAD /data.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.settimeout(10)
    out = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    s.close()
    head, _, rest = out.partition(b"\r\n\r\n")
    hh = dict(line.split(": ", 1) for line in head.decode().lower().split("\r\n")[1:])
    assert rest == b"" and abs(int(hh["content-length"]) - len(body)) <= 4  # (elapsed moved on)


def test_data_json_bytes_are_the_document_text_in_utf8():
    from cosem.message import Message
    from cosem.number import Dec
    from emeter.state import State
    from emeter.web import datajson
    from vmhelp import FAKE_BOARD
    scope = {}
    exec(FAKE_BOARD, scope)
    st = State(scope["Board"]())
    m = Message("dsmr")
    m.meter = {"id": "caf\u00e9 \u2013 \"x\"\n"}
    m.add("1-0:1.8.0", Dec(1234567891, -3), "kWh")
    m.add("0-0:96.13.0", "\u00b5 <\u2013>", None)
    st.good(m)
    dev = datajson.device(st, {"ip": "1.2.3.4", "ap": False}, "emeter")
    assert datajson.document_bytes(st, dev) == datajson.document(st, dev).encode("utf-8")


def test_an_idle_pass_leaves_the_http_server_alone(tmp_path):
    # no whole request has arrived: the gate says so, and the server is not polled (its
    # poll would end in an exception raised and caught: garbage on every pass)
    import socket
    from emeter.app import App
    from host.board import HostBoard
    from apphelp import wait_for
    app = App(HostBoard(str(tmp_path)), port=0, host="127.0.0.1")
    app.web.start(0, "127.0.0.1")
    polls = []
    real = app.web.server.poll
    app.web.server.poll = lambda: polls.append(1) or real()
    s = socket.create_connection(("127.0.0.1", app.web.port()))
    try:
        s.sendall(b"GET /data.json HTTP/1.1\r\nHost: localhost\r\n")  # not whole yet
        for _ in range(20):
            assert not app.web.poll()
        assert polls == []
        s.sendall(b"\r\n")
        assert wait_for(app.web.poll) and polls == [1]
        s.settimeout(10)
        assert s.recv(12) == b"HTTP/1.1 200"
    finally:
        s.close()
        app.web.stop()


def test_log_txt_goes_out_entry_by_entry_as_the_log_holds_it(tmp_path, run_app):
    # chunked, one entry at a time: the ring is never joined into one block on the board
    from cosem.message import Failure
    from emeter.store.faillog import NAME
    from host.board import HostBoard
    board = HostBoard(str(tmp_path))
    board.write_file_atomic(NAME, b"".join(
        Failure("hdlc", "fcs", "frame check sequence wrong %d" % i, bytes(range(i, 200)))
        .log_entry("2026-01-0%dT00:00:00Z" % (i + 1)).encode() for i in range(3)))
    r = run_app(board)
    assert len(r.app.log.entries) == 3
    status, headers, body = r.get("/log.txt")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert headers.get("transfer-encoding") == "chunked" and "content-length" not in headers
    assert body == b"".join(r.app.log.entries) == r.app.log.text()
    assert body.count(b"--- Start --- ") == 3 and b"wrong 2" in body
