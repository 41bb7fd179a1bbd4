"""Host mode against a real Home Assistant (tools/ha_venv.py installs it; never skipped):
its MQTT integration through a real mosquitto, its `dsmr` integration on the raw port and
on the DSMR bridge port, and the README's REST YAML, on a DSMR meter, a W/Wh meter
(Aidon, HDLC) and a Kamstrup.  One Home Assistant for the module, restarted once."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import paho.mqtt.client as paho
import pytest

from feedhelp import LOOPBACK, Mosquitto, free_port, port_open, wait_for, write_settings
from hahelp import ROOT, HomeAssistant, ha_venv

CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")

# key -> (capture, dsmr integration on: None, "raw" or "bridge", replay speed); the DSMR
# capture is one telegram: at a tenth of 115200 baud it comes about once a second, as from a meter
METERS = {
    "nl": ("dsmr-v5-nl-iskra-mt382-1.txt", "raw", 0.1),
    "aidon": ("hdlc-aidon-6525-list3-2.hex", "bridge", 1),
    "kamstrup": ("hdlc-kamstrup-6841131-list2-1.hex", None, 1),
    "se": ("dsmr-sweden-landisgyr-e360-1.txt", None, 0.1),  # kVAr / kVArh, no meter id
}
# units of the readings discovery must describe (electricity codes 1-n:..., M-Bus 0-n:24.2.1)
DESCRIBED_UNITS = ("W", "kW", "Wh", "kWh", "var", "kvar", "kVAr", "varh", "kvarh", "kVArh",
                   "VA", "kVA", "VAh", "kVAh", "V", "A", "Hz", "m3")

CONFIG = """\
homeassistant:
  name: Test
  time_zone: Europe/Amsterdam
  unit_system: metric
  currency: EUR
  country: NL
  latitude: 52.0
  longitude: 5.0
  elevation: 0
http:
  server_host: 127.0.0.1
  server_port: @PORT@
api:
config:
onboarding:
auth:
websocket_api:
recorder:
  commit_interval: 1
history:
energy:
logger:
  default: warning
"""


def readme_rest():
    """The README's REST YAML (the list under `rest:`)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"Home Assistant \(REST sensor.*?```yaml\nrest:\n(.*?)```", text, re.S)
    assert m, "README: no REST YAML block"
    return m.group(1)


def rest_sensors():
    """[(name, unit)] of the README's REST sensors."""
    block = readme_rest()
    names = re.findall(r'- name: "([^"]+)"', block)
    units = re.findall(r'unit_of_measurement: "([^"]+)"', block)
    assert names and len(names) == len(units), block
    return list(zip(names, units))


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class HostMode:
    """`python3 build.py run --replay` as its own process, feeds from settings.toml."""

    def __init__(self, key, tmp, mqtt_port):
        self.key = key
        self.capture, self.dsmr, self.speed = METERS[key]
        self.dir = os.path.join(str(tmp), "host-" + key)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.raw_port = free_port()
        self.bridge_port = free_port()
        write_settings(self.dir, hostname=key, mqtt_enabled=1, mqtt_host=LOOPBACK, mqtt_port=mqtt_port,
                       mqtt_prefix="em_" + key, raw_enabled=1 if self.dsmr == "raw" else 0,
                       raw_port=self.raw_port, bridge_enabled=1 if self.dsmr == "bridge" else 0,
                       bridge_port=self.bridge_port, ha_before_2025_6=1)
        self.proc = None

    def start(self):
        self.out = open(os.path.join(self.dir, "run.out"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "build.py"), "run", "--replay",
             os.path.join(CORPUS, self.capture), "--speed", str(self.speed), "--port", str(self.port), "--host", LOOPBACK,
             "--data", self.dir], cwd=ROOT, stdout=self.out, stderr=subprocess.STDOUT)
        assert wait_for(lambda: self.data() is not None, 60), "host mode %s did not serve" % self.key

    def data(self):
        import http.client
        try:
            c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
            c.request("GET", "/data.json")
            r = c.getresponse()
            body = r.read()
            c.close()
        except OSError:
            return None
        if r.status != 200:
            return None
        d = json.loads(body, parse_float=Decimal)
        return d if d.get("readings") else None

    def kill(self):
        """The device dies: no goodbye, the broker sees the connection drop."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None
            self.out.close()


class Retained:
    """Everything retained under a prefix, as a client connecting now sees it."""

    def __init__(self, port, topic):
        self.got = {}
        c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="retained-%d" % time.monotonic_ns())
        c.on_connect = lambda c, u, f, rc, p=None: c.subscribe(topic)
        c.on_message = lambda c, u, m: self.got.__setitem__(m.topic, m.payload.decode()) if m.retain else None
        c.connect(LOOPBACK, port, 30)
        c.loop_start()
        time.sleep(1.5)
        c.loop_stop()
        c.disconnect()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ha")
    try:
        ha_venv.ensure()
    except ha_venv.Missing as e:
        pytest.fail("Home Assistant cannot be installed: %s" % e, pytrace=False)
    broker = Mosquitto(tmp).start()
    meters = dict((k, HostMode(k, tmp, broker.port)) for k in METERS)
    for m in meters.values():  # first, so that the REST sensors find /data.json at once
        m.start()
    rest = "rest:\n"
    for k, m in meters.items():
        block = readme_rest().replace("http://emeter.local/", "http://%s:%d/" % (LOOPBACK, m.port))
        rest += block.replace('- name: "', '- name: "%s ' % k)
    ha = HomeAssistant(os.path.join(str(tmp), "config"), CONFIG + rest)
    try:
        ha.start().onboard()
        out = ha.flow("mqtt", {"broker": LOOPBACK, "port": broker.port})
        assert out["type"] == "create_entry", out
        dsmr_entries = {}
        for k, m in meters.items():
            if m.dsmr:
                port = m.raw_port if m.dsmr == "raw" else m.bridge_port
                # docs/feeds.md: version 5 on a DSMR meter's raw port, 5S on the bridge
                out = ha.flow("dsmr", {"type": "Network"}, {"host": LOOPBACK, "port": port,
                                                            "dsmr_version": "5" if m.dsmr == "raw" else "5S"})
                assert out["type"] == "create_entry", out
                dsmr_entries[k] = out["result"]["entry_id"]
        yield {"ha": ha, "broker": broker, "meters": meters, "dsmr": dsmr_entries}
    finally:
        for m in meters.values():
            m.kill()
        ha.stop()
        broker.stop()


def _discovery(world):
    """unique_id -> discovery config, as retained on the broker."""
    r = Retained(world["broker"].port, "homeassistant/sensor/#")
    return dict((c["unique_id"], c) for c in (json.loads(p) for p in r.got.values() if p))


def _configs_by_meter(world):
    out = dict((k, {}) for k in world["meters"])
    for uid, c in _discovery(world).items():
        key = c["state_topic"].split("/")[0][3:]
        out[key][uid] = c
    return out


HA_UNITS = {"m3": "m\u00b3", "kVAr": "kvar", "kVArh": "kvarh"}  # Home Assistant's spelling


def _code(cfg):
    return re.search(r"readings\['([^']+)'\]", cfg["value_template"]).group(1)


def _num(x):
    return Decimal(str(x))


def test_every_discovered_entity_exists_with_the_data_json_value_unit_and_classes(world):
    ha = world["ha"]
    by_meter = wait_for(lambda: (lambda c: c if all(len(v) >= 5 for v in c.values()) else None)(
        _configs_by_meter(world)), 60)
    assert by_meter, _configs_by_meter(world)
    problems = []

    def check():
        del problems[:]
        states = ha.states()
        for key, cfgs in by_meter.items():
            data = world["meters"][key].data()
            for uid, cfg in cfgs.items():
                s = states.get("sensor." + uid)
                if s is None:
                    problems.append("%s: no entity" % uid)
                    continue
                reading = data["readings"][_code(cfg)]
                a = s["attributes"]
                if s["state"] in ("unknown", "unavailable") or _num(s["state"]) != _num(reading["value"]):
                    problems.append("%s: state %s, /data.json %s" % (uid, s["state"], reading["value"]))
                if a.get("unit_of_measurement") != HA_UNITS.get(reading.get("unit"), reading.get("unit")):
                    problems.append("%s: unit %s, /data.json %s" % (uid, a.get("unit_of_measurement"),
                                                                     reading.get("unit")))
                for f in ("device_class", "state_class"):
                    if a.get(f) != cfg.get(f):
                        problems.append("%s: %s %s, sent %s" % (uid, f, a.get(f), cfg.get(f)))
        return not problems

    assert wait_for(check, 60), problems
    # and nothing the meter sends with a unit is left without an entity
    for key, cfgs in by_meter.items():
        data = world["meters"][key].data()
        sent = set(_code(c) for c in cfgs.values())
        want = set(code for code, r in data["readings"].items()
                   if r.get("unit") in DESCRIBED_UNITS and (code.startswith("1-") or code.endswith(":24.2.1")))
        assert want <= sent, (key, sorted(want - sent))
    # the classes themselves: a few codes every meter here sends
    for key, cfgs in by_meter.items():
        for cfg in cfgs.values():
            code = _code(cfg).split(":")[1]
            want = {"1.7.0": ("power", "measurement"), "32.7.0": ("voltage", "measurement"),
                    "31.7.0": ("current", "measurement"), "1.8.0": ("energy", "total_increasing"),
                    "1.8.1": ("energy", "total_increasing"), "24.2.1": ("gas", "total_increasing")}.get(code)
            if want:
                assert (cfg.get("device_class"), cfg["state_class"]) == want, (key, code, cfg)


def test_readings_have_readable_names_and_the_device_says_who_made_it(world):
    ha = world["ha"]
    by_meter = _configs_by_meter(world)
    reg = ha.ws({"type": "config/device_registry/list"})[0]["result"]
    for key, cfgs in by_meter.items():
        for uid, cfg in cfgs.items():
            assert not re.search(r"\d-\d+:\d", cfg["name"]), (uid, cfg["name"])
            s = ha.states()["sensor." + uid]
            assert not re.search(r"\d-\d+:\d", s["attributes"]["friendly_name"]), s
        dev = list(cfgs.values())[0]["device"]
        found = [d for d in reg if [["mqtt", dev["identifiers"][0]]] == d["identifiers"]]
        assert found, dev
        d = found[0]
        assert d["manufacturer"] == {"nl": "Iskra", "aidon": "Aidon", "kamstrup": "Kamstrup", "se": "Landis+Gyr"}[key], d
        assert d["configuration_url"] == "http://%s:%d/" % (LOOPBACK, world["meters"][key].port), d
    gas = [c for c in by_meter["nl"].values() if c.get("device_class") == "gas"]
    assert [c["name"] for c in gas] == ["Gas"], gas


def test_home_assistant_logged_no_error_about_our_topics(world):
    log = world["ha"].log()
    bad = [line for line in log.splitlines()
           if (" ERROR " in line or " WARNING " in line)
           and ("mqtt" in line.lower() or "emeter" in line or "em_" in line or "rest" in line.lower()
                or "template" in line.lower() or "dsmr" in line.lower() or "sensor" in line.lower())]
    assert not bad, "\n".join(bad)


def _rest_expected(data, name, unit):
    """What a REST sensor in `unit` must show: the reading of the quantity the README
    names (import power / energy), whatever channel and unit family the meter uses."""
    what = {"W": "1.7.0", "kW": "1.7.0", "Wh": "1.8.0", "kWh": "1.8.0"}[unit]
    for code, r in data["readings"].items():
        if code.startswith("1-") and code.split(":")[1] == what and r.get("unit") in ("W", "kW", "Wh", "kWh"):
            v = _num(r["value"])
            if r["unit"].startswith("k") and not unit.startswith("k"):
                v *= 1000
            elif unit.startswith("k") and not r["unit"].startswith("k"):
                v /= 1000
            return v
    return None


def test_readme_rest_yaml_gives_the_right_value_in_its_unit_for_every_meter(world):
    ha = world["ha"]
    sensors = rest_sensors()
    problems = []

    def check():
        del problems[:]
        states = ha.states()
        for key, m in world["meters"].items():
            data = m.data()
            for name, unit in sensors:
                s = states.get("sensor." + slugify(key + " " + name))
                want = _rest_expected(data, name, unit)
                if s is None or want is None:
                    problems.append((key, name, s, want))
                elif s["state"] in ("unknown", "unavailable") or _num(s["state"]) != want:
                    problems.append((key, name, s["state"], str(want), unit))
        return not problems

    assert wait_for(check, 40), problems


# the dsmr integration's sensors (translation key) -> OBIS code and the DSMR unit they show
DSMR_KEYS = {
    "current_electricity_usage": "1.7.0", "current_electricity_delivery": "2.7.0",
    "electricity_used_tariff_1": "1.8.1", "electricity_used_tariff_2": "1.8.2",
    "electricity_delivered_tariff_1": "2.8.1", "electricity_delivered_tariff_2": "2.8.2",
    "electricity_imported_total": "1.8.0", "electricity_exported_total": "2.8.0",
    "instantaneous_voltage_l1": "32.7.0", "instantaneous_voltage_l2": "52.7.0",
    "instantaneous_voltage_l3": "72.7.0", "instantaneous_current_l1": "31.7.0",
    "instantaneous_current_l2": "51.7.0", "instantaneous_current_l3": "71.7.0",
    "instantaneous_active_power_l1_positive": "21.7.0", "instantaneous_active_power_l2_positive": "41.7.0",
    "instantaneous_active_power_l3_positive": "61.7.0", "instantaneous_active_power_l1_negative": "22.7.0",
    "instantaneous_active_power_l2_negative": "42.7.0", "instantaneous_active_power_l3_negative": "62.7.0",
}
DSMR_UNIT = {"W": ("kW", Decimal("0.001")), "Wh": ("kWh", Decimal("0.001")), "kW": ("kW", 1),
             "kWh": ("kWh", 1), "V": ("V", 1), "A": ("A", 1)}


def _meter_time_utc(iso):
    """/data.json's timestamp as UTC; no offset = Dutch local time (what DSMR meters send)."""
    t = datetime.fromisoformat(iso)
    if t.tzinfo is None:
        from zoneinfo import ZoneInfo
        t = t.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    return t.astimezone(timezone.utc)


def test_dsmr_integration_on_raw_and_bridge_ports_equals_data_json(world):
    ha = world["ha"]
    def entities():  # the integration adds its entities with the first telegram
        reg = ha.ws({"type": "config/entity_registry/list"})[0]["result"]
        got = dict((k, [e for e in reg if e["config_entry_id"] == eid]) for k, eid in world["dsmr"].items())
        if all(len(v) >= 5 for v in got.values()):
            return got
        time.sleep(2)
    ents = wait_for(entities, 90)
    assert ents and set(ents) == {"nl", "aidon"}, ents
    # enable what the integration leaves disabled (per-phase values, the timestamp), reload once
    cmds = [{"type": "config/entity_registry/update", "entity_id": e["entity_id"], "disabled_by": None}
            for es in ents.values() for e in es if e["disabled_by"]]
    if cmds:
        assert all(r["success"] for r in ha.ws(*cmds))
        for eid in world["dsmr"].values():
            ha.api("POST", "/api/config/config_entries/entry/%s/reload" % eid)
    problems = []

    def check():
        del problems[:]
        states = ha.states()
        for key, es in ents.items():
            data = world["meters"][key].data()
            by_code = {}
            for code, r in data["readings"].items():
                if code.startswith("1-"):
                    by_code.setdefault(code.split(":")[1], r)
            seen = 0
            for e in es:
                s = states.get(e["entity_id"])
                tk = e.get("translation_key") or e["unique_id"].split("_", 1)[-1]
                if s is None:
                    problems.append((key, e["entity_id"], "no state"))
                    continue
                if tk == "timestamp" or e["unique_id"].endswith("_timestamp"):
                    want = _meter_time_utc(data["timestamp"])
                    got = datetime.fromisoformat(s["state"]) if s["state"] not in ("unknown", "unavailable") \
                        else None
                    if got != want:
                        problems.append((key, "timestamp", s["state"], want.isoformat()))
                    seen += 1
                    continue
                code = DSMR_KEYS.get(tk)
                if code is None or code not in by_code:
                    continue
                r = by_code[code]
                unit, factor = DSMR_UNIT[r["unit"]]
                want = _num(r["value"]) * factor
                if not want and s["attributes"].get("state_class") == "total_increasing":
                    ok = s["state"] == "unknown"  # the integration shows no zero energy total
                else:
                    ok = s["state"] not in ("unknown", "unavailable") and _num(s["state"]) == want
                if not ok or s["attributes"].get("unit_of_measurement") != unit:
                    problems.append((key, tk, s["state"], s["attributes"].get("unit_of_measurement"),
                                     str(want), unit))
                seen += 1
            if seen < 5:
                problems.append((key, "only %d entities compared" % seen))
        return not problems

    assert wait_for(check, 90), problems


def test_energy_sensors_pass_energy_and_statistics_validation(world):
    ha = world["ha"]
    by_meter = _configs_by_meter(world)
    energy = []
    gas = []
    for cfgs in by_meter.values():
        for uid, c in cfgs.items():
            if c.get("device_class") == "energy":
                energy.append("sensor." + uid)
            elif c.get("device_class") == "gas":
                gas.append("sensor." + uid)
    assert len(energy) >= 4 and gas, (energy, gas)
    prefs = {"energy_sources": [
        {"type": "grid", "flow_from": [{"stat_energy_from": e, "stat_cost": None, "entity_energy_price": None,
                                         "number_energy_price": None} for e in energy],
         "flow_to": [], "cost_adjustment_day": 0}] + [
        {"type": "gas", "stat_energy_from": g, "stat_cost": None, "entity_energy_price": None,
         "number_energy_price": None} for g in gas],
        "device_consumption": []}
    # statistics are compiled every 5 minutes: wait for the first ones of every sensor
    ids = energy + gas

    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    query = {"type": "recorder/statistics_during_period", "start_time": since, "statistic_ids": ids,
             "period": "5minute", "types": ["state", "sum"]}

    def compiled():
        r = ha.ws(query)[0]
        if r["success"] and all(r["result"].get(i) for i in ids):
            return True
        time.sleep(5)
        return False
    assert wait_for(compiled, 330), ha.ws(query)
    saved = ha.ws({"type": "energy/save_prefs", **prefs})[0]
    assert saved["success"], saved
    v = ha.ws({"type": "energy/validate"})[0]
    assert v["success"], v
    issues = [i for src in v["result"]["energy_sources"] for i in src]
    assert not issues, issues
    st = ha.ws({"type": "recorder/validate_statistics"})[0]
    assert st["success"] and not st["result"], st


def test_zz_a_dead_device_goes_unavailable_and_stays_so_across_a_home_assistant_restart(world):
    ha = world["ha"]
    by_meter = _configs_by_meter(world)
    ids = ["sensor." + uid for cfgs in by_meter.values() for uid in cfgs]
    expire = min(c["expire_after"] for cfgs in by_meter.values() for c in cfgs.values())
    states = ha.states()
    assert all(states[i]["state"] != "unavailable" for i in ids)
    for m in world["meters"].values():
        m.kill()
    t0 = time.monotonic()

    def down():
        st = ha.states()
        return all(st[i]["state"] == "unavailable" for i in ids)

    assert wait_for(down, expire + 10), [(i, s["state"]) for i, s in ha.states().items() if i in ids]
    assert time.monotonic() - t0 <= expire + 5
    seen = Retained(world["broker"].port, "+/status").got
    assert seen and set(seen.values()) == {"offline"}, seen
    ha.restart()
    # wait until the MQTT entities are loaded again, give retained messages time to arrive
    assert wait_for(lambda: all(i in ha.states() for i in ids), 60)
    time.sleep(5)
    st = ha.states()
    assert all(st[i]["state"] == "unavailable" for i in ids), [(i, st[i]["state"]) for i in ids
                                                               if st[i]["state"] != "unavailable"]
