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
    new, errors = Settings().updated({
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
    _, errors = Settings().updated({"raw_port": b"0", "mqtt_prefix": b"a/#", "push_url": b"ftp://x",
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
