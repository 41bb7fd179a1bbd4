"""MQTT against a real mosquitto, watched by a paho-mqtt subscriber: discovery configs,
state, availability and last will, Home Assistant's birth message, a broker restart."""

import json
import socket
import threading
from decimal import Decimal

import jinja2
import paho.mqtt.client as paho
import pytest

from feedhelp import LOOPBACK, Mosquitto, free_port, decoded, run_app, stop_app, wait_for

HDLC = "hdlc-aidon-6525-list3-2.hex"
DSMR = "dsmr-v5-nl-iskra-mt382-1.txt"


class Watcher:
    """A paho subscriber that keeps every message it sees, in order."""

    def __init__(self, port, client_id="watcher"):
        self.lock = threading.Lock()
        self.seen = []
        self.c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.c.on_message = self._on_message
        self.c.on_connect = lambda c, u, f, rc, p=None: c.subscribe("#")
        self.c.connect(LOOPBACK, port, 30)
        self.c.loop_start()

    def _on_message(self, c, u, msg):
        with self.lock:
            self.seen.append((msg.topic, msg.payload.decode("utf-8"), msg.retain))

    def topic(self, t):
        with self.lock:
            return [p for topic, p, _ in self.seen if topic == t]

    def matching(self, prefix):
        with self.lock:
            return [(t, p) for t, p, _ in self.seen if t.startswith(prefix)]

    def publish(self, topic, payload):
        self.c.publish(topic, payload).wait_for_publish(10)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


@pytest.fixture
def broker(tmp_path):
    b = Mosquitto(tmp_path).start()
    yield b
    b.stop()


def _mqtt_settings(broker, **kw):
    d = dict(raw_enabled=0, mqtt_enabled=1, mqtt_host=LOOPBACK, mqtt_port=broker.port,
             mqtt_prefix="meter1", hostname="emtest")
    d.update(kw)
    return d


def _configs(w):
    out = {}
    for t, p in w.matching("homeassistant/sensor/"):
        if p:
            c = json.loads(p)
            out[c["unique_id"]] = c
    return out


def test_discovery_configs_describe_each_code_and_the_state_carries_exact_values(tmp_path, broker):
    w = Watcher(broker.port)
    r = run_app(tmp_path, HDLC, speed=4, **_mqtt_settings(broker))
    try:
        assert wait_for(lambda: len(w.topic("meter1/state")) >= 1, 20)
        assert wait_for(lambda: len(_configs(w)) >= 14, 20)
        assert "online" in w.topic("meter1/status")
    finally:
        stop_app(r)
        w.close()
    m = decoded(HDLC)[0]
    node = "emeter_" + m.meter["id"]
    cfgs = _configs(w)
    power = cfgs[node + "_1_0_1_7_0"]
    assert (power["device_class"], power["state_class"], power["unit_of_measurement"]) == (
        "power", "measurement", "W")
    energy = cfgs[node + "_1_0_1_8_0"]
    assert (energy["device_class"], energy["state_class"], energy["unit_of_measurement"]) == (
        "energy", "total_increasing", "Wh")
    assert energy["expire_after"] > 3600  # Norwegian list 3: energy totals come hourly
    assert power["expire_after"] < energy["expire_after"]
    volt = cfgs[node + "_1_0_32_7_0"]
    assert (volt["device_class"], volt["unit_of_measurement"]) == ("voltage", "V")
    assert cfgs[node + "_1_0_71_7_0"]["device_class"] == "current"
    assert cfgs[node + "_1_0_4_8_0"]["device_class"] == "reactive_energy"
    assert cfgs[node + "_1_0_3_7_0"]["device_class"] == "reactive_power"
    for c in (power, energy):
        assert c["default_entity_id"] == "sensor." + c["object_id"]
        assert c["state_topic"] == "meter1/state"
        assert c["availability_topic"] == "meter1/status"
        assert c["device"]["identifiers"] == [node]
        assert c["device"]["serial_number"] == m.meter["id"]
        assert c["device"]["configuration_url"] == "http://127.0.0.1:%d/" % r.port  # the device page
        assert (c["device"]["manufacturer"], c["device"]["model"]) == ("Aidon", m.meter["model"])
    state = json.loads(w.topic("meter1/state")[0], parse_float=Decimal)
    for code in ("1-0:1.8.0", "1-0:32.7.0", "1-0:71.7.0", "1-0:1.7.0"):
        assert str(state["readings"][code]["value"]) == str(m.value(code))
    assert state["meter"]["id"] == m.meter["id"]


def test_discovery_code_is_let_go_once_the_configs_are_sent(tmp_path, broker):
    import sys
    w = Watcher(broker.port)
    r = run_app(tmp_path, HDLC, speed=4, **_mqtt_settings(broker))
    try:
        assert wait_for(lambda: len(_configs(w)) >= 14 and not r.app.feeds.mqtt.pending, 20)
        assert wait_for(lambda: len(w.topic("meter1/state")) >= 2, 20)
    finally:
        stop_app(r)
        w.close()
    # sized up once per code, then the configs' module is not kept for every message
    assert r.app.feeds.mqtt.codes["1-0:1.8.0"] is True and r.app.feeds.mqtt.codes["1-0:1.7.0"] is False
    assert "emeter.feeds.hadiscovery" not in sys.modules


def _render(template, state):
    """Home Assistant's value_template, rendered by Jinja like Home Assistant does."""
    return jinja2.Environment().from_string(template).render(value_json=state)


def test_a_code_missing_from_a_message_renders_empty_so_home_assistant_keeps_its_value(
        tmp_path, broker):
    w = Watcher(broker.port)
    r = run_app(tmp_path, HDLC, speed=4, **_mqtt_settings(broker))
    try:
        assert wait_for(lambda: len(_configs(w)) >= 14, 20)
    finally:
        stop_app(r)
        w.close()
    m = decoded(HDLC)[0]
    tmpl = _configs(w)["emeter_%s_1_0_1_8_0" % m.meter["id"]]["value_template"]
    assert _render(tmpl, {"readings": {"1-0:1.8.0": {"value": 12}}}) == "12"
    assert _render(tmpl, {"readings": {"1-0:1.7.0": {"value": 3}}}) == ""


def _online_then_dies(r, w):
    """The device comes online, then its socket just goes away (no DISCONNECT, no goodbye
    publish): the broker publishes its will."""
    assert wait_for(lambda: r.app.feeds.mqtt.connected, 20)
    assert wait_for(lambda: w.topic("meter1/status")[-1:] == ["online"], 20)
    r.stopping = True
    r.thread.join(10)
    r.app.feeds.mqtt._close()
    assert wait_for(lambda: w.topic("meter1/status")[-1:] == ["offline"], 20)


def test_last_will_marks_the_meter_offline_when_the_connection_dies(tmp_path, broker):
    w = Watcher(broker.port)
    r = run_app(tmp_path, DSMR, **_mqtt_settings(broker, ha_discovery=0))
    try:
        _online_then_dies(r, w)
        assert w.matching("homeassistant/") == []
    finally:
        stop_app(r)
        w.close()


def test_a_client_that_connects_after_the_device_died_sees_it_offline(tmp_path, broker):
    """The will is retained: Home Assistant started (or restarted) after the device died
    must not find a retained `online`."""
    w = Watcher(broker.port)
    r = run_app(tmp_path, DSMR, **_mqtt_settings(broker, ha_discovery=0))
    try:
        _online_then_dies(r, w)
        late = Watcher(broker.port, "late")
        try:
            assert wait_for(lambda: late.topic("meter1/status"), 10)
            assert late.topic("meter1/status") == ["offline"]
        finally:
            late.close()
    finally:
        stop_app(r)
        w.close()


def test_home_assistant_birth_message_brings_the_configs_again(tmp_path, broker):
    w = Watcher(broker.port)
    r = run_app(tmp_path, DSMR, **_mqtt_settings(broker))
    try:
        assert wait_for(lambda: len(_configs(w)) >= 10, 20)
        before = len(w.matching("homeassistant/sensor/"))
        w.publish("homeassistant/status", "online")
        assert wait_for(lambda: len(w.matching("homeassistant/sensor/")) >= 2 * before, 20)
    finally:
        stop_app(r)
        w.close()


def test_broker_killed_and_restarted_mid_replay_reconnects_and_the_reader_loses_nothing(
        tmp_path, broker):
    r = run_app(tmp_path, DSMR, **_mqtt_settings(broker))
    w = None
    try:
        mq = r.app.feeds.mqtt
        assert wait_for(lambda: mq.connected and mq.published > 3, 20)
        broker.stop()
        assert wait_for(lambda: not mq.connected and mq.dropped > 0, 20)
        ok_while_down = r.app.state.frames_ok
        assert wait_for(lambda: r.app.state.frames_ok > ok_while_down + 3, 20)
        broker.start()
        w = Watcher(broker.port)
        assert wait_for(lambda: mq.connected, 30)
        assert mq.connects == 2 and mq.disconnects >= 1
        assert wait_for(lambda: len(w.topic("meter1/state")) >= 2, 20)
        st = r.app.state
        assert st.rejected == {} and st.overruns == 0
    finally:
        stop_app(r)
        if w is not None:
            w.close()


def test_a_broker_that_accepts_and_never_answers_costs_bounded_attempts_with_growing_backoff(tmp_path):
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind((LOOPBACK, free_port()))
    silent.listen(8)  # the kernel completes the handshake; nobody ever sends CONNACK
    r = run_app(tmp_path, DSMR, raw_enabled=0, mqtt_enabled=1, mqtt_host=LOOPBACK,
                mqtt_port=silent.getsockname()[1])
    try:
        mq = r.app.feeds.mqtt
        assert wait_for(lambda: mq.failures >= 2, 30)
        assert mq.backoff_ms >= 2000 and not mq.connected
        n = r.app.state.frames_ok
        assert wait_for(lambda: r.app.state.frames_ok > n + 2 and mq.dropped > 2, 20)
        assert r.app.state.rejected == {}
    finally:
        stop_app(r)
        silent.close()


def test_a_broker_that_refuses_the_credentials_is_not_asked_again(tmp_path):
    b = Mosquitto(tmp_path)
    with open(b.conf, "a") as f:
        f.write("allow_anonymous false\n")  # and no password file: every login is refused
    with open(b.conf) as f:
        conf = f.read().replace("allow_anonymous true\n", "")
    with open(b.conf, "w") as f:
        f.write(conf)
    b.start()
    r = run_app(tmp_path, DSMR, raw_enabled=0, mqtt_enabled=1, mqtt_host=LOOPBACK,
                mqtt_port=b.port, mqtt_user="meter", mqtt_password="wrong")
    try:
        mq = r.app.feeds.mqtt
        assert wait_for(lambda: mq.refused, 20)
        n = r.app.state.frames_ok
        assert wait_for(lambda: r.app.state.frames_ok > n + 3, 20)
        assert mq.failures == 1 and not mq.connected
    finally:
        stop_app(r)
        b.stop()
