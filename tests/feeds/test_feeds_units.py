"""Feed building blocks: the bridge over the whole corpus, exact unit moves, Home
Assistant configs from the table, line protocol, settings rows, MQTT timeouts."""

import glob
import json
import os
from decimal import Decimal

import pytest
from dsmr_parser import telegram_specifications
from dsmr_parser.parsers import TelegramParser

import cosem
from apphelp import CORPUS, corpus_bytes
from cosem.message import Message
from cosem.number import Dec
from emeter.feeds import dsmrbridge, hadiscovery, influx, mqtt, obismap
from emeter.store import feedfields
from emeter.store.settings import Settings

# DSMR 5 line -> (our code, the unit DSMR uses, power of ten from our base unit)
BRIDGED = {
    "1-0:1.8.0": 3, "1-0:2.8.0": 3, "1-0:1.8.1": 3, "1-0:1.8.2": 3, "1-0:2.8.1": 3,
    "1-0:2.8.2": 3, "1-0:3.8.0": 3, "1-0:4.8.0": 3, "1-0:3.7.0": 3, "1-0:4.7.0": 3,
    "1-0:1.7.0": 3, "1-0:2.7.0": 3, "1-0:21.7.0": 3, "1-0:41.7.0": 3,
    "1-0:61.7.0": 3, "1-0:22.7.0": 3, "1-0:42.7.0": 3, "1-0:62.7.0": 3,
    "1-0:32.7.0": 0, "1-0:52.7.0": 0, "1-0:72.7.0": 0,
    "1-0:31.7.0": 0, "1-0:51.7.0": 0, "1-0:71.7.0": 0,
}


def _binary_captures():
    out = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*.hex"))):
        name = os.path.basename(path)
        if name.startswith(("hdlc-", "mbus-", "llc-", "apdu-")):
            out.append(name)
    return out


def _messages(name):
    with open(os.path.join(CORPUS, name[:-4] + ".expected.json")) as f:
        exp = json.load(f)
    key = bytes.fromhex(exp["key"]) if exp.get("key") else None
    auth = bytes.fromhex(exp["auth_key"]) if exp.get("auth_key") else None
    return [m for m in cosem.decode(corpus_bytes(name), key, auth) if m.ok]


def _ours(m):
    """'1-0:C.D.E' -> (Decimal value in the base unit) for the codes the bridge carries."""
    out = {}
    for r in m.readings:
        if not r.obis.startswith("1-"):
            continue
        code = "1-0" + r.obis[r.obis.find(":"):]
        v, unit = obismap.in_base_unit(r.value, r.unit)
        if code in BRIDGED and code not in out and isinstance(v, (int, Dec)):
            if unit in ("W", "Wh", "V", "A", "var", "varh"):
                out[code] = Decimal(str(v))
    return out


def test_every_decodable_binary_capture_bridges_to_a_telegram_dsmr_parser_accepts_with_our_values():
    parser = TelegramParser(telegram_specifications.V5)
    bridged = 0
    for name in _binary_captures():
        for m in _messages(name):
            t = dsmrbridge.telegram(m)
            ours = _ours(m)
            if not ours:
                assert t is None, name
                continue
            text = t.decode("ascii")
            assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), name
            parser.parse(text)  # raises on a wrong CRC
            lines = dict((line[:line.index("(")], line)
                         for line in text.split("\r\n") if line.startswith("1-0:"))
            assert set(lines) == set(ours), name
            for code, line in lines.items():
                number, unit = line[line.index("(") + 1:-1].split("*")
                assert Decimal(number) * 10 ** BRIDGED[code] == ours[code], (name, line)
                assert unit in ("kWh", "kW", "V", "A", "kvarh", "kvar")
            bridged += 1
    assert bridged >= 40


def test_a_bridged_nordic_telegram_reads_as_swedish_dsmr_with_its_totals():
    from dsmr_parser import obis_references as obis
    m = _messages("hdlc-kamstrup-6841131-list2-1.hex")[0]
    t = TelegramParser(telegram_specifications.SWEDEN).parse(dsmrbridge.telegram(m).decode())
    assert t[obis.ELECTRICITY_IMPORTED_TOTAL].value == Decimal("155232.51")
    assert t[obis.ELECTRICITY_REACTIVE_EXPORTED_TOTAL].value == Decimal("7243.62")
    assert t[obis.ELECTRICITY_REACTIVE_EXPORTED_TOTAL].unit == "kvarh"
    assert t[obis.INSTANTANEOUS_CURRENT_L3].value == Decimal("10.21")


def test_bridge_numbers_move_the_decimal_point_and_never_round():
    assert dsmrbridge.fixed(109552250, -3, 6, 3) == "109552.250"
    assert dsmrbridge.fixed(Dec(5, -1), -3, 6, 3) == "000000.0005"
    assert dsmrbridge.fixed(Dec(2301, -1), 0, 3, 1) == "230.1"
    assert dsmrbridge.fixed(7, 0, 3, 0) == "007"
    assert dsmrbridge.fixed(Dec(-15, 0), 0, 3, 1) == "-015.0"


def test_bridge_timestamp_carries_the_dst_flag_dsmr_expects():
    assert dsmrbridge.timestamp("2025-07-01T12:00:00+02:00") == "250701120000S"
    assert dsmrbridge.timestamp("2025-12-14T16:00:00+01:00") == "251214160000W"
    assert dsmrbridge.timestamp("2025-12-14T16:00:00") == "251214160000W"
    assert dsmrbridge.timestamp(None) is None


def test_bridge_leaves_a_message_without_electricity_readings_alone():
    m = Message("hdlc")
    m.add("0-0:96.1.0", "123")
    assert dsmrbridge.telegram(m) is None


def _msg(*readings):
    m = Message("hdlc")
    m.meter = {"id": "ABC 1", "model": "X"}
    for obis, value, unit in readings:
        m.add(obis, value, unit)
    return m


@pytest.mark.parametrize("obis,unit,dclass,sclass", [
    ("1-0:1.8.0", "kWh", "energy", "total_increasing"),
    ("1-0:2.7.0", "W", "power", "measurement"),
    ("1-0:21.7.0", "kW", "power", "measurement"),
    ("1-0:3.8.0", "kvarh", "reactive_energy", "total_increasing"),
    ("1-0:4.7.0", "var", "reactive_power", "measurement"),
    ("1-0:9.7.0", "VA", "apparent_power", "measurement"),
    ("1-0:9.8.0", "VAh", None, "total_increasing"),
    ("1-0:52.7.0", "V", "voltage", "measurement"),
    ("1-0:91.7.0", "A", "current", "measurement"),
    ("1-0:14.7.0", "Hz", "frequency", "measurement"),
    ("1-0:13.7.0", None, "power_factor", "measurement"),
])
def test_discovery_config_takes_device_and_state_class_from_the_table(obis, unit, dclass, sclass):
    m = _msg((obis, Dec(1234, -3), unit))
    oid, payload = hadiscovery.config(m, m.readings[0], "host", "p/state", "p/status", 300)
    c = json.loads(payload)
    assert c.get("device_class") == dclass and c["state_class"] == sclass
    assert c.get("unit_of_measurement") == unit
    assert c["unique_id"] == oid == "emeter_abc_1_" + obis.replace("-", "_").replace(":", "_").replace(".", "_")


def test_discovery_leaves_out_values_without_a_fitting_unit_and_codes_it_does_not_know():
    m = _msg(("1-0:1.8.0", 5, None), ("1-0:1.7.0", 5, "Wh"), ("0-0:96.14.0", "0001", None),
             ("1-0:1.8.1", 5, "kWh"))
    got = [hadiscovery.config(m, r, "h", "s", "a", 60) for r in m.readings]
    assert [g is not None for g in got] == [False, False, False, True]


def test_expire_after_follows_the_cadence_each_code_arrives_at():
    c = hadiscovery.Cadence()

    def diff(a, b):
        return a - b
    assert c.expire_s("1-0:1.8.0", True) > 3600 and c.expire_s("1-0:1.7.0", False) < 3600
    c.seen("1-0:1.7.0", 0, diff)
    c.seen("1-0:1.7.0", 10000, diff)
    c.seen("1-0:1.8.0", 0, diff)
    c.seen("1-0:1.8.0", 3600000, diff)
    assert c.expire_s("1-0:1.7.0", False) == 60          # 3 x 10 s, at least a minute
    assert c.expire_s("1-0:1.8.0", True) == 3 * 3600     # hourly totals


def test_line_protocol_escapes_tags_and_keeps_decimals_exact():
    m = _msg(("1-0:1.8.0", Dec(123456789, -3), "kWh"), ("1-0:32.7.0", Dec(2300, -1), "V"),
             ("0-0:96.14.0", "0002", None))
    assert influx.line(m) == "emeter,meter=ABC\\ 1,model=X 1-0:1.8.0=123456.789,1-0:32.7.0=230.0"
    assert influx.line(_msg(("0-0:96.1.0", "x", None))) is None


def test_feed_settings_round_trip_and_reject_bad_values():
    claimed = Settings({"admin_password": "sha256$00$00"})  # (unclaimed: nothing saves)
    new, errors = claimed.updated({
        "raw_port": b"2323", "mqtt_enabled": b"1", "mqtt_host": b"192.168.1.10",
        "mqtt_port": b"1884", "mqtt_prefix": b"/house/meter/", "mqtt_password": b"pw",
        "push_mode": b"influx", "push_url": b"http://10.0.0.2:8086/write?db=m",
        "push_interval": b"30"})
    assert errors == {}
    assert (new["raw_port"], new["mqtt_enabled"], new["mqtt_prefix"], new["push_mode"]) == (
        2323, 1, "house/meter", "influx")

    class B:
        files = {}

        def read_file(self, n):
            return self.files.get(n)

        def write_file_atomic(self, n, d):
            self.files[n] = d
    b = B()
    new.save(b)
    back = Settings.load(b)
    assert back.problems == []
    for k in ("raw_port", "mqtt_host", "mqtt_port", "mqtt_prefix", "mqtt_password", "push_url",
              "push_interval", "push_mode"):
        assert back[k] == new[k], k
    _, errors = claimed.updated({"raw_port": b"0", "mqtt_prefix": b"a/#", "push_url": b"ftp://x",
                                   "push_interval": b"1", "mqtt_host": b"a b"})
    assert set(errors) == {"raw_port", "mqtt_prefix", "push_url", "push_interval", "mqtt_host"}


def test_every_feed_field_has_a_checker_and_a_default_it_accepts():
    for name, key, kind, default, secret, label in feedfields.FEED_FIELDS:
        check = feedfields.FEED_CHECKS.get(kind)
        if kind == "bool":
            continue
        assert check is not None, name
        assert check(str(default)) == (default, None) or default == "", name


def test_one_mqtt_connection_attempt_fits_in_the_uart_budget():
    for budget in (355, 1000, 18800):
        connect, recv = mqtt.timeouts(budget)
        # MiniMQTT's connection manager may try the TCP connect twice, then waits for CONNACK
        assert (2 * connect + recv) * 1000 <= budget
    assert mqtt.timeouts(10 ** 6) == (1.0, 2.0)


@pytest.mark.parametrize("kind", ["port", "interval"])
@pytest.mark.parametrize("text", ["²", "٣٣", "1²", "99999999999999999999", "-5", " "])
def test_number_fields_refuse_what_only_looks_like_digits(kind, text):
    from emeter.store.settings import check_field
    value, message = check_field(kind, text)
    assert value is None and message


def test_push_form_escape_sends_only_ascii():
    from emeter.feeds.push import _form_escape
    assert _form_escape("a²b c") == "a%C2%B2b%20c"


@pytest.mark.parametrize("iso,dsmr", [
    ("2020-07-21T21:00:00+00:00", "200721230000S"),   # a UTC meter clock in summer: +2 h
    ("2025-12-14T16:00:00+00:00", "251214170000W"),   # ... and in winter: +1 h
    ("2025-12-31T23:30:00Z", "260101003000W"),        # across the year
    ("2025-07-01T12:00:00+02:00", "250701120000S"),   # already Dutch summer time
    ("2025-07-01T13:00:00+03:00", "250701120000S"),   # a Finnish summer clock
    ("2025-03-30T00:59:00+00:00", "250330015900W"),   # the spring change: 01:00 UTC
    ("2025-03-30T01:00:00+00:00", "250330030000S"),
    ("2025-10-26T00:59:00+00:00", "251026025900S"),   # the autumn change: 01:00 UTC
    ("2025-10-26T01:00:00+00:00", "251026020000W"),
    ("2025-07-01T12:00:00", "250701120000S"),         # no deviation: local time already
    ("2025-01-01T12:00:00", "250101120000W"),
    ("2025-07-01", None), ("2025-07-01T12:00:00+2", None),
])
def test_bridge_timestamp_is_dutch_local_time_with_its_flag(iso, dsmr):
    assert dsmrbridge.timestamp(iso) == dsmr


def test_a_bridged_telegram_reads_back_as_the_meters_moment_in_utc():
    from datetime import datetime, timezone
    m = _msg(("1-0:1.7.0", 1000, "W"))
    m.timestamp = "2020-07-21T21:00:00+00:00"
    t = TelegramParser(telegram_specifications.V5).parse(dsmrbridge.telegram(m).decode("ascii"))
    assert t.P1_MESSAGE_TIMESTAMP.value.astimezone(timezone.utc) == datetime(2020, 7, 21, 21, 0, tzinfo=timezone.utc)


def test_discovery_for_home_assistant_before_2025_6_leaves_out_the_reactive_device_classes():
    m = _msg(("1-0:3.8.0", 5, "kvarh"), ("1-0:4.7.0", 5, "kvar"), ("1-0:1.8.0", 5, "kWh"))
    old = [json.loads(hadiscovery.config(m, r, "h", "s", "a", 60, before_2025_6=True)[1]) for r in m.readings]
    new = [json.loads(hadiscovery.config(m, r, "h", "s", "a", 60)[1]) for r in m.readings]
    assert [c.get("device_class") for c in old] == [None, None, "energy"]
    assert [c.get("device_class") for c in new] == ["reactive_energy", "reactive_power", "energy"]
    assert [c["state_class"] for c in old] == ["total_increasing", "measurement", "total_increasing"]
    assert feedfields.FEED_FIELDS and [f for f in feedfields.FEED_FIELDS if f[0] == "ha_before_2025_6"][0][3] == 0


def test_kvar_spelt_as_landis_gyr_does_is_a_reactive_unit_home_assistant_knows():
    m = _msg(("1-0:3.7.0", Dec(12, -3), "kVAr"), ("1-0:3.8.0", Dec(1234, -3), "kVArh"))
    cfgs = [json.loads(hadiscovery.config(m, r, "h", "s", "a", 60)[1]) for r in m.readings]
    assert [(c["device_class"], c["unit_of_measurement"]) for c in cfgs] == [
        ("reactive_power", "kvar"), ("reactive_energy", "kvarh")]
    assert obismap.in_base_unit(Dec(1234, -3), "kVArh") == (1234, "varh")


def test_a_dsmr_telegram_with_kvar_units_gets_its_reactive_entities():
    m = [x for x in cosem.decode(corpus_bytes("dsmr-sweden-landisgyr-e360-1.txt")) if x.ok][0]
    kv = [r for r in m.readings if r.unit in ("kVAr", "kVArh")]
    assert len(kv) >= 4
    for r in kv:
        c = json.loads(hadiscovery.config(m, r, "h", "s", "a", 60)[1])
        assert c["device_class"] in ("reactive_power", "reactive_energy"), r.obis


def test_gas_water_and_heat_meters_on_the_m_bus_get_entities_by_their_device_type():
    m = _msg(("0-1:24.1.0", 3, None), ("0-1:24.2.1", Dec(107, -3), "m3"),
             ("0-2:24.1.0", 7, None), ("0-2:24.2.1", Dec(8579, -3), "m3"),
             ("0-3:24.2.1", Dec(1, 0), "m3"),              # no device type: unsure, left out
             ("0-4:24.2.1", Dec(240860, -3), "GJ"))        # heat (warmtelink)
    got = dict((r.obis, hadiscovery.config(m, r, "h", "s", "a", 60)) for r in m.readings)
    gas = json.loads(got["0-1:24.2.1"][1])
    assert (gas["name"], gas["device_class"], gas["unit_of_measurement"], gas["state_class"]) == (
        "Gas", "gas", "m\u00b3", "total_increasing")
    water = json.loads(got["0-2:24.2.1"][1])
    assert (water["name"], water["device_class"], water["unit_of_measurement"]) == ("Water 2", "water", "m\u00b3")
    assert got["0-3:24.2.1"] is None and got["0-1:24.1.0"] is None
    heat = json.loads(got["0-4:24.2.1"][1])
    assert (heat["device_class"], heat["unit_of_measurement"]) == ("energy", "GJ")
    assert hadiscovery.known("0-1:24.2.1") and hadiscovery.is_register("0-1:24.2.1")


def _device(*args):
    from cosem.jsonw import dumps
    return json.loads(dumps(hadiscovery.device(*args)))


def test_the_device_names_its_maker_model_firmware_and_page():
    dsmr = Message("dsmr")
    dsmr.meter = {"id": "K8EG004046395507", "identification": "/ISk5\\2MT382-1000"}
    d = _device(dsmr, "h", "192.168.1.20")
    assert (d.get("manufacturer"), d.get("model"), d.get("configuration_url")) == (
        "Iskra", "MT382-1000", "http://192.168.1.20/")
    aidon = _msg(("1-0:0.2.0", "FW 1.2.3", None))
    aidon.meter = {"id": "7359992890497997", "list": "AIDON_V0001", "model": "6534"}
    d = _device(aidon, "h")
    assert (d.get("manufacturer"), d.get("model"), d.get("sw_version")) == ("Aidon", "6534", "FW 1.2.3")
    for ident, made in (("/KFM5KAIFA-METER", "Kaifa"), ("/LGF5E360", "Landis+Gyr"), ("/XYZ5ABC", "XYZ")):
        m = Message("dsmr")
        m.meter = {"identification": ident}
        assert _device(m, "h").get("manufacturer") == made
    kam = Message("hdlc")
    kam.meter = {"list": "Kamstrup_V0001", "model": "6841121BN243101040"}
    assert _device(kam, "h").get("manufacturer") == "Kamstrup"


def test_the_model_follows_the_identification_separator():
    # identification lines of real captures: '\\2' (enhanced mode) and ':' come before the type
    for ident, model in (("/NES5:83335-3E", "83335-3E"), ("/ELL5\\253833635_A", "53833635_A"),
                         ("/ISK5\\2M550T-1012", "M550T-1012"), ("/ESY5Q3DA1004 V3.04", "Q3DA1004 V3.04"),
                         ("/XMX5LGBBFFB231314239", "LGBBFFB231314239"), ("/Ene5\\T210-D ESMR5.0", "T210-D ESMR5.0")):
        m = Message("dsmr")
        m.meter = {"identification": ident}
        assert _device(m, "h").get("model") == model, ident


def test_every_code_discovery_sends_has_a_readable_name():
    for name in ("hdlc-kamstrup-omnipower-dk-ct-1.hex", "dsmr-v5-nl-iskra-mt382-1.txt",
                 "hdlc-aidon-6525-list3-2.hex", "dsmr-sweden-landisgyr-e360-1.txt"):
        m = [x for x in cosem.decode(corpus_bytes(name)) if x.ok][0]
        for r in m.readings:
            cfg = hadiscovery.config(m, r, "h", "s", "a", 60)
            if cfg is not None:
                n = json.loads(cfg[1])["name"]
                assert ":" not in n and not n[0].isdigit(), (name, r.obis, n)
    m = _msg(("1-1:21.8.0", 5, "Wh"), ("1-0:62.7.0", 5, "W"), ("1-0:2.8.2", 5, "kWh"))
    names = [json.loads(hadiscovery.config(m, r, "h", "s", "a", 60)[1])["name"] for r in m.readings]
    assert names[0] == "Active energy import L1" and names[1] == "Active power export L3"
    assert "tariff 2" in names[2] and "export" in names[2].lower()


class _WillBoard:
    def ticks_ms(self):
        return 0

    def socket_pool(self):
        import socket
        return socket

    def wifi_status(self):
        return {"mac": "7c:df:a1:00:0a:bc"}


def test_last_will_is_retained_at_qos_0_as_minimqtt_reads_its_arguments():
    # MiniMQTT's will_set is (topic, msg, retain, qos): `offline` must stay retained for
    # Home Assistant, and a bool passed as qos is refused on CircuitPython, where a bool
    # is not an int (the feed would never connect on a board).
    s = Settings({"mqtt_enabled": 1, "mqtt_host": "127.0.0.1", "mqtt_prefix": "meter1"})
    client = mqtt.MqttFeed(_WillBoard(), s)._minimqtt()
    assert (client._lw_topic, client._lw_msg) == ("meter1/status", b"offline")
    assert client._lw_retain is True and client._lw_qos == 0
    assert client.client_id == "emeter-emeter-000abc"
    # made once per run: the making is not kept in the heap with the client
    import sys
    assert "emeter.feeds.mqttclient" not in sys.modules and not hasattr(mqtt.MqttFeed, "_client_id")


class _TickBoard(_WillBoard):
    now = 0

    def ticks_ms(self):
        return self.now


_MIXED = (("1-0:1.8.0", Dec(123456, -3), "kWh"), ("1-0:1.7.0", Dec(1234, -3), "kW"),
          ("1-0:32.7.0", Dec(2301, -1), "V"), ("0-0:96.1.1", "4530303434", None),
          ("0-1:24.1.0", 3, None), ("0-1:24.2.1", Dec(107, -3), "m3"), ("1-0:99.97.0", 5, None))


def _discovery_run(monkeypatch, limit):
    # 20 telegrams 10 s apart through a feed with discovery on (no broker: nothing is sent);
    # (table look-ups made, what each config would say after every telegram)
    monkeypatch.setattr(mqtt, "_CODES_MAX", limit)
    real = hadiscovery.info
    calls = []
    monkeypatch.setattr(hadiscovery, "info", lambda obis: calls.append(obis) or real(obis))
    monkeypatch.setattr(mqtt.MqttFeed, "_hadiscovery", lambda self: hadiscovery)  # this one,
    monkeypatch.setattr(mqtt.MqttFeed, "_let_go", lambda self: None)            # kept loaded
    board = _TickBoard()
    s = Settings({"mqtt_enabled": 1, "mqtt_host": "127.0.0.1", "ha_discovery": 1})
    feed = mqtt.MqttFeed(board, s)
    out = []
    n = 0
    for i in range(20):
        board.now = i * 10000
        m = _msg(*_MIXED)
        k = len(calls)
        feed.message_in(m)
        n += len(calls) - k
        out.append([(o, hadiscovery.config(m, m.reading(o), "h", "s", "a",
                                           feed.cadence.expire_s(o, hadiscovery.is_register(o))))
                    for o in feed.pending])
    monkeypatch.setattr(hadiscovery, "info", real)
    return n, out


def test_discovery_works_out_each_code_once_and_announces_the_same(monkeypatch):
    # the per-telegram cost is a dict look-up per reading: the table (which parses the code
    # and builds an Info) is asked about each code on the first telegram only; the memory
    # is bounded (_CODES_MAX), and with none the configs are the same
    calls, out = _discovery_run(monkeypatch, 128)
    assert calls <= 2 * len(_MIXED)
    calls_every_time, out_every_time = _discovery_run(monkeypatch, 0)   # nothing remembered
    assert calls_every_time >= 20 * len(_MIXED)
    assert out == out_every_time
    assert [o for o, _ in out[-1]] == ["1-0:1.8.0", "1-0:1.7.0", "1-0:32.7.0", "0-1:24.2.1"]
    assert all(c is not None for _, c in out[-1])


class _FeedsApp:
    """What Feeds reads of the App: settings, the scheduler's budget, a board, no web server."""

    def __init__(self, **values):
        self.settings = Settings(values)
        self.sched = type("Sched", (), {"budget_ms": 355, "drain": None})()
        self.board = type("Board", (), {"ticks_ms": lambda self: 0})()
        self.web = None  # no routes: no /metrics


@pytest.mark.parametrize("push", [{}, {"push_mode": "influx", "push_url": "http://h/write?db=x"}])
def test_a_message_keeps_no_copy_of_its_bytes_once_the_feeds_have_it(push, capsys):
    from emeter.feeds.hub import Feeds
    m = _messages("hdlc-aidon-6525-list3-2.hex")[0]
    assert len(m.raw) > 100
    Feeds(_FeedsApp(**push)).message_in(m)
    # the device keeps the latest message until the next: without its frames' bytes
    assert m.raw == b"" and m.readings


def test_dsmr_reader_push_keeps_the_bytes_until_it_sends_them(capsys):
    from emeter.feeds.hub import Feeds
    from emeter.feeds.push import request_for
    m = [m for m in cosem.decode(corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt")) if m.ok][0]
    raw = m.raw
    feeds = Feeds(_FeedsApp(push_mode="dsmrreader", push_url="http://h", push_token="k"))
    feeds.message_in(m)
    assert m.raw == raw and feeds.push.latest is m
    url, body, headers = request_for("dsmrreader", "http://h", "k", m)
    assert body.startswith(b"telegram=%2F")


def test_a_ciphered_dsmr_telegram_goes_on_as_text_not_as_its_encrypted_frame(capsys):
    # Luxembourg/Austria P1 ports send the telegram inside a GCM frame: the message's raw
    # bytes are that frame, which dsmr-reader and a bridge client cannot read
    from urllib.parse import unquote_to_bytes
    from emeter.feeds.hub import Feeds
    from emeter.feeds.push import request_for
    name = "dsmrgcm-sagemcom-t210dr-at-steiermark-1"
    with open(os.path.join(CORPUS, name + ".expected.json")) as f:
        key = bytes.fromhex(json.load(f)["key"])
    lux = [m for m in cosem.decode(corpus_bytes(name + ".hex"), key) if m.ok][0]
    assert lux.format == "dsmr" and lux.raw[:1] == b"\xdb"
    # the Polish hybrid: the identification line in clear, then a GCM block, then '!'
    from cosem import meterside
    plain = b"0-0:1.0.0(260410150553S)\r\n1-0:1.8.0(012345.035*kWh)\r\n"
    ct, tag = meterside.encrypt(key, bytes(8) + bytes(4), plain, b"", 12)
    block = b"\x30" + bytes(4) + ct + tag
    wire = b"/EGM5G35\r\n\r\n\x00\x82" + len(block).to_bytes(2, "big") + block + b"!\r\n"
    pol = [m for m in cosem.decode(wire, key) if m.ok][0]
    assert pol.format == "dsmr" and pol.raw[:1] == b"/" and b"\x00\x82" in pol.raw
    for m in (lux, pol):
        url, body, headers = request_for("dsmrreader", "http://h", "k", m)
        text = unquote_to_bytes(body[len(b"telegram="):].replace(b"+", b" "))
        assert text.startswith(b"/") and text.isascii()
        assert b"1-0:1.8.0(" in text

    class Bridge:
        clients = 1
        sent = []

        def write(self, data):
            self.sent.append(bytes(data))

    feeds = Feeds(_FeedsApp())
    feeds.bridge = Bridge()
    for m in (lux, pol):
        feeds.message_in(m)
    assert len(Bridge.sent) == 2
    assert all(t.startswith(b"/") and t.isascii() and b"1-0:1.8.0(" in t for t in Bridge.sent)


def test_a_push_loads_only_the_writer_of_its_mode():
    # the DSMR bridge (with the OBIS table it reads) is 9 kB of heap an InfluxDB push never uses
    from emeter.feeds import push
    assert not hasattr(push, "telegram") and not hasattr(push, "line")
    m = _messages("hdlc-aidon-6525-list3-2.hex")[0]
    url, body, headers = push.request_for("influx", "http://h/write?db=x", "", m)
    assert body.startswith(b"emeter,")
    url, body, headers = push.request_for("dsmrreader", "http://h", "", m)
    assert body.startswith(b"telegram=%2F")
