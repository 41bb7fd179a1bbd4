"""Home Assistant MQTT discovery: one sensor config per OBIS code the meter sends.

The sensors read the one state document (`<prefix>/state`, the readings as in
/data.json); a code missing from a message renders an empty value, which Home
Assistant ignores, so meters that send energy totals only hourly (Norwegian list
3) keep their last value instead of flapping.  `expire_after` follows the
meter's cadence (see Cadence).  device_class / state_class come from obismap.
"""

from cosem.jsonw import Pairs, dumps

from emeter.feeds.obismap import KINDS, UNITS, info

MIN_EXPIRE_S = 60
# Before a code has been seen twice: registers may come hourly, the rest every few seconds.
DEFAULT_EXPIRE_S = {"register": 2 * 3600 + 600, "instant": 300}
_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789"


def slug(text):
    """'1-0:21.7.0' -> '1_0_21_7_0'; anything not [a-z0-9] becomes '_'."""
    return "".join([ch if ch in _SAFE else "_" for ch in str(text).lower()])


class Cadence:
    """How often each code arrives, learnt from the gap between two sightings."""

    def __init__(self):
        self.last = {}   # obis -> ticks of the latest sighting
        self.gap = {}    # obis -> latest gap in ms

    def seen(self, obis, now, ticks_diff):
        prev = self.last.get(obis)
        self.last[obis] = now
        if prev is not None:
            self.gap[obis] = ticks_diff(now, prev)

    def expire_s(self, obis, register):
        g = self.gap.get(obis)
        if g is None:
            return DEFAULT_EXPIRE_S["register" if register else "instant"]
        return max(MIN_EXPIRE_S, (3 * g + 999) // 1000)


def node_id(message, hostname):
    mid = message.meter.get("id")
    return "emeter_" + slug(mid if mid else hostname)


def device(message, hostname, ip=None):
    m = message.meter
    d = Pairs()
    d.add("identifiers", [node_id(message, hostname)])
    d.add("name", "Electricity meter %s" % (m.get("id") or hostname))
    d.add("manufacturer", m.get("list") or m.get("identification") or "unknown")
    d.add("model", m.get("model") or message.format)
    if m.get("id"):
        d.add("serial_number", str(m.get("id")))
    if ip:
        d.add("configuration_url", "http://%s/" % ip)
    return d


def config(message, reading, hostname, state_topic, avail_topic, expire_s, dev=None):
    """(object id, payload JSON) of one sensor, or None if the code is not a quantity we map."""
    i = info(reading.obis)
    if i is None:
        return None
    dclass, sclass, base, _, _ = KINDS[i.kind]
    if base is not None and UNITS.get(reading.unit, (None,))[0] != base:
        return None  # no unit, or not one this kind takes: leave it out, never mislabel
    node = node_id(message, hostname)
    oid = node + "_" + slug(reading.obis)
    code = reading.obis
    p = Pairs()
    p.add("name", reading.name or code)
    p.add("unique_id", oid)
    p.add("object_id", oid)                  # Home Assistant before 2025.10
    p.add("default_entity_id", "sensor." + oid)
    p.add("state_topic", state_topic)
    p.add("value_template", "{%% if '%s' in value_json.readings %%}"
          "{{ value_json.readings['%s'].value }}{%% endif %%}" % (code, code))
    if dclass:
        p.add("device_class", dclass)
    p.add("state_class", sclass)
    if reading.unit:
        p.add("unit_of_measurement", reading.unit)
    p.add("expire_after", expire_s)
    p.add("availability_topic", avail_topic)
    p.add("device", dev if dev is not None else device(message, hostname))
    return oid, dumps(p)


def topic(ha_prefix, message, hostname, obis):
    return "%s/sensor/%s/%s/config" % (ha_prefix, node_id(message, hostname), slug(obis))


def is_register(obis):
    i = info(obis)
    return i is not None and KINDS[i.kind][4]
