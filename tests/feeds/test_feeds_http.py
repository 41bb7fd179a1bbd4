"""/metrics read by prometheus_client's parser; HTTP push to a real InfluxDB 1.x
(queried back) and to a stand-in dsmr-reader datalogger."""

import http.server
import sys
import threading
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from dsmr_parser import obis_references as obis
from dsmr_parser import telegram_specifications
from dsmr_parser.parsers import TelegramParser
from prometheus_client.parser import text_string_to_metric_families

from feedhelp import LOOPBACK, Influxd, decoded, free_port, run_app, stop_app, wait_for

HDLC = "hdlc-aidon-6525-list3-2.hex"
DSMR = "dsmr-v5-nl-iskra-mt382-1.txt"


def _families(text):
    out = {}
    for f in text_string_to_metric_families(text):
        out[f.name] = f
    return out


def _sample(fam, **labels):
    for s in fam.samples:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s
    raise AssertionError("no sample %r in %s" % (labels, fam.name))


def test_metrics_endpoint_parses_with_prometheus_client_and_carries_the_readings(tmp_path):
    r = run_app(tmp_path, HDLC, speed=4, raw_enabled=0)
    try:
        assert wait_for(lambda: r.app.state.frames_ok >= 1, 20)
        table_loaded = "emeter.feeds.obismap" in sys.modules
        status, headers, body = r.get("/metrics")
        # a scrape's code is let go until the next one (the OBIS table too, unless already kept)
        assert "emeter.feeds.metrics" not in sys.modules
        assert ("emeter.feeds.obismap" in sys.modules) == table_loaded
    finally:
        stop_app(r)
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    fams = _families(body.decode("utf-8"))
    m = decoded(HDLC)[0]
    energy = fams["emeter_active_energy_import_watthours"]
    assert energy.type == "counter"
    assert _sample(energy).value == m.value("1-0:1.8.0")  # Wh, as the meter sent
    assert _sample(fams["emeter_active_power_import_watts"]).value == m.value("1-0:1.7.0")
    volts = fams["emeter_voltage_volts"]
    assert volts.type == "gauge"
    assert Decimal(str(_sample(volts, phase="L2").value)) == Decimal(str(m.value("1-0:52.7.0")))
    assert Decimal(str(_sample(fams["emeter_current_amperes"], phase="L3").value)) == Decimal(
        str(m.value("1-0:71.7.0")))
    assert _sample(fams["emeter_frames_ok"]).value >= 1
    assert fams["emeter_frames_rejected"].type == "counter"
    assert _sample(fams["emeter_uptime_seconds"]).value > 0
    assert _sample(fams["emeter_meter_info"], id=m.meter["id"]).value == 1
    assert fams["emeter_late"].type == "counter" and fams["emeter_worst_gap_milliseconds"].type == "gauge"


def test_dsmr_kilowatts_become_watts_exactly_in_metrics(tmp_path):
    r = run_app(tmp_path, DSMR, raw_enabled=0)
    try:
        assert wait_for(lambda: r.app.state.frames_ok >= 1, 20)
        _, _, body = r.get("/metrics")
    finally:
        stop_app(r)
    fams = _families(body.decode("utf-8"))
    m = decoded(DSMR)[0]
    assert m.reading("1-0:1.8.1").unit == "kWh"
    tariff = fams["emeter_active_energy_import_tariff_watthours"]
    assert _sample(tariff, tariff="1").value == Decimal(str(m.value("1-0:1.8.1"))) * 1000
    assert _sample(fams["emeter_phase_active_power_import_watts"], phase="L3").value == 142


@pytest.fixture
def influxd(tmp_path):
    d = tmp_path / "influx"
    d.mkdir()
    s = Influxd(d)
    yield s
    s.stop()


def test_influx_push_lands_in_a_real_influxdb_with_the_decoded_values(tmp_path, influxd):
    influxd.query("CREATE DATABASE meter")
    url = "http://%s:%d/write?db=meter" % (LOOPBACK, influxd.port)
    r = run_app(tmp_path, HDLC, speed=4, raw_enabled=0, push_mode="influx", push_url=url,
                push_interval=5)
    try:
        assert wait_for(lambda: r.app.feeds.push.sent >= 1, 30), r.app.feeds.push.last_error
    finally:
        stop_app(r)
    res = influxd.query('SELECT "1-0:1.8.0", "1-0:32.7.0", "1-0:71.7.0" FROM emeter', db="meter")
    series = res["results"][0]["series"][0]
    row = dict(zip(series["columns"], series["values"][0]))
    m = decoded(HDLC)[0]
    assert row["1-0:1.8.0"] == m.value("1-0:1.8.0")
    assert Decimal(str(row["1-0:32.7.0"])) == Decimal(str(m.value("1-0:32.7.0")))
    assert Decimal(str(row["1-0:71.7.0"])) == Decimal(str(m.value("1-0:71.7.0")))
    tags = influxd.query('SHOW TAG VALUES FROM emeter WITH KEY = "meter"', db="meter")
    assert tags["results"][0]["series"][0]["values"][0][1] == m.meter["id"]


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A stand-in for dsmr-reader's datalogger API: records each POST, answers 201."""

    posts = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.posts.append((self.path, dict(self.headers), self.rfile.read(n)))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture
def datalogger():
    _Recorder.posts = []
    srv = http.server.HTTPServer((LOOPBACK, free_port()), _Recorder)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_dsmr_reader_push_sends_a_bridged_telegram_with_the_api_key(tmp_path, datalogger):
    url = "http://%s:%d" % (LOOPBACK, datalogger.server_address[1])
    r = run_app(tmp_path, HDLC, speed=4, raw_enabled=0, push_mode="dsmrreader", push_url=url,
                push_token="s3cret-key", push_interval=5)
    try:
        assert wait_for(lambda: _Recorder.posts, 30), r.app.feeds.push.last_error
    finally:
        stop_app(r)
    path, headers, body = _Recorder.posts[0]
    assert path == "/api/v1/datalogger/dsmrreading"
    assert headers["X-AUTHKEY"] == "s3cret-key"
    telegram = parse_qs(body.decode("ascii"))["telegram"][0]
    t = TelegramParser(telegram_specifications.V5).parse(telegram)  # checks the CRC too
    m = decoded(HDLC)[0]
    assert t[obis.ELECTRICITY_IMPORTED_TOTAL].value == Decimal(str(m.value("1-0:1.8.0"))) / 1000


def test_a_push_target_that_is_down_is_counted_and_the_loop_goes_on(tmp_path):
    url = "http://%s:%d/write?db=x" % (LOOPBACK, free_port())  # nobody listens there
    r = run_app(tmp_path, DSMR, raw_enabled=0, push_mode="influx", push_url=url, push_interval=5)
    try:
        assert wait_for(lambda: r.app.feeds.push.failed >= 1, 30)
        n = r.app.state.frames_ok
        assert wait_for(lambda: r.app.state.frames_ok > n + 2, 20)
    finally:
        stop_app(r)
    assert r.app.feeds.push.sent == 0 and r.app.feeds.push.last_error
