"""Raw TCP and DSMR bridge ports, read by dsmr_parser's own TCP client."""

import socket
from decimal import Decimal

from dsmr_parser import obis_references as obis
from dsmr_parser import telegram_specifications
from dsmr_parser.clients.socket_ import SocketReader

from apphelp import corpus_path
from feedhelp import LOOPBACK, decoded, free_port, run_app, stop_app, wait_for
from emeter.feeds.tcpfan import TcpFanout

DSMR = "dsmr-v5-nl-iskra-mt382-1.txt"
HDLC = "hdlc-aidon-6525-list3-2.hex"


def _first_telegram(port):
    reader = SocketReader(LOOPBACK, port, telegram_specifications.V5)
    for telegram in reader.read():
        return telegram
    return None


def test_raw_port_carries_the_meter_bytes_that_dsmr_parser_reads(tmp_path):
    port = free_port()
    r = run_app(tmp_path, DSMR, raw_enabled=1, raw_port=port)
    try:
        assert wait_for(lambda: r.app.feeds.raw is not None)
        t = _first_telegram(port)
    finally:
        stop_app(r)
    m = decoded(DSMR)[0]
    assert t[obis.ELECTRICITY_USED_TARIFF_1].value == Decimal(str(m.value("1-0:1.8.1")))
    assert t[obis.CURRENT_ELECTRICITY_USAGE].value == Decimal(str(m.value("1-0:1.7.0")))
    assert t[obis.INSTANTANEOUS_VOLTAGE_L1].value == Decimal(str(m.value("1-0:32.7.0")))


def test_raw_port_sends_no_banner_and_several_clients_get_the_same_bytes(tmp_path):
    port = free_port()
    r = run_app(tmp_path, DSMR, raw_enabled=1, raw_port=port)
    got = []
    try:
        assert wait_for(lambda: r.app.feeds.raw is not None)
        socks = [socket.create_connection((LOOPBACK, port), timeout=10) for _ in range(2)]
        assert wait_for(lambda: len(r.app.feeds.raw.clients) == 2)
        for s in socks:
            buf = b""
            while buf.count(b"!") < 3:
                buf += s.recv(4096)
            got.append(buf)
            s.close()
    finally:
        stop_app(r)
    with open(corpus_path(DSMR), "rb") as f:
        capture = f.read()
    for buf in got:
        # a client joins wherever the replay is; from the next '/' on, the bytes are the capture's
        start = buf.index(b"/")
        assert buf[start:start + len(capture)] == capture


def test_bridge_port_turns_an_hdlc_meter_into_dsmr_telegrams_with_the_same_values(tmp_path):
    port = free_port()
    r = run_app(tmp_path, HDLC, speed=4, raw_enabled=0, bridge_enabled=1, bridge_port=port)
    try:
        assert wait_for(lambda: r.app.feeds.bridge is not None)
        t = _first_telegram(port)
    finally:
        stop_app(r)
    m = decoded(HDLC)[0]
    assert m.reading("1-0:1.8.0").unit == "Wh" and m.reading("1-0:1.7.0").unit == "W"
    assert t[obis.ELECTRICITY_IMPORTED_TOTAL].value == Decimal(str(m.value("1-0:1.8.0"))) / 1000
    assert t[obis.ELECTRICITY_IMPORTED_TOTAL].unit == "kWh"
    assert t[obis.CURRENT_ELECTRICITY_USAGE].value == Decimal(str(m.value("1-0:1.7.0"))) / 1000
    for ref, code in ((obis.INSTANTANEOUS_VOLTAGE_L1, "1-0:32.7.0"),
                      (obis.INSTANTANEOUS_VOLTAGE_L3, "1-0:72.7.0"),
                      (obis.INSTANTANEOUS_CURRENT_L3, "1-0:71.7.0")):
        assert t[ref].value == Decimal(str(m.value(code)))
    assert bytes.fromhex(t[obis.EQUIPMENT_IDENTIFIER].value).decode() == m.meter["id"]


def test_a_client_that_stops_reading_is_dropped_instead_of_holding_the_loop():
    fan = TcpFanout(socket, 0, LOOPBACK, backlog_bytes=8192, send_max=4096)
    slow = socket.create_connection((LOOPBACK, fan.port()))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        assert wait_for(lambda: fan.poll() is not None and fan.clients, 5)
        chunk = b"x" * 1024
        for _ in range(10000):  # far more than the kernel buffers and the backlog hold
            fan.write(chunk)
            fan.poll()
            if not fan.clients:
                break
        assert fan.clients == [] and fan.dropped_slow == 1
    finally:
        slow.close()
        fan.close()


def test_clients_beyond_the_limit_are_turned_away():
    fan = TcpFanout(socket, 0, LOOPBACK, max_clients=1)
    a = socket.create_connection((LOOPBACK, fan.port()))
    b = socket.create_connection((LOOPBACK, fan.port()))
    try:
        assert wait_for(lambda: fan.poll() is not None and fan.refused == 1, 5)
        b.settimeout(5)
        assert b.recv(10) == b""
        assert len(fan.clients) == 1
    finally:
        a.close()
        b.close()
        fan.close()


def test_feed_counters_show_in_data_json_and_on_the_page(tmp_path):
    port = free_port()
    r = run_app(tmp_path, DSMR, raw_enabled=1, raw_port=port)
    try:
        assert wait_for(lambda: r.app.feeds.raw is not None)
        s = socket.create_connection((LOOPBACK, port), timeout=10)
        assert wait_for(lambda: r.app.feeds.raw.accepted == 1)
        feeds = r.json()["device"]["feeds"]
        assert feeds["raw"]["accepted"] == 1 and feeds["raw"]["clients"] == 1
        assert "feed raw accepted" in r.get("/")[2].decode("utf-8")
        s.close()
    finally:
        stop_app(r)


def test_with_no_tcp_feed_on_the_tcp_feed_module_is_never_loaded(tmp_path):
    import sys
    sys.modules.pop("emeter.feeds.tcpfan", None)
    r = run_app(tmp_path, DSMR)
    try:
        assert wait_for(lambda: r.app.feeds.listening and r.app.state.frames_ok >= 1)
        assert r.app.feeds.raw is None and r.app.feeds.bridge is None
        assert "emeter.feeds.tcpfan" not in sys.modules  # its heap stays free on the board
    finally:
        stop_app(r)
